"""Reading a Chinese privacy policy for what it promises: which data categories it says it collects
(and which it says it does not), with what purpose, whether optional, under separate consent, which
SDKs and providers it names, and whether the PIPL 第十七条 items are there.

A lexicon-plus-rules analyser over sentences and their clauses (policy_lexicon.yaml), with two
learnt helpers where real policies word things the lexicon does not know: a character CRF that
finds where a sentence names personal information (spans.py; categories still come only from the
span's own words), and a sentence-topic classifier (topics.py) for collection, permission,
sharing, retention, rights and contact sentences. Measured span and topic scores on CA4P-483 and
CAPP-130 are in benchmarks/results/model_parking_app.md. Text comes from txt (any Chinese
encoding), html or pdf."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pisentinel.models.parking_app.knowledge import Sdk, lexicon, sdks
from pisentinel.models.parking_app.spans import DataSpan, data_spans

__all__ = ["PolicyError", "PolicyFacts", "analyse_policy", "policy_text", "sentences"]

MAX_POLICY_BYTES = 32 << 20
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")
_CLAUSE_SEP = re.compile(r"[，,：:、]?(?:但是|但|然而|除非)|[，,;；：:]")
_COMPANY = re.compile(r"[\u4e00-\u9fff（）()A-Za-z0-9]{2,40}?(?:有限责任公司|股份有限公司|有限公司)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:400[-\s]?\d{3}[-\s]?\d{4}|0\d{2,3}[-\s]?\d{7,8}|1[3-9]\d{9})(?!\d)")
_ADDRESS = re.compile(r"(?:省|市)[\u4e00-\u9fff\d]{1,20}(?:区|县)[\u4e00-\u9fff\d]{1,30}(?:号|室|楼)")


# span words that name personal information in general, not a kind of it (PIPL 第十七条 wants kinds)
_GENERIC_PI = re.compile(r"^(?:您的|用户的?|个人|相关|上述|以下|这些|该等|必要的?|其他|此类|前述|敏感|"
                         r"身份|基本|的|及|和|或|等)*(?:个人)?(?:敏感)?(?:信息|数据|资料)$")
_PERMISSION = "权限"
_RIGHT_VERBS = re.compile(r"查阅|复制|更正|补充|删除|撤回|注销|副本|访问您的个人信息")
_SDK_LINE = ("提供方", "sdk", "第三方", "合作方")


class PolicyError(ValueError):
    """A policy file that cannot be read (message in Chinese and English, no content)."""


class _TextOnly(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template"})
    _BLOCK = frozenset({"p", "div", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "section", "article", "table", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return str(best) if best is not None else raw.decode("utf-8", "replace")


def policy_text(path: Path) -> str:
    """The plain text of a policy file: .pdf through pypdf, .htm/.html without markup, else text
    in whatever Chinese encoding it came in."""
    path = Path(path)
    if path.stat().st_size > MAX_POLICY_BYTES:
        raise PolicyError(f"{path.name}: 隐私政策文件过大 / policy file too large")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        try:
            from pypdf import PdfReader
        except ImportError:
            raise PolicyError(f"{path.name}: 读取 PDF 需要 pypdf / reading PDF needs pypdf") \
                from None
        try:
            reader = PdfReader(str(path))
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as exc:  # pypdf raises many kinds on broken files
            raise PolicyError(f"{path.name}: 无法读取 PDF / cannot read the PDF "
                              f"({type(exc).__name__})") from None
        if not text.strip():  # scanned pages: reading it as "says nothing" would invent leads
            raise PolicyError(f"{path.name}: PDF 中没有可提取的文字（可能是扫描图片），请提供文字版"
                              f"或 OCR 后再读取 / the PDF holds no extractable text (scanned "
                              f"images?); provide a text version or OCR it first")
        return text
    text = _decode(path.read_bytes())
    if suffix in (".htm", ".html", ".xhtml") or re.search(r"<(html|body|p|div)\b", text[:4096],
                                                          re.I):
        parser = _TextOnly()
        parser.feed(text)
        text = "".join(parser.parts)
    return text


def sentences(text: str) -> list[str]:
    out = []
    for s in _SENTENCE_END.split(text):
        s = re.sub(r"\s+", " ", s).strip()
        if len(s) >= 2:
            out.append(s)
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@dataclass
class PolicyFacts:
    """What one policy says. Category maps give the sentence numbers that say it; `collection`,
    `permission` and `sharing` are the sentences that state collecting some personal information
    (named by category or not), asking for a device permission, and giving PI to others."""

    source: str
    sentences: list[str]
    collects: dict[str, list[int]] = field(default_factory=dict)
    denies: dict[str, list[int]] = field(default_factory=dict)
    purpose: dict[str, list[int]] = field(default_factory=dict)
    optional: dict[str, list[int]] = field(default_factory=dict)
    separate_consent: dict[str, list[int]] = field(default_factory=dict)
    sdk_mentions: dict[str, list[int]] = field(default_factory=dict)
    vendor_mentions: dict[str, list[int]] = field(default_factory=dict)
    art17: dict[str, list[int]] = field(default_factory=dict)
    has_sdk_list: bool = False
    collection: list[int] = field(default_factory=list)
    permission: list[int] = field(default_factory=list)
    sharing: list[int] = field(default_factory=list)

    def missing_art17(self) -> list[str]:
        return [item for item in ART17_ITEMS if not self.art17.get(item)]


ART17_ITEMS = ("handler", "contact", "purposes", "types", "retention", "rights")
ART17_ZH = {"handler": "个人信息处理者的名称", "contact": "联系方式", "purposes": "处理目的",
            "types": "个人信息种类", "retention": "保存期限", "rights": "个人行使权利的方式和程序"}


def _phrases(key: str) -> tuple[str, ...]:
    return tuple(_fold(p) for p in lexicon()[key])


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return any(p in text for p in phrases)


def categories_in(text: str) -> set[str]:
    """Data categories a (folded) text names. Longer phrases win over the shorter ones they
    contain (“位置权限” names LOCATION once; “手机号码” is not also “手机号”)."""
    found: set[str] = set()
    cats = {c: tuple(_fold(p) for p in ps) for c, ps in lexicon()["categories"].items()}
    for cat, phrases in cats.items():
        if any(p in text for p in phrases):
            found.add(cat)
    return found


def _sdk_named(folded: str, sdk: Sdk) -> bool:
    return any(_fold(name) in folded for name in sdk.policy_names
               if len(name) >= 2 and name != sdk.vendor_zh)


def _vendor_named(folded: str, sdk: Sdk) -> bool:
    return _fold(sdk.vendor_zh) in folded


_MODEL_ITEMS = {"retention": "retention", "rights": "rights", "contact": "contact"}
_SHIPPED = object()


def _clauses(sent: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of the raw sentence; the separators are matched in both
    widths, so these are the clauses of its folded form too."""
    out, start = [], 0
    for m in _CLAUSE_SEP.finditer(sent):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(sent)))
    return [(a, b) for a, b in out if b > a]


def _names_kind(span: DataSpan) -> bool:
    return bool(span.categories) or not _GENERIC_PI.match(_fold(span.text).strip())


def analyse_policy(text: str, source: str = "", model: Any = _SHIPPED,
                   tagger: Any = _SHIPPED) -> PolicyFacts:
    """The facts of one policy. `model` is the sentence-topic classifier that backs the lexicon
    for the collection, permission, sharing, retention, rights and contact sentences; `tagger`
    the CRF that finds data mentions the lexicon has no phrase for (default: the shipped ones;
    None: lexicon only)."""
    from pisentinel.models.parking_app.spans import span_tagger
    from pisentinel.models.parking_app.topics import topic_model

    clf = topic_model() if model is _SHIPPED else model
    crf = span_tagger() if tagger is _SHIPPED else tagger
    sents = sentences(text)
    facts = PolicyFacts(source, sents)
    verbs, negs = _phrases("collect_verbs"), _phrases("negations")
    purposes, optional = _phrases("purposes"), _phrases("optional_function")
    separate, sdk_list = _phrases("separate_consent"), _phrases("sdk_list")
    third_party = _phrases("third_party")
    art17 = {k: tuple(_fold(p) for p in v) for k, v in lexicon()["art17"].items()}

    def note(target: dict[str, list[int]], key: str, i: int) -> None:
        target.setdefault(key, [])
        if not target[key] or target[key][-1] != i:
            target[key].append(i)

    def mark(target: list[int], i: int) -> None:
        if not target or target[-1] != i:
            target.append(i)

    folded_all = [_fold(s) for s in sents]
    for i, (sent, folded) in enumerate(zip(sents, folded_all, strict=True)):
        spans = data_spans(sent, crf) if crf is not None else []
        topics = clf.topics_of(sent) if clf is not None else set()
        sentence_cats: set[str] = set()
        sentence_verb = _has(folded, verbs) or "collection" in topics
        names_pi = names_kind = False
        for a, b in _clauses(sent):
            clause = _fold(sent[a:b])
            in_clause = [sp for sp in spans if a <= sp.start < b]
            cats = categories_in(clause).union(*(sp.categories for sp in in_clause))
            if not cats and not in_clause:
                continue
            if _has(clause, negs):
                for c in cats:
                    note(facts.denies, c, i)
                continue
            if _has(clause, verbs) or sentence_verb:
                sentence_cats |= cats
                names_pi = True
                names_kind = names_kind or bool(cats) or any(map(_names_kind, in_clause))
        if names_pi or ("collection" in topics and not _has(folded, negs)):
            mark(facts.collection, i)
        for c in sorted(sentence_cats):
            note(facts.collects, c, i)
            if _has(folded, purposes):
                note(facts.purpose, c, i)
        if _PERMISSION in folded and (categories_in(folded) or spans or "permission" in topics):
            mark(facts.permission, i)
        if _has(folded, third_party) or "sharing" in topics:
            mark(facts.sharing, i)
        # optional / separate consent may be said in the sentence or the next one
        window = folded + (folded_all[i + 1] if i + 1 < len(sents) else "")
        named = sentence_cats | categories_in(folded)
        for c in sorted(named):
            if _has(window, optional):
                note(facts.optional, c, i)
            if _has(window, separate):
                note(facts.separate_consent, c, i)
        if _has(folded, sdk_list):
            facts.has_sdk_list = True
        for item, phrases in art17.items():
            if item == "handler":  # the operator's company, not an SDK provider's
                hit = bool(_COMPANY.search(sent)) and _has(folded, phrases) \
                    and not _has(folded, _SDK_LINE)
            elif item == "contact":
                hit = _has(folded, phrases) and bool(
                    _EMAIL.search(sent) or _PHONE.search(sent) or _ADDRESS.search(sent))
            elif item == "types":
                hit = names_kind or _has(folded, phrases)
            elif item == "purposes":
                hit = names_kind and _has(folded, phrases)
            else:
                hit = _has(folded, phrases)
            if hit:
                note(facts.art17, item, i)
        for topic in topics & set(_MODEL_ITEMS):
            item = _MODEL_ITEMS[topic]
            if item == "contact" and not (_EMAIL.search(sent) or _PHONE.search(sent)
                                          or _ADDRESS.search(sent)):
                continue
            # CAPP's "数据、权限管理" includes refusing a permission; Art. 17 means PI rights
            if item == "rights" and not _RIGHT_VERBS.search(sent):
                continue
            note(facts.art17, item, i)
    whole = "\n".join(folded_all)
    # a provider's name alone, in a sentence naming no SDK, may stand for one of its SDKs
    for sdk in sdks():
        if _sdk_named(whole, sdk):
            facts.sdk_mentions[sdk.id] = [i for i, f in enumerate(folded_all)
                                          if _sdk_named(f, sdk)][:3]
        orphan = [i for i, f in enumerate(folded_all) if _vendor_named(f, sdk)
                  and not any(_sdk_named(f, other) for other in sdks())]
        if orphan:
            facts.vendor_mentions[sdk.id] = orphan[:3]
    return facts
