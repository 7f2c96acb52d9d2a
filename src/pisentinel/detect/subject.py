"""Whose disease, faith, fingerprint or whereabouts? Sensitive PI is personal information only
when the text ties it to a person (PIPL Art. 4 and 28): a word by its clause and the one before,
a record of times and places (行踪轨迹) by the whole text.

News and policies are full of the same words about no one: "国家艾滋病委员会", "指纹锁八折",
"我们会收集您的人脸信息". On the NER corpora (news, Weibo, résumés) and app privacy policies, 11 of
the 94 sensitive words the lexicons found were about a person. The sentence names its person by
a name or identifier found in it (not a speaker: 张三说…), a word pointing at one person (患者,
她, 丈夫; not 我们, 他们, 广大患者, nor a policy's reader, 你的人脸信息 where 我们 speaks, nor
an app's menu, 我的-设置), an age (9岁), an anonymised name (王某) or a labelled field
(诊断：…); a record of movements by a record word (入住记录) or a tracked device's number
(设备862104…, whose track is the whereabouts of whoever carries it) too, since agendas and
timetables hold the same times and places about no one. The words are knowledge (cues.yaml, `subjects`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from pisentinel.detect.recognizers.base import Candidate, word_alternation
from pisentinel.knowledge import lexicon, load_yaml

_SENTENCE_ENDS = "。！？!?；;\n"
_CLAUSE_ENDS = "，,。；;！？!?\n"
# 9岁, 终年94岁; not an age group (不满十四周岁, 60岁以上).
_AGE_RE = re.compile(r"(?<![满过0-9一二三四五六七八九十])[0-9一二三四五六七八九十]{1,3}周?岁(?!以[上下内])")
_NOT_ANONYMISED = "些种地个项次天年月日位处类样"
# The number after a device word: ten or more letters and digits, most of them digits (an IMEI,
# a tracker's serial). Shorter runs are counts and dates (设备3台, 设备20260301).
_DEVICE_NUMBER = r"[\s:：#=]{0,3}(?P<number>[0-9A-Za-z]{10,})"
_DEVICE_NUMBER_DIGITS = 6
_OPEN_QUOTES, _CLOSE_QUOTES = "“\"「『", "”\"」』"


@dataclass(frozen=True)
class SubjectRules:
    types: frozenset[str]
    text_scope_types: frozenset[str]
    records: re.Pattern[str]
    devices: re.Pattern[str]
    identifying: frozenset[str]
    speech_verbs: tuple[str, ...]
    persons: re.Pattern[str]
    not_persons: frozenset[str]
    readers: frozenset[str]
    policy_voice: re.Pattern[str]
    data_kinds: tuple[str, ...]
    menu_after: re.Pattern[str]
    menu_before: re.Pattern[str]
    quantifiers: tuple[str, ...]
    field: re.Pattern[str]
    anonymised: re.Pattern[str]
    copula: re.Pattern[str]
    copula_types: frozenset[str]
    cap: float


@cache
def subject_rules() -> SubjectRules:
    doc = load_yaml("cues.yaml")["subjects"]
    surnames = "".join(sorted({s for s in lexicon("surnames") if len(s) == 1}))
    separators = word_alternation(doc["menu_separators"])
    return SubjectRules(
        types=frozenset(doc["types"]),
        text_scope_types=frozenset(doc["text_scope_types"]),
        records=re.compile(word_alternation(doc["record_words"])),
        devices=re.compile(f"(?P<word>{word_alternation(doc['device_words'])}){_DEVICE_NUMBER}"),
        identifying=frozenset(doc["identifying"]),
        speech_verbs=tuple(doc["speech_verbs"]),
        persons=re.compile(word_alternation([*doc["persons"], *doc["not_persons"]])),
        not_persons=frozenset(doc["not_persons"]),
        readers=frozenset(doc["readers"]),
        policy_voice=re.compile(word_alternation(doc["policy_voice"])),
        data_kinds=tuple(doc["data_kinds"]),
        menu_after=re.compile(f"[{_CLOSE_QUOTES}]?\\s*(?:{separators})"),
        menu_before=re.compile(f"(?:{separators})\\s*[{_OPEN_QUOTES}]?$"),
        quantifiers=tuple(doc["quantifiers"]),
        field=re.compile(f"(?:{word_alternation(doc['field_labels'])})\\s*[：:]"),
        anonymised=re.compile(f"[{surnames}]某某?(?![{_NOT_ANONYMISED}])"),
        copula=re.compile(r"是[^，,。；;！？!?\n]{0,8}$"),
        copula_types=frozenset(doc["copula_types"]),
        cap=float(doc["cap"]),
    )


def scope(view: str, start: int, end: int) -> tuple[int, int]:
    """The clause around view[start:end] and the one before it, within its sentence: people
    name the person first and then what they have (患者张三，诊断：…; 他曾因病住院). A wider
    scope joins sentences that only share a comma (…心里很乱，国家艾滋病防治中心…)."""
    lo, clauses = start, 0
    while lo > 0 and view[lo - 1] not in _SENTENCE_ENDS:
        if view[lo - 1] in _CLAUSE_ENDS:
            clauses += 1
            if clauses == 2:
                break
        lo -= 1
    hi = end
    while hi < len(view) and view[hi] not in _CLAUSE_ENDS:
        hi += 1
    return lo, hi


def subject_of(view: str, cand: Candidate, found: Sequence[Candidate]) -> str | None:
    """Why the words around `cand` are about a person (a reason without PI in it: a type, a
    word such as 患者, "age"), or None when they name no one."""
    rules = subject_rules()
    whole = cand.type in rules.text_scope_types
    if whole and (record := rules.records.search(view)):
        return record.group()
    lo, hi = (0, len(view)) if whole else scope(view, cand.start, cand.end)
    label = _field_label(view, rules, max(lo, cand.start - 12), cand.start)
    if label:
        return label
    for other in found:
        if other.type in rules.identifying and lo <= other.start and other.end <= hi and not (
                other.type == "PERSON_NAME" and _is_speaker(view, other.end, rules)):
            return other.type
    if whole and (device := _device_word(view, rules)):
        return device
    for m in rules.persons.finditer(view, lo, hi):
        word = m.group()
        if cand.start < m.end() and m.start() < cand.end:
            continue  # 精神病|人: the word's own letters
        if word in rules.not_persons or _after_quantifier(view, lo, m.start(), rules) or \
                _in_menu_path(view, m.start(), m.end(), rules):
            continue
        if word in rules.readers and _policy_to_reader(view, lo, hi, cand, rules):
            continue
        return word
    if cand.type in rules.copula_types and _is_said_of_one(view, lo, cand.start, rules):
        return "是"
    if _AGE_RE.search(view, lo, hi):
        return "age"
    if rules.anonymised.search(view, lo, hi):
        return "anonymised name"
    return None


def _device_word(view: str, rules: SubjectRules) -> str | None:
    """A device word before a long number (设备862104051234567, 终端号 T1000234567): a tracked
    device, whose record follows the person who carries it even when the number is no valid
    IMEI (the device recognizer needs the check digit; a typed or vendor serial has none)."""
    for m in rules.devices.finditer(view):
        if sum(ch.isdigit() for ch in m.group("number")) >= _DEVICE_NUMBER_DIGITS:
            return m.group("word")
    return None


def _is_said_of_one(view: str, lo: int, start: int, rules: SubjectRules) -> bool:
    """X是(一位虔诚的)佛教徒, not 他们都是佛教徒."""
    m = rules.copula.search(view, lo, start)
    if m is None:
        return False
    clause = view[max(lo, *(view.rfind(ch, lo, m.start()) + 1 for ch in "，,")):m.start()]
    return "们" not in clause and not any(q in clause for q in rules.quantifiers)


def _in_menu_path(view: str, start: int, end: int, rules: SubjectRules) -> bool:
    """我的-设置-我的信息, 设置>我的, “我的”: an app's screen (X的, as menus name them) in a
    path or in quotes, named in its policy's how-to. A chat's dash (我-肺癌晚期) has no 的."""
    if not view.startswith("的", end):
        return False
    end += 1
    return bool(rules.menu_after.match(view, end)
                or rules.menu_before.search(view[max(0, start - 4):start])
                or (start > 0 and view[start - 1] in _OPEN_QUOTES
                    and end < len(view) and view[end] in _CLOSE_QUOTES))


def _policy_to_reader(view: str, lo: int, hi: int, cand: Candidate, rules: SubjectRules) -> bool:
    """你的人脸信息 where 我们 (or 您) speaks: a policy tells every reader what kinds of data it
    takes. Both are needed: a chat's 你的诊断结果是肺癌 names no kind, and 你的人脸信息被盗用了
    has no institution speaking."""
    word_end = cand.end
    kind = view[cand.start:word_end].endswith(rules.data_kinds) or any(
        view.startswith(k, word_end) for k in rules.data_kinds)
    return kind and rules.policy_voice.search(view, lo, hi) is not None


def _after_quantifier(view: str, lo: int, at: int, rules: SubjectRules) -> bool:
    """广大患者, 部分糖尿病患者: the person word names a group."""
    before = view[max(lo, at - 8):at]
    return any(q in before for q in rules.quantifiers)


def _field_label(view: str, rules: SubjectRules, lo: int, start: int) -> str | None:
    """A label such as 诊断： right before the word, in the same clause."""
    last = None
    for m in rules.field.finditer(view, lo, start):
        last = m
    if last is None or any(ch in _CLAUSE_ENDS for ch in view[last.end():start]):
        return None
    return last.group().rstrip("：: \t")


def _is_speaker(view: str, name_end: int, rules: SubjectRules) -> bool:
    """张三说 / 张三还表示: the name quotes, it is not the one the sentence is about."""
    tail = view[name_end:name_end + 4].lstrip("还也则曾又")
    return tail.startswith(rules.speech_verbs)
