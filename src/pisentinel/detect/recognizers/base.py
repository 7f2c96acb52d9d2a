"""The recognizer contract: a recognizer reads a `ScanContext` and yields `Candidate`s in the
coordinates of the normalised view; the scanner scores them against context, resolves overlaps
and maps them back to the original text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pisentinel.detect.normalize import DigitRun, NormalizedText, digit_runs


@dataclass(slots=True)
class Candidate:
    type: str
    start: int
    end: int
    base_score: float
    pattern: str
    value: str
    validators: tuple[str, ...] = ()
    attributes: dict[str, Any] | None = None
    note: str = ""
    recognizer: str = ""
    score: float = 0.0
    cues: tuple[str, ...] = ()
    negative_cues: tuple[str, ...] = ()


@dataclass(slots=True)
class ScanContext:
    """One text being scanned: its normalised view, lazily derived structures shared by the
    recognizers, the candidates found so far (composite recognizers read them) and, for a table
    cell, its column's name."""

    norm: NormalizedText
    families: int
    found: list[Candidate] = field(default_factory=list)
    header: str = ""  # the column's name, when the text is a table cell
    _runs: list[DigitRun] | None = None
    _numbers: list[tuple[DigitRun, int, int, str]] | None = None

    @property
    def view(self) -> str:
        return self.norm.text

    @property
    def runs(self) -> list[DigitRun]:
        if self._runs is None:
            self._runs = digit_runs(self.norm.text)
        return self._runs


class Recognizer:
    """Base class. `families` are the prefilter families whose hit makes this recognizer run;
    `composite` recognizers run after the others and may read `ctx.found`."""

    name: ClassVar[str] = "recognizer"
    types: ClassVar[tuple[str, ...]] = ()
    families: ClassVar[int] = 0
    composite: ClassVar[bool] = False
    # A recognizer of a user's own type scores its candidates itself: the built-in cue words
    # (工号 is no phone number) say nothing about it.
    scores_itself: ClassVar[bool] = False

    def find(self, ctx: ScanContext) -> Iterable[Candidate]:
        raise NotImplementedError


MIN_NUMBER, MAX_NUMBER = 5, 19


def word_alternation(words: Iterable[str]) -> str:
    """The words as one regex alternation, longest first, so that a word wins over its prefix
    (身份证号 over 身份证): `re` takes the first alternative that matches, not the longest."""
    return "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))


def han_at(text: str, i: int) -> bool:
    """Whether text[i] exists and is a CJK unified ideograph (where a Chinese word goes on)."""
    return 0 <= i < len(text) and "\u4e00" <= text[i] <= "\u9fff"


def aligned_numbers(
    ctx: ScanContext, min_len: int, max_len: int
) -> Iterator[tuple[DigitRun, int, int, str]]:
    """Every concatenation of whole consecutive digit groups whose length is in
    [min_len, max_len]: (run, first_group, last_group, digits). Whole groups only, so a number
    is never cut out of a longer one, and numbers written in groups join up. Computed once per
    text and shared by the numeric recognizers."""
    if ctx._numbers is None:
        ctx._numbers = list(_enumerate_numbers(ctx.view, _outside_uuids(ctx.view, ctx.runs)))
    for item in ctx._numbers:
        if min_len <= len(item[3]) <= max_len:
            yield item


def _enumerate_numbers(view: str, runs: list[DigitRun]) -> Iterator[tuple[DigitRun, int, int, str]]:
    min_len, max_len = MIN_NUMBER, MAX_NUMBER
    for whole in runs:
        run = _after_date(view, whole) if len(whole.groups) > 2 else whole
        if run is None or run.end - run.start < min_len or _is_decimal(view, run):
            continue
        groups = run.groups
        if len(groups) == 1:  # most runs: one plain number
            s, e = groups[0]
            if e - s <= max_len and view[s] not in "Xx":
                yield run, 0, 0, view[s:e]
            continue
        for i in range(len(groups)):
            if view[groups[i][0]] in "Xx":
                continue
            digits = ""
            for j in range(i, len(groups)):
                s, e = groups[j]
                digits += view[s:e]
                if len(digits) > max_len:
                    break
                if len(digits) >= min_len:
                    yield run, i, j, digits


# A calendar date, 2019-11-23 or 2019年11月23日 (the birth-date recognizer reads it too), or
# 20191123 written without separators.
DATE_RE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})\s?(?:年|[-/.])\s?([0-9]{1,2})\s?(?:月|[-/.])\s?([0-9]{1,2})日?"
    r"|(?<![0-9])((?:19|20)[0-9]{2})([01][0-9])([0-3][0-9])(?![0-9])"
)
# The time text with its spaces removed glues to the day: 2018-10-3015 is the 30th at 15h.
_GLUED_TIME_RE = re.compile(r"(?:[01][0-9]|2[0-3])(?:[0-5][0-9]){0,2}")


def _after_date(view: str, run: DigitRun) -> DigitRun | None:
    """The run without the calendar date that leads it (2018-10-30, 2018/10/3015 with a glued
    hour), or None when nothing follows the date. A timestamp's groups are no part of any phone,
    QQ or card number, but a number written after the date in the same run still is."""
    groups = run.groups
    m = DATE_RE.match(view, run.start)
    if m is None or m.group(1) is None or m.start(3) != groups[2][0]:
        return run
    glued = view[m.end(3) : groups[2][1]]
    if glued and not _GLUED_TIME_RE.fullmatch(glued):
        return run
    if not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
        return run
    rest = groups[3:]
    return DigitRun(rest[0][0], rest[-1][1], rest) if rest else None


# A UUID (request and trace IDs in logs, advertising IDs) is one token: the digits inside it are
# no phone, card or ID number, however they happen to line up.
UUID_RE = re.compile(
    r"(?<![0-9A-Fa-f])(?<![0-9A-Fa-f]-)[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
    r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f\-])"
)


def _outside_uuids(view: str, runs: list[DigitRun]) -> list[DigitRun]:
    """The runs without their groups that lie in a UUID; a run the UUID cuts in two (a phone, a
    line break, then a UUID) becomes two runs, so the number before it stays whole."""
    if view.count("-") < 4 or not runs:
        return runs
    spans = [m.span() for m in UUID_RE.finditer(view)]
    if not spans:
        return runs
    out: list[DigitRun] = []
    for run in runs:
        if not any(s < run.end and run.start < e for s, e in spans):
            out.append(run)
            continue
        kept: list[tuple[int, int]] = []
        for g in (*run.groups, None):
            if g is not None and not any(s < g[1] and g[0] < e for s, e in spans):
                kept.append(g)
            elif kept:
                out.append(DigitRun(kept[0][0], kept[-1][1], tuple(kept)))
                kept = []
    return out


def _is_decimal(view: str, run: DigitRun) -> bool:
    """0.4930931269991561, 12.3456789: a decimal number (a timing, a measurement), whose long
    fraction is not an identifier however its digits happen to check out. Numbers written in
    dotted groups have more than two groups or a longer first one (138.1234.5678)."""
    if len(run.groups) != 2:
        return False
    (a, b), (c, d) = run.groups
    return b - a <= 3 and c == b + 1 and view[b] == "." and d - c >= 6
