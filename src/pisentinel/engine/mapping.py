"""Column mapping: which header of a real export holds each canonical column a model reads.

Real data arrives with Chinese headers (用户ID, 身份证号, 预约时间 …) that differ from export to
export. A model declares canonical columns with header synonyms; the user may pin columns by a
YAML file or `--map canon=header`; the rest is matched when the header or the values make it
clear. "Clear" is deliberate: a guess that maps the wrong phone column turns every lead wrong,
so two candidates that tie are left unmatched and reported rather than picked at random.

Order of evidence, strongest first: the user's map, the header equal to the canonical name, the
header equal to a synonym, the header containing a synonym, the values classified as the PI type
the canonical column's synonyms name (the column classifier of `pisentinel.detect.columns`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pisentinel.engine.sources import EXIT_MISSING_COLUMN, EXIT_USAGE, SourceError

__all__ = ["MappingError", "load_mapping_file", "parse_map_options", "resolve_mapping"]

_EXACT, _SYNONYM, _CONTAINS, _VALUES = 4, 3, 2, 1
_MIN_VALUE_CONFIDENCE = 0.6


class MappingError(SourceError):
    """The input's columns do not give what the model needs: a clear error naming what was
    expected, what the file has and what was matched (headers only, never values)."""

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        *,
        expected: Sequence[str] = (),
        headers: Sequence[str] = (),
        matched: Mapping[str, str] | None = None,
        source: str = "",
        exit_code: int = EXIT_MISSING_COLUMN,
    ) -> None:
        self.expected = list(expected)
        self.headers = list(headers)
        self.matched = dict(matched or {})
        super().__init__(source, message_zh, message_en, exit_code=exit_code)

    def message(self, lang: str = "zh") -> str:
        """The message in Chinese (default) or English, prefixed by the file when known."""
        if self.path:
            return super().message(lang)
        return self.message_zh if lang.lower().startswith("zh") else self.message_en

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.message_zh, self.message_en, self.expected, self.headers,
                           self.matched, self.path, self.exit_code))


def _rebuild(zh: str, en: str, expected: list[str], headers: list[str],
             matched: dict[str, str], source: str, exit_code: int) -> MappingError:
    return MappingError(zh, en, expected=expected, headers=headers, matched=matched,
                        source=source, exit_code=exit_code)


def _norm(text: str) -> str:
    """Header comparison form: NFKC (full-width → half-width), lower case, no spaces,
    underscores, hyphens or brackets' content markers."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s_\-·.:：]+", "", text)


def _pairs(mapping: Mapping[str, str]) -> str:
    return ", ".join(f"{c}={h}" for c, h in mapping.items()) or "-"


def _header_votes(
    headers: Sequence[str], wanted: Sequence[str], synonyms: Mapping[str, Sequence[str]]
) -> list[tuple[int, int, str, str]]:
    """(strength, -synonym length, canonical, header) for every header evidence."""
    votes: list[tuple[int, int, str, str]] = []
    for canon in wanted:
        words = [_norm(w) for w in (canon, *synonyms.get(canon, ())) if _norm(w)]
        for header in headers:
            h = _norm(header)
            if not h:
                continue
            if h == _norm(canon):
                votes.append((_EXACT, 0, canon, header))
            elif h in words:
                votes.append((_SYNONYM, 0, canon, header))
            else:
                hits = [w for w in words if len(w) >= 2 and w in h]
                if hits:
                    votes.append((_CONTAINS, -max(len(w) for w in hits), canon, header))
    return votes


def _pi_type_of(canon: str, synonyms: Sequence[str]) -> str | None:
    """The PI type a canonical column holds, as its name and synonyms say (one type or None)."""
    from pisentinel.detect.columns import header_type

    found = {t for t in (header_type(w) for w in (canon, *synonyms)) if t}
    return found.pop() if len(found) == 1 else None


def _assign(votes: list[tuple[int, int, str, str]], mapping: dict[str, str],
            ambiguous: dict[str, list[str]]) -> None:
    """Greedy one-to-one assignment, strongest evidence first; a tie at the top for a
    canonical column (two headers equally good) is ambiguous and left unmatched."""
    votes.sort(key=lambda v: (-v[0], v[1]))
    taken = set(mapping.values())
    by_rank: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for strength, tiebreak, canon, header in votes:
        by_rank.setdefault((strength, tiebreak), []).append((canon, header))
    for rank in sorted(by_rank, key=lambda r: (-r[0], r[1])):
        group = [(c, h) for c, h in by_rank[rank]
                 if c not in mapping and h not in taken and c not in ambiguous]
        per_canon: dict[str, list[str]] = {}
        per_header: dict[str, list[str]] = {}
        for c, h in group:
            per_canon.setdefault(c, []).append(h)
            per_header.setdefault(h, []).append(c)
        for c, hs in per_canon.items():
            if len(hs) > 1:
                ambiguous[c] = sorted(hs)
                continue
            h = hs[0]
            if len(per_header[h]) > 1 or h in taken:
                continue
            mapping[c] = h
            taken.add(h)


def resolve_mapping(
    headers: Sequence[str],
    sample_values: Mapping[str, Sequence[Any]] | None,
    required: Sequence[str],
    optional: Sequence[str] = (),
    synonyms: Mapping[str, Sequence[str]] | None = None,
    user_map: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """canonical → header for every required column and every optional one that is clear.

    Raises `MappingError` (exit code 4) when a required column cannot be matched, and (exit
    code 2) when the user's map names a column the model does not read or a header the file
    does not have."""
    synonyms = synonyms or {}
    declared = [*required, *[c for c in optional if c not in required]]
    headers = list(headers)
    mapping: dict[str, str] = {}
    for canon, header in (user_map or {}).items():
        if canon not in declared:
            raise MappingError(
                f"映射里的列 {canon} 不是本模型读取的列；模型读取：{', '.join(declared)}",
                f"mapped column {canon} is not read by this model; it reads: "
                f"{', '.join(declared)}",
                expected=declared, headers=headers, matched=mapping, exit_code=EXIT_USAGE)
        if header not in headers:
            raise MappingError(
                f"映射 {canon}={header}：文件中没有表头 {header}；文件的表头：{', '.join(headers)}",
                f"mapping {canon}={header}: the file has no header {header}; its headers: "
                f"{', '.join(headers)}",
                expected=declared, headers=headers, matched=mapping, exit_code=EXIT_USAGE)
        mapping[canon] = header

    ambiguous: dict[str, list[str]] = {}
    wanted = [c for c in declared if c not in mapping]
    free = [h for h in headers if h not in mapping.values()]
    _assign(_header_votes(free, wanted, synonyms), mapping, ambiguous)

    wanted = [c for c in declared if c not in mapping and c not in ambiguous]
    if wanted and sample_values:
        _assign(_value_votes(headers, sample_values, wanted, synonyms, mapping), mapping,
                ambiguous)

    missing = [c for c in required if c not in mapping]
    if missing:
        raise _missing_error(missing, declared, headers, mapping, ambiguous, synonyms)
    return {c: mapping[c] for c in declared if c in mapping}


def _value_votes(headers: Sequence[str], sample_values: Mapping[str, Sequence[Any]],
                 wanted: Sequence[str], synonyms: Mapping[str, Sequence[str]],
                 mapping: Mapping[str, str]) -> list[tuple[int, int, str, str]]:
    from pisentinel.detect.columns import classify_column

    kinds = {c: _pi_type_of(c, synonyms.get(c, ())) for c in wanted}
    if not any(kinds.values()):
        return []
    votes: list[tuple[int, int, str, str]] = []
    for header in headers:
        if header in mapping.values() or header not in sample_values:
            continue
        values = [None if v is None else str(v) for v in sample_values[header]]
        profile = classify_column(header, values)
        if profile.type is None or profile.confidence < _MIN_VALUE_CONFIDENCE:
            continue
        votes.extend((_VALUES, 0, c, header) for c, t in kinds.items() if t == profile.type)
    return votes


def _missing_error(missing: Sequence[str], declared: Sequence[str], headers: Sequence[str],
                   mapping: Mapping[str, str], ambiguous: Mapping[str, Sequence[str]],
                   synonyms: Mapping[str, Sequence[str]]) -> MappingError:
    def expect(c: str) -> str:
        words = list(synonyms.get(c, ()))[:4]
        return f"{c}（{'/'.join(words)}）" if words else c

    amb_zh = "".join(f"；{c} 有多个候选：{', '.join(hs)}" for c, hs in ambiguous.items()
                     if c in missing)
    amb_en = "".join(f"; {c} has several candidates: {', '.join(hs)}"
                     for c, hs in ambiguous.items() if c in missing)
    hint = " ".join(f"--map {c}=<表头>" for c in missing)
    hint_en = " ".join(f"--map {c}=<header>" for c in missing)
    return MappingError(
        f"缺少必需的列：{', '.join(missing)}。应有的列：{', '.join(expect(c) for c in declared)}；"
        f"文件的表头：{', '.join(headers) or '无'}；已匹配：{_pairs(mapping)}{amb_zh}。"
        f"可用映射文件或 {hint} 指定",
        f"missing required columns: {', '.join(missing)}. Expected: "
        f"{', '.join(expect(c) for c in declared)}; the file's headers: "
        f"{', '.join(headers) or 'none'}; matched: {_pairs(mapping)}{amb_en}. "
        f"Map them with a mapping file or {hint_en}",
        expected=declared, headers=headers, matched=mapping)


def load_mapping_file(path: str | Path) -> dict[str, dict[str, str]]:
    """Read a YAML mapping file: `{input: {canonical: header}}`, or a flat `{canonical: header}`
    (returned under the key "*", meaning every input).

    ```yaml
    bookings:
      account_id: 用户ID
      id_number: 身份证号
    ```"""
    shown = str(path)
    try:
        doc = yaml.safe_load(Path(path).read_text("utf-8"))
    except OSError:
        raise SourceError(shown, "无法读取映射文件", "cannot read the mapping file",
                          exit_code=EXIT_USAGE) from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise SourceError(shown, "映射文件不是合法的 UTF-8 YAML",
                          "the mapping file is not valid UTF-8 YAML",
                          exit_code=EXIT_USAGE) from None
    if not isinstance(doc, dict) or not doc:
        raise SourceError(shown, "映射文件应为 输入名: {规范列: 表头} 的字典",
                          "the mapping file must be a mapping of input: {canonical: header}",
                          exit_code=EXIT_USAGE)
    if all(isinstance(v, str) for v in doc.values()):
        return {"*": {str(k): str(v) for k, v in doc.items()}}
    out: dict[str, dict[str, str]] = {}
    for name, inner in doc.items():
        if not isinstance(inner, dict) or not all(isinstance(v, str) for v in inner.values()):
            raise SourceError(shown, f"输入 {name} 的映射应为 规范列: 表头",
                              f"the mapping of input {name} must be canonical: header",
                              exit_code=EXIT_USAGE)
        out[str(name)] = {str(k): str(v) for k, v in inner.items()}
    return out


def parse_map_options(options: Sequence[str]) -> dict[str, dict[str, str]]:
    """`--map canon=header` or `--map input:canon=header` options → `{input or "*": {...}}`."""
    out: dict[str, dict[str, str]] = {}
    for opt in options:
        left, sep, header = opt.partition("=")
        if not sep or not left.strip() or not header.strip():
            raise SourceError("--map", f"映射 {opt} 应写作 规范列=表头",
                              f"mapping {opt} must be written canonical=header",
                              exit_code=EXIT_USAGE)
        name, colon, canon = left.partition(":")
        key, canon = (name.strip(), canon.strip()) if colon else ("*", name.strip())
        out.setdefault(key, {})[canon] = header.strip()
    return out
