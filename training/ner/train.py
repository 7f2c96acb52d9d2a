"""Train the NER model and export it to a model directory (ONNX + feature tables + meta.json).

    nice -n 10 .venv/bin/python training/ner/train.py --out src/pisentinel/detect/ner/model

The defaults rebuild the shipped model. Reproducible: fixed seeds for the CLUENER split,
augmentation, initialisation and batching; one torch thread. The CLUENER test split (12%) is
never read here, and `--holdout` (default People's Daily) leaves a whole corpus out, so the one
shipped model is measured both in-domain and cross-corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import ADDRESS, ORG, PERSON, Sentence, load_all, split_cluener
from lexicon import SURNAMES, build_tables
from model import CRF, CharConvTagger

from pisentinel.detect.ner._decode import (
    ENTITY_TYPES,
    TAGS,
    decode_segments,
    spans_from_tags,
)
from pisentinel.detect.ner._features import (
    N_LEX_FEATURES,
    FeatureTables,
    codepoints,
    featurize,
)

TAG_ID = {t: i for i, t in enumerate(TAGS)}
MODEL_NAME = "charcnn-crf-zh"


def merge_adjacent_addresses(s: Sentence) -> Sentence:
    """MSRA and People's Daily tag 江苏|如皋市|城西乡 as three places; CLUENER (the target style,
    and what a lead wants) tags the whole address. Join touching ADDRESS spans."""
    out: list[tuple[int, int, str]] = []
    for a, b, t in s.spans:
        if out and t == ADDRESS and out[-1][2] == ADDRESS and out[-1][1] == a:
            out[-1] = (out[-1][0], b, ADDRESS)
        else:
            out.append((a, b, t))
    return Sentence(s.text, tuple(out), s.corpus)


def synthetic_name(rng: random.Random, given_chars: list[str]) -> str:
    surname = SURNAMES[min(int(rng.expovariate(1 / 40)), len(SURNAMES) - 1)]
    return surname + "".join(rng.choice(given_chars) for _ in range(rng.choice((1, 2, 2, 2))))


def augment(sentences: list[Sentence], rng: random.Random) -> list[Sentence]:
    """Mention replacement: one copy of every sentence that has entities, each mention swapped
    for another mention of its type (persons: half of them synthetic names)."""
    pools: dict[str, list[str]] = {PERSON: [], ADDRESS: [], ORG: []}
    given: Counter[str] = Counter()
    for s in sentences:
        for a, b, t in s.spans:
            m = s.text[a:b]
            pools[t].append(m)
            if t == PERSON and 2 <= len(m) <= 3 and m[0] in SURNAMES:
                given.update(m[1:])
    given_chars = [c for c, n in given.items() if n >= 2 and "\u4e00" <= c <= "\u9fff"]
    out = []
    for s in sentences:
        if not s.spans:
            continue
        pieces, spans, pos, cur = [], [], 0, 0
        for a, b, t in s.spans:
            if a < pos:
                continue
            pieces.append(s.text[pos:a])
            cur += a - pos
            if t == PERSON and rng.random() < 0.5:
                m = synthetic_name(rng, given_chars)
            else:
                m = rng.choice(pools[t])
            pieces.append(m)
            spans.append((cur, cur + len(m), t))
            cur += len(m)
            pos = b
        pieces.append(s.text[pos:])
        out.append(Sentence("".join(pieces), tuple(spans), s.corpus + "+aug"))
    return out


def tag_array(s: Sentence) -> np.ndarray:
    tags = np.zeros(len(s.text), dtype=np.int64)
    for a, b, t in s.spans:
        if (tags[a:b] != 0).any():
            continue
        tags[a] = TAG_ID[f"B-{t}"]
        tags[a + 1:b] = TAG_ID[f"I-{t}"]
    return tags


DOMAINS = ("cluener", "weibo", "resume", "msra", "peoples_daily")


class Encoded:
    """Features of one sentence, computed once. With `domains`, the lexicon features carry a
    one-hot of the source corpus, so the model can learn each corpus's labelling convention
    and be run in CLUENER's at inference."""

    def __init__(self, tables: FeatureTables, s: Sentence, domains: bool = False,
                 domain: str | None = None) -> None:
        self.uni, self.left, self.right, self.lex = featurize(tables, codepoints(s.text))
        if domains:
            onehot = np.zeros((len(s.text), len(DOMAINS)), dtype=np.float32)
            onehot[:, DOMAINS.index(domain or s.corpus.removesuffix("+aug"))] = 1.0
            self.lex = np.concatenate([self.lex, onehot], axis=1)
        self.tags = tag_array(s)


def pack_rows(items: list[Encoded], gap: int, row_len: int) -> list[list[Encoded]]:
    rows: list[list[Encoded]] = [[]]
    size = gap
    for it in items:
        if rows[-1] and size + len(it.tags) + gap > row_len:
            rows.append([])
            size = gap
        rows[-1].append(it)
        size += len(it.tags) + gap
    return rows


def row_tensors(rows: list[list[Encoded]], gap: int) -> tuple[torch.Tensor, ...]:
    length = max(gap + sum(len(it.tags) + gap for it in row) for row in rows)
    b = len(rows)
    uni = np.zeros((b, length), dtype=np.int64)
    left = np.zeros((b, length), dtype=np.int64)
    right = np.zeros((b, length), dtype=np.int64)
    lex = np.zeros((b, length, rows[0][0].lex.shape[1]), dtype=np.float32)
    tags = np.zeros((b, length), dtype=np.int64)
    for r, row in enumerate(rows):
        pos = gap
        for it in row:
            n = len(it.tags)
            uni[r, pos:pos + n] = it.uni
            left[r, pos:pos + n] = it.left
            right[r, pos:pos + n] = it.right
            lex[r, pos:pos + n] = it.lex
            tags[r, pos:pos + n] = it.tags
            pos += n + gap
    return tuple(torch.from_numpy(a) for a in (uni, left, right, lex, tags))


def predict(net: CharConvTagger, crf: CRF, items: list[Encoded], gap: int
            ) -> list[list[tuple[int, int, str]]]:
    net.eval()
    out = []
    trans = crf.trans().detach().numpy()
    with torch.no_grad():
        for start in range(0, len(items), 256):
            chunk = items[start:start + 256]
            uni, left, right, lex, _ = row_tensors([chunk], gap)
            em = net(uni, left, right, lex)[0].numpy()
            offsets, pos = [], gap
            for it in chunk:
                offsets.append(pos)
                pos += len(it.tags) + gap
            lengths = np.array([len(it.tags) for it in chunk])
            tags = decode_segments(em, trans, np.array(offsets), lengths)
            per: list[list[tuple[int, int, str]]] = [[] for _ in chunk]
            starts = np.array(offsets)
            for s, e, t in spans_from_tags(tags):
                k = int(np.searchsorted(starts, s, side="right")) - 1
                if k < 0:
                    continue
                per[k].append((s - offsets[k], min(e - offsets[k], len(chunk[k].tags)),
                               ENTITY_TYPES[t]))
            out.extend(per)
    net.train()
    return out


def prf(gold: list[Sentence], pred: list[list[tuple[int, int, str]]]) -> dict[str, dict]:
    """Entity-level exact-match precision / recall / F1 per type."""
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g.spans), set(p)
        for _, _, t in gs:
            n_gold[t] += 1
        for _, _, t in ps:
            n_pred[t] += 1
        for _, _, t in gs & ps:
            tp[t] += 1
    out = {}
    for t in ENTITY_TYPES:
        p = tp[t] / n_pred[t] if n_pred[t] else 0.0
        r = tp[t] / n_gold[t] if n_gold[t] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[t] = {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "gold": n_gold[t]}
    return out


def shrink_embeddings(path: Path) -> None:
    """Store the embedding tables (most of the model's bytes) as float16, each followed by a
    Cast back to float32: half the size, and scores move by less than a rounding error."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes = []
    for node in graph.node:
        new_nodes.append(node)
        if node.op_type != "Gather" or node.input[0] not in inits:
            continue
        init = inits[node.input[0]]
        if init.data_type == TensorProto.FLOAT:
            half = numpy_helper.to_array(init).astype(np.float16)
            init.CopyFrom(numpy_helper.from_array(half, init.name))
        elif init.data_type != TensorProto.FLOAT16:
            continue
        out = node.output[0]
        node.output[0] = out + "_f16"
        new_nodes.append(helper.make_node("Cast", [out + "_f16"], [out], to=TensorProto.FLOAT))
    del graph.node[:]
    graph.node.extend(new_nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def export(net: CharConvTagger, crf: CRF, tables: FeatureTables, out: Path, meta: dict,
           n_lex: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    net.eval()
    n = 50
    dummy = (torch.zeros(1, n, dtype=torch.int64), torch.zeros(1, n, dtype=torch.int64),
             torch.zeros(1, n, dtype=torch.int64), torch.zeros(1, n, n_lex))
    axes = {k: {0: "batch", 1: "length"} for k in ("uni", "left", "right", "lex", "emissions")}
    torch.onnx.export(net, dummy, str(out / "model.onnx"), input_names=["uni", "left", "right",
                      "lex"], output_names=["emissions"], dynamic_axes=axes, opset_version=17,
                      dynamo=False)
    shrink_embeddings(out / "model.onnx")
    tables.save(out / "tables.npz")
    meta = dict(meta, transitions=crf.trans().detach().numpy().round(4).tolist())
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--holdout", default="peoples_daily",
                    help="corpus left out entirely, for the cross-corpus test ('' for none)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--channels", type=int, default=96)
    ap.add_argument("--augment", type=int, default=1)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--domains", action=argparse.BooleanOptionalAction, default=True,
                    help="condition on the source corpus")
    ap.add_argument("--cluener-copies", type=int, default=2,
                    help="augmented copies of CLUENER sentences (the target convention)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    np.random.seed(args.seed)

    data = load_all(args.data)
    clue = split_cluener(data.pop("cluener"))
    train_sets = {"cluener": clue["train"], "weibo": data["weibo_train"],
                  "resume": data["resume_train"], "msra": data["msra"],
                  "peoples_daily": data["peoples_daily"]}
    train_sets.pop(args.holdout, None)
    train: list[Sentence] = []
    for name, sents in train_sets.items():
        if name in ("msra", "peoples_daily"):
            sents = [merge_adjacent_addresses(s) for s in sents]
        train.extend(sents)
    base = list(train)
    for _ in range(args.augment):
        train.extend(augment(base, rng))
    clue_base = [s for s in base if s.corpus == "cluener"]
    for _ in range(args.cluener_copies - 1):
        train.extend(augment(clue_base, rng))
    dev_sets = {"cluener_dev": clue["dev"], "weibo_dev": data["weibo_dev"],
                "resume_dev": data["resume_dev"]}

    t0 = time.time()
    tables, pretrained = build_tables(s.text for s in train)
    n_lex = N_LEX_FEATURES + (len(DOMAINS) if args.domains else 0)
    net = CharConvTagger(torch.from_numpy(pretrained), tables.n_bigrams, n_lex,
                         channels=args.channels)
    gap = net.receptive_radius
    crf = CRF()
    enc_train = [Encoded(tables, s, args.domains) for s in train]
    enc_dev = {k: [Encoded(tables, s, args.domains, "cluener") for s in v]
               for k, v in dev_sets.items()}
    print(f"train sentences {len(train)} chars {sum(len(s.text) for s in train)} "
          f"chars-vocab {tables.n_chars} bigrams {tables.n_bigrams} lexicon {len(tables.lex_keys)}"
          f" features {time.time() - t0:.0f}s", flush=True)

    params = [p for p in net.parameters() if p.requires_grad] + list(crf.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    best, best_epoch, best_state = -1.0, -1, None
    history = []
    for epoch in range(args.epochs):
        order = list(range(len(enc_train)))
        rng.shuffle(order)
        rows = pack_rows([enc_train[i] for i in order], gap, row_len=400)
        total, t1 = 0.0, time.time()
        for b in range(0, len(rows), 16):
            uni, left, right, lex, tags = row_tensors(rows[b:b + 16], gap)
            loss = crf.nll(net(uni, left, right, lex), tags)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            total += float(loss.detach())
        sched.step()
        scores = {k: prf(dev_sets[k], predict(net, crf, v, gap)) for k, v in enc_dev.items()}
        cd = scores["cluener_dev"]
        key = (cd[PERSON]["f1"] + cd[ADDRESS]["f1"] + cd[ORG]["f1"]) / 3
        history.append({"epoch": epoch, "loss": total, "dev": scores})
        print(f"epoch {epoch} loss {total:.1f} {time.time() - t1:.0f}s cluener_dev "
              + " ".join(f"{t[:4]} {cd[t]['f1']:.3f}" for t in cd)
              + " weibo_dev " + " ".join(f"{t[:4]} {v['f1']:.3f}"
                                        for t, v in scores["weibo_dev"].items()), flush=True)
        if key > best:
            best, best_epoch = key, epoch
            best_state = ({k: v.clone() for k, v in net.state_dict().items()},
                          {k: v.clone() for k, v in crf.state_dict().items()})
        elif epoch - best_epoch >= args.patience:
            break
    assert best_state is not None
    net.load_state_dict(best_state[0])
    crf.load_state_dict(best_state[1])
    meta = {
        "name": MODEL_NAME,
        "gap": gap,
        "tags": list(TAGS),
        "channels": args.channels,
        "seed": args.seed,
        "epochs_run": len(history),
        "best_epoch": best_epoch,
        "trained_on": sorted(train_sets),
        "held_out": ["cluener test split (12%, seed 20240917)"]
        + ([args.holdout] if args.holdout else []),
        "dev": history[best_epoch]["dev"],
        "train_seconds": round(time.time() - t0),
    }
    if args.domains:
        meta["domains"] = list(DOMAINS)
        meta["domain"] = "cluener"
    export(net, crf, tables, args.out, meta, n_lex)
    print(f"best epoch {best_epoch} dev key {best:.4f}; exported to {args.out}", flush=True)


if __name__ == "__main__":
    main()
