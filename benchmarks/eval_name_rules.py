"""Precision of the rule tier's name patterns on real text: the public NER corpora.

The generated posts of `eval_detector.py` are written by the same engineers as the name rules, so
they cannot show what a rule does to news, Weibo or résumé text. This runs the detector with the
trained model off (`Scanner(ner="off")`, PERSON_NAME only) over every sentence of the NER corpora
in ../shared/data/ner and counts, per rule pattern (label, honorific, address_form, contact,
before_identifier …), how many of its names are exactly a gold PERSON_NAME span. Recall is not
measured: these rules are meant to fire on forms, labels and contact lines, which such corpora
rarely hold; the trained model covers running text.

    .venv/bin/python benchmarks/eval_name_rules.py [--data DIR] [--no-write]

Corpus conventions differ (CLUENER does not tag a bare surname with 先生, MSRA's names in
quotations, …): read the numbers as a floor on precision, not as the rules' true precision.
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
from corpora import load_all  # noqa: E402

from pisentinel.detect import Scanner  # noqa: E402


def tally(data_dir: Path | None) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """(corpus family, pattern) → names found, and → names equal to a gold span."""
    scanner = Scanner(ner="off", types={"PERSON_NAME"})
    found: Counter[tuple[str, str]] = Counter()
    right: Counter[tuple[str, str]] = Counter()
    for corpus, sentences in load_all(data_dir).items():
        family = corpus.split("_")[0]
        results = scanner.scan_texts([s.text for s in sentences])
        for sentence, findings in zip(sentences, results, strict=True):
            gold = {(a, e) for a, e, t in sentence.spans if t == "PERSON_NAME"}
            for f in findings:
                key = (family, f.explanation.pattern)
                found[key] += 1
                right[key] += (f.start, f.end) in gold
    return found, right


def render(found: Counter[tuple[str, str]], right: Counter[tuple[str, str]]) -> str:
    lines = ["## Name rules on real text (`benchmarks/eval_name_rules.py`)", "",
             f"{time.strftime('%Y-%m-%d %H:%M')}; `Scanner(ner=\"off\")`, PERSON_NAME only, every "
             "sentence of the NER corpora; a name is right when it is exactly a gold span.", "",
             "| corpus | rule pattern | names | right | precision |", "|---|---|---:|---:|---:|"]
    for key in sorted(found):
        n, k = found[key], right[key]
        lines.append(f"| {key[0]} | {key[1]} | {n:,} | {k:,} | {k / n:.2f} |")
    total, good = sum(found.values()), sum(right.values())
    lines.append(f"| **all** | | {total:,} | {good:,} | {good / max(total, 1):.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="the NER corpora (../shared/data/ner)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    body = render(*tally(args.data))
    print(body)
    if not args.no_write:
        write_section(RESULTS, "name-rules", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
