"""The legal provisions a lead cites, resolved to their text (knowledge/data/provisions.yaml).

A lead stores provision ids such as ``PIPL-28`` or ``SPC-SPP-2017-5``; reports and the console
resolve them here to the article's wording, its law and how far the wording can be trusted
(``V`` verbatim, ``V-3p`` verbatim via a third party, ``P`` paraphrase only). Keeping the text as
data lets a lawyer correct a provision without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pisentinel.knowledge import load_yaml

__all__ = ["RELIABILITY_LABELS", "Law", "Provision", "law", "laws", "provision", "provisions"]

RELIABILITY_LABELS: dict[str, tuple[str, str]] = {
    "V": ("原文（社区转录，引用前请与国家法律法规数据库核对）",
          "verbatim (community transcription; check against flk.npc.gov.cn before citing)"),
    "V-3p": ("第三方转引原文，未见官方文本",
             "verbatim as quoted by a third party; no official copy seen"),
    "P": ("释义或摘要，非官方措辞", "paraphrase or summary, not the official wording"),
}


@dataclass(frozen=True)
class Law:
    """A law, regulation, judicial interpretation or standard that provisions belong to."""

    code: str
    name_zh: str
    short_zh: str
    name_en: str
    kind: str
    source: str
    document_no: str | None = None
    promulgated: str | None = None
    effective: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Provision:
    """One article (or 类别 / annex) of a law, with its text when a reliable wording is known."""

    id: str
    law: Law
    article: str | None
    reliability: str
    text: str | None = None
    abridged: bool = False
    title_zh: str | None = None
    summary_zh: str | None = None
    summary_en: str | None = None
    note: str | None = None
    source: str | None = None

    @property
    def verbatim(self) -> bool:
        return self.reliability in ("V", "V-3p") and self.text is not None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The 款 of the article, in order (empty when only a summary is known)."""
        return tuple(self.text.split("\n")) if self.text else ()

    def citation(self, lang: str = "zh") -> str:
        """How the provision is cited in a document: 《个人信息保护法》第二十八条."""
        if lang == "zh":
            return f"《{self.law.short_zh}》{self.article or self.title_zh or ''}"
        return f"{self.law.name_en}, {self.article or self.id}"

    def reliability_label(self, lang: str = "zh") -> str:
        zh, en = RELIABILITY_LABELS[self.reliability]
        return zh if lang == "zh" else en

    def wording(self, lang: str = "zh") -> str:
        """The text to show: verbatim text if known, else the summary (marked as such)."""
        if self.text:
            return self.text
        summary = (self.summary_zh if lang == "zh" else self.summary_en) or self.summary_en
        summary = summary or self.summary_zh or ""
        return f"[{'摘要' if lang == 'zh' else 'summary'}] {summary}"


@cache
def laws() -> dict[str, Law]:
    """All laws by code (PIPL, CIVIL, CRIMINAL, SPC-SPP-2017, FACE-2025 …)."""
    doc = load_yaml("provisions.yaml")
    return {code: Law(code=code, **info) for code, info in doc["laws"].items()}


def law(code: str) -> Law:
    try:
        return laws()[code]
    except KeyError:
        raise KeyError(f"unknown law {code!r}; known laws: {', '.join(laws())}") from None


@cache
def provisions() -> dict[str, Provision]:
    """All provisions by id, in the order of the data file."""
    doc = load_yaml("provisions.yaml")
    out: dict[str, Provision] = {}
    for entry in doc["provisions"]:
        fields = dict(entry)
        the_law = law(fields.pop("law"))
        fields.setdefault("source", the_law.source)
        out[fields["id"]] = Provision(law=the_law, **fields)
    return out


def provision(provision_id: str) -> Provision:
    """The provision with this id (``PIPL-28``); KeyError naming near ids when unknown."""
    try:
        return provisions()[provision_id]
    except KeyError:
        prefix = provision_id.rsplit("-", 1)[0]
        near = [p for p in provisions() if p.startswith(prefix + "-")][:40]
        hint = f"; ids under {prefix}: {', '.join(near)}" if near else ""
        raise KeyError(f"unknown provision {provision_id!r}{hint}") from None
