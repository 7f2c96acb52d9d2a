"""The trained name and address recognizer (detect.ner) as a recognizer family.

It runs after the rule recognizers. In "near" mode it reads only the text around what they found
— a name is PI worth finding where it stands next to an ID number, a phone or an address, and
this keeps screening fast; in "full" mode it reads every candidate text. ORGANIZATION spans are
not PI and are left to the models that name subjects."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from functools import cache
from typing import Any

from pisentinel.detect.recognizers.base import Candidate, ScanContext, han_at
from pisentinel.knowledge import load_yaml

PI_TYPES = ("PERSON_NAME", "ADDRESS")
ANCHORS = frozenset({"CN_ID_CARD", "PHONE_NUMBER", "BANK_CARD", "EMAIL", "LICENSE_PLATE",
                     "PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "QQ_NUMBER", "WECHAT_ID",
                     "ADDRESS", "PERSON_NAME", "MEDICAL_HEALTH", "RELIGION", "BIOMETRIC",
                     "WHEREABOUTS"})


@cache
def trained_model() -> Any | None:
    """The shipped model, or None when it is not installed (the rule tier still works)."""
    try:
        from pisentinel.detect.ner import load_default

        return load_default()
    except (ImportError, FileNotFoundError, OSError):
        return None


# Measured on generated texts (seed 101, not the evaluation seed) in window mode: names the
# model is at least 0.5 sure of were right 97% of the time, below that 13%; its addresses were
# right 60-65% of the time at any confidence, below the rule tier, so they need 0.6.
_OFFSET = {"PERSON_NAME": 0.0, "ADDRESS": -0.1}


def _calibrated(pi_type: str, confidence: float) -> float:
    return round(max(0.0, confidence + _OFFSET[pi_type]), 3)


@cache
def _document_words() -> tuple[str, ...]:
    return tuple(load_yaml("names_addresses.yaml")["address_not_before"])


def plausible_span(pi_type: str, text: str, start: int, end: int) -> bool:
    """What a PI detector wants from a news-trained tagger: a person's address, not a bare
    region (台湾, 港澳) or the place in a document's name (港澳居民来往内地通行证); a person's
    name, not an acronym or a lower-case English word (IP, job)."""
    value = text[start:end]
    if pi_type == "ADDRESS":
        return len(value) >= 3 and not text.startswith(_document_words(), end)
    if value.isascii() and value.isalpha():
        return not (value.islower() or (value.isupper() and len(value) <= 4))
    return True


_ENDS_BEFORE_A_FORM = frozenset({"honorific", "address_form"})  # …先生, …同学
_ENDS_WHERE_HAN_ENDS = frozenset({"label", "contact"})


def _firm_name_ends(ctx: ScanContext) -> dict[int, int]:
    """Start → end of the rule tier's names whose end is certain: those right before 先生 or
    同学, and those after a label that end where the Han text does (姓名：姜磊洋 ISBN…). There
    the rule knows the name's length better than the model, which often reads a three-character
    name as two (孔力一同学 → 孔力)."""
    view = ctx.view
    return {c.start: c.end for c in ctx.found
            if c.type == "PERSON_NAME" and (c.pattern in _ENDS_BEFORE_A_FORM or (
                c.pattern in _ENDS_WHERE_HAN_ENDS and not han_at(view, c.end)))}


_WORD_TYPES = frozenset({"MEDICAL_HEALTH", "RELIGION", "BIOMETRIC"})


def _name_end_before_words(ctx: ScanContext, start: int, end: int) -> int:
    """A name the model runs into a word of the sensitive lexicons (付峰人|脸信息) ends where the
    word begins; one inside such a word (穆斯林) is no name (returns `start`)."""
    for c in ctx.found:
        if c.type in _WORD_TYPES and c.start < end and start < c.end:
            end = max(start, min(end, c.start))
    return end


def _to_view(ctx: ScanContext, start: int, end: int) -> tuple[int, int]:
    index_map = ctx.norm.index_map
    if index_map is None:
        return start, end
    return bisect_left(index_map, start), bisect_left(index_map, end)


def ner_candidates(ctxs: Sequence[ScanContext], mode: str = "near") -> list[list[Candidate]]:
    """Candidates from the trained model for many texts in one batch (one model call: the model
    costs milliseconds per call and microseconds per character). In "near" mode only texts with
    rule findings are read, and only around them."""
    model = trained_model()
    out: list[list[Candidate]] = [[] for _ in ctxs]
    if model is None or mode == "off" or not ctxs:
        return out
    if mode == "full":
        picked = list(range(len(ctxs)))
        found = model.find_many([ctxs[i].norm.original for i in picked])
    else:
        picked, spans = [], []
        for i, ctx in enumerate(ctxs):
            anchors = [ctx.norm.to_original(c.start, c.end) for c in ctx.found
                       if c.type in ANCHORS]
            rest = len(ctx.norm.original) - sum(e - s for s, e in anchors)
            if anchors and rest >= 2:  # a cell that is one identifier holds no name beside it
                picked.append(i)
                spans.append(anchors)
        if not picked:
            return out
        found = model.find_near_many([ctxs[i].norm.original for i in picked], spans)
    for i, findings in zip(picked, found, strict=True):
        ctx = ctxs[i]
        firm = _firm_name_ends(ctx)
        for f in findings:
            if f.type not in PI_TYPES or not plausible_span(f.type, ctx.norm.original,
                                                            f.start, f.end):
                continue
            start, end = _to_view(ctx, f.start, f.end)
            value = f.text
            if f.type == "PERSON_NAME" and (cut := _name_end_before_words(ctx, start, end)) < end:
                if cut - start < 2:
                    continue
                end, value = cut, ctx.view[start:cut]
            if end <= start or (f.type == "PERSON_NAME" and firm.get(start, end) != end):
                continue
            out[i].append(Candidate(f.type, start, end, _calibrated(f.type, float(f.score)),
                                    "ner", value, ("model",), note=f.explanation.pattern,
                                    recognizer="ner"))
    return out
