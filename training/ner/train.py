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
from lac import LacFeatures, aligned_embedding, encoder_onnx, load_weights
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
    N_RESERVED,
    FeatureTables,
    codepoints,
    featurize,
)

TAG_ID = {t: i for i, t in enumerate(TAGS)}
MODEL_NAME = "charcnn-crf-zh"
LAC_MODEL_NAME = "lac-charcnn-crf-zh"


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


def _is_han(text: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in text)


class NamePools:
    """Where synthetic mentions come from: given-name characters, a character bigram chain over
    transliterated foreign names (斯帕莱蒂, 格哈德·里希特: names not starting with a surname),
    Latin-letter names (players' and characters' handles), and GB/T 2260 divisions for
    CLUENER-style addresses (a city, or a full 省市区 + road + number + building)."""

    def __init__(self, sentences: list[Sentence],
                 person_mix: tuple[float, ...] = (0.45, 0.35, 0.16, 0.04)) -> None:
        self.person_mix = person_mix  # seen in training, Chinese, transliterated, Latin
        given: Counter[str] = Counter()
        self.chain: dict[str, list[str]] = {}
        self.latin: list[str] = []
        self.addr_chars: list[str] = []
        for s in sentences:
            for a, b, t in s.spans:
                m = s.text[a:b]
                if t == ADDRESS:
                    self.addr_chars.extend(c for c in m if _is_han(c))
                if t != PERSON:
                    continue
                if m.isascii() and m.isalpha() and 2 <= len(m) <= 20:
                    self.latin.append(m)
                elif 2 <= len(m) <= 3 and m[0] in SURNAMES and _is_han(m):
                    given.update(m[1:])
                elif len(m) >= 3 and m[0] not in SURNAMES and _is_han(m.replace("·", "")):
                    for part in m.split("·"):
                        for x, y in zip("^" + part, part + "$", strict=True):
                            self.chain.setdefault(x, []).append(y)
        self.given_chars = ([c for c, n in given.items() if n >= 2 and _is_han(c)]
                            or [c for c in given if _is_han(c)] or list("伟芳娜敏静丽强磊"))
        self.regions = self._region_paths()

    @staticmethod
    def _region_paths() -> list[tuple[str, str, str]]:
        from pisentinel.knowledge import regions

        # Placeholders of the table (市辖区, 省直辖县级行政区划) are not place names.
        current = {k: r.name for k, r in regions().items() if r.end_year is None
                   and r.name not in ("市辖区", "县") and "直辖" not in r.name
                   and not k.startswith("99")}  # 99: 苏鲁交界, 海域
        paths = []
        for code, name in current.items():
            if code.endswith("00"):
                continue
            prov = current.get(code[:2] + "0000", "")
            city = current.get(code[:4] + "00", "")
            paths.append((prov, city, name))
        return paths

    def foreign(self, rng: random.Random) -> str:
        parts = []
        for _ in range(2 if rng.random() < 0.25 else 1):
            out = ""
            for _ in range(20):  # walks that end before two characters start again
                out, c = "", "^"
                while len(out) < 6:
                    c = rng.choice(self.chain.get(c, ["$"]))
                    if c == "$":
                        break
                    out += c
                if len(out) >= 2:
                    break
            parts.append(out)
        return "·".join(p for p in parts if p)

    def latin_name(self, rng: random.Random) -> str:
        m = rng.choice(self.latin)
        if rng.random() < 0.5:
            m = m[: max(2, len(m) // 2)] + rng.choice(self.latin)[len(m) // 2:]
        return m.lower() if rng.random() < 0.3 else m

    def person(self, rng: random.Random, pool: list[str]) -> str:
        r = rng.random()
        seen, chinese, foreign, _ = self.person_mix
        if r < seen:
            return rng.choice(pool)
        if r < seen + chinese or not self.chain:
            return synthetic_name(rng, self.given_chars)
        if r < seen + chinese + foreign or not self.latin:
            return self.foreign(rng)
        return self.latin_name(rng)

    def address(self, rng: random.Random) -> str:
        prov, city, county = rng.choice(self.regions)
        r = rng.random()
        head = ""
        if r < 0.3:
            head = city or county
        else:
            if rng.random() < 0.5:
                head += prov
            if city and rng.random() < 0.8:
                head += city
            head += county
        if rng.random() < 0.6 and self.addr_chars:
            road = "".join(rng.choice(self.addr_chars) for _ in range(rng.choice((1, 2, 2, 3))))
            head += road + rng.choice(("路", "路", "街", "大道", "大街", "巷"))
            if rng.random() < 0.7:
                head += str(rng.randint(1, 999)) + "号"
            if rng.random() < 0.3:
                head += "".join(rng.choice(self.addr_chars) for _ in range(2))
                head += rng.choice(("小区", "大厦", "花园", "广场", "中心"))
        return head


def augment(sentences: list[Sentence], rng: random.Random, pools_from: NamePools,
            synthetic_address: float = 0.25) -> list[Sentence]:
    """Mention replacement: one copy of every sentence that has entities, each mention swapped
    for another mention of its type (persons: over half synthetic — Chinese, transliterated
    foreign or Latin; addresses: a share built from GB/T 2260 divisions)."""
    pools: dict[str, list[str]] = {PERSON: [], ADDRESS: [], ORG: []}
    for s in sentences:
        for a, b, t in s.spans:
            pools[t].append(s.text[a:b])
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
            if t == PERSON:
                m = pools_from.person(rng, pools[t])
            elif t == ADDRESS and rng.random() < synthetic_address:
                m = pools_from.address(rng)
            else:
                m = rng.choice(pools[t])
            pieces.append(m)
            spans.append((cur, cur + len(m), t))
            cur += len(m)
            pos = b
        pieces.append(s.text[pos:])
        out.append(Sentence("".join(pieces), tuple(spans), s.corpus + "+aug"))
    return out


def generated_posts(n: int, seed: int = 1013) -> list[Sentence]:
    """Posts from pisentinel's own PI text generator (`pisentinel.synth`, "default" mix, a seed
    the benchmarks do not use), with its PERSON_NAME and ADDRESS spans, read in CLUENER's
    convention. News-style corpora never show the chatter around leaked PI (快递单号, 羽毛球,
    3楼); without these the model calls such words addresses or names."""
    if n <= 0:
        return []
    from pisentinel.synth import generate_texts

    out = []
    for sample in generate_texts(n, seed, "default"):
        if not sample.text:
            continue
        spans = sorted((a, b, t) for t, a, b in sample.spans if t in (PERSON, ADDRESS))
        out.append(Sentence(sample.text, tuple(spans), "cluener"))
    return out


def chatter_negatives(n: int, seed: int = 2027) -> list[Sentence]:
    """`n` generated posts (pisentinel.synth, "default" and "harder" mixes, a seed the
    benchmarks do not use) that hold no PERSON_NAME or ADDRESS at all: pure negatives, so the
    model learns that 羽毛球, 咖啡店, 快递单号 or 3楼 are no entity without the generator's own
    name and address convention pulling CLUENER's apart (as the labelled posts of m6/m7 did)."""
    if n <= 0:
        return []
    from pisentinel.synth import generate_texts

    out: list[Sentence] = []
    for mix, want in (("default", n - n // 2), ("harder", n // 2)):
        kept = [Sentence(x.text, (), "cluener") for x in generate_texts(4 * want, seed, mix)
                if x.text and not any(t in (PERSON, ADDRESS) for t, _, _ in x.spans)]
        out.extend(kept[:want])
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
        self.ctx: np.ndarray | None = None  # frozen LAC states, float16 (see add_context)


def add_context(items: list[Encoded], lac: LacFeatures | None) -> None:
    """Attach the frozen LAC encoder's states to every sentence (computed once: the encoder
    is not trained)."""
    if lac is None:
        return
    for it, ctx in zip(items, lac([it.uni for it in items]), strict=True):
        it.ctx = ctx


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
    first = rows[0][0].ctx
    ctx = None if first is None else np.zeros((b, length, first.shape[1]), dtype=np.float32)
    for r, row in enumerate(rows):
        pos = gap
        for it in row:
            n = len(it.tags)
            uni[r, pos:pos + n] = it.uni
            left[r, pos:pos + n] = it.left
            right[r, pos:pos + n] = it.right
            lex[r, pos:pos + n] = it.lex
            tags[r, pos:pos + n] = it.tags
            if ctx is not None and it.ctx is not None and len(it.ctx):
                ctx[r, pos:pos + n] = it.ctx
            pos += n + gap
    arrays = (uni, left, right, lex, tags) if ctx is None else (uni, left, right, lex, tags, ctx)
    return tuple(torch.from_numpy(a) for a in arrays)


def run_net(net: CharConvTagger, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Emissions for the tensors of `row_tensors` (tags at index 4 are skipped)."""
    return net(*tensors[:4], *tensors[5:])


def predict(net: CharConvTagger, crf: CRF, items: list[Encoded], gap: int
            ) -> list[list[tuple[int, int, str]]]:
    net.eval()
    out = []
    trans = crf.trans().detach().numpy()
    with torch.no_grad():
        for start in range(0, len(items), 256):
            chunk = items[start:start + 256]
            em = run_net(net, row_tensors([chunk], gap))[0].numpy()
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
        prec = tp[t] / n_pred[t] if n_pred[t] else 0.0
        rec = tp[t] / n_gold[t] if n_gold[t] else 0.0
        f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[t] = {"p": round(prec, 4), "r": round(rec, 4), "f1": round(f, 4), "gold": n_gold[t]}
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
           n_lex: int, lac: dict | None = None) -> None:
    """Write model.onnx, tables.npz and meta.json; with `lac` (keyword arguments of
    `lac.encoder_onnx`) also lac.onnx, which ends in the network's input weights on the LAC
    states, so model.onnx reads `channels` numbers per character instead of 256."""
    out.mkdir(parents=True, exist_ok=True)
    net.eval()
    n = 50
    dummy: tuple[torch.Tensor, ...] = (
        torch.zeros(1, n, dtype=torch.int64), torch.zeros(1, n, dtype=torch.int64),
        torch.zeros(1, n, dtype=torch.int64), torch.zeros(1, n, n_lex))
    names = ["uni", "left", "right", "lex"]
    if lac is not None:
        dummy = (*dummy, torch.zeros(1, n, net.inp.out_features))
        names.append("ctx")
        net.ctx_projected = True
    axes = {k: {0: "batch", 1: "length"} for k in (*names, "emissions")}
    torch.onnx.export(net, dummy, str(out / "model.onnx"), input_names=names,
                      output_names=["emissions"], dynamic_axes=axes, opset_version=17,
                      dynamo=False)
    net.ctx_projected = False
    if lac is not None:
        model = encoder_onnx(**lac, project=net.ctx_projection().numpy())
        (out / "lac.onnx").write_bytes(model.SerializeToString())
        meta = dict(meta, lac=dict(meta.get("lac", {}), dim=net.inp.out_features))
    elif (out / "lac.onnx").exists():
        (out / "lac.onnx").unlink()
    shrink_embeddings(out / "model.onnx")
    tables.save(out / "tables.npz")
    meta = dict(meta, transitions=crf.trans().detach().numpy().round(4).tolist())
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")


class Trainer:
    """Epochs over packed rows with the CRF loss; after each, entity F1 on the dev sets, keeping
    the weights of the best epoch (mean CLUENER dev F1 over the three types)."""

    def __init__(self, net: CharConvTagger, crf: CRF, params: list, enc_dev: dict,
                 dev_sets: dict, gap: int, rng: random.Random) -> None:
        self.net, self.crf, self.params = net, crf, params
        self.enc_dev, self.dev_sets, self.gap, self.rng = enc_dev, dev_sets, gap, rng
        self.best, self.best_epoch = -1.0, -1
        self.best_state: tuple[dict, dict] | None = None
        self.history: list[dict] = []

    def evaluate(self, label: str, loss: float, seconds: float) -> float:
        scores = {k: prf(self.dev_sets[k], predict(self.net, self.crf, v, self.gap))
                  for k, v in self.enc_dev.items()}
        cd = scores["cluener_dev"]
        key = (cd[PERSON]["f1"] + cd[ADDRESS]["f1"] + cd[ORG]["f1"]) / 3
        self.history.append({"epoch": label, "loss": loss, "dev": scores})
        print(f"{label} loss {loss:.1f} {seconds:.0f}s cluener_dev "
              + " ".join(f"{t[:4]} {cd[t]['p']:.3f}/{cd[t]['r']:.3f}/{cd[t]['f1']:.3f}"
                         for t in cd)
              + " weibo_dev " + " ".join(f"{t[:4]} {v['f1']:.3f}"
                                        for t, v in scores["weibo_dev"].items()), flush=True)
        if key > self.best:
            self.best, self.best_epoch = key, len(self.history) - 1
            self.best_state = self._state()
        return key

    def _state(self) -> tuple[dict, dict]:
        return ({k: v.detach().clone() for k, v in self.net.state_dict().items()},
                {k: v.detach().clone() for k, v in self.crf.state_dict().items()})

    def run(self, phase: str, items: list[Encoded], opt: torch.optim.Optimizer, epochs: int,
            patience: int, average: int = 1) -> None:
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
        first = len(self.history)  # patience counts from the phase's start
        recent: list[tuple[dict, dict]] = []
        for epoch in range(epochs):
            order = list(range(len(items)))
            self.rng.shuffle(order)
            rows = pack_rows([items[i] for i in order], self.gap, row_len=400)
            total, t1 = 0.0, time.time()
            for b in range(0, len(rows), 16):
                tensors = row_tensors(rows[b:b + 16], self.gap)
                loss = self.crf.nll(run_net(self.net, tensors), tensors[4])
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.params, 5.0)
                opt.step()
                total += float(loss.detach())
            sched.step()
            self.evaluate(f"{phase} {epoch}", total, time.time() - t1)
            recent = [*recent, self._state()][-average:]
            if len(self.history) - 1 - max(self.best_epoch, first - 1) >= patience:
                break
        if average > 1 and len(recent) == average:
            # The mean of the last epochs' weights (as in stochastic weight averaging) is often a
            # little better than any one of them; it competes like another epoch.
            current = self._state()
            for i, part in enumerate((self.net, self.crf)):
                part.load_state_dict({k: sum(r[i][k] for r in recent) / average
                                      for k in recent[0][i]})
            self.evaluate(f"{phase} mean of last {average}", 0.0, 0.0)
            for i, part in enumerate((self.net, self.crf)):
                part.load_state_dict(current[i])

    def restore(self) -> None:
        assert self.best_state is not None
        self.net.load_state_dict(self.best_state[0])
        self.crf.load_state_dict(self.best_state[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--holdout", default="peoples_daily",
                    help="corpus left out entirely, for the cross-corpus test ('' for none)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--augment", type=int, default=1)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--domains", action=argparse.BooleanOptionalAction, default=True,
                    help="condition on the source corpus")
    ap.add_argument("--heads", action=argparse.BooleanOptionalAction, default=True,
                    help="one output layer per source corpus (needs --domains)")
    ap.add_argument("--cluener-copies", type=int, default=3,
                    help="augmented copies of CLUENER sentences (the target convention)")
    ap.add_argument("--person-mix", default="0.45,0.35,0.16,0.04",
                    help="replaced person names: shares seen in training, synthetic Chinese, "
                    "transliterated foreign, Latin")
    ap.add_argument("--generated-posts", type=int, default=0,
                    help="posts from pisentinel.synth added to training (seed 1013)")
    ap.add_argument("--chatter", type=int, default=1500,
                    help="generated posts with no name or address, as negatives (seed 2027)")
    ap.add_argument("--synthetic-address", type=float, default=0.25,
                    help="share of replaced addresses built from GB/T 2260 divisions")
    ap.add_argument("--finetune-epochs", type=int, default=0,
                    help="epochs on CLUENER alone (original + augmented) after the joint run")
    ap.add_argument("--finetune-lr", type=float, default=5e-4)
    ap.add_argument("--average", type=int, default=3,
                    help="also try the mean weights of a phase's last N epochs")
    ap.add_argument("--dilations", default="1,2,4,1",
                    help="dilations of the residual convolutions (depth and reach)")
    ap.add_argument("--resume", type=Path, default=None,
                    help="skip the joint run: load this --checkpoint and only fine-tune")
    ap.add_argument("--lac-layers", type=int, default=1, choices=(0, 1, 2),
                    help="read the states of this many layers of the frozen LAC BiGRU (0: none)")
    ap.add_argument("--lac-emissions", action=argparse.BooleanOptionalAction, default=False,
                    help="also read LAC's 57 tag scores (needs --lac-layers 2)")
    ap.add_argument("--lac-backward", action=argparse.BooleanOptionalAction, default=False,
                    help="run LAC's reverse GRU too (with --no-lac-backward: one layer, forward "
                    "only, half the cost)")
    ap.add_argument("--pre", action=argparse.BooleanOptionalAction, default=False,
                    help="also read LAC's plain char vectors (on by itself when --lac-layers 0)")
    ap.add_argument("--checkpoint", type=Path, default=None,
                    help="also save the torch weights here (to fine-tune again without a rerun)")
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
    name_pools = NamePools(base, tuple(float(x) for x in args.person_mix.split(",")))
    for _ in range(args.augment):
        train.extend(augment(base, rng, name_pools, args.synthetic_address))
    clue_base = [s for s in base if s.corpus == "cluener"]
    for _ in range(args.cluener_copies - 1):
        train.extend(augment(clue_base, rng, name_pools, args.synthetic_address))
    train.extend(generated_posts(args.generated_posts))
    train.extend(chatter_negatives(args.chatter))
    dev_sets = {"cluener_dev": clue["dev"], "weibo_dev": data["weibo_dev"],
                "resume_dev": data["resume_dev"]}

    t0 = time.time()
    tables, pretrained = build_tables(s.text for s in train)
    if args.resume:
        tables = FeatureTables.load(args.resume.with_suffix(".tables.npz"))
    n_lex = N_LEX_FEATURES + (len(DOMAINS) if args.domains else 0)
    dilations = tuple(int(d) for d in args.dilations.split(","))
    heads = len(DOMAINS) if args.domains and args.heads else 1
    lac_spec: dict | None = None
    lac = None
    ctx_dim = 0
    if args.lac_layers:
        weights = load_weights()
        emb = aligned_embedding(tables.char_keys, N_RESERVED, weights)
        lac_spec = {"emb": emb, "w": weights, "layers": args.lac_layers,
                    "emissions": args.lac_emissions, "backward": args.lac_backward}
        lac = LacFeatures(encoder_onnx(**lac_spec).SerializeToString())
        ctx_dim = (256 if args.lac_backward else 128) + (57 if args.lac_emissions else 0)
    net = CharConvTagger(torch.from_numpy(pretrained), tables.n_bigrams, n_lex,
                         channels=args.channels, dilations=dilations, heads=heads,
                         ctx_dim=ctx_dim, use_pre=args.pre or not args.lac_layers)
    gap = net.receptive_radius
    crf = CRF()
    enc_train = [Encoded(tables, s, args.domains) for s in train]
    enc_dev = {k: [Encoded(tables, s, args.domains, "cluener") for s in v]
               for k, v in dev_sets.items()}
    t1 = time.time()
    add_context(enc_train, lac)
    for v in enc_dev.values():
        add_context(v, lac)
    if lac is not None:
        print(f"LAC states ({args.lac_layers} layers) {time.time() - t1:.0f}s", flush=True)
    print(f"train sentences {len(train)} chars {sum(len(s.text) for s in train)} "
          f"chars-vocab {tables.n_chars} bigrams {tables.n_bigrams} lexicon {len(tables.lex_keys)}"
          f" features {time.time() - t0:.0f}s", flush=True)

    params = [p for p in net.parameters() if p.requires_grad] + list(crf.parameters())
    trainer = Trainer(net, crf, params, enc_dev, dev_sets, gap, rng)
    if args.resume:
        state = torch.load(args.resume)
        net.load_state_dict(state["net"])
        crf.load_state_dict(state["crf"])
        trainer.evaluate("resumed", 0.0, 0.0)
    else:
        opt = torch.optim.Adam(params, lr=2e-3)
        trainer.run("joint", enc_train, opt, args.epochs, args.patience, args.average)
        trainer.restore()
        if args.checkpoint:
            torch.save({"net": net.state_dict(), "crf": crf.state_dict()}, args.checkpoint)
            tables.save(args.checkpoint.with_suffix(".tables.npz"))
    if args.finetune_epochs:
        # The joint run learns from every corpus; a few gentler epochs on CLUENER alone then
        # settle its conventions (which places count as addresses, where names end).
        clue_train = [e for e, s in zip(enc_train, train, strict=True)
                      if s.corpus.startswith("cluener")]
        opt = torch.optim.Adam(params, lr=args.finetune_lr)
        trainer.run("finetune", clue_train, opt, args.finetune_epochs, args.finetune_epochs,
                    args.average)
        trainer.restore()
    history, best_epoch = trainer.history, trainer.best_epoch
    meta = {
        "name": LAC_MODEL_NAME if args.lac_layers else MODEL_NAME,
        "gap": gap,
        "tags": list(TAGS),
        "channels": args.channels,
        "seed": args.seed,
        "dilations": list(dilations),
        "heads": heads,
        "epochs_run": len(history),
        "best_epoch": history[best_epoch]["epoch"],
        "finetune_epochs": args.finetune_epochs,
        "chatter": args.chatter,
        "trained_on": sorted(train_sets),
        "held_out": ["cluener test split (12%, seed 20240917)"]
        + ([args.holdout] if args.holdout else []),
        "dev": history[best_epoch]["dev"],
        "train_seconds": round(time.time() - t0),
    }
    if args.domains:
        meta["domains"] = list(DOMAINS)
        meta["domain"] = "cluener"
    if args.lac_layers:
        meta["lac"] = {"layers": args.lac_layers, "emissions": args.lac_emissions,
                       "backward": args.lac_backward, "dim": ctx_dim, "pre": args.pre}
    export(net, crf, tables, args.out, meta, n_lex, lac_spec)
    print(f"best {history[best_epoch]['epoch']} dev key {trainer.best:.4f}; exported to {args.out}",
          flush=True)


if __name__ == "__main__":
    main()
