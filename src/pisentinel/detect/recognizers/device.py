"""Device identifiers (GB/T 35273 个人常用设备信息): IMEI, MAC addresses, advertising IDs.

Apps collect them to follow a person across sessions and apps — the smart-parking case turns on
it. An IMEI is fifteen digits with a Luhn check digit, but so are many other numbers: it counts
only next to its label (IMEI, 串号, 设备号). A MAC address has a shape of its own. A UUID-shaped
advertising ID (IDFA, OAID) is indistinguishable from a request ID without its label."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import (
    UUID_RE,
    Candidate,
    Recognizer,
    ScanContext,
    aligned_numbers,
)
from pisentinel.detect.validators import luhn_ok

# Hex pairs joined by ':' or '-'; which six of them are a MAC is decided in `_macs`.
_HEX_CHAIN_RE = re.compile(r"[0-9A-Fa-f]{2}(?:[:\-][0-9A-Fa-f]{2})+")


class DeviceIdRecognizer(Recognizer):
    name = "device_id"
    types = ("DEVICE_ID",)
    families = F.DEVICE

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        if ctx.families & F.DIGITS:
            for run, i, j, digits in aligned_numbers(ctx, 15, 15):
                if luhn_ok(digits):  # 0-9 only: luhn_ok checks
                    yield Candidate("DEVICE_ID", run.groups[i][0], run.groups[j][1], 0.3, "imei",
                                    digits, ("luhn",))
        for start, end in _macs(view):
            octets = view[start:end].lower().replace("-", ":")
            if len(set(octets.split(":"))) == 1:  # 00:00:… or ff:ff:… (broadcast): no device
                continue
            yield Candidate("DEVICE_ID", start, end, 0.55, "mac", octets, ("shape",))
        for m in UUID_RE.finditer(view):
            value = m.group(0).lower()
            if set(value) <= {"0", "-"}:  # an advertising ID the user switched off
                continue
            yield Candidate("DEVICE_ID", m.start(), m.end(), 0.3, "uuid", value)


def _macs(view: str) -> Iterator[tuple[int, int]]:
    """Spans of six hex pairs with one separator. A chain that starts inside a word lost its
    first pair to the word (the C of "MAC:00:1a:…"); a chain that runs on into a word, or is
    longer than six pairs (an IPv6 address, a hash), is no MAC."""
    for m in _HEX_CHAIN_RE.finditer(view):
        start, end = m.span()
        if start and view[start - 1].isascii() and view[start - 1].isalnum():
            start += 3
        if end < len(view) and view[end].isascii() and view[end].isalnum():
            continue
        text = view[start:end]
        if len(text) == 17 and len({text[i] for i in range(2, 17, 3)}) == 1:
            yield start, end


RECOGNIZERS = [DeviceIdRecognizer]
