"""Bank cards: 16–19 digits (UnionPay cards run to 19), Luhn, and an issuer prefix."""

from __future__ import annotations

from collections.abc import Iterator

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext, aligned_numbers
from pisentinel.detect.validators import luhn_ok


def issuer_score(digits: str) -> tuple[str, float] | None:
    """Card scheme by issuer prefix, with how strongly it suggests a card on its own."""
    if digits.startswith("62"):
        return "unionpay", 0.8
    if digits[0] == "4":
        return "visa", 0.6
    two = int(digits[:2])
    four = int(digits[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard", 0.6
    if 3528 <= four <= 3589:
        return "jcb", 0.6
    if digits[:2] in ("60", "65", "81", "94", "95", "99"):
        return "domestic", 0.45
    return None


class BankCardRecognizer(Recognizer):
    name = "bank_card"
    types = ("BANK_CARD",)
    families = F.DIGITS

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        for run, i, j, digits in aligned_numbers(ctx, 16, 19):
            if not digits.isdigit() or not luhn_ok(digits):
                continue
            issuer = issuer_score(digits)
            if issuer is None:
                continue
            scheme, score = issuer
            yield Candidate("BANK_CARD", run.groups[i][0], run.groups[j][1], score, scheme, digits,
                            ("luhn", "iin"), {"scheme": scheme})


RECOGNIZERS = [BankCardRecognizer]
