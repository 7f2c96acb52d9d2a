"""Span-level precision / recall / F1 of data-type mentions (CA4P-483 label `data`) on a held-out
part of the CA4P-483 dev file, for three taggers:

- `lexicon`: the category phrases parking_app ships (policy_lexicon.yaml), longest match first;
- `dictionary`: every `data` span seen in the tuning part, longest match first;
- `crf`: a character CRF (python-crfsuite) trained on the tuning part.

    .venv/bin/python training/policy/ca4p_data_spans.py [--data ../shared/data/policy] [--split 0.7]

Sentences keep their file order and the split is by position (the first 70 % tune, the rest is
held out), so policies do not straddle the split much. Scores: exact spans, and overlap (a
predicted span counts when it overlaps a gold span; each gold span is matched once)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import unicodedata
from pathlib import Path

Span = tuple[int, int]


def read_bios(path: Path) -> list[tuple[str, list[Span]]]:
    out: list[tuple[str, list[Span]]] = []
    chars: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if chars:
            spans, start = [], None
            for i, t in enumerate([*tags, "O"]):
                kind = t[2:] if len(t) > 2 else ""
                if start is not None and not (t.startswith("I-") and kind == "data"):
                    spans.append((start, i))
                    start = None
                if kind == "data" and t[0] in "BS":
                    if t[0] == "S":
                        spans.append((i, i + 1))
                    else:
                        start = i
            out.append(("".join(chars), spans))
        chars.clear()
        tags.clear()

    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            flush()
            continue
        ch, _, tag = line.rpartition("\t")
        chars.append(ch[:1] or " ")
        tags.append(tag.strip())
    flush()
    return out


def longest_match(text: str, phrases: set[str]) -> list[Span]:
    folded = unicodedata.normalize("NFKC", text).lower()
    by_len = sorted({p for p in phrases if p}, key=len, reverse=True)
    taken = [False] * len(text)
    spans = []
    for p in by_len:
        start = folded.find(p)
        while start >= 0:
            end = start + len(p)
            if not any(taken[start:end]):
                spans.append((start, end))
                for i in range(start, end):
                    taken[i] = True
            start = folded.find(p, start + 1)
    return sorted(spans)


def _features(text: str, i: int) -> list[str]:
    c = text[i]
    prev = text[i - 1] if i else "<s>"
    nxt = text[i + 1] if i + 1 < len(text) else "</s>"
    prev2 = text[i - 2] if i > 1 else "<s>"
    nxt2 = text[i + 2] if i + 2 < len(text) else "</s>"
    return [f"c={c}", f"p={prev}", f"n={nxt}", f"pc={prev}{c}", f"cn={c}{nxt}",
            f"p2={prev2}", f"n2={nxt2}", f"ppc={prev2}{prev}{c}", f"cnn={c}{nxt}{nxt2}",
            f"pcn={prev}{c}{nxt}", f"digit={c.isdigit()}", f"ascii={c.isascii()}"]


def _bio(text: str, spans: list[Span]) -> list[str]:
    tags = ["O"] * len(text)
    for a, b in spans:
        tags[a] = "B"
        for i in range(a + 1, b):
            tags[i] = "I"
    return tags


def train_crf(train: list[tuple[str, list[Span]]], model: Path) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for text, spans in train:
        trainer.append([_features(text, i) for i in range(len(text))], _bio(text, spans))
    trainer.set_params({"c1": 0.05, "c2": 0.01, "max_iterations": 150,
                        "feature.possible_transitions": True})
    trainer.train(str(model))


def crf_spans(tagger: object, text: str) -> list[Span]:
    tags = tagger.tag([_features(text, i) for i in range(len(text))])  # type: ignore[attr-defined]
    spans, start = [], None
    for i, t in enumerate([*tags, "O"]):
        if start is not None and t != "I":
            spans.append((start, i))
            start = None
        if t == "B":
            start = i
    return spans


def score(gold: list[list[Span]], pred: list[list[Span]]) -> dict[str, float]:
    tp = fp = fn = 0
    otp_p = otp_g = 0
    n_pred = n_gold = 0
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g), set(p)
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
        n_pred += len(p)
        n_gold += len(g)
        otp_p += sum(1 for a, b in p if any(a < d and c < b for c, d in g))
        otp_g += sum(1 for c, d in g if any(a < d and c < b for a, b in p))

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    op = otp_p / n_pred if n_pred else 0.0
    orr = otp_g / n_gold if n_gold else 0.0
    return {"P": round(p, 3), "R": round(r, 3), "F1": round(f1(p, r), 3),
            "overlap_P": round(op, 3), "overlap_R": round(orr, 3),
            "overlap_F1": round(f1(op, orr), 3), "gold": n_gold, "predicted": n_pred}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data/policy"))
    ap.add_argument("--split", type=float, default=0.7)
    ap.add_argument("--out", type=Path, default=None, help="write the scores as JSON here")
    args = ap.parse_args()
    sents = read_bios(args.data / "ca4p483_dev.char.bios")
    cut = int(len(sents) * args.split)
    tune, held = sents[:cut], sents[cut:]
    gold = [s for _, s in held]
    results: dict[str, dict[str, float]] = {}

    from pisentinel.models.parking_app.knowledge import lexicon

    shipped = {unicodedata.normalize("NFKC", p).lower()
               for ps in lexicon()["categories"].values() for p in ps}
    results["lexicon (shipped)"] = score(gold, [longest_match(t, shipped) for t, _ in held])
    seen = {unicodedata.normalize("NFKC", t[a:b]).lower() for t, spans in tune for a, b in spans
            if b - a >= 2}
    results["dictionary (tune spans)"] = score(gold, [longest_match(t, seen) for t, _ in held])
    import pycrfsuite

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "data.crfsuite"
        t0 = time.perf_counter()
        train_crf(tune, model)
        train_s = time.perf_counter() - t0
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model))
        results["crf (char, tune part)"] = score(gold, [crf_spans(tagger, t) for t, _ in held])
        results["crf (char, tune part)"]["train_seconds"] = round(train_s, 1)
    print(f"CA4P-483 dev: {len(sents)} sentences, tune {len(tune)}, held out {len(held)}")
    for name, r in results.items():
        print(f"{name:26s} {json.dumps(r, ensure_ascii=False)}")
    if args.out:
        args.out.write_text(json.dumps({"sentences": len(sents), "tune": len(tune),
                                        "held_out": len(held), "results": results},
                                       ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
