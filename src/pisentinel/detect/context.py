"""Context scoring with Chinese cue words.

The label nearest before a number says what it is: in "订单号：…，手机：138…" the phone's nearest
label is 手机 and the order number's is 订单号. So for each candidate the closest cue within the
window before it wins; a cue right after it (…元) counts too. Cue lists are knowledge data
(knowledge/data/cues.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pisentinel.detect.recognizers.base import Candidate, word_alternation
from pisentinel.knowledge import load_yaml


@dataclass(frozen=True)
class CueRules:
    window: int
    negative_window: int
    after: int
    boost: float
    penalty: float
    before: re.Pattern[str]
    after_re: re.Pattern[str]


@cache
def cue_rules(pi_type: str) -> CueRules | None:
    doc = load_yaml("cues.yaml")
    spec = doc["types"].get(pi_type)
    negative = doc["negative_common"]
    positive = spec["positive"] if spec else []
    negative = negative + (spec.get("negative", []) if spec else [])
    if not positive and not negative:
        return None
    parts = []
    if positive:
        parts.append(f"(?P<pos>{word_alternation(positive)})")
    parts.append(f"(?P<neg>{word_alternation(negative)})")
    return CueRules(
        window=doc["window"],
        negative_window=doc["negative_window"],
        after=doc["after"],
        boost=doc["boost"],
        penalty=doc["penalty"],
        before=re.compile("|".join(parts)),
        after_re=re.compile(f"\\W{{0,2}}(?P<neg>{word_alternation(_AMOUNT_UNITS)})"),
    )


# A label belongs to the value right after it: the window before a candidate stops at the end of
# the previous number or sentence.
_BOUNDARY_RE = re.compile(r"[0-9０-９]|[。！？；;!?\n]")
# Labels of a type that is easily mistaken for this one (an ID with a bad checksum that happens to
# pass Luhn): when the nearest label names the other type, the candidate loses.
_RIVALS = {"BANK_CARD": ("CN_ID_CARD",), "CN_ID_CARD": ("BANK_CARD",),
           "QQ_NUMBER": ("PHONE_NUMBER",)}

# A negative label (订单号) only speaks for a value that follows it directly.
_LABEL_GAP_RE = re.compile(r"[\s:：#＃是为号码编的（）()\-_.,，]{0,4}(?:[vV](?:er)?\.?\s?)?")

_AMOUNT_UNITS = ["元", "块", "万", "亿", "美元", "%"]
_SELF_CUED = {"label", "wechat+cue", "date+cue", "labelled_pair"}


def window_start(view: str, start: int, window: int) -> int:
    lo = max(0, start - window)
    nearest = _BOUNDARY_RE.search(view[lo:start][::-1])  # boundaries are single characters
    return start - nearest.start() if nearest is not None else lo


@cache
def _all_labels() -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """Every type's positive cue words in one pattern, with the types each word names."""
    owners: dict[str, set[str]] = {}
    for code, spec in load_yaml("cues.yaml")["types"].items():
        for word in spec.get("positive", []):
            owners.setdefault(word, set()).add(code)
    return (re.compile(word_alternation(list(owners))),
            {w: frozenset(t) for w, t in owners.items()})


def _is_label(view: str, m: re.Match[str]) -> bool:
    """A cue inside an address or URL (…@qq.com, www.qq.com) is not a label."""
    before = view[m.start() - 1] if m.start() else " "
    after = view[m.end()] if m.end() < len(view) else " "
    return before not in "@./" and after not in ".@/"


def _foreign_label(view: str, own_end: int, cand: Candidate) -> str | None:
    """The nearest label before the candidate, when it names other types only. A word right
    after the own label (台胞证 + 号码) is part of that label."""
    pattern, owners = _all_labels()
    last = None
    for m in pattern.finditer(view, own_end + 1, cand.start):
        if _is_label(view, m):
            last = m
    if last is not None and cand.type not in owners[last.group(0)]:
        return last.group(0)
    return None


def _rival_label(view: str, lo: int, cand: Candidate, after: int) -> str | None:
    """The label of a rival type, when it stands nearer the candidate than any own label."""
    for rival in _RIVALS.get(cand.type, ()):
        rules = cue_rules(rival)
        if rules is None:
            continue
        last = None
        for m in rules.before.finditer(view, max(lo, after), cand.start):
            if m.lastgroup == "pos":
                last = m
        if last is not None:
            return last.group(0)
    return None


def score_candidate(view: str, cand: Candidate) -> None:
    """Set `cand.score` from its base score and the cues around it."""
    rules = cue_rules(cand.type)
    score = cand.base_score
    if rules is not None:
        lo = window_start(view, cand.start, rules.window)
        last = None
        for m in rules.before.finditer(view, lo, cand.start):
            if m.lastgroup != "pos" or _is_label(view, m):
                last = m
        rival = _rival_label(view, lo, cand, last.end() if last is not None else lo)
        foreign = _foreign_label(view, last.end(), cand) if last is not None and \
            last.lastgroup == "pos" else None
        if rival:
            score -= rules.penalty
            cand.negative_cues = (rival,)
        elif foreign:
            cand.note = f"nearest label: {foreign}"
        elif last is not None:
            if last.lastgroup == "pos":
                if cand.pattern not in _SELF_CUED:
                    score += rules.boost
                cand.cues = (last.group(0),)
            elif _LABEL_GAP_RE.fullmatch(view, last.end(), cand.start):
                score -= rules.penalty
                cand.negative_cues = (last.group(0),)
        tail = rules.after_re.match(view, cand.end, min(len(view), cand.end + rules.after))
        if tail is not None and cand.type in ("PHONE_NUMBER", "BANK_CARD", "QQ_NUMBER",
                                              "CN_ID_CARD", "IP_ADDRESS"):
            score -= rules.penalty
            cand.negative_cues = (*cand.negative_cues, tail.group("neg"))
    cand.score = round(min(1.0, max(0.0, score)), 3)
