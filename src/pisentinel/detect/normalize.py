"""Normalisation that undoes the ways people write numbers to dodge filters.

Obfuscated PI is still PI: full-width digits (１３８), digits written as Chinese numerals
(一三八, 幺, 〇), zero-width characters inside a number. `normalize` returns a view of the text in
which all of these read as ASCII, plus a map from every view index back to the original string,
so that findings always point into what the user gave us.

Separators inside numbers (138 1234 5678, 138-1234-5678, 138·1234·5678) are not removed here:
`digit_runs` groups digits across them, and recognizers join whole groups, so a number written
in groups is found without gluing unrelated neighbouring numbers together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")

_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20  # ideographic space
_WIDTH_TABLE[0x30FB] = ord("·")  # katakana middle dot, often typed for ·
_WIDTH_TABLE[0x2027] = ord("·")  # hyphenation point
_WIDTH_TABLE[0x2010] = ord("-")
_WIDTH_TABLE[0x2011] = ord("-")
_WIDTH_TABLE[0x2012] = ord("-")
_WIDTH_TABLE[0x2013] = ord("-")
_WIDTH_TABLE[0x2014] = ord("-")
_WIDTH_TABLE[0x2212] = ord("-")
_WIDTH_TABLE[0x3002] = 0x3002  # keep 。 as it is (not a decimal point)

# str.translate looks every character up; a regex finds the few that fold, twice as fast on
# Chinese text where most characters are Han.
_WIDTH_FOLD = {chr(k): chr(v) for k, v in _WIDTH_TABLE.items() if k != v}
_WIDTH_RE = re.compile("[" + "".join(map(re.escape, _WIDTH_FOLD)) + "]")


def _fold_width(text: str) -> str:
    return _WIDTH_RE.sub(lambda m: _WIDTH_FOLD[m.group()], text)


CHINESE_DIGITS = {
    "〇": "0", "零": "0", "○": "0", "Ｏ": "0",
    "一": "1", "幺": "1", "壹": "1",
    "二": "2", "两": "2", "贰": "2",
    "三": "3", "叁": "3",
    "四": "4", "肆": "4",
    "五": "5", "伍": "5",
    "六": "6", "陆": "6",
    "七": "7", "柒": "7",
    "八": "8", "捌": "8",
    "九": "9", "玖": "9",
}
_CN_TABLE = {ord(k): v for k, v in CHINESE_DIGITS.items()}
_CN_CHARS = "".join(CHINESE_DIGITS)
NUMBER_SEPARATORS = " \t-.·_/"
# A run of at least five numeral characters, digits allowed in between, single separators allowed.
_CN_RUN_RE = re.compile(
    f"[{_CN_CHARS}0-9](?:(?:[ \\-.·]|\r?\n)?[{_CN_CHARS}0-9]){{4,}}"
)
_CN_PRESENT_RE = re.compile(f"[{_CN_CHARS}]")
_CN_FOUR_RE = re.compile(f"[{_CN_CHARS}](?:[^{_CN_CHARS}]*[{_CN_CHARS}]){{3}}")

# Digit groups joined by at most two separators; an ID's check character may end the run. The
# first digit is spelled out ([0-9][0-9]*): re skips to a digit only for a pattern that starts
# with a plain character class.
DIGIT_RUN_RE = re.compile(
    r"[0-9][0-9]*(?:(?:[ \t\-.·_/]{1,2}(?:\r?\n)?|\r?\n)[0-9]+)*(?:[ \-.·]?[Xx](?![A-Za-z0-9]))?"
)
_GROUP_RE = re.compile(r"[0-9]+|[Xx]")


@dataclass(slots=True)
class NormalizedText:
    """`text` is the normalised view; `index_map[i]` is the original index of `text[i]`
    (None when the view has the original's indices, i.e. nothing was removed)."""

    original: str
    text: str
    index_map: list[int] | None
    changed: bool

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span [start, end) back to the original string."""
        if self.index_map is None:
            return start, end
        if end <= start:
            o = self.index_map[start] if start < len(self.index_map) else len(self.original)
            return o, o
        return self.index_map[start], self.index_map[end - 1] + 1


def _convert_chinese_runs(text: str) -> str:
    """Read numeral runs as digits only when they hold at least four Chinese numerals, so a
    stray 九 after a number (8455952 九成新) stays a word."""

    def repl(m: re.Match[str]) -> str:
        run = m.group(0)
        if len(_CN_PRESENT_RE.findall(run)) < 4:
            return run
        return run.translate(_CN_TABLE)

    return _CN_RUN_RE.sub(repl, text)


def normalize(text: str) -> NormalizedText:
    """Normalised view of `text`: zero-width characters dropped, full-width forms folded to
    ASCII, runs of Chinese numerals read as digits. Length changes only by dropped characters."""
    index_map: list[int] | None = None
    view = text
    if _ZERO_WIDTH_RE.search(view):
        index_map = [i for i, ch in enumerate(text) if ch not in ZERO_WIDTH]
        view = _ZERO_WIDTH_RE.sub("", view)
    folded = _fold_width(view)
    if _CN_FOUR_RE.search(folded):  # fewer than four cannot make a run worth reading
        folded = _convert_chinese_runs(folded)
    return NormalizedText(text, folded, index_map, changed=folded != text)


class DigitRun(NamedTuple):
    """A run of digit groups. `groups` are (start, end) view spans of each group. A tuple:
    texts hold many runs and a frozen dataclass costs three times as much to build."""

    start: int
    end: int
    groups: tuple[tuple[int, int], ...]


def digit_runs(view: str, min_chars: int = 5) -> list[DigitRun]:
    """Runs at least `min_chars` long (shorter ones cannot hold any numeric identifier)."""
    runs = []
    for m in DIGIT_RUN_RE.finditer(view):
        start, end = m.span()
        if end - start < min_chars:
            continue
        if m.group(0).isdigit():
            runs.append(DigitRun(start, end, ((start, end),)))
        else:
            runs.append(DigitRun(start, end, tuple(
                map(re.Match.span, _GROUP_RE.finditer(view, start, end)))))
    return runs


def join_groups(view: str, run: DigitRun, first: int, last: int) -> str:
    """The digits of groups first..last (inclusive) of a run, separators dropped."""
    return "".join(view[s:e] for s, e in run.groups[first : last + 1])
