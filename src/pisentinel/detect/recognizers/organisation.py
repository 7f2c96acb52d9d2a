"""Organisations: the unified social credit code (GB 32100), which names the subject of a lead."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext
from pisentinel.detect.recognizers.financial import id_shaped
from pisentinel.detect.validators import ascii_digits, region_ok, uscc_ok

_USCC_RE = re.compile(
    r"(?<![A-Za-z0-9])[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}"
    r"(?![A-Za-z0-9])"
)


class USCCRecognizer(Recognizer):
    name = "uscc"
    types = ("USCC",)
    families = F.USCC

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        for m in _USCC_RE.finditer(ctx.view):
            code = m.group(0).upper()
            if not uscc_ok(code):
                continue
            score = 0.95 if region_ok(code[2:8]) else 0.7
            if id_shaped(code):
                continue  # an ID number, right or wrong, is not a company code
            if ascii_digits(code):
                score = 0.55
            yield Candidate("USCC", m.start(), m.end(), score, "uscc", code, ("gb32100",))


RECOGNIZERS = [USCCRecognizer]
