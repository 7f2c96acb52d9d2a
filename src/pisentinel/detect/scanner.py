"""The scanner: normalise → prefilter → recognizers → context scoring → overlaps → findings.

`scan_batch` is the one function engines call: Arrow batch in, Arrow batch of findings out, the
same code in a plain loop, a process pool, DuckDB or Spark's mapInArrow."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, partial

import numpy as np
import pyarrow as pa

from pisentinel.detect import families as F
from pisentinel.detect.context import score_candidate
from pisentinel.detect.finding import Explanation, Finding
from pisentinel.detect.headers import (
    header_says_not_pi,
    header_type,
    looks_like_address,
    looks_like_name,
)
from pisentinel.detect.normalize import normalize
from pisentinel.detect.prefilter import Prefilter
from pisentinel.detect.recognizers import Candidate, Recognizer, ScanContext, default_recognizers
from pisentinel.detect.recognizers.trained import ner_candidates
from pisentinel.detect.rules import NO_RULES, CustomType, DetectionRules
from pisentinel.detect.subject import subject_of, subject_rules
from pisentinel.knowledge import pi_types

DEFAULT_MIN_SCORE = 0.5
_NON_EXCLUSIVE = frozenset({"WHEREABOUTS"})
_CELL_TYPES = frozenset({"PERSON_NAME", "ADDRESS"})
_NUMBER_TYPES = frozenset({"PHONE_NUMBER", "BANK_CARD", "QQ_NUMBER", "USCC", "PASSPORT",
                           "HK_MACAO_PERMIT", "TAIWAN_PERMIT"})

FINDINGS_SCHEMA = pa.schema([
    ("row", pa.int64()),
    ("column", pa.string()),
    ("start", pa.int64()),
    ("end", pa.int64()),
    ("type", pa.string()),
    ("score", pa.float64()),
    ("sensitive", pa.bool_()),
    ("masked", pa.string()),
    ("explanation", pa.string()),
])


def _obfuscated(raw: str, view: str) -> bool:
    """Whether a span was found only after normalisation changed its letters or digits."""
    if raw == view:
        return False
    if len(raw) != len(view):
        return True
    return any(a != b and b.isalnum() for a, b in zip(raw, view, strict=True))


def _resolve_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Among overlapping candidates keep the best scored (then the longest)."""
    if len(cands) < 2:
        return cands
    kept: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (-c.score, -(c.end - c.start), c.start)):
        if c.type in _NON_EXCLUSIVE or not any(
            k.type not in _NON_EXCLUSIVE and c.start < k.end and k.start < c.end for k in kept
        ):
            kept.append(c)
    return sorted(kept, key=lambda c: (c.start, c.end))


_Why = tuple[str, str, float, tuple[str, ...], tuple[str, ...], tuple[str, ...], bool, str]
_EXPLANATIONS: dict[_Why, Explanation] = {}
_MAX_EXPLANATIONS = 4096


def _explanation(why: _Why) -> Explanation:
    """The explanation of these fields, shared by every finding that has them: findings repeat
    a few hundred explanations, and an `Explanation` (frozen) costs more to build than to look
    up. The memo is emptied when it outgrows its bound."""
    expl = _EXPLANATIONS.get(why)
    if expl is None:
        if len(_EXPLANATIONS) >= _MAX_EXPLANATIONS:
            _EXPLANATIONS.clear()
        expl = _EXPLANATIONS[why] = Explanation(*why)
    return expl


def _descriptions(findings: list[Finding]) -> list[str]:
    """Each finding's explanation in words, worded once per explanation the findings share
    (`_explanation`); they all live until the end, so their ids stay theirs."""
    worded: dict[int, str] = {}
    out = []
    for f in findings:
        words = worded.get(id(f.explanation))
        if words is None:
            words = worded[id(f.explanation)] = f.explanation.describe()
        out.append(words)
    return out


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Scanning makes many short-lived objects (matches, candidates, findings) and no cycles:
    reference counting frees them all, and the cyclic collector only re-walks them, about a
    tenth of a batch's time. It is paused for one batch and resumed (if it ran) after."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


class Scanner:
    """A configured detector. Build one and reuse it: construction compiles the prefilter."""

    def __init__(
        self,
        types: Iterable[str] | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        use_hyperscan: bool = True,
        recognizers: Sequence[Recognizer] | None = None,
        ner: str = "near",
        rules: DetectionRules | None = None,
    ) -> None:
        self.rules = rules
        known = {*pi_types(), *(rules.types if rules else ())}
        self.types = frozenset(types) if types is not None else None
        if self.types is not None:
            unknown = sorted(self.types - set(known))
            if unknown:
                raise ValueError(f"unknown PI types: {', '.join(unknown)}")
        self.min_score = min_score
        if ner not in ("off", "near", "full"):
            raise ValueError(f"ner must be off, near or full, not {ner!r}")
        self.ner = ner
        recs = list(recognizers) if recognizers is not None else default_recognizers()
        if rules is not None:
            recs += rules.recognizers()
        self._primary = [r for r in recs if not r.composite]
        self._composite = [r for r in recs if r.composite]
        self.prefilter = Prefilter(use_hyperscan=use_hyperscan,
                                   extra=rules.prefilter_patterns() if rules else ())

    # -- text -------------------------------------------------------------------------------
    def scan_text(self, text: str) -> list[Finding]:
        return self._scan(text, self.prefilter.families_for_text(text))

    def scan_texts(self, texts: Sequence[str | None], rows_are_persons: bool = False
                   ) -> list[list[Finding]]:
        """`scan_text` of each text; with `rows_are_persons` each text is a cell of a person's
        record (a column's values), so sensitive words need no person named in it."""
        arr = pa.array(texts, type=pa.large_string())
        fams = self._families(arr)
        picked = [i for i, (t, f) in enumerate(zip(texts, fams, strict=True)) if t and f]
        found = self._scan_many([texts[i] or "" for i in picked], [int(fams[i]) for i in picked],
                                rows_are_persons=rows_are_persons)
        out: list[list[Finding]] = [[] for _ in texts]
        for i, f in zip(picked, found, strict=True):
            out[i] = f
        return out

    def _run(self, recs: list[Recognizer], ctx: ScanContext) -> list[Candidate]:
        out: list[Candidate] = []
        view = ctx.view
        for rec in recs:
            if rec.families & ctx.families:
                for cand in rec.find(ctx):
                    cand.recognizer = rec.name
                    if rec.scores_itself:
                        cand.score = cand.base_score
                    else:
                        score_candidate(view, cand)
                    if cand.score >= self.min_score:
                        out.append(cand)
        return out

    def _rules(self, text: str, families: int, header: str = "") -> ScanContext:
        ctx = ScanContext(normalize(text), families, header=header)
        ctx.found = _resolve_overlaps(self._run(self._primary, ctx))
        if self._composite:
            extra = self._run(self._composite, ctx)
            if extra:  # resolving is idempotent: nothing new, nothing to redo
                ctx.found = _resolve_overlaps(ctx.found + extra)
        return ctx

    def _with_model(self, ctxs: list[ScanContext]) -> None:
        """Add the trained model's names and addresses, one batch for all texts. A scan for
        sensitive types only still needs the names: they are whose the disease is."""
        if self.ner == "off" or (self.types is not None and not self.types & {
                "PERSON_NAME", "ADDRESS", *subject_rules().types}):
            return
        for ctx, cands in zip(ctxs, ner_candidates(ctxs, self.ner), strict=True):
            kept = []
            for cand in cands:
                score_candidate(ctx.view, cand)
                if cand.score >= self.min_score:
                    kept.append(cand)
            if kept:
                ctx.found = _resolve_overlaps(ctx.found + kept)

    def _scan_many(self, texts: Sequence[str], families: Sequence[int], header: str = "",
                   rows_are_persons: bool = False) -> list[list[Finding]]:
        with _collector_paused():
            ctxs = [self._rules(t, f, header) for t, f in zip(texts, families, strict=True)]
            self._with_model(ctxs)
            if not rows_are_persons:
                for ctx in ctxs:
                    self._tie_to_person(ctx)
            return [self._to_findings(ctx) for ctx in ctxs]

    def _tie_to_person(self, ctx: ScanContext) -> None:
        """A sensitive word (a disease, a faith) or a whereabouts record counts only when the text
        is about a person (`subject.py`); in a column named for the type (诊断, 宗教信仰) the row
        is the person. Run after the model, whose names are persons too."""
        rules = subject_rules()
        if not any(c.type in rules.types for c in ctx.found) or (
                ctx.header and header_type(ctx.header) in rules.types):
            return
        kept = []
        for c in ctx.found:
            if c.type in rules.types:
                why = subject_of(ctx.view, c, ctx.found)
                if why is None:
                    c.score = min(c.score, rules.cap)
                    c.note = "no person in the sentence"
                    if c.score < self.min_score:
                        continue
                else:
                    c.note = f"{c.note}; subject: {why}" if c.note else f"subject: {why}"
            kept.append(c)
        ctx.found = kept

    def _scan(self, text: str, families: int) -> list[Finding]:
        if not families or not text:
            return []
        return self._scan_many([text], [families])[0]

    def _to_findings(self, ctx: ScanContext) -> list[Finding]:
        norm = ctx.norm
        out: list[Finding] = []
        wanted = self.types
        allowed = self.rules.allows if self.rules is not None else None
        for c in ctx.found:
            start, end = norm.to_original(c.start, c.end)
            raw = norm.original[start:end]
            if allowed is not None and allowed(raw, c.value):
                continue
            expl = _explanation((c.recognizer, c.pattern, c.base_score, c.validators, c.cues,
                                 c.negative_cues, _obfuscated(raw, norm.text[c.start:c.end]),
                                 c.note))
            attrs = c.attributes or {}
            if wanted is None or c.type in wanted:
                out.append(Finding(c.type, start, end, c.score, expl, raw, c.value, attrs))
            if c.type == "CN_ID_CARD" and int(attrs.get("age", 99)) < 14 and (
                wanted is None or "MINOR" in wanted
            ):
                minor = Explanation("minor", "id_birth_date", c.score, ("age<14",),
                                    note=f"age {attrs['age']}")
                out.append(Finding("MINOR", start, end, c.score, minor, raw, c.value, attrs))
        return out

    @property
    def own_types(self) -> Mapping[str, CustomType]:
        """The user's types of this scanner's rules (none without rules): what redaction and
        masking in protect, which knows only the taxonomy, are given to treat them by."""
        return (self.rules or NO_RULES).types

    def sensitivity(self) -> dict[str, bool]:
        """Whether each type this scanner reports is sensitive PI (PIPL Art. 28), the user's
        rule types included."""
        return (self.rules or NO_RULES).sensitivity()

    def type_name(self, pi_type: str, lang: str = "zh") -> str:
        return (self.rules or NO_RULES).type_name(pi_type, lang)

    def mask(self, pi_type: str, value: str, lang: str = "zh") -> str:
        """The taxonomy's mask, or for a type of the user's rules its own keep counts (the same
        `mask_value` that redaction uses, so a scan shows what a redacted copy holds); types
        shown as a label ([宗教信仰]) are labelled in `lang`."""
        return _mask_value()(pi_type, value, lang, own_types=self.own_types)

    # -- Arrow ------------------------------------------------------------------------------
    def _families(self, arr: pa.Array) -> np.ndarray:
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = arr.cast(pa.large_string())
        width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
        bufs = arr.buffers()
        offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset : arr.offset + len(arr) + 1]
        data = bufs[2].to_pybytes() if bufs[2] is not None else b""
        return self.prefilter.families_for_buffer(data, offsets.astype(np.int64))

    def scan_array(self, arr: pa.Array, header: str | None = None,
                   rows_are_persons: bool = False) -> list[tuple[int, Finding]]:
        """(row, finding) for every finding in a string array. A `header` naming a name or
        address column (姓名, 住址 …) lets a bare cell count as that type, and a user's rule
        reads its cue words in the header too (a 工号 column of bare numbers). With
        `rows_are_persons` (the table has a 姓名 or 身份证号 column) a disease in any cell is
        its row's person's, without a person named in the cell."""
        fams = self._families(arr)
        rows = np.flatnonzero(fams)
        out: list[tuple[int, Finding]] = []
        if len(rows):
            texts = arr.take(pa.array(rows)).to_pylist()
            keep = [k for k, t in enumerate(texts) if t]
            found = self._scan_many([texts[k] for k in keep], [int(fams[rows[k]]) for k in keep],
                                    header or "", rows_are_persons)
            for k, findings in zip(keep, found, strict=True):
                out.extend((int(rows[k]), f) for f in findings)
        if header and header_says_not_pi(header):
            out = [(r, f) for r, f in out if f.type not in _NUMBER_TYPES or f.explanation.cues]
        hint = header_type(header) if header else None
        if hint in _CELL_TYPES and (self.types is None or hint in self.types):
            out.extend(self._cell_findings(arr, hint, {r for r, _ in out}))
            out.sort(key=lambda rf: (rf[0], rf[1].start))
        return out

    def _cell_findings(self, arr: pa.Array, hint: str, taken: set[int]
                       ) -> list[tuple[int, Finding]]:
        accept = looks_like_name if hint == "PERSON_NAME" else looks_like_address
        expl = Explanation("column_header", hint.lower(), 0.7, ("header",))
        out = []
        for r, value in enumerate(arr.to_pylist()):
            if not value or r in taken:
                continue
            v = value.strip()
            if v and accept(v):
                start = value.index(v)
                out.append((r, Finding(hint, start, start + len(v), 0.7, expl, v, v)))
        return out

    def scan_batch(
        self,
        batch: pa.RecordBatch | pa.Table,
        columns: Sequence[str] | None = None,
        mask: Callable[[str, str], str] | None = None,
        include_raw: bool = False,
        token: Callable[[str, str], str] | None = None,
        rows_are_persons: bool | None = None,
    ) -> pa.RecordBatch:
        """Findings of every text column of `batch` (or of `columns`), one row each, with the
        value masked. `row` indexes the input batch. The raw span is added (column `raw`) only
        when `include_raw` is asked for: an authorised reveal, which callers must log. With
        `token(type, value)` (a keyed pseudonym function) a `token` column links findings of the
        same value across rows and datasets without the value itself.

        `rows_are_persons` says whether the table the batch comes from is one of persons'
        records (`is_persons_table` of its columns), so that a disease in any cell counts. A
        caller that sends part of a table's columns (an engine's scan, a file scan of chosen
        columns) must pass it, from the whole table: otherwise the same table gives other
        findings when its columns travel in other batches. None: `batch` is the whole table,
        and its own columns decide."""
        masker = mask or partial(_mask_value(), lang="zh", own_types=self.own_types)
        cols = list(columns) if columns is not None else [
            f.name for f in batch.schema
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        ]
        schema = FINDINGS_SCHEMA
        if token is not None:
            schema = schema.append(pa.field("token", pa.string()))
        if include_raw:
            schema = schema.append(pa.field("raw", pa.string()))
        out: dict[str, list[object]] = {f.name: [] for f in schema}
        sensitive = self.sensitivity()
        of_persons = (is_persons_table(batch.schema.names) if rows_are_persons is None
                      else rows_are_persons)
        with _collector_paused():
            for name in cols:
                found = self.scan_array(batch.column(name), header=name,
                                        rows_are_persons=of_persons)
                findings = [f for _, f in found]
                out["row"] += [row for row, _ in found]
                out["column"] += [name] * len(found)
                out["start"] += [f.start for f in findings]
                out["end"] += [f.end for f in findings]
                out["type"] += [f.type for f in findings]
                out["score"] += [f.score for f in findings]
                out["sensitive"] += [sensitive[f.type] for f in findings]
                out["masked"] += [masker(f.type, f.text) for f in findings]
                out["explanation"] += _descriptions(findings)
                if token is not None:
                    out["token"] += [token(f.type, f.value or f.text) for f in findings]
                if include_raw:
                    out["raw"] += [f.text for f in findings]
        return pa.RecordBatch.from_pydict(out, schema=schema)


def is_persons_table(columns: Iterable[str]) -> bool:
    """Whether a table with these columns holds persons' records: a column named for an
    identifying type (姓名, 身份证号, 手机号) makes each row someone's, so a disease or a faith
    in any of its cells is that person's without a person named in the cell. It is decided by
    the table's columns, never by the ones a scan reads, so that every way of scanning the table
    (one column at a time or all at once) finds the same."""
    identifying = subject_rules().identifying
    return any(header_type(n) in identifying for n in columns)


@cache
def _mask_value() -> Callable[..., str]:
    """protect's `mask_value`, imported on first use: a scan that masks nothing need not load
    protect (and with it the cryptography library)."""
    from pisentinel.protect import mask_value

    return mask_value


@cache
def default_scanner() -> Scanner:
    return Scanner()


def scan_text(text: str, types: Iterable[str] | None = None,
              min_score: float = DEFAULT_MIN_SCORE) -> list[Finding]:
    """Find PI in one text. Offsets are code points into `text`, end exclusive."""
    if types is None and min_score == DEFAULT_MIN_SCORE:
        return default_scanner().scan_text(text)
    return _scanner_for(frozenset(types) if types is not None else None, min_score).scan_text(text)


def scan_texts(texts: Sequence[str | None], types: Iterable[str] | None = None,
               min_score: float = DEFAULT_MIN_SCORE) -> list[list[Finding]]:
    """`scan_text` over many texts, with one prefilter pass and one call of the trained model
    for all of them: for more than a handful of texts, several times faster than a loop."""
    if types is None and min_score == DEFAULT_MIN_SCORE:
        return default_scanner().scan_texts(texts)
    scanner = _scanner_for(frozenset(types) if types is not None else None, min_score)
    return scanner.scan_texts(texts)


@cache
def _scanner_for(types: frozenset[str] | None, min_score: float) -> Scanner:
    return Scanner(types=types, min_score=min_score)


def scan_batch(batch: pa.RecordBatch | pa.Table, columns: Sequence[str] | None = None
               ) -> pa.RecordBatch:
    return default_scanner().scan_batch(batch, columns)


__all__ = ["FINDINGS_SCHEMA", "F", "Scanner", "default_scanner", "is_persons_table", "scan_batch",
           "scan_text", "scan_texts"]
