"""Baidu LAC (the small model jieba ships, Apache-2.0) as a frozen contextual encoder.

LAC was trained on a large Baidu corpus for segmentation, part of speech and PER/LOC/ORG/TIME;
its character BiGRU states know far more about Chinese context than our ~22,000 annotated
sentences can teach a model from scratch. Network (jieba/lac_small/nets.py): char embedding
128 → 2 × [fc to 3·128 → paddle `dynamic_gru`, one forward and one reverse] concatenated to 256
→ fc to 57 tag scores → CRF `crfw`.

Paddle's GRU differs from torch's, which is why this file computes it by hand (numpy reference)
and writes the ONNX `GRU` op itself: gates are ordered update, reset, candidate; the reset gate
multiplies the previous state *before* its matmul (ONNX `linear_before_reset=0`); the output is
`(1 - u) * h_prev + u * c` (`origin_mode=False`), which is ONNX's form with z = 1 - u, i.e. the
update gate's weights and biases negated; the recurrent weight is stored as a [H, 2H] block
(update, reset) followed by a [H, H] block (candidate), not as one [H, 3H] matrix.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

HIDDEN = 128
EMB = 128
N_LAC_TAGS = 57
STATE_DIM = 2 * HIDDEN


def lac_dir() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("the LAC encoder needs jieba (pip install jieba)")
    return Path(spec.origin).parent / "lac_small"


def _tensor(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A paddle LoDTensor file: a small header (version, LoD, TensorDesc protobuf), then the
    float32 data, which is the file's tail."""
    raw = (lac_dir() / "model_baseline" / name).read_bytes()
    n = int(np.prod(shape)) * 4
    if not 16 < len(raw) - n < 128:
        raise ValueError(f"unexpected size of LAC tensor {name}")
    return np.frombuffer(raw[len(raw) - n:], dtype="<f4").reshape(shape).copy()


def lac_vocab() -> dict[str, int]:
    vocab: dict[str, int] = {}
    for line in (lac_dir() / "word.dic").read_text(encoding="utf-8").splitlines():
        idx, _, token = line.partition("\t")
        if token:
            vocab[token] = int(idx)
    return vocab


def lac_tags() -> list[str]:
    out = {}
    for line in (lac_dir() / "tag.dic").read_text(encoding="utf-8").splitlines():
        idx, _, tag = line.partition("\t")
        if tag:
            out[int(idx)] = tag
    return [out[i] for i in range(len(out))]


def load_weights() -> dict[str, np.ndarray]:
    """All LAC parameters as numpy arrays (fc weights are [in, out], as paddle stores them)."""
    rows = max(lac_vocab().values()) + 1
    w = {"word_emb": _tensor("word_emb", (rows, EMB))}
    for i in range(4):
        w[f"fc_{i}.w"] = _tensor(f"fc_{i}.w_0", (EMB if i < 2 else STATE_DIM, 3 * HIDDEN))
        w[f"fc_{i}.b"] = _tensor(f"fc_{i}.b_0", (3 * HIDDEN,))
        w[f"gru_{i}.w"] = _tensor(f"gru_{i}.w_0", (HIDDEN * 3 * HIDDEN,))
        w[f"gru_{i}.b"] = _tensor(f"gru_{i}.b_0", (3 * HIDDEN,))
    w["fc_4.w"] = _tensor("fc_4.w_0", (STATE_DIM, N_LAC_TAGS))
    w["fc_4.b"] = _tensor("fc_4.b_0", (N_LAC_TAGS,))
    w["crfw"] = _tensor("crfw", (N_LAC_TAGS + 2, N_LAC_TAGS))
    return w


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def paddle_gru(x: np.ndarray, flat_w: np.ndarray, bias: np.ndarray, reverse: bool) -> np.ndarray:
    """paddle `dynamic_gru` over one sequence of projected inputs x (L, 3H) → states (L, H)."""
    gate_w = flat_w[: 2 * HIDDEN * HIDDEN].reshape(HIDDEN, 2 * HIDDEN)
    state_w = flat_w[2 * HIDDEN * HIDDEN:].reshape(HIDDEN, HIDDEN)
    h = np.zeros(HIDDEN, dtype=np.float32)
    out = np.zeros((len(x), HIDDEN), dtype=np.float32)
    order = range(len(x) - 1, -1, -1) if reverse else range(len(x))
    for t in order:
        g = x[t] + bias
        ur = _sigmoid(g[: 2 * HIDDEN] + h @ gate_w)
        u, r = ur[:HIDDEN], ur[HIDDEN:]
        c = np.tanh(g[2 * HIDDEN:] + (r * h) @ state_w)
        h = (1.0 - u) * h + u * c
        out[t] = h
    return out


def forward_numpy(w: dict[str, np.ndarray], ids: np.ndarray, layers: int = 2
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Reference forward pass for one sentence of LAC ids: (states (L, 256) of the last layer
    run, emissions (L, 57), meaningful only when layers == 2)."""
    x = w["word_emb"][ids]
    for layer in range(layers):
        f, r = 2 * layer, 2 * layer + 1
        fwd = paddle_gru(x @ w[f"fc_{f}.w"] + w[f"fc_{f}.b"], w[f"gru_{f}.w"], w[f"gru_{f}.b"],
                         reverse=False)
        bwd = paddle_gru(x @ w[f"fc_{r}.w"] + w[f"fc_{r}.b"], w[f"gru_{r}.w"], w[f"gru_{r}.b"],
                         reverse=True)
        x = np.concatenate([fwd, bwd], axis=1)
    return x, x @ w["fc_4.w"] + w["fc_4.b"]


def viterbi(emissions: np.ndarray, crfw: np.ndarray) -> np.ndarray:
    """paddle `crf_decoding`: crfw row 0 start scores, row 1 end scores, rows 2.. transitions."""
    start, end, trans = crfw[0], crfw[1], crfw[2:]
    score = start + emissions[0]
    back = np.zeros((len(emissions), N_LAC_TAGS), dtype=np.int64)
    for t in range(1, len(emissions)):
        cand = score[:, None] + trans
        back[t] = cand.argmax(0)
        score = cand.max(0) + emissions[t]
    path = [int((score + end).argmax())]
    for t in range(len(emissions) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return np.array(path[::-1])


def char_ids(text: str, vocab: dict[str, int]) -> np.ndarray:
    """jieba's reader: each character's id, "OOV" for unknown ones."""
    oov = vocab["OOV"]
    return np.array([vocab.get(c, oov) for c in text], dtype=np.int64)


# -- ONNX --------------------------------------------------------------------------------------
def _onnx_gru_params(w: dict[str, np.ndarray], fwd: int, bwd: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (2, 3H, in), R (2, 3H, H), B (2, 6H) of a bidirectional ONNX GRU (gates z, r, h)
    equal to paddle's fc + dynamic_gru pair: z = 1 - u, so u's weights and biases flip sign."""
    flip = np.ones(3 * HIDDEN, dtype=np.float32)
    flip[:HIDDEN] = -1.0
    ws, rs, bs = [], [], []
    for i in (fwd, bwd):
        ws.append((w[f"fc_{i}.w"] * flip).T)
        flat = w[f"gru_{i}.w"]
        gate_w = flat[: 2 * HIDDEN * HIDDEN].reshape(HIDDEN, 2 * HIDDEN)
        state_w = flat[2 * HIDDEN * HIDDEN:].reshape(HIDDEN, HIDDEN)
        rs.append((np.concatenate([gate_w, state_w], axis=1) * flip).T)
        bs.append(np.concatenate([w[f"fc_{i}.b"] * flip, w[f"gru_{i}.b"] * flip]))
    return (np.stack(ws).astype(np.float32), np.stack(rs).astype(np.float32),
            np.stack(bs).astype(np.float32))


def encoder_onnx(emb: np.ndarray, w: dict[str, np.ndarray], layers: int = 2,
                 emissions: bool = True, half: bool = True,
                 project: np.ndarray | None = None,
                 backward: bool = True):  # -> onnx.ModelProto
    """The LAC encoder as an ONNX graph. Inputs: `ids` (B, L) int64 rows into `emb` (the
    caller's char vocabulary aligned to LAC's rows), `lens` (B,) int32. Output `lac` (B, L, D):
    the last run layer's 256-d states, then (with `emissions`, needs layers == 2) LAC's 57 tag
    scores; with `project` (D, C), those times `project`. Padding beyond a row's length gives
    zero states. Without `backward` (one layer only) just the forward GRU runs: half the cost,
    128-d states that know only the left context."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = []
    nodes = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(arr, name))
        return name

    if half:
        const("lac_emb16", emb.astype(np.float16))
        nodes.append(helper.make_node("Gather", ["lac_emb16", "ids"], ["x16"]))
        nodes.append(helper.make_node("Cast", ["x16"], ["x_bl"], to=TensorProto.FLOAT))
    else:
        const("lac_emb", emb.astype(np.float32))
        nodes.append(helper.make_node("Gather", ["lac_emb", "ids"], ["x_bl"]))
    nodes.append(helper.make_node("Transpose", ["x_bl"], ["x0"], perm=[1, 0, 2]))  # (L, B, D)
    cur = "x0"
    const("shape_lb_neg", np.array([0, 0, -1], dtype=np.int64))
    if not backward and (layers != 1 or emissions):
        raise ValueError("a forward-only LAC encoder has one layer and no tag scores")
    for layer in range(layers):
        wm, rm, bm = _onnx_gru_params(w, 2 * layer, 2 * layer + 1)
        if not backward:
            wm, rm, bm = wm[:1], rm[:1], bm[:1]
        names = [const(f"W{layer}", wm), const(f"R{layer}", rm), const(f"B{layer}", bm)]
        nodes.append(helper.make_node(
            "GRU", [cur, names[0], names[1], names[2], "lens"], [f"y{layer}"],
            hidden_size=HIDDEN, direction="bidirectional" if backward else "forward",
            linear_before_reset=0,
        ))
        # Y (L, 2, B, H) → (L, B, 2, H) → (L, B, 2H)
        nodes.append(helper.make_node("Transpose", [f"y{layer}"], [f"yt{layer}"],
                                      perm=[0, 2, 1, 3]))
        nodes.append(helper.make_node("Reshape", [f"yt{layer}", "shape_lb_neg"],
                                      [f"h{layer}"]))
        cur = f"h{layer}"
    outs = [cur]
    if emissions:
        const("fc4_w", w["fc_4.w"].astype(np.float32))
        const("fc4_b", w["fc_4.b"].astype(np.float32))
        nodes.append(helper.make_node("MatMul", [cur, "fc4_w"], ["em_raw"]))
        nodes.append(helper.make_node("Add", ["em_raw", "fc4_b"], ["em"]))
        outs.append("em")
    nodes.append(helper.make_node("Concat", outs, ["lac_lbd"], axis=-1))
    dim = (STATE_DIM if backward else HIDDEN) + (N_LAC_TAGS if emissions else 0)
    if project is not None:
        const("project", project.astype(np.float32))
        nodes.append(helper.make_node("MatMul", ["lac_lbd", "project"], ["lac_proj"]))
        nodes.append(helper.make_node("Transpose", ["lac_proj"], ["lac"], perm=[1, 0, 2]))
        dim = project.shape[1]
    else:
        nodes.append(helper.make_node("Transpose", ["lac_lbd"], ["lac"], perm=[1, 0, 2]))
    graph = helper.make_graph(
        nodes, "lac_encoder",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "length"]),
         helper.make_tensor_value_info("lens", TensorProto.INT32, ["batch"])],
        [helper.make_tensor_value_info("lac", TensorProto.FLOAT, ["batch", "length", dim])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def aligned_embedding(char_keys: np.ndarray, n_reserved: int, w: dict[str, np.ndarray]
                      ) -> np.ndarray:
    """LAC's embedding rows re-indexed by the NER model's unigram ids (reserved ids and
    characters LAC does not know get LAC's "OOV" row, as jieba's reader does). Keys are
    folded code points (full-width → ASCII, lower case), so an exact LAC token wins over one
    that only folds to the same code point."""
    from pisentinel.detect.ner._features import codepoints

    vocab = lac_vocab()
    rows: dict[int, int] = {}
    for token, idx in vocab.items():
        if len(token) == 1:
            cp = int(codepoints(token)[0])
            if cp != 0 and (cp not in rows or token == chr(cp)):
                rows[cp] = idx
    oov = vocab["OOV"]
    index = np.full(n_reserved + len(char_keys), oov, dtype=np.int64)
    for i, cp in enumerate(char_keys.tolist()):
        index[n_reserved + i] = rows.get(int(cp), oov)
    return w["word_emb"][index]


class LacFeatures:
    """Runs the ONNX LAC encoder over many sentences of unigram ids, rows sorted by length so
    that padding costs little; returns float16 (L, D) arrays (training keeps millions of
    characters of them in memory)."""

    def __init__(self, model_bytes: bytes, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(model_bytes, options,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, sentences: list[np.ndarray], chunk: int = 4096) -> list[np.ndarray]:
        from pisentinel.detect.ner._context import lac_context

        out: list[np.ndarray] = []
        for i in range(0, len(sentences), chunk):
            out.extend(c.astype(np.float16)
                       for c in lac_context(self.session, sentences[i:i + chunk]))
        return out
