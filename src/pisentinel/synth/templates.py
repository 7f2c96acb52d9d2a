"""Filling generator templates: ``{slot}`` is drawn when it is reached, ``[`` and ``]`` mark the
gold span. Shared by the sensitive-PI and whereabouts generators."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_PIECES = re.compile(r"(\{\w+\}|\[|\])")


def fill_template(template: str, slots: Mapping[str, Callable[[], str]]) -> tuple[str, int, int]:
    """`template` with each ``{slot}`` replaced by ``slots[slot]()``, called in the order the
    slots stand (so seeded draws stay in that order), and the span the brackets mark in the
    result: (-1, -1) without brackets."""
    out: list[str] = []
    start, end = -1, -1
    for piece in _PIECES.split(template):
        if piece == "[":
            start = sum(map(len, out))
        elif piece == "]":
            end = sum(map(len, out))
        elif piece.startswith("{"):
            out.append(slots[piece[1:-1]]())
        else:
            out.append(piece)
    return "".join(out), start, end
