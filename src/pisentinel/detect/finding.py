"""The result type of detection: a typed span of the original text with a score and a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pisentinel.knowledge import pi_types

# Recognizers write their notes in English (`cue:出生`, `subject: 患者`); a Chinese reader
# gets them in Chinese. Prefixes, longest first; what follows a prefix is kept.
_NOTES_ZH = (("no person in the sentence", "未指向具体个人"), ("nearest label: ", "最近标签:"),
             ("subject: ", "所指个人:"), ("cue:", "线索词:"), ("cue", "含线索词"), ("age ", "年龄 "))
_REASONS_ZH = {"age": "年龄", "anonymised name": "某某", "是": "“是”"}


def note_zh(note: str) -> str:
    """A recognizer's note (parts joined by "; ") in Chinese; an unknown part stays as it is."""
    out = []
    for part in note.split("; "):
        for en, zh in _NOTES_ZH:
            if part == en or (en[-1] in " :" and part.startswith(en)):
                rest = part[len(en):]
                if en == "subject: ":
                    known = pi_types().get(rest)
                    rest = known.name_zh if known else _REASONS_ZH.get(rest, rest)
                part = zh + rest
                break
        out.append(part)
    return "; ".join(out)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a span was flagged: which recognizer and pattern, what validated it, which cues moved
    its score. Users ask "why was this flagged?"; this answers without showing the value."""

    recognizer: str
    pattern: str
    base_score: float
    validators: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    negative_cues: tuple[str, ...] = ()
    normalized: bool = False
    note: str = ""

    def describe(self, lang: str = "zh") -> str:
        parts = [f"{self.recognizer}/{self.pattern}"]
        if self.validators:
            label = "校验通过:" if lang == "zh" else "validated:"
            parts.append(label + ",".join(self.validators))
        if self.normalized:
            parts.append("归一化后匹配" if lang == "zh" else "matched after normalisation")
        if self.cues:
            parts.append(("上下文:" if lang == "zh" else "cues:") + ",".join(self.cues))
        if self.negative_cues:
            parts.append(("反向上下文:" if lang == "zh" else "negative cues:")
                         + ",".join(self.negative_cues))
        if self.note:
            parts.append(self.note if lang != "zh" else note_zh(self.note))
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    """A PI span. `start`/`end` index the original string in code points, end exclusive.

    `text` (the raw span) and `value` (its normalised form, e.g. the digits of an obfuscated
    phone number) stay out of `repr` so that logging a finding never logs the PI itself.
    """

    type: str
    start: int
    end: int
    score: float
    explanation: Explanation
    text: str = field(default="", repr=False)
    value: str = field(default="", repr=False)
    attributes: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)
