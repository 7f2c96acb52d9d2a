"""Sensitive PI named by words: health, religion, biometrics (PIPL Art. 28). Strong terms are PI
by themselves; weak ones need a personal cue nearby, which context scoring supplies."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import ahocorasick

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext
from pisentinel.knowledge import weighted_lexicon

STRONG, WEAK = 0.7, 0.3


@cache
def _automaton(lexicon: str) -> Any:
    auto = ahocorasick.Automaton()
    for term, strength in weighted_lexicon(lexicon).items():
        auto.add_word(term, (term, STRONG if strength == "strong" else WEAK))
    auto.make_automaton()
    return auto


class _LexiconRecognizer(Recognizer):
    lexicon: str

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        for end, (term, score) in _automaton(self.lexicon).iter_long(ctx.view):
            start = end - len(term) + 1
            yield Candidate(self.types[0], start, end + 1, score, self.lexicon, term, ("lexicon",))


class MedicalRecognizer(_LexiconRecognizer):
    name = "medical"
    types = ("MEDICAL_HEALTH",)
    families = F.MEDICAL
    lexicon = "medical"


class ReligionRecognizer(_LexiconRecognizer):
    name = "religion"
    types = ("RELIGION",)
    families = F.RELIGION
    lexicon = "religion"


class BiometricRecognizer(_LexiconRecognizer):
    name = "biometric"
    types = ("BIOMETRIC",)
    families = F.BIOMETRIC
    lexicon = "biometric"


RECOGNIZERS = [MedicalRecognizer, ReligionRecognizer, BiometricRecognizer]
