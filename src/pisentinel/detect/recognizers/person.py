"""First-tier person names: a surname-led name after a label (姓名：, 联系人, 患者 …), before a
form of address (先生, 女士), or right before another identifier of the same person. Names in
free running text are the trained recognizer's job (detect.ner)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import (
    Candidate,
    Recognizer,
    ScanContext,
    han_at,
    word_alternation,
)
from pisentinel.detect.recognizers.lexical import holds_sensitive_word
from pisentinel.knowledge import lexicon, load_yaml

_HAN = "\u4e00-\u9fff"


@cache
def _surname_pattern() -> str:
    names = lexicon("surnames")
    compound = sorted((s for s in names if len(s) > 1), key=len, reverse=True)
    single = "".join(s for s in names if len(s) == 1)
    return f"(?:{'|'.join(compound)}|[{single}])"


@cache
def _rules() -> dict[str, Any]:
    return load_yaml("names_addresses.yaml")  # type: ignore[no-any-return,unused-ignore]


@cache
def _label_re() -> re.Pattern[str]:
    return re.compile(
        f"(?:{word_alternation(_rules()['name_labels'])})[：:是为叫\\s]{{0,2}}"
        f"({_surname_pattern()}[{_HAN}]{{1,2}})"
    )


@cache
def _honorific_re() -> re.Pattern[str]:
    """A name before a polite form of address (王芳女士, 张先生); the forms are the knowledge's
    `polite_forms`, which the prefilter reads too, so the two cannot drift apart."""
    forms = "|".join(map(re.escape, _rules()["polite_forms"]))
    return re.compile(f"({_surname_pattern()}[{_HAN}]{{1,2}})(?:{forms})")


@cache
def _address_form_re() -> re.Pattern[str]:
    """Forms of address that follow a full name as often as a bare surname (王老师, 王芳老师)."""
    forms = "|".join(map(re.escape, _rules()["address_forms"]))
    return re.compile(f"({_surname_pattern()}[{_HAN}]{{1,2}})(?:{forms})")


@cache
def _function_word_surnames() -> frozenset[str]:
    return frozenset(_rules()["function_word_surnames"])


@cache
def _mention_verbs() -> tuple[str, ...]:
    return tuple(_rules()["mention_verbs"])


@cache
def _final_particles() -> frozenset[str]:
    return frozenset(_rules()["name_final_particles"])


def _trimmed(view: str, m: re.Match[str]) -> str:
    """Group 1 of `m`, a surname-led capture, cut before a stop word (`trim_name`), reading the
    text that follows it."""
    raw = m.group(1)
    return trim_name(raw, _surname_len(raw), view[m.end(1):m.end(1) + 3])


def _starts_a_mention(view: str, start: int) -> bool:
    """A name before 同学/老师 counts only where a mention can start: at a boundary or after a
    contact verb (找, 请联系, 我是 …), and not with a surname that is mostly a function word
    (但邵老师 is 但 + 邵老师)."""
    if view[start] in _function_word_surnames():
        return False
    if not han_at(view, start - 1):
        return True
    return view[max(0, start - 4):start].endswith(_mention_verbs())


@cache
def _contact_re() -> re.Pattern[str]:
    verbs = "|".join(map(re.escape, _rules()["contact_verbs"]))
    return re.compile(f"(?:{verbs})[：:\\s]?({_surname_pattern()}[{_HAN}]{{1,2}})")


@cache
def _labels() -> frozenset[str]:
    return frozenset(_rules()["name_labels"])


def _contact_name(view: str, m: re.Match[str]) -> str | None:
    """The name after 联系 / 我是, when it ends where the Han text does or before a stop word
    (联系张三 手机, 联系张三电话), is no label (联系房东) and starts with no function word
    (联系和沟通)."""
    name = _trimmed(view, m)
    end = m.start(1) + len(name)
    if not plausible_name(name) or view[m.start(1)] in _function_word_surnames():
        return None
    if len(name) == len(m.group(1)) and han_at(view, end):
        return None
    return name


@cache
def _before_pi_re() -> re.Pattern[str]:
    return re.compile(f"({_surname_pattern()}[{_HAN}]{{1,2}})[\\s,，:：;；、/|（(]{{0,2}}$")


@cache
def _stops() -> tuple[str, ...]:
    return tuple(sorted(_rules()["name_stop_prefixes"], key=len, reverse=True))


@cache
def _blocklist() -> frozenset[str]:
    return frozenset(_rules()["name_blocklist"])


def trim_name(name: str, surname_len: int, after: str | None = None) -> str:
    """Cut a captured name before a following label or function word (张三电话 → 张三), also
    one that runs on into the text `after` it (张三明天… → 张三, but 乐秀明你好 stays 乐秀明).
    Without `after`, any tail that could begin a stop word is cut (…号 may begin 号码)."""
    stops = _stops()
    for k in range(surname_len, len(name)):
        rest = name[k:]
        if rest.startswith(stops):
            return name[:k]
        if k > surname_len and ((rest + after).startswith(stops) if after is not None
                                else any(s.startswith(rest) for s in stops if len(s) > 1)):
            return name[:k]
    return name


def plausible_name(name: str) -> bool:
    """Two to four characters, not one character repeated (哈哈哈), not a common word or a
    name label (房东, 车主), not ending in a sentence particle (信了) or in 某 (张某 is already
    anonymised), not a word such as 穆斯林 (老公是穆斯林)."""
    return (2 <= len(name) <= 4 and len(set(name)) > 1 and name[:2] not in _blocklist()
            and name not in _labels() and name[:2] not in _labels()
            and name[-1] not in _final_particles() and not holds_sensitive_word(name))


def _surname_len(name: str) -> int:
    return 2 if name[:2] in lexicon("surnames") else 1


@cache
def _weak_labels() -> frozenset[str]:
    return frozenset(_rules()["weak_name_labels"])


def _glued_weak_label(view: str, m: re.Match[str]) -> bool:
    """An everyday-noun label (学生, 业主) inside running text and glued to the name (no joiner
    between): 大学生东方…, 行业主管部门 name no one."""
    return han_at(view, m.start() - 1) and view[m.start():m.start(1)] in _weak_labels()


def _after_doubled(view: str, start: int, name: str) -> tuple[int, str]:
    """谢谢饶浩女士: a name read from the second character of a doubled one (谢谢) starts one
    character later, when what is left still starts with a surname."""
    if start > 0 and view[start - 1] == view[start] and len(name) >= 3 and (
            name[1] in lexicon("surnames") or name[1:3] in lexicon("surnames")):
        return start + 1, name[1:]
    return start, name


class LabelledNameRecognizer(Recognizer):
    name = "name_label"
    types = ("PERSON_NAME",)
    families = F.NAME

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        for m in _label_re().finditer(view):
            name = _trimmed(view, m)
            if not plausible_name(name) or _glued_weak_label(view, m) or (
                    view[m.start(1)] in _function_word_surnames()
                    and view[m.start(1) - 1] not in "：:"):
                continue
            yield Candidate("PERSON_NAME", m.start(1), m.start(1) + len(name), 0.8, "label",
                            name, ("surname",))
        for m in _honorific_re().finditer(view):
            name = _trimmed(view, m)
            if len(name) < len(m.group(1)):
                continue
            start, name = _after_doubled(view, m.start(1), name)
            yield Candidate("PERSON_NAME", start, m.end(1), 0.6, "honorific", name,
                            ("surname",))
        for m in _address_form_re().finditer(view):
            name = _trimmed(view, m)
            if len(name) < len(m.group(1)) or not plausible_name(name) or \
                    not _starts_a_mention(view, m.start(1)):
                continue
            yield Candidate("PERSON_NAME", m.start(1), m.end(1), 0.6, "address_form", name,
                            ("surname",))
        for m in _contact_re().finditer(view):
            contact = _contact_name(view, m)
            if contact is not None:
                yield Candidate("PERSON_NAME", m.start(1), m.start(1) + len(contact), 0.6,
                                "contact", contact, ("surname",))


class NameBeforeIdentifierRecognizer(Recognizer):
    """张三 13812345678 / 李四，110101…: a name written right before an identifier."""

    name = "name_before_identifier"
    types = ("PERSON_NAME",)
    families = F.DIGITS
    composite = True

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        anchors = [c for c in ctx.found if c.type in ("CN_ID_CARD", "PHONE_NUMBER")]
        taken = {(c.start, c.end) for c in ctx.found if c.type == "PERSON_NAME"}
        for c in anchors:
            lo = max(0, c.start - 8)
            m = _before_pi_re().search(view, lo, c.start)
            if not m:
                continue
            raw = m.group(1)
            if raw in _blocklist() or raw[:2] in _blocklist():
                continue
            name = trim_name(raw, _surname_len(raw))
            if len(name) != len(raw) or (m.start(1), m.end(1)) in taken or \
                    not plausible_name(name):
                continue
            yield Candidate("PERSON_NAME", m.start(1), m.end(1), 0.55, "before_identifier",
                            name, ("surname",))


RECOGNIZERS = [LabelledNameRecognizer, NameBeforeIdentifierRecognizer]
