"""Detection rules a user adds without code: custom identifier types and their patterns, word
lists (deny lists), and values never to flag (allow lists) — what Presidio's ad-hoc recognizers
and allow lists, Google DLP's custom infoTypes and exclusion rules, and Macie's custom data
identifiers do, in one YAML file (`pisentinel scan --rules rules.yaml`).

```yaml
types:                        # new type codes (built-in ones need no entry)
  EMPLOYEE_ID: {name_zh: 工号, name_en: employee number, sensitive: false,
                mask: {keep_prefix: 2, keep_suffix: 2}}
patterns:
  - {type: EMPLOYEE_ID, regex: 'GH[0-9]{6}', score: 0.6, context: [工号, 员工编号]}
  - {type: BANK_CARD, regex: '88[0-9]{14}', score: 0.7, validator: luhn}
dictionaries:
  - {type: PERSON_NAME, words: [王小二, 赵大宝], score: 0.9}
allow:
  values: ['13800138000', '95588']    # test numbers, public hotlines: never flagged
  patterns: ['400[0-9]{7}']            # whole-value regular expressions
```

A cue word (`context`) within 20 characters before a match, and after the previous number or
sentence end, raises its score by 0.3. Validators:
`luhn`, `mod11-2` (the resident-ID check character), `uscc`. Allow-list values and patterns are
compared with the finding's text and its normalised value, separators removed, letters upper-case.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from pisentinel.detect import families as F
from pisentinel.detect.context import window_start
from pisentinel.detect.normalize import normalize
from pisentinel.detect.recognizers.base import (
    Candidate,
    Recognizer,
    ScanContext,
    word_alternation,
)
from pisentinel.detect.validators import id18_checksum_ok, luhn_ok, uscc_ok
from pisentinel.errors import BilingualError
from pisentinel.knowledge import pi_types

__all__ = ["NO_RULES", "CustomType", "DetectionRules", "PatternRule", "RulesError", "load_rules",
           "own_type_value"]

CONTEXT_WINDOW = 20
CONTEXT_BOOST = 0.3
VALIDATORS: dict[str, Callable[[str], bool]] = {
    "luhn": lambda v: luhn_ok(_compact(v)),
    "mod11-2": lambda v: id18_checksum_ok(_compact(v)),
    "uscc": lambda v: uscc_ok(_compact(v)),
}
_TYPE_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,39}")
_SEPARATORS = re.compile(r"[\s\-.·_/]+")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def own_type_value(text: str) -> str:
    """How a written form of a user's own type reads (``GH-123456``, ``ＧＨ１２３４５６``,
    ``GH一二三四五六`` → ``GH123456``): the normalised view without separators. Its token is
    computed over this, in text (a match's `value`) as in a column (`CustomType.value_of`, what
    table redaction calls), so one identifier gets one token wherever it stands."""
    return _view_value(normalize(text).text)


def _view_value(view_text: str) -> str:
    """`own_type_value` of text already in the normalised view (a match of the scan)."""
    return _SEPARATORS.sub("", view_text)


class RulesError(BilingualError):
    """A rules file that cannot be used; the message names the file and the entry.

    `reason_zh` / `reason_en` say what is wrong without the file's path: the path is what the
    user typed, fit for the command line they typed it on, while a server answering a request
    must not quote a submitted value (pisentinel.web.errors)."""

    def __init__(self, where: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"规则文件 {where}：{reason_zh}", f"rules file {where}: {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass(frozen=True)
class CustomType:
    code: str
    name_zh: str
    name_en: str
    sensitive: bool = False
    keep_prefix: int = 0
    keep_suffix: int = 0

    def value_of(self, text: str) -> str:
        """`text` (a cell of this type, say) read as a match of it reads: `own_type_value`, so
        that protect, which cannot import detect, tokenises a column as scan does a match."""
        return own_type_value(text)


@dataclass(frozen=True, repr=False)
class PatternRule:
    """One pattern of a type. Word lists become a pattern too: their words, longest first."""

    type: str
    regex: re.Pattern[str]
    score: float
    context: tuple[str, ...] = ()
    validator: str | None = None
    name: str = "custom"

    def __repr__(self) -> str:
        """The rule without its words: a dictionary's regex is its word list (names, say) and a
        repr reaches logs and tracebacks; the pattern's length and the cue words' count tell
        rules apart well enough there."""
        return (f"PatternRule(type={self.type!r}, name={self.name!r}, score={self.score}, "
                f"validator={self.validator!r}, regex_chars={len(self.regex.pattern)}, "
                f"context_words={len(self.context)})")


@dataclass(frozen=True, repr=False)
class DetectionRules:
    types: Mapping[str, CustomType] = field(default_factory=dict)
    patterns: tuple[PatternRule, ...] = ()
    allow_values: frozenset[str] = frozenset()
    allow_patterns: tuple[re.Pattern[str], ...] = ()
    source: str = ""
    digest: str = ""  # SHA-256 of the file as read: what a scan checkpoint is tied to

    def __repr__(self) -> str:
        """Counts and the file's digest, never the words: dictionaries and allow lists may
        hold names and numbers of real persons, and a repr reaches logs and tracebacks (of
        anything that holds the rules: a scan request, a run's context, the web services).
        The digest names the file as the run record does."""
        return (f"DetectionRules(types={len(self.types)}, patterns={len(self.patterns)}, "
                f"allow_values={len(self.allow_values)}, "
                f"allow_patterns={len(self.allow_patterns)}, digest={self.digest!r})")

    def allows(self, text: str, value: str = "") -> bool:
        """Whether a finding with this raw text (and normalised value) is on the allow list."""
        if not self.allow_values and not self.allow_patterns:
            return False
        forms = {_compact(text), _compact(value)} - {""}
        return bool(forms & self.allow_values) or any(
            p.fullmatch(f) for p in self.allow_patterns for f in forms)

    def type_name(self, code: str, lang: str = "zh") -> str:
        """A type's display name, the user's types and the built-in ones alike: the one place
        that names a type, so a scan summary, the console and the API say the same."""
        own = self.types.get(code)
        if own is not None:
            return own.name_zh if lang == "zh" else own.name_en
        info = pi_types().get(code)
        return info.name(lang) if info is not None else code

    def sensitivity(self) -> dict[str, bool]:
        """Whether each type, built-in or the user's, is sensitive PI (PIPL Art. 28)."""
        sensitive = {code: t.sensitive for code, t in pi_types().items()}
        return sensitive | {code: t.sensitive for code, t in self.types.items()}

    def recognizers(self) -> list[Recognizer]:
        return [_recognizer_for(rule, rule.type in self.types) for rule in self.patterns]

    def prefilter_patterns(self) -> list[str]:
        return [rule.regex.pattern for rule in self.patterns]


NO_RULES = DetectionRules()
"""The rules in force when the user gives none: the built-in types, nothing added or allowed."""


class CustomPatternRecognizer(Recognizer):
    """A user's pattern: every match (validated, if a validator is named) is a candidate, its
    score raised when one of the rule's cue words stands just before it or names its column.

    A match of a user's own type has as its value `own_type_value` of the match, the match in
    the normalised view without separators (``GH-123456``, ``GH一二三四五六`` → ``GH123456``), as
    a built-in number's value is its digits: tokens are computed over the value, and protect
    knows no form of the user's format (a column of it is read by the same function, through
    `CustomType.value_of`). A built-in type's value stays the match, since protect folds that
    type's forms by its own rule."""

    families = F.CUSTOM
    own_type: ClassVar[bool] = False

    def __init__(self, rule: PatternRule) -> None:
        self.rule = rule

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        rule, view = self.rule, ctx.view
        check = VALIDATORS[rule.validator] if rule.validator else None
        for m in rule.regex.finditer(view):
            if m.end() == m.start() or (check is not None and not check(m.group())):
                continue
            before = view[window_start(view, m.start(), CONTEXT_WINDOW) : m.start()]
            cue = next((w for w in rule.context if w in before or w in ctx.header), None)
            score = min(1.0, rule.score + (CONTEXT_BOOST if cue else 0.0))
            value = _view_value(m.group()) if self.own_type else m.group()
            yield Candidate(rule.type, m.start(), m.end(), score, rule.name, value,
                            (rule.validator,) if rule.validator else (),
                            cues=(cue,) if cue else ())


def _recognizer_for(rule: PatternRule, own_type: bool) -> CustomPatternRecognizer:
    """A recognizer class per rule, so that its name and type read like the built-in ones. A
    pattern for a built-in type is scored like that type's own (its cue words count)."""
    cls = type(f"Custom{rule.type.title().replace('_', '')}Recognizer",
               (CustomPatternRecognizer,),
               {"name": "rules", "types": (rule.type,), "scores_itself": own_type,
                "own_type": own_type})
    return cls(rule)


def load_rules(path: str | Path, known_types: set[str] | frozenset[str] | None = None
               ) -> DetectionRules:
    """Read and check a rules file. `known_types` are the built-in type codes (by default the
    taxonomy's)."""
    if known_types is None:
        known_types = frozenset(pi_types())
    path = Path(path)
    where = str(path)
    try:
        raw = path.read_bytes()
        doc = yaml.safe_load(raw.decode("utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        # The class name only (FileNotFoundError …): the exception's text repeats the path.
        raise RulesError(where, f"无法读取（{type(exc).__name__}）",
                         f"cannot be read ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        at = f"，第 {line + 1} 行" if line is not None else ""
        at_en = f", line {line + 1}" if line is not None else ""
        raise RulesError(where, f"不是有效的 YAML{at}", f"not valid YAML{at_en}") from None
    if not isinstance(doc, dict):
        raise _bad(where, "根节点应为映射", "the top level must be a mapping")
    unknown = set(doc) - {"types", "patterns", "dictionaries", "allow"}
    if unknown:
        keys = ", ".join(sorted(map(str, unknown)))
        raise _bad(where, f"未知的键 {keys}", f"unknown keys {keys}")
    types = _types(where, doc.get("types") or {}, known_types)
    codes = set(known_types) | set(types)
    patterns = [_pattern(where, f"patterns[{i}]", spec, codes)
                for i, spec in enumerate(_list(where, "patterns", doc.get("patterns")))]
    patterns += [_dictionary(where, f"dictionaries[{i}]", spec, codes)
                 for i, spec in enumerate(_list(where, "dictionaries", doc.get("dictionaries")))]
    values, allow_patterns = _allow(where, doc.get("allow") or {})
    return DetectionRules(types, tuple(patterns), values, allow_patterns, where,
                          hashlib.sha256(raw).hexdigest())


def _bad(where: str, zh: str, en: str) -> RulesError:
    return RulesError(where, zh, en)


def _list(where: str, key: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(where, f"{key} 应为列表", f"{key} must be a list")
    return value


def _types(where: str, spec: Any, known: set[str] | frozenset[str]) -> dict[str, CustomType]:
    if not isinstance(spec, dict):
        raise _bad(where, "types 应为映射（类型代码 → 定义）", "types must map type codes to entries")
    out = {}
    for code, entry in spec.items():
        at = f"types.{code}"
        if not isinstance(code, str) or not _TYPE_CODE.fullmatch(code):
            raise _bad(where, f"{at}：类型代码应为大写字母、数字和下划线",
                       f"{at}: a type code is upper-case letters, digits and underscores")
        if code in known:
            raise _bad(where, f"{at}：与内置类型重名", f"{at}: a built-in type has this code")
        entry = entry or {}
        if not isinstance(entry, dict):
            raise _bad(where, f"{at} 应为映射", f"{at} must be a mapping")
        mask = entry.get("mask") or {}
        out[code] = CustomType(
            code, str(entry.get("name_zh", code)), str(entry.get("name_en", code)),
            bool(entry.get("sensitive", False)),
            _count(where, f"{at}.mask.keep_prefix", mask.get("keep_prefix", 0)),
            _count(where, f"{at}.mask.keep_suffix", mask.get("keep_suffix", 0)))
    return out


def _count(where: str, at: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32:
        raise _bad(where, f"{at} 应为 0 到 32 的整数", f"{at} must be an integer from 0 to 32")
    return value


def _entry(where: str, at: str, spec: Any, codes: set[str], required: str
           ) -> tuple[str, float]:
    if not isinstance(spec, dict):
        raise _bad(where, f"{at} 应为映射", f"{at} must be a mapping")
    for key in ("type", required):
        if key not in spec:
            raise _bad(where, f"{at} 缺少 {key}", f"{at} lacks {key}")
    if spec["type"] not in codes:
        raise _bad(where, f"{at}：未知类型 {spec['type']}（先在 types 中定义）",
                   f"{at}: unknown type {spec['type']} (define it under types first)")
    score = spec.get("score", 0.6)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise _bad(where, f"{at}.score 应在 0 到 1 之间", f"{at}.score must be between 0 and 1")
    return str(spec["type"]), float(score)


def _compile(where: str, at: str, expr: str) -> re.Pattern[str]:
    try:
        return re.compile(expr)
    except re.error as exc:
        raise _bad(where, f"{at} 的正则表达式无效（{exc.msg}，位置 {exc.pos}）",
                   f"{at}: invalid regular expression ({exc.msg} at {exc.pos})") from None


def _pattern(where: str, at: str, spec: Any, codes: set[str]) -> PatternRule:
    pi_type, score = _entry(where, at, spec, codes, "regex")
    validator = spec.get("validator")
    if validator in (None, "none"):
        validator = None
    elif validator not in VALIDATORS:
        names = ", ".join(VALIDATORS)
        raise _bad(where, f"{at}.validator 应为 {names} 之一", f"{at}.validator must be one of {names}")
    context = spec.get("context") or []
    if not isinstance(context, list) or not all(isinstance(w, str) and w for w in context):
        raise _bad(where, f"{at}.context 应为词语列表", f"{at}.context must be a list of words")
    return PatternRule(pi_type, _compile(where, at, str(spec["regex"])), score, tuple(context),
                       validator, str(spec.get("name", f"{pi_type}#{at[9:-1]}")))


def _dictionary(where: str, at: str, spec: Any, codes: set[str]) -> PatternRule:
    pi_type, score = _entry(where, at, spec, codes, "words")
    words = spec["words"]
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip()
                                                          for w in words):
        raise _bad(where, f"{at}.words 应为非空词语列表", f"{at}.words must be a non-empty list of words")
    alternation = word_alternation(w.strip() for w in words)
    return PatternRule(pi_type, re.compile(f"(?:{alternation})"), score,
                       name=str(spec.get("name", f"{pi_type}#words{at[13:-1]}")))


def _allow(where: str, spec: Any) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    if not isinstance(spec, dict) or set(spec) - {"values", "patterns"}:
        raise _bad(where, "allow 应为含 values 与 patterns 的映射",
                   "allow must be a mapping with values and patterns")
    values = _list(where, "allow.values", spec.get("values"))
    patterns = _list(where, "allow.patterns", spec.get("patterns"))
    return (frozenset(_compact(str(v)) for v in values if str(v).strip()),
            tuple(_compile(where, f"allow.patterns[{i}]", str(p)) for i, p in enumerate(patterns)))
