"""Column classification: which PI type a table column holds, from its header and its values.

Real exports arrive with Chinese or English headers (身份证号, 手机, visitor_id_number) and with
headers that say nothing (col_7). The header is one vote; the values are the other: the share
of sampled values that are, as a whole, a finding of the type."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from pisentinel.detect.headers import header_type, looks_like_name
from pisentinel.detect.scanner import Scanner


@dataclass(frozen=True)
class ColumnProfile:
    column: str
    type: str | None
    confidence: float
    header_type: str | None
    value_ratio: float
    sampled: int
    non_empty: int
    value_types: dict[str, float] = field(default_factory=dict)


@cache
def _rule_scanner() -> Scanner:
    """Column values are judged by the rule tier alone: a cell is short, and a name column is
    recognised by its shape (looks_like_name), so the trained model adds cost, not accuracy."""
    return Scanner(ner="off")


def value_types(values: Sequence[str], scanner: Scanner | None = None) -> Counter[str]:
    """For each type, how many values are wholly (≥ 80% of their characters) one finding. A
    value is a cell of some row, so a disease needs no person named beside it."""
    scanner = scanner or _rule_scanner()
    texts = [v.strip() for v in values if v and v.strip()]
    counts: Counter[str] = Counter()
    unexplained = []
    for text, found in zip(texts, scanner.scan_texts(texts, rows_are_persons=True), strict=True):
        seen = {f.type for f in found if (f.end - f.start) >= 0.8 * len(text)}
        if not seen and looks_like_name(text):
            seen.add("PERSON_NAME")
        if not seen and len(text) >= 6:
            unexplained.append(text)
        counts.update(seen)
    labelled = scanner.scan_texts(["住址：" + t for t in unexplained])
    for text, found in zip(unexplained, labelled, strict=True):
        if any(f.type == "ADDRESS" and (f.end - f.start) >= 0.8 * len(text) for f in found):
            counts["ADDRESS"] += 1
    return counts


def classify_column(name: str, values: Sequence[str | None],
                    scanner: Scanner | None = None) -> ColumnProfile:
    present = [str(v) for v in values if v is not None and str(v).strip()]
    by_header = header_type(name)
    counts = value_types(present, scanner)
    n = len(present)
    ratios = {t: c / n for t, c in counts.items()} if n else {}
    best, ratio = (max(ratios.items(), key=lambda kv: kv[1]) if ratios else (None, 0.0))
    if by_header and (ratios.get(by_header, 0.0) >= 0.2 or n == 0 or by_header in _FREE_FORM):
        chosen, conf = by_header, 0.5 + 0.5 * ratios.get(by_header, 0.0)
    elif best is not None and ratio >= 0.5:
        chosen, conf = best, ratio * (0.9 if by_header is None else 0.8)
    else:
        chosen, conf = None, 0.0
    return ColumnProfile(name, chosen, round(conf, 3), by_header, round(ratios.get(chosen, 0.0)
                         if chosen else ratio, 3), len(values), n, {t: round(r, 3)
                         for t, r in sorted(ratios.items())})


# Types whose values the rule tier cannot confirm one by one (free text, lexicon types).
_FREE_FORM = frozenset({"MEDICAL_HEALTH", "RELIGION", "BIOMETRIC", "ADDRESS", "PERSON_NAME",
                        "WECHAT_ID", "QQ_NUMBER", "BIRTH_DATE", "GPS_COORDINATE"})
