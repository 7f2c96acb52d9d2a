"""Contact details: mobile and landline numbers, email, QQ and WeChat IDs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.normalize import DigitRun
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext, aligned_numbers
from pisentinel.detect.validators import area_code_ok, ascii_digits, mobile_ok


def _dotted_quad(view: str, run: DigitRun) -> bool:
    """Four dot-separated groups of at most three digits: an IPv4 address, not a phone."""
    text = view[run.start : run.end]
    parts = text.split(".")
    return len(parts) == 4 and all(ascii_digits(p) and len(p) <= 3 for p in parts)


class MobileRecognizer(Recognizer):
    name = "cn_mobile"
    types = ("PHONE_NUMBER",)
    families = F.DIGITS

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        for run, i, j, digits in aligned_numbers(ctx, 11, 15):
            start, end = run.groups[i][0], run.groups[j][1]
            if len(digits) == 11:
                if not mobile_ok(digits) or _dotted_quad(view, run):
                    continue
                if i > 0:  # a country code written as its own group: +86 138 ..., 0086-138...
                    prev = view[run.groups[i - 1][0] : run.groups[i - 1][1]]
                    if prev in ("86", "0086") and i - 1 == 0:
                        start = run.groups[i - 1][0]
                if view[start - 1 : start] == "+" and view[start : start + 2] == "86":
                    start -= 1
                yield Candidate("PHONE_NUMBER", start, end, 0.8, "mobile", digits, ("segment",))
            elif digits.startswith("86") and len(digits) == 13 and mobile_ok(digits[2:]):
                if view[start - 1 : start] == "+":
                    start -= 1
                yield Candidate("PHONE_NUMBER", start, end, 0.8, "mobile+86", digits[2:],
                                ("segment",))
            elif digits.startswith("0086") and len(digits) == 15 and mobile_ok(digits[4:]):
                yield Candidate("PHONE_NUMBER", start, end, 0.8, "mobile+0086", digits[4:],
                                ("segment",))


# Each pattern of this module that starts with a lookbehind or an optional part names its first
# character in a lookahead: re then tries the rest only where that character stands.
_LANDLINE_RE = re.compile(
    r"(?=[(0])(?<![0-9])(?:\((0[1-9][0-9]{1,2})\)[ \-]?([2-9][0-9]{6,7})|(0[1-9][0-9]{8,10})"
    r"|(0[1-9][0-9]{1,2})[ \-]([2-9][0-9]{6,7}))(?:[-转]([0-9]{1,5}))?(?![0-9])"
)


def _split_landline(m: re.Match[str]) -> tuple[str, str] | None:
    """(area code, local number) of a landline match, trying 3- and 4-digit area codes when
    the number is written without a separator (02832212163)."""
    if m.group(3):
        whole = m.group(3)
        for k in (3, 4):
            area, local = whole[:k], whole[k:]
            fits = len(local) == 8 if k == 3 else 7 <= len(local) <= 8
            if area_code_ok(area) and local[0] in "23456789" and fits:
                return area, local
        return None
    area, local = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(5))
    if not area_code_ok(area) or (len(area) == 3 and len(local) != 8):
        return None
    return area, local


class LandlineRecognizer(Recognizer):
    name = "cn_landline"
    types = ("PHONE_NUMBER",)
    families = F.LANDLINE

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        for m in _LANDLINE_RE.finditer(ctx.view):
            parts = _split_landline(m)
            if parts is None:
                continue
            yield Candidate("PHONE_NUMBER", m.start(), m.end(), 0.6, "landline", "".join(parts),
                            ("area_code",))


_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)


class EmailRecognizer(Recognizer):
    name = "email"
    types = ("EMAIL",)
    families = F.EMAIL

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        for m in _EMAIL_RE.finditer(ctx.view):
            local = m.group(0).split("@", 1)[0]
            if ".." in local:
                continue
            yield Candidate("EMAIL", m.start(), m.end(), 0.95, "email", m.group(0).lower(),
                            ("syntax",))


_QQ_CUE_RE = re.compile(r"[Qq]{2}|扣扣|[Qq]号|企鹅|加[Qq]")


class QQRecognizer(Recognizer):
    name = "qq"
    types = ("QQ_NUMBER",)
    families = F.DIGITS

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        if not ctx.families & F.CONTACT_CUE:
            return
        view = ctx.view
        for run, i, j, digits in aligned_numbers(ctx, 5, 11):
            if digits[0] == "0" or not ascii_digits(digits) or i != 0:
                continue
            if not _QQ_CUE_RE.search(view, max(0, run.start - 12), run.start):
                continue  # a QQ number is only ever recognisable by its label
            yield Candidate("QQ_NUMBER", run.groups[i][0], run.groups[j][1], 0.4, "qq", digits,
                            )


# A Latin cue glued to a letter or digit is part of another word (HWxiaomi), not a cue.
_WECHAT_RE = re.compile(
    r"(?:微信号?|(?<![A-Za-z0-9])(?:vx|VX|Vx|wx|WX|Wx|wechat|WeChat)|薇信|[Vv]信|威信|加[Vv]|加微信?|微)"
    r"\s*(?:号|id|ID)?\s*[:：是为]?\s*([A-Za-z][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])"
)
_URL_RE = re.compile(r"(?:https?://|www\.)[!-~]*")


def _in_url(view: str, i: int) -> bool:
    """Whether view[i] lies in a URL (http://t.cn/zRWxiU4…), whose letters are no cue words."""
    return any(m.start() < i < m.end() for m in _URL_RE.finditer(view, 0, i + 1))


class WeChatRecognizer(Recognizer):
    name = "wechat"
    types = ("WECHAT_ID",)
    families = F.CONTACT_CUE

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        for m in _WECHAT_RE.finditer(view):
            if view[m.start()].isascii() and _in_url(view, m.start()):
                continue
            yield Candidate("WECHAT_ID", m.start(1), m.end(1), 0.85, "wechat+cue", m.group(1),
                            note="cue")


RECOGNIZERS = [MobileRecognizer, LandlineRecognizer, EmailRecognizer, QQRecognizer,
               WeChatRecognizer]
