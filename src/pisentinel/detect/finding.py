"""The result type of detection: a typed span of the original text with a score and a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
            parts.append(self.note)
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
