"""Entity-level precision / recall / F1 per type on held-out data, and speed, through the same
`NerRecognizer` path the detector calls.

    .venv/bin/python training/ner/evaluate.py                       # shipped model
    .venv/bin/python training/ner/evaluate.py --model /tmp/ner_xc --corpus peoples_daily

(a) the CLUENER test split (12%, never used for training or tuning) and (b) with `--corpus`, a
whole corpus the model was trained without (cross-corpus). Exact span and type must match.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import Sentence, load_all, split_cluener
from train import merge_adjacent_addresses, prf

from pisentinel.detect.ner import NerRecognizer, default_model_dir


def evaluate(rec: NerRecognizer, gold: list[Sentence]) -> dict[str, dict]:
    found = rec.find_many([s.text for s in gold])
    return prf(gold, [[(f.start, f.end, f.type) for f in fs] for fs in found])


def print_table(title: str, scores: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'type':<14}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}")
    for t, v in scores.items():
        print(f"{t:<14}{v['p']:>8.3f}{v['r']:>8.3f}{v['f1']:>8.3f}{v['gold']:>8}")


def speed(rec: NerRecognizer, texts: list[str], repeat: int = 3) -> tuple[float, float]:
    """Characters per CPU second of this process (one ORT thread, so: per core) and per wall
    second, full-text mode, best of `repeat`. CPU time is the figure that holds on a shared
    machine; wall time drops when other jobs take the core."""
    n = sum(map(len, texts))
    rec.find_many(texts[:50])
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        rec.find_many(texts)
        best_cpu = min(best_cpu, time.process_time() - c)
        best_wall = min(best_wall, time.perf_counter() - t)
    return n / best_cpu, n / best_wall


def window_speed(rec: NerRecognizer, texts: list[str], seed: int = 7) -> tuple[float, float]:
    """Window mode over posts where ~1 in 10 carries an anchor finding (a phone number, say),
    batched with `find_near_many`: characters of input per CPU second, and the share of
    characters the model actually reads."""
    rng = random.Random(seed)
    anchors: list[list[tuple[int, int]]] = []
    for t in texts:
        if len(t) > 20 and rng.random() < 0.1:
            s = rng.randrange(0, len(t) - 11)
            anchors.append([(s, s + 11)])
        else:
            anchors.append([])
    n = sum(len(t) for t in texts)
    read = sum(e - s for t, sp in zip(texts, anchors, strict=True)
               for s, e in rec._windows(t, sp, 40))
    rec.find_near_many(texts[:50], anchors[:50])
    t0 = time.process_time()
    rec.find_near_many(texts, anchors)
    return n / (time.process_time() - t0), read / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=default_model_dir())
    ap.add_argument("--corpus", default="", help="whole corpus held out of this model's training")
    ap.add_argument("--data", type=Path, default=None)
    args = ap.parse_args()
    rec = NerRecognizer(args.model)
    data = load_all(args.data)
    test = split_cluener(data["cluener"])["test"]
    print(f"model {args.model} trained on {rec.meta.get('trained_on')}")
    print_table(f"CLUENER held-out test split ({len(test)} sentences)", evaluate(rec, test))
    if args.corpus:
        gold = data[args.corpus]
        print_table(f"cross-corpus: {args.corpus} ({len(gold)} sentences), gold as published",
                    evaluate(rec, gold))
        merged = [merge_adjacent_addresses(s) for s in gold]
        print_table(f"cross-corpus: {args.corpus}, touching ADDRESS spans joined (CLUENER style)",
                    evaluate(rec, merged))
    texts = [s.text for s in test] + [s.text for s in data["peoples_daily"]]
    cpu, wall = speed(rec, texts)
    print(f"\nfull-text, find_many over {len(texts):,} sentences ({sum(map(len, texts)):,} chars):"
          f" {cpu:,.0f} chars per CPU second ({wall:,.0f} per wall second)")
    one_long = "\n".join(texts[:2000])
    cpu, wall = speed(rec, [one_long])
    print(f"full-text, one long text: {cpu:,.0f} chars per CPU second ({wall:,.0f} wall)")
    sample = texts[:1000]
    c = time.process_time()
    for t in sample:
        rec.find(t)
    print(f"full-text, one find() call per sentence: "
          f"{sum(map(len, sample)) / (time.process_time() - c):,.0f} chars per CPU second")
    ws, share = window_speed(rec, texts)
    print(f"window mode (radius 40, anchors in ~10% of texts, find_near_many): "
          f"{ws:,.0f} chars of input per CPU second; the model reads {share:.1%} of the chars")


if __name__ == "__main__":
    main()
