"""Network identifiers: IPv4 and IPv6 addresses."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
# The lookaheads name the first character, so that re tries the rest only where it stands.
_IPV4_RE = re.compile(rf"(?=[0-9])(?<![0-9.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\.?[0-9])")
_IPV6_RE = re.compile(
    r"(?=[0-9A-Fa-f])(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?::[0-9A-Fa-f]{1,4}){0,6}"
    r"(?![0-9A-Fa-f:])"
)


class IPRecognizer(Recognizer):
    name = "ip"
    types = ("IP_ADDRESS",)
    families = F.IP

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        for m in _IPV4_RE.finditer(view):
            ip = ipaddress.IPv4Address(m.group(0))
            score = 0.85 if ip.is_global else 0.6
            yield Candidate("IP_ADDRESS", m.start(), m.end(), score, "ipv4", m.group(0),
                            ("octets",), {"global": ip.is_global})
        if ":" in view:
            for m in _IPV6_RE.finditer(view):
                try:
                    ip6 = ipaddress.IPv6Address(m.group(0))
                except ValueError:
                    continue
                score = 0.35 if _hex_pairs(m.group(0)) else 0.75
                yield Candidate("IP_ADDRESS", m.start(), m.end(), score, "ipv6", ip6.compressed,
                                ("ipv6",))


def _hex_pairs(text: str) -> bool:
    """12:34:56:78:9a:bc:de:f0 parses as IPv6 but reads as a fingerprint or hash written in hex
    pairs: it counts as an address only next to an IP label."""
    return "::" not in text and all(len(g) == 2 for g in text.split(":"))


RECOGNIZERS = [IPRecognizer]
