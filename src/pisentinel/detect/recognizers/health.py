"""Names of diseases and medicines read by how they are built, not looked up (PIPL Art. 28
医疗健康). A lexicon of a hundred words knows a fifth of the disease names people write; but a
Chinese disease name is parts and a head (类风湿|关节|炎, 甲状腺|功能|减退) and a medicine's
generic name ends in its class's stem (瑞舒伐|他汀), so reading the build finds the rest. The
parts are knowledge (knowledge/data/health_terms.yaml). Like the lexicon's words, a name found
here is someone's only when its sentence names a person (detect/subject.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from pisentinel.detect.recognizers.base import word_alternation
from pisentinel.knowledge import load_yaml

# A lexicon's strong word is health PI by itself, a weak one needs a personal cue nearby. A built
# name scores as a strong word, so the longer name wins an overlap (胰岛素依赖型|糖尿病).
STRONG, WEAK = 0.7, 0.3
_MAX_NAME = 5  # Han characters of a medicine's name before its stem


class WordHit(NamedTuple):
    """A word of a sensitive category found in a text: listed in a lexicon or read by its build."""

    start: int
    end: int
    term: str
    pattern: str
    validators: tuple[str, ...]
    score: float = STRONG


@dataclass(frozen=True)
class HealthTerms:
    """health_terms.yaml compiled: the two readers and the word sets they check matches
    against."""

    disease: re.Pattern[str]
    medicine: re.Pattern[str]
    medicine_alone: re.Pattern[str]
    not_terms: frozenset[str]
    not_in_name: frozenset[str]
    alone: frozenset[str]
    name_chars: frozenset[str]
    not_after: dict[str, tuple[str, ...]]


def _after(word_lists: dict[str, list[str]]) -> str:
    """`(?!…)` lookaheads: a head followed by one of its words begins another word."""
    return "".join(f"(?!(?<={re.escape(head)})(?:{word_alternation(after)}))"
                   for head, after in word_lists.items() if after)


@cache
def health_terms() -> HealthTerms:
    doc = load_yaml("health_terms.yaml")
    dis, med = doc["disease"], doc["medicine"]
    parts = dis["parts"]
    first = word_alternation([w for k in ("organs", "qualifiers", "named") for w in parts[k]])
    # Inside a name a head is a part too: 甲状腺功能|亢进|症, 肾病|综合征, 缺血|发作.
    any_part = word_alternation([*(w for k in ("organs", "qualifiers", "named", "linking")
                                   for w in parts[k]), *dis["general"], *dis["specific"]])
    # Official names number their types (2型, Ⅱ型) and put qualifiers in brackets:
    # 特发性(原发性)高血压, 慢性阻塞性肺疾病（急性加重）.
    first = f"{first}|[0-9ⅠⅡⅢⅣIV]{{1,3}}型"
    aside = "(?:[(（][\u4e00-\u9fff]{1,8}[)）])"
    chain = f"(?:{first})(?:性|型)?{aside}?(?:(?:{any_part})(?:性|型)?{aside}?){{0,7}}"
    disease = re.compile(
        f"(?:{chain}(?:{word_alternation(dis['general'] + dis['specific'])})"
        f"|(?:{word_alternation(dis['specific'])})){_after(dis['not_before'])}{aside}?")
    forms = f"(?:{word_alternation(med['forms'])}){{0,2}}"
    medicine = re.compile(
        f"(?:(?P<name>[\u4e00-\u9fff]{{1,{_MAX_NAME}}})(?P<stem>{word_alternation(med['stems'])})"
        f"|(?:{word_alternation(med['prefixes'])})(?P<tail>[\u4e00-\u9fff]{{1,3}}))"
        f"{_after(med['not_before'])}{forms}")
    alone = re.compile(f"(?:{word_alternation(med['alone'])}){forms}")
    return HealthTerms(disease, medicine, alone, frozenset(dis["not_terms"]),
                       frozenset(med["not_in_name"]), frozenset(med["alone"]),
                       frozenset(med["name_chars"].replace(" ", "")),
                       {head: tuple(words) for head, words in dis["not_after"].items()})


@cache
def health_heads() -> tuple[str, ...]:
    """Every word a disease or medicine name found here ends in (its head, stem or whole
    name): the prefilter's literals for these recognizers."""
    doc = load_yaml("health_terms.yaml")
    dis, med = doc["disease"], doc["medicine"]
    return tuple(sorted({*dis["general"], *dis["specific"], *med["stems"], *med["alone"],
                         *med["prefixes"]}))


def _medicine_start(m: re.Match[str], terms: HealthTerms) -> int | None:
    """Where the name begins: after the last character before its stem that cannot be in a
    name (吃|阿托伐他汀, 服用|缬沙坦); None when nothing of a name is left (他汀 alone), unless
    the stem is a medicine by itself (注射|胰岛素)."""
    start, end = m.span("name")
    if start < 0:
        return m.start()  # a class named first (头孢克肟)
    view = m.string
    for i in range(end - 1, start - 1, -1):
        if view[i] in terms.not_in_name or view[i] not in terms.name_chars:
            if i + 1 < end or m.group("stem") in terms.alone:
                return i + 1
            return None
    return start


def _medicine_end(m: re.Match[str], terms: HealthTerms) -> int:
    """A name after its class (头孢|克肟) ends before the first character that cannot be in it
    (头孢|了吗)."""
    start, end = m.span("tail")
    if start < 0:
        return m.end()
    view = m.string
    return next((i for i in range(start, end) if view[i] in terms.not_in_name), m.end())


def _disease_names(view: str, terms: HealthTerms) -> Iterator[WordHit]:
    for m in terms.disease.finditer(view):
        term = m.group(0)
        if term not in terms.not_terms and not (
                term in terms.not_after and view.endswith(terms.not_after[term], 0, m.start())):
            yield WordHit(m.start(), m.end(), term, "disease_name", ("morphology",))


def _medicine_names(view: str, terms: HealthTerms) -> Iterator[WordHit]:
    """A medicine someone takes tells their illness (用药记录, GB/T 35273-2020 Annex B)."""
    spans = []
    for m in terms.medicine.finditer(view):
        start = _medicine_start(m, terms)
        if start is not None:
            end = _medicine_end(m, terms)
            spans.append((start, end))
            yield WordHit(start, end, view[start:end], "medicine_name", ("inn_stem",))
    for m in terms.medicine_alone.finditer(view):
        if not any(s <= m.start() and m.end() <= e for s, e in spans):
            yield WordHit(m.start(), m.end(), m.group(0), "medicine_name", ("medicine_word",))


def built_health_words(view: str) -> list[WordHit]:
    """Disease and medicine names in `view` read by how they are built, as strong words of the
    medical lexicon (which filters labels and weak words next to them the same way)."""
    terms = health_terms()
    return [*_disease_names(view, terms), *_medicine_names(view, terms)]
