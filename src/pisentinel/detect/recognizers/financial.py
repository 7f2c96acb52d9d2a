"""Bank cards: 16–19 digits (UnionPay cards run to 19), Luhn, and an issuer prefix."""

from __future__ import annotations

from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext, aligned_numbers
from pisentinel.detect.validators import ascii_digits, id18_checksum_ok, luhn_ok, region_ok


def issuer_score(digits: str) -> tuple[str, float]:
    """Card scheme by issuer prefix and length, with how strongly it suggests a card by itself.
    Unknown issuers still count, but only next to a card label."""
    n = len(digits)
    if digits.startswith("62"):
        return "unionpay", 0.8
    if digits[0] == "4" and n in (16, 19):
        return "visa", 0.6
    two, four = int(digits[:2]), int(digits[:4])
    if n == 16 and (51 <= two <= 55 or 2221 <= four <= 2720):
        return "mastercard", 0.6
    if 3528 <= four <= 3589:
        return "jcb", 0.6
    return "other", 0.3


def id_shaped(digits: str) -> bool:
    """18 characters with a real region and a birth year: an ID number written wrong (bad check
    digit, impossible day), not a card or a company code."""
    return (len(digits) == 18 and ascii_digits(digits[:14]) and region_ok(digits[:6])
            and (1900 <= int(digits[6:10]) <= 2099 or id18_checksum_ok(digits)))


class BankCardRecognizer(Recognizer):
    name = "bank_card"
    types = ("BANK_CARD",)
    families = F.DIGITS

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        for run, i, j, digits in aligned_numbers(ctx, 16, 19):
            if not ascii_digits(digits) or not luhn_ok(digits):
                continue
            end = run.groups[j][1]
            if j + 1 < len(run.groups) and run.groups[j + 1][1] - run.groups[j + 1][0] == 1 \
                    and ctx.view[run.groups[j + 1][0]] in "Xx":
                continue  # 17 digits and an X: an ID number's shape
            scheme, score = issuer_score(digits)
            if id_shaped(digits):
                score = min(score, 0.3)
            yield Candidate("BANK_CARD", run.groups[i][0], end, score, scheme, digits,
                            ("luhn", "iin"), {"scheme": scheme})


RECOGNIZERS = [BankCardRecognizer]
