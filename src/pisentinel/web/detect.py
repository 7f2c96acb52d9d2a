"""REST API for the detector itself: ``POST /api/v1/detect`` finds PI in texts a script sends,
``POST /api/v1/redact`` sends them back de-identified — what Presidio's ``/analyze`` and
``/anonymize`` do, for Chinese.

Answers carry offsets, types, scores, masked forms and explanations, never the raw values (the
caller has the text). The texts are not stored or logged. Limits keep one request from holding
a worker for long: at most 1,000 texts and 2,000,000 characters in all. Both take the language
of what they write as a ``lang`` query parameter (``zh``, the default, or ``en``), as the other
endpoints do: ``/detect`` its explanations and labels, ``/redact`` its labels and generalised
forms."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from pisentinel.detect import DetectionRules, Finding, Scanner
from pisentinel.knowledge import pi_types
from pisentinel.protect import KEYED_METHODS, load_project_key, redact_text
from pisentinel.web.accounts import Principal
from pisentinel.web.api import ERRORS, Lang, analyst
from pisentinel.web.errors import ApiError, bad_request
from pisentinel.web.security import services
from pisentinel.web.services import Services

__all__ = ["router"]

MAX_TEXTS = 1_000
MAX_CHARS = 2_000_000

router = APIRouter(prefix="/api/v1", tags=["detect"], responses=ERRORS)

NerMode = Literal["off", "near", "full"]
RedactMethod = Literal["mask", "token", "generalize", "label", "surrogate", "remove"]


class DetectBody(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=MAX_TEXTS)
    types: list[str] | None = Field(None, description="only these PI types (default: all)")
    min_score: float = Field(0.5, ge=0.0, le=1.0)
    ner: NerMode = Field("near", description="trained name/address model: near other PI, "
                                             "full text, or off (rules only, fastest)")


class RedactBody(DetectBody):
    method: RedactMethod = "mask"


class FindingOut(BaseModel):
    type: str
    start: int = Field(description="code point offset into the text")
    end: int = Field(description="end exclusive")
    score: float
    sensitive: bool
    masked: str
    explanation: str


class TextFindings(BaseModel):
    findings: list[FindingOut]


class DetectAnswer(BaseModel):
    results: list[TextFindings]


class RedactAnswer(BaseModel):
    texts: list[str]
    redacted: int = Field(description="spans replaced in all texts")


_SCANNERS: OrderedDict[tuple[int, frozenset[str] | None, float, str], Scanner] = OrderedDict()
_SCANNERS_LOCK = threading.Lock()


def _scanner(rules: DetectionRules | None, types: frozenset[str] | None, min_score: float,
             ner: str) -> Scanner:
    """A scanner per setting, the last eight kept (the settings come from the caller)."""
    key = (id(rules), types, min_score, ner)
    with _SCANNERS_LOCK:
        scanner = _SCANNERS.get(key)
        if scanner is None or scanner.rules is not rules:
            scanner = _SCANNERS[key] = Scanner(types=types, min_score=min_score, ner=ner,
                                               rules=rules)
            while len(_SCANNERS) > 8:
                _SCANNERS.popitem(last=False)
        return scanner


def _scan(body: DetectBody, rules: DetectionRules | None = None
          ) -> tuple[Scanner, list[list[Finding]]]:
    if sum(map(len, body.texts)) > MAX_CHARS:
        raise ApiError(413, "too_large", f"文本合计超过 {MAX_CHARS:,} 个字符",
                       f"the texts exceed {MAX_CHARS:,} characters in all")
    for i, text in enumerate(body.texts):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request("invalid_text", f"第 {i + 1} 段文本含有无效的 Unicode 代理字符",
                              f"text {i + 1} holds lone Unicode surrogates") from None
    types = frozenset(body.types) if body.types is not None else None
    unknown = sorted((types or frozenset()) - set(pi_types()) - set(rules.types if rules else ()))
    if unknown:
        names = ", ".join(unknown)
        raise bad_request("unknown_types", f"未知的个人信息类型：{names}", f"unknown PI types: {names}")
    scanner = _scanner(rules, types, body.min_score, body.ner)
    return scanner, scanner.scan_texts(body.texts)


def detect_texts(texts: list[str], ner: NerMode = "near", rules: DetectionRules | None = None
                 ) -> tuple[Scanner, list[list[Finding]]]:
    """The scanner and the findings per text, with the API's checks and limits (the console
    calls this too)."""
    return _scan(DetectBody(texts=texts, types=None, min_score=0.5, ner=ner), rules)


def masked_preview(text: str, findings: list[Finding], scanner: Scanner
                   ) -> list[tuple[str, Finding | None, str]]:
    """`text` cut into pieces: plain text, and each finding as its masked value, so a page can
    show where the PI was without echoing it (overlapping findings: the first one wins)."""
    pieces: list[tuple[str, Finding | None, str]] = []
    pos = 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.start < pos:
            continue
        if f.start > pos:
            pieces.append((text[pos:f.start], None, ""))
        pieces.append(("", f, scanner.mask(f.type, f.text)))
        pos = f.end
    if pos < len(text):
        pieces.append((text[pos:], None, ""))
    return pieces


@router.post("/detect", summary="Find PI in texts (offsets, types, masked values)")
def detect(body: DetectBody, who: Annotated[Principal, Depends(analyst)],
           svc: Annotated[Services, Depends(services)],
           lang: Annotated[Lang, Query(description="language of explanations (校验通过 / "
                                                   "validated) and of labels that stand for "
                                                   "a value ([宗教信仰] / [Religious belief])")
                           ] = "zh",
           ) -> DetectAnswer:
    scanner, results = _scan(body, svc.rules)
    sensitive = scanner.sensitivity()
    return DetectAnswer(results=[TextFindings(findings=[
        FindingOut(type=f.type, start=f.start, end=f.end, score=f.score,
                   sensitive=sensitive[f.type], masked=scanner.mask(f.type, f.text, lang),
                   explanation=f.explanation.describe(lang))
        for f in found]) for found in results])


@router.post("/redact", summary="De-identify texts (mask, pseudonym token, generalise ...)")
def redact(body: RedactBody, who: Annotated[Principal, Depends(analyst)],
           svc: Annotated[Services, Depends(services)],
           lang: Annotated[Lang, Query(description="language of labels ([电话号码] / "
                                                   "[Phone number]) and generalised forms, "
                                                   "as `lang` of the other endpoints")] = "zh",
           ) -> RedactAnswer:
    scanner, found = _scan(body, svc.rules)
    key = load_project_key(svc.settings.workspace) if body.method in KEYED_METHODS else None
    own = scanner.own_types  # the served rules' types masked and named as /detect shows them
    return RedactAnswer(texts=[redact_text(text, spans, body.method, key, lang, own_types=own)
                               for text, spans in zip(body.texts, found, strict=True)],
                        redacted=sum(map(len, found)))
