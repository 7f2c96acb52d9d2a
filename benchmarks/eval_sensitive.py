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
   no one (first read after the rules, so not unseen either: 159 before, 15, then 6). Skipped
   when ../shared/data is absent.

    .venv/bin/python benchmarks/eval_sensitive.py [--n 20000] [--seed 7] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "training" / "ner"))

from bench_speed import RESULTS, write_section  # noqa: E402
from eval_detector import Report, evaluate_texts, render  # noqa: E402

from pisentinel.detect import Scanner  # noqa: E402
from pisentinel.synth.sensitive_text import generate_sensitive_texts  # noqa: E402
from pisentinel.synth.whereabouts_text import generate_whereabouts_texts  # noqa: E402

TYPES = frozenset({"MEDICAL_HEALTH", "RELIGION", "BIOMETRIC"})
LABELS = HERE / "labels" / "sensitive_real.tsv"
DATA = HERE.parent.parent / "shared" / "data"


def generated(scanner: Scanner, n: int, seed: int, wording: str, kind: str) -> Report:
    types = TYPES if kind == "words" else {"WHEREABOUTS"}
    make = generate_sensitive_texts if kind == "words" else generate_whereabouts_texts

    def scan(text: str) -> list[tuple[str, int, int]]:
        return [(f.type, f.start, f.end) for f in scanner.scan_text(text) if f.type in types]

    title = "health, religion, biometrics" if kind == "words" else "whereabouts"
    return evaluate_texts(f"pisentinel · {title}, {wording} wording (seed {seed})",
                          make(n, seed, wording), scan)


def real_texts(data: Path) -> dict[str, list[str]]:
    from corpora import load_all

    texts = {k: [s.text for s in v] for k, v in load_all(data / "ner").items()}
    policy = data / "policy" / "capp130" / "risk_identification_dataset" / "dev.txt"
    texts["capp130_dev"] = [line.rsplit("\t", 1)[0]
                            for line in policy.read_text(encoding="utf-8").splitlines()]
    return texts


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
    judged = {line.rsplit("\t", 1)[0] for line in (data / "policy" / "capp130" /
              "risk_identification_dataset" / "dev.txt").read_text("utf-8").splitlines()}
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
    parts += [render(rep, {}) for rep in reports]
    body = "\n".join(parts) + "\n"
    print(body)
    if not args.no_write:
        write_section(args.write, "eval-sensitive", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
