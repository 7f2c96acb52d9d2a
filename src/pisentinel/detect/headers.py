"""What a column header says about the PI its cells hold (身份证号, 手机, visitor_name …).

Shared by the column classifier and by `scan_batch`, which reads a bare name in a 姓名 column as
a name: the header is the label the cell itself lacks."""

from __future__ import annotations

import re
from functools import cache

from pisentinel.knowledge import lexicon, load_yaml

_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_ADDRESS_HINT = re.compile(r"[省市区县镇乡村路街巷弄号楼栋幢室苑园]")


@cache
def _headers() -> tuple[list[tuple[str, list[str]]], list[str]]:
    doc = load_yaml("columns.yaml")
    return list(doc["headers"].items()), list(doc["not_pi"])


@cache
def header_type(header: str) -> str | None:
    """The PI type a header names, or None (also None for look-alikes such as 订单号)."""
    h = header.strip().lower()
    rules, not_pi = _headers()
    if any(w.lower() in h for w in not_pi):
        return None
    for code, words in rules:
        for w in words:
            w = w.lower()
            if w.isascii():
                if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", h):
                    return code
            elif w in h:
                return code
    return None


@cache
def header_says_not_pi(header: str) -> bool:
    """Headers such as 订单号 or 快递单号: a number in this column is a transaction's, whatever
    its shape, unless the cell itself labels it otherwise."""
    h = header.strip().lower()
    return any(w.lower() in h for w in _headers()[1])


def looks_like_name(value: str) -> bool:
    if not _HAN_NAME.match(value):
        return False
    surnames = lexicon("surnames")
    return value[:1] in surnames or value[:2] in surnames


def looks_like_address(value: str) -> bool:
    return len(value) >= 5 and len(_ADDRESS_HINT.findall(value)) >= 2
