"""Context scoring with Chinese cue words.

The label nearest before a number says what it is: in "订单号：…，手机：138…" the phone's nearest
label is 手机 and the order number's is 订单号. So for each candidate the closest cue within the
window before it wins; a cue right after it (…元) counts too. Cue lists are knowledge data
(knowledge/data/cues.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pisentinel.detect.recognizers.base import Candidate
from pisentinel.knowledge import load_yaml


@dataclass(frozen=True)
class CueRules:
    window: int
    after: int
    boost: float
    penalty: float
    before: re.Pattern[str]
    after_re: re.Pattern[str]


def _alternation(words: list[str]) -> str:
    return "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))


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
        parts.append(f"(?P<pos>{_alternation(positive)})")
    parts.append(f"(?P<neg>{_alternation(negative)})")
    return CueRules(
        window=doc["window"],
        after=doc["after"],
        boost=doc["boost"],
        penalty=doc["penalty"],
        before=re.compile("|".join(parts)),
        after_re=re.compile(f"\\W{{0,2}}(?P<neg>{_alternation(_AMOUNT_UNITS)})"),
    )


_AMOUNT_UNITS = ["元", "块", "万", "亿", "美元", "%"]
_SELF_CUED = {"label", "wechat+cue", "date+cue", "labelled_pair"}


def score_candidate(view: str, cand: Candidate) -> None:
    """Set `cand.score` from its base score and the cues around it."""
    rules = cue_rules(cand.type)
    score = cand.base_score
    if rules is not None:
        lo = max(0, cand.start - rules.window)
        last = None
        for m in rules.before.finditer(view, lo, cand.start):
            last = m
        if last is not None:
            if last.lastgroup == "pos":
                if cand.pattern not in _SELF_CUED:
                    score += rules.boost
                cand.cues = (last.group(0),)
            else:
                score -= rules.penalty
                cand.negative_cues = (last.group(0),)
        tail = rules.after_re.match(view, cand.end, min(len(view), cand.end + rules.after))
        if tail is not None and cand.type in ("PHONE_NUMBER", "BANK_CARD", "QQ_NUMBER",
                                              "CN_ID_CARD", "IP_ADDRESS"):
            score -= rules.penalty
            cand.negative_cues = (*cand.negative_cues, tail.group("neg"))
    cand.score = round(min(1.0, max(0.0, score)), 3)
