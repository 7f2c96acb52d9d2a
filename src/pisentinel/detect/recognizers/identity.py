"""Identity documents: resident ID (18- and 15-digit), passports, Hong Kong/Macao and Taiwan
permits, dates of birth."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import (
    DATE_RE,
    Candidate,
    Recognizer,
    ScanContext,
    aligned_numbers,
)
from pisentinel.detect.validators import (
    age_on,
    ascii_digits,
    id18_checksum_ok,
    parse_date,
    plausible_birth_date,
    region_ok,
)


def _id_attributes(region: str, birth: str, seq_digit: str) -> dict[str, object]:
    d = parse_date(birth)
    assert d is not None
    sex = "男" if int(seq_digit) % 2 else "女"
    return {"region": region, "birth_date": d.isoformat(), "sex": sex, "age": age_on(d)}


class ResidentIdRecognizer(Recognizer):
    name = "cn_id_card"
    types = ("CN_ID_CARD",)
    families = F.DIGITS

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        for run, i, j, digits in aligned_numbers(ctx, 15, 18):
            n = len(digits)
            start, end = run.groups[i][0], run.groups[j][1]
            if n == 18:
                if not (id18_checksum_ok(digits) and region_ok(digits[:6])):
                    continue
                birth = digits[6:14]
                if not plausible_birth_date(parse_date(birth)):
                    continue
                yield Candidate("CN_ID_CARD", start, end, 0.9, "id18", digits.upper(),
                                ("mod11-2", "gb2260", "birth_date"),
                                _id_attributes(digits[:6], birth, digits[16]))
            elif n == 15 and ascii_digits(digits):
                birth = "19" + digits[6:12]
                if not (region_ok(digits[:6]) and plausible_birth_date(parse_date(birth))):
                    continue
                if view[start - 1 : start].isalpha() and view[start - 1].isascii():
                    continue
                yield Candidate("CN_ID_CARD", start, end, 0.55, "id15", digits,
                                ("gb2260", "birth_date"),
                                _id_attributes(digits[:6], birth, digits[14]))


class _LetterNumberRecognizer(Recognizer):
    """Documents whose number is a letter prefix plus digits. They are found only with a cue
    (护照, 通行证 …) in the text: the bare shapes are too common to mean anything alone."""

    pattern: re.Pattern[str]
    base_score = 0.4
    gate: tuple[str, ...] = ()
    families = F.DOC_CUE

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        if not any(g in view for g in self.gate):
            return
        for m in self.pattern.finditer(view):
            yield Candidate(self.types[0], m.start(), m.end(), self.base_score, self.name,
                            m.group(0).upper())


_B = r"(?<![A-Za-z0-9])"
_E = r"(?![A-Za-z0-9])"


def _doc_re(first: str, body: str) -> re.Pattern[str]:
    """`body` standing alone. The lookahead names what it starts with, so that re tries the
    rest only where such a character stands (a lookbehind first would try every position)."""
    return re.compile(f"(?=[{first}])" + _B + body + _E)


class PassportRecognizer(_LetterNumberRecognizer):
    name = "passport"
    types = ("PASSPORT",)
    pattern = _doc_re("EeGgDdSsPp", r"(?:[EeGgDdSsPp][0-9]{8}|[Ee][A-HJ-NP-Za-hj-np-z][0-9]{7})")
    gate = ("护照", "assport", "ASSPORT", "证件")


class HkMacaoPermitRecognizer(_LetterNumberRecognizer):
    name = "hk_macao_permit"
    types = ("HK_MACAO_PERMIT",)
    pattern = _doc_re(
        "CcWwHhMm", r"(?:[CcWw][0-9]{8}|[Cc][A-HJ-NP-Za-hj-np-z][0-9]{7}|[HhMm][0-9]{8}(?:[0-9]{2})?)"
    )
    base_score = 0.35
    gate = ("港澳", "通行证", "回乡证", "来往内地")


class TaiwanPermitRecognizer(_LetterNumberRecognizer):
    name = "taiwan_permit"
    types = ("TAIWAN_PERMIT",)
    pattern = _doc_re("Tt0-9", r"(?:[Tt][0-9]{8}|[0-9]{8}|[0-9]{10}(?:[A-Za-z][0-9]?)?)")
    base_score = 0.2
    gate = ("台胞", "台湾", "赴台", "入台")


_BIRTH_CUE_RE = re.compile(
    r"(出生日期|出生年月日|出生年月|出生于|出生|生日|生于|DOB|dob|[Bb]irth(?:day)?)\W{0,3}(?:是|为)?\W{0,2}$"
)


class BirthDateRecognizer(Recognizer):
    """A date is PI as a birth date only when the text says so; timestamps are not."""

    name = "birth_date"
    types = ("BIRTH_DATE",)
    families = F.BIRTH

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        for m in DATE_RE.finditer(view):
            cue = _BIRTH_CUE_RE.search(view, max(0, m.start() - 10), m.start())
            if not cue:
                continue
            y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
            date = parse_date(f"{y}{int(mo):02d}{int(d):02d}")
            if not plausible_birth_date(date):
                continue
            assert date is not None
            yield Candidate("BIRTH_DATE", m.start(), m.end(), 0.85, "date+cue", date.isoformat(),
                            ("calendar",), {"age": age_on(date)}, note=f"cue:{cue.group(1)}")


RECOGNIZERS = [
    ResidentIdRecognizer,
    PassportRecognizer,
    HkMacaoPermitRecognizer,
    TaiwanPermitRecognizer,
    BirthDateRecognizer,
]
