"""Precise location: latitude/longitude pairs in decimal degrees, in the forms people write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext

_NUM = r"-?[0-9]{1,3}\.[0-9]{4,8}"
# (?=[-0-9]): re tries the rest only where a number can start, not at every character.
_PAIR_RE = re.compile(rf"(?=[-0-9])(?<![0-9.])({_NUM})°?\s*[,，/;；\s]\s*({_NUM})°?(?![0-9])")
_LABELLED_RE = re.compile(
    rf"(北纬|南纬|东经|西经|[Ll]at(?:itude)?|[Ll](?:ng|on)(?:gitude)?)\W{{0,4}}({_NUM})°?"
)


def _china(lon: float, lat: float) -> bool:
    return 73.0 <= lon <= 135.5 and 3.0 <= lat <= 54.0


def _plausible(a: float, b: float) -> tuple[float, float] | None:
    """(lon, lat) if the pair reads as a coordinate in either order."""
    for lon, lat in ((a, b), (b, a)):
        if -180 <= lon <= 180 and -90 <= lat <= 90 and _china(abs(lon), abs(lat)):
            return lon, lat
    return None


class GPSRecognizer(Recognizer):
    name = "gps"
    types = ("GPS_COORDINATE",)
    families = F.GPS

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        taken: list[tuple[int, int]] = []
        for m in _PAIR_RE.finditer(view):
            pair = _plausible(float(m.group(1)), float(m.group(2)))
            if pair is None:
                continue
            taken.append((m.start(), m.end()))
            yield Candidate("GPS_COORDINATE", m.start(), m.end(), 0.8, "decimal_pair",
                            f"{pair[1]:.6f},{pair[0]:.6f}", ("range",))
        labelled = [m for m in _LABELLED_RE.finditer(view)
                    if not any(s <= m.start() < e for s, e in taken)]
        for a, b in pairwise(labelled):
            if b.start() - a.end() > 24:
                continue
            pair = _plausible(float(a.group(2)), float(b.group(2)))
            if pair is None:
                continue
            yield Candidate("GPS_COORDINATE", a.start(), b.end(), 0.85, "labelled_pair",
                            f"{pair[1]:.6f},{pair[0]:.6f}", ("range",))


RECOGNIZERS = [GPSRecognizer]
