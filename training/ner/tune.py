"""Tune per-type minimum span scores on the dev sets (never on test) and write them into the
model's meta.json; the recognizer drops spans scoring below them.

    .venv/bin/python training/ner/tune.py --model src/pisentinel/detect/ner/model
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import load_all, split_cluener
from train import prf

from pisentinel.detect.ner import NerRecognizer, default_model_dir
from pisentinel.detect.ner._decode import ENTITY_TYPES


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=default_model_dir())
    ap.add_argument("--data", type=Path, default=None)
    args = ap.parse_args()
    meta_path = args.model / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.pop("min_score", None)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    rec = NerRecognizer(args.model)
    data = load_all(args.data)
    dev = split_cluener(data["cluener"])["dev"]
    found = rec.find_many([s.text for s in dev])
    best: dict[str, float] = {}
    for etype in ENTITY_TYPES:
        scores = []
        for cut in [0.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]:
            pred = [[(f.start, f.end, f.type) for f in fs if f.type != etype or f.score >= cut]
                    for fs in found]
            scores.append((prf(dev, pred)[etype]["f1"], -cut, cut))
        f1, _, cut = max(scores)
        print(f"{etype}: min score {cut} → dev F1 {f1:.3f} (no cut: {scores[0][0]:.3f})")
        best[etype] = cut
    meta["min_score"] = best
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
