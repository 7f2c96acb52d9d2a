"""Sensitive PI named by words: health, religion, biometrics (PIPL Art. 28). Strong terms are PI
by themselves; weak ones need a personal cue nearby, which context scoring supplies. Health also
has the names no lexicon lists, read by how they are built (`health.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import ahocorasick

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext
from pisentinel.detect.recognizers.health import STRONG, WEAK, WordHit, built_health_words
from pisentinel.knowledge import load_yaml, weighted_lexicon


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

    def unlisted_words(self, view: str) -> list[WordHit]:
        """Strong words found by how they are built rather than listed (none here)."""
        return []

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        hits = [WordHit(end - len(term) + 1, end + 1, term, self.lexicon, ("lexicon",), score)
                for end, (term, score) in _automaton(self.lexicon).iter_long(view)]
        listed = [(h.start, h.end) for h in hits]  # a listed word is read as the lexicon says
        hits += [u for u in self.unlisted_words(view)
                 if not any(s <= u.start and u.end <= e for s, e in listed)]
        starts = [h.start for h in hits]
        # 病史：高血压 — the disease is the finding, 病史 its label
        hits = [h for h in hits if not _labels_a_value(view, h.end, starts)
                and not view.startswith(_generic_after(), h.end)]
        strong = [(h.start, h.end) for h in hits if h.score == STRONG]
        for h in hits:
            if h.score == WEAK and any(s - 2 <= h.end and h.start <= e + 2 for s, e in strong):
                continue  # 确诊 next to 肺癌: the disease is the finding
            yield Candidate(self.types[0], h.start, h.end, h.score, h.pattern, h.term,
                            h.validators)


def _labels_a_value(view: str, end: int, starts: list[int]) -> bool:
    """Whether the word is a field's label (病史：, 宗教信仰:) whose value is itself a word of
    the lexicon. A label before a value nothing else finds (人脸照片：face_1.jpg) stays."""
    rest = view[end:end + 2].lstrip(" ")
    if rest[:1] not in ("：", ":"):
        return False
    colon = view.index(rest[0], end)
    return any(colon < s <= colon + 3 for s in starts)


class MedicalRecognizer(_LexiconRecognizer):
    """The medical lexicon, and the names of diseases and medicines it does not list, read by
    how they are built (`health.built_health_words`)."""

    name = "medical"
    types = ("MEDICAL_HEALTH",)
    families = F.MEDICAL
    lexicon = "medical"

    def unlisted_words(self, view: str) -> list[WordHit]:
        return built_health_words(view)


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
