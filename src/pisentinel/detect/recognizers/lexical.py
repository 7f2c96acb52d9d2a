"""Sensitive PI named by words: health, religion, biometrics (PIPL Art. 28). Strong terms are PI
by themselves; weak ones need a personal cue nearby, which context scoring supplies."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import ahocorasick

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext
from pisentinel.knowledge import load_yaml, weighted_lexicon

STRONG, WEAK = 0.7, 0.3


@cache
def _automaton(lexicon: str) -> Any:
    auto = ahocorasick.Automaton()
    for term, strength in weighted_lexicon(lexicon).items():
        auto.add_word(term, (term, STRONG if strength == "strong" else WEAK))
    auto.make_automaton()
    return auto


LEXICONS = ("medical", "religion", "biometric")


def holds_sensitive_word(text: str) -> bool:
    """Whether `text` holds a strong word of the sensitive lexicons: a name rule's capture that
    does (老公是|穆斯林) is no name."""
    return any(score == STRONG for lex in LEXICONS
               for _, (_, score) in _automaton(lex).iter(text))


@cache
def _generic_after() -> tuple[str, ...]:
    return tuple(load_yaml("cues.yaml")["subjects"]["generic_after"])


class _LexiconRecognizer(Recognizer):
    lexicon: str

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        hits = [(end - len(term) + 1, end + 1, term, score)
                for end, (term, score) in _automaton(self.lexicon).iter_long(view)]
        starts = [s for s, _, _, _ in hits]
        # 病史：高血压 — the disease is the finding, 病史 its label
        hits = [h for h in hits if not _labels_a_value(view, h[1], starts)
                and not view.startswith(_generic_after(), h[1])]
        strong = [(s, e) for s, e, _, score in hits if score == STRONG]
        for start, end, term, score in hits:
            if score == WEAK and any(s - 2 <= end and start <= e + 2 for s, e in strong):
                continue  # 确诊 next to 肺癌: the disease is the finding
            yield Candidate(self.types[0], start, end, score, self.lexicon, term, ("lexicon",))


def _labels_a_value(view: str, end: int, starts: list[int]) -> bool:
    """Whether the word is a field's label (病史：, 宗教信仰:) whose value is itself a word of
    the lexicon. A label before a value nothing else finds (人脸照片：face_1.jpg) stays."""
    rest = view[end:end + 2].lstrip(" ")
    if rest[:1] not in ("：", ":"):
        return False
    colon = view.index(rest[0], end)
    return any(colon < s <= colon + 3 for s in starts)


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
