"""Vehicle licence plates, including 8-character new-energy plates (京AD12345, 京A12345D)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Za-hj-np-z"
_PLATE_RE = re.compile(
    rf"[{_PROVINCES}]([{_L}])[ ·\-•]?"
    rf"(?:([DFdf][{_L}0-9][0-9]{{4}})|([0-9]{{5}}[DFdf])|([{_L}0-9]{{4}}[{_L}0-9挂学警港澳领]))"
    rf"(?![A-Za-z0-9])"
)


class PlateRecognizer(Recognizer):
    name = "plate"
    types = ("LICENSE_PLATE",)
    families = F.PLATE

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        for m in _PLATE_RE.finditer(ctx.view):
            body = m.group(2) or m.group(3) or m.group(4)
            letters = sum(c.isascii() and c.isalpha() for c in body)
            if m.group(4) and letters > 2:
                continue
            kind = "new_energy" if (m.group(2) or m.group(3)) else "standard"
            value = (m.group(0)[0] + m.group(1) + body).upper()
            yield Candidate("LICENSE_PLATE", m.start(), m.end(), 0.8, kind, value, ("format",))


RECOGNIZERS = [PlateRecognizer]
