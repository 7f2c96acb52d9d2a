"""Accuracy of the sensitive-PI types (MEDICAL_HEALTH, RELIGION, BIOMETRIC, WHEREABOUTS) — PIPL
Art. 28.

Two measures, since finding the words (or the times and places) is easy and the hard part is
whose they are:

1. Generated ground truth (`pisentinel.synth.sensitive_text`): words planted in sentences about
   a person are gold; the same words about no one (news, notices, ads, privacy policies) are hard
   negatives. "main" wording is for tuning (seed 101); the report uses another seed and the
   "alt" wording, whose templates and chatter the rules never saw. Whereabouts
   (`pisentinel.synth.whereabouts_text`): a person's times and places (parking records,
   itineraries, check-ins, GPS tracks) against agendas, timetables and opening hours; its span
   runs from the first time to the last place, so read its overlap columns.
2. Real text: every sensitive word the lexicons found in the public NER corpora (news, Weibo,
   résumés) and in CAPP-130 app privacy policies, judged by hand before the subject rule was
   written (`benchmarks/labels/sensitive_real.tsv`). Precision and recall are over those
   judged words; recall of words the lexicons never had is not measured. The hits were read
   before the rules were written, so this is not unseen text. Then the count of findings in
   8,312 other policy sentences (CAPP-130's other splits, CA4P-483), which describe data about
   no one (first read after the rules, so not unseen either: 159 before, 15, 6, then 0). Skipped
   when ../shared/data is absent.
3. Health vocabulary: the generated texts above plant the lexicon's own words, so they cannot say
   how many of the disease and medicine names people write the detector knows. Names from two
   lists are planted in sentences about a person: a dev list written for tuning the health-term
   morphology (`labels/health_dev_terms.tsv`) and a held-out list never read while tuning
   (faker-healthcare-provider's zh_CN ICD-10 disease names and their medicines; extra `bench`).

    .venv/bin/python benchmarks/eval_sensitive.py [--n 20000] [--seed 7] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Collection
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "training" / "ner"))

from bench_speed import RESULTS, write_section  # noqa: E402
from eval_detector import Report, evaluate_texts, render  # noqa: E402

from pisentinel.detect import Scanner  # noqa: E402
from pisentinel.synth.pi_text import Sample  # noqa: E402
from pisentinel.synth.sensitive_text import (  # noqa: E402
    generate_sensitive_texts,
    generate_vocabulary_texts,
)
from pisentinel.synth.whereabouts_text import generate_whereabouts_texts  # noqa: E402

TYPES = frozenset({"MEDICAL_HEALTH", "RELIGION", "BIOMETRIC"})
LABELS = HERE / "labels" / "sensitive_real.tsv"
DEV_TERMS = HERE / "labels" / "health_dev_terms.tsv"
DATA = HERE.parent.parent / "shared" / "data"


def evaluate_types(scanner: Scanner, name: str, samples: list[Sample],
                   types: Collection[str]) -> Report:
    """`evaluate_texts` of the scanner's findings of `types` only."""
    def scan(text: str) -> list[tuple[str, int, int]]:
        return [(f.type, f.start, f.end) for f in scanner.scan_text(text) if f.type in types]

    return evaluate_texts(name, samples, scan)


def generated(scanner: Scanner, n: int, seed: int, wording: str, kind: str) -> Report:
    types = TYPES if kind == "words" else {"WHEREABOUTS"}
    make = generate_sensitive_texts if kind == "words" else generate_whereabouts_texts
    title = "health, religion, biometrics" if kind == "words" else "whereabouts"
    return evaluate_types(scanner, f"pisentinel · {title}, {wording} wording (seed {seed})",
                          make(n, seed, wording), types)


def dev_terms() -> list[tuple[str, str]]:
    """The disease and medicine names written for tuning the health morphology."""
    rows = [line.split("\t") for line in DEV_TERMS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    return [(kind, term) for kind, term in rows]


def held_out_terms() -> list[tuple[str, str]] | None:
    """Disease names and medicines of faker-healthcare-provider's zh_CN data (MIT; ICD-10 names
    in Chinese, 158 diseases and the medicines listed for them): never read while tuning. None
    when the package (extra `bench`) is missing."""
    try:
        from faker_healthcare.zh_CN.disease_correlations import DISEASE_CORRELATIONS
    except ImportError:
        return None
    medicines = sorted({m for d in DISEASE_CORRELATIONS.values() for m in d["medications"]})
    return [("disease", d) for d in DISEASE_CORRELATIONS] + [("medicine", m) for m in medicines]


def vocabulary(scanner: Scanner, seed: int) -> str:
    """Recall of health words by where they come from: the lexicon is not the measure, the words
    people write are. Each term planted 4 times per wording in sentences about a person.
    "read" counts a finding at any score (is the word known at all); "reported" one at the
    scanner's threshold (also needs the sentence's person found, see detect/subject.py)."""
    lists = [("dev list (tuned on)", dev_terms())]
    held = held_out_terms()
    if held is not None:
        lists.append(("held out: faker-healthcare-provider zh_CN", held))
    reader = Scanner(ner=scanner.ner, min_score=0.0)
    lines = ["| terms | kind | terms | planted | read (any score) | reported: R overlap | "
             "reported: R exact span |", "|---|---|---:|---:|---:|---:|---:|"]
    for title, terms in lists:
        samples = [s for w in ("main", "alt")
                   for s in generate_vocabulary_texts(terms, 4, seed, w)]
        reported, read = (evaluate_types(sc, "vocabulary", samples, {"MEDICAL_HEALTH"})
                          for sc in (scanner, reader))
        for kind in ("disease", "medicine"):
            gold, exact, overlap = reported.by_form.get(("MEDICAL_HEALTH", kind), [0, 0, 0])
            if gold:
                n = sum(1 for k, _ in terms if k == kind)
                known = read.by_form[("MEDICAL_HEALTH", kind)][2]
                lines.append(f"| {title} | {kind} | {n} | {gold} | {known / gold:.3f} | "
                             f"{overlap / gold:.3f} | {exact / gold:.3f} |")
    return "\n".join(["Health words beyond the lexicon (`synth.sensitive_text."
                      "generate_vocabulary_texts`):", "", *lines])


def real_texts(data: Path) -> dict[str, list[str]]:
    from corpora import load_all

    texts = {k: [s.text for s in v] for k, v in load_all(data / "ner").items()}
    texts["capp130_dev"] = judged_policy_sentences(data)
    return texts


def judged_policy_sentences(data: Path) -> list[str]:
    """CAPP-130's risk split, whose sensitive words are judged in `LABELS`."""
    policy = data / "policy" / "capp130" / "risk_identification_dataset" / "dev.txt"
    return [line.rsplit("\t", 1)[0] for line in policy.read_text(encoding="utf-8").splitlines()]


def real(scanner: Scanner, data: Path) -> str:
    judged: dict[tuple[str, int, int], int] = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            corpus, i, start, _word, _type, label = line.split("\t")
            judged[(corpus, int(i), int(start))] = int(label)
    found: set[tuple[str, int, int]] = set()
    for corpus, texts in real_texts(data).items():
        for i, findings in enumerate(scanner.scan_texts(texts)):
            found |= {(corpus, i, f.start) for f in findings if f.type in TYPES}
    tp = sum(judged.get(k, 0) for k in found)
    fp = sum(1 for k in found if judged.get(k) == 0)
    unjudged = sum(1 for k in found if k not in judged)
    pos = sum(judged.values())
    p = tp / (tp + fp) if tp + fp else 1.0
    return (f"Real text (NER corpora + CAPP-130 policies, {len(judged)} judged words, {pos} about "
            f"a person): reported {len(found)} — {tp} about a person, {fp} about no one, "
            f"{unjudged} not judged; **P {p:.2f}, R {tp / pos:.2f}** over the judged words.")


def policy_sentences(data: Path) -> list[str]:
    """App privacy-policy sentences outside the judged set: CAPP-130's other splits and CA4P-483
    (one character a line, blank lines between sentences). They describe data about no one."""
    judged = set(judged_policy_sentences(data))
    out: list[str] = []
    for split in ("imprtant_identification_dataset", "topic_identification_dataset"):
        for line in (data / "policy" / "capp130" / split / "dev.txt").read_text("utf-8").splitlines():
            text = line.rsplit("\t", 1)[0]
            if text not in judged:
                judged.add(text)
                out.append(text)
    chars: list[str] = []
    for line in (data / "policy" / "ca4p483_dev.char.bios").read_text("utf-8").splitlines():
        if line.strip():
            chars.append(line.split()[0])
        elif chars:
            out.append("".join(chars))
            chars = []
    return out + (["".join(chars)] if chars else [])


def policies(scanner: Scanner, data: Path) -> str:
    texts = policy_sentences(data)
    found = Counter(f.type for fs in scanner.scan_texts(texts) for f in fs
                    if f.type in TYPES | {"WHEREABOUTS"})
    listed = ", ".join(f"{t} {n}" for t, n in sorted(found.items())) or "none"
    return (f"Privacy-policy sentences not judged ({len(texts):,}; data about no one): "
            f"{sum(found.values())} sensitive findings ({listed}).")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ner", choices=["off", "near", "full"], default="near")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--write", type=Path, default=RESULTS)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    scanner = Scanner(ner=args.ner)
    reports = [generated(scanner, args.n, args.seed, w, kind)
               for kind in ("words", "whereabouts") for w in ("main", "alt")]
    parts = ["## Sensitive PI: health, religion, biometrics (`benchmarks/eval_sensitive.py`)", "",
             f"`eval_sensitive.py --n {args.n} --seed {args.seed} --ner {args.ner}`, "
             f"{time.strftime('%Y-%m-%d %H:%M')}. Gold = a word in a sentence about a person; "
             "the same words about no one are hard negatives. Tuned on seed 101, main wording.",
             ""]
    if (args.data / "ner").is_dir() and LABELS.exists():
        parts += [real(scanner, args.data), "", policies(scanner, args.data), ""]
    parts += [vocabulary(scanner, args.seed), ""]
    parts += [render(rep, {}) for rep in reports]
    body = "\n".join(parts) + "\n"
    print(body)
    if not args.no_write:
        write_section(args.write, "eval-sensitive", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
