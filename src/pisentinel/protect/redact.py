"""Redaction: replace the PI in a text or a table column, one method for all of it.

Methods: ``mask`` (display mask, 138****5678), ``token`` (keyed pseudonym, links records),
``encrypt`` (reversible by the key holder), ``generalize`` (province / year / district …),
``label`` (the type's label, [电话号码]), ``surrogate`` (a valid-looking fake for ID, card and
phone numbers, the mask for other types) and ``remove`` (gone). In text, token and encrypt output
carries the type (``PHONE_NUMBER:ph_…``, ``PHONE_NUMBER:enc1.…``) so it can be resolved later.

A user's own types (a rules file's `types`) are not in the taxonomy; the caller that holds the
rules passes them as `own_types`, so that ``mask`` (and ``surrogate``, which masks them: there is
no fake to make for a format only the user knows) keeps the rule's `keep_prefix`/`keep_suffix`,
as scan shows them, and ``label`` and ``generalize`` give the rule's name (``[工号]``). ``token``
and ``encrypt`` need nothing of the rule: the type code is in the token and in the cipher's
associated data. protect has no canonical form for a format only the user knows, so a token of a
type the taxonomy lacks is computed over the scanner's reading of the value (``GH-123456`` and
``GH一二三四五六`` read as ``GH123456``): in text the finding's `value`, as scan's token column
is; in a column the cell read by the type's `value_of` (the function that made that `value`):
one identifier gets one token however it was written and wherever it stands. Built-in types are
canonicalised here (`normalize_value`) from the raw text.

Findings may overlap (a phone number inside a longer bank-card hit, an address containing a
name): the longer span wins and anything overlapping it is dropped, so no part of the longer
span survives unredacted.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from pisentinel.knowledge import pi_types
from pisentinel.protect.crypto import encrypt_value
from pisentinel.protect.generalize import generalize_value
from pisentinel.protect.keys import load_project_key
from pisentinel.protect.mask import OwnType, label_for, mask_value
from pisentinel.protect.normalize import canonical_type
from pisentinel.protect.pseudonym import pseudonym_token
from pisentinel.protect.surrogate import SURROGATE_TYPES, surrogate_value

__all__ = ["KEYED_METHODS", "METHODS", "Method", "PISpan", "redact_array", "redact_table",
           "redact_text", "select_spans"]

Method = Literal["mask", "token", "encrypt", "generalize", "label", "surrogate", "remove"]
METHODS: tuple[str, ...] = ("mask", "token", "encrypt", "generalize", "label", "surrogate",
                            "remove")
# The methods that use the project key (surrogates are drawn from an HMAC under a key derived
# from it): a caller that holds a workspace must load its key for every one of these, or the
# output silently depends on whichever default key the process finds.
KEYED_METHODS: tuple[str, ...] = ("token", "encrypt", "surrogate")


class PISpan(Protocol):
    """What redaction needs of a finding (`pisentinel.detect.Finding` has it). A `value`
    attribute (the scanner's normalised reading), when a span has one, is what a token of a
    type outside the taxonomy is computed over."""

    @property
    def type(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def score(self) -> float: ...


def _replacer(method: str, key: bytes | None, lang: str, *, inline: bool,
              own: Mapping[str, OwnType] | None = None) -> Callable[[str, str], str | None]:
    """`(type_code, value) -> replacement` for `method`; None means "no value" (a null cell).
    `own` are the user's types (see the module docstring)."""
    if method not in METHODS:
        raise ValueError(f"未知的脱敏方式 {method!r} / unknown redaction method {method!r}; "
                         f"use one of {', '.join(METHODS)}")
    if method in KEYED_METHODS and key is None:
        key = load_project_key()
    if method == "mask":
        return lambda t, v: mask_value(t, v, lang, own)
    if method == "token":
        return lambda t, v: pseudonym_token(t, v, key)
    if method == "encrypt":
        if inline:
            return lambda t, v: f"{t}:{encrypt_value(t, v, key)}"
        return lambda t, v: encrypt_value(t, v, key)
    if method == "generalize":
        return lambda t, v: generalize_value(t, v, lang=lang, own_types=own)
    if method == "label":
        return lambda t, v: label_for(t, lang, own)
    if method == "surrogate":
        return lambda t, v: _surrogate_or_mask(t, v, key, lang, own)
    return lambda t, v: "" if inline else None


def _surrogate_or_mask(type_code: str, value: str, key: bytes | None, lang: str,
                       own: Mapping[str, OwnType] | None) -> str:
    if canonical_type(type_code) in SURROGATE_TYPES:
        try:
            return surrogate_value(type_code, value, key)
        except ValueError:
            pass
    return mask_value(type_code, value, lang, own)


def _token_subject(type_code: str, raw: str, value: object,
                   own: Mapping[str, OwnType] | None) -> str:
    """What a token of `raw`, a `type_code` value, is computed over: `raw` for a taxonomy type,
    whose written forms `normalize_value` folds; for any other type (a user's) the scanner's
    reading, since only detect knows how its forms read (separators, Chinese numerals): the
    finding's `value` when there is one (text), else the type's `value_of` of `raw` (a cell),
    which is the function that made that `value`. Without the type's definition, `raw`."""
    if type_code in pi_types():
        return raw
    if isinstance(value, str) and value:
        return value
    kind = own.get(type_code) if own else None
    return kind.value_of(raw) if kind is not None else raw


def select_spans(findings: Iterable[PISpan], length: int) -> list[PISpan]:
    """The findings to redact, in text order, with no two overlapping: longer spans first, then
    higher scores, then earlier ones. Raises ValueError for a span outside `[0, length]`."""
    chosen: list[PISpan] = []
    starts: list[int] = []
    ranked = sorted(findings, key=lambda f: (-(f.end - f.start), -f.score, f.start))
    for f in ranked:
        if not 0 <= f.start < f.end <= length:
            raise ValueError(f"finding span ({f.start}, {f.end}) outside the text of length "
                             f"{length}")
        i = bisect_left(starts, f.start)
        if i > 0 and chosen[i - 1].end > f.start:
            continue
        if i < len(chosen) and chosen[i].start < f.end:
            continue
        chosen.insert(i, f)
        starts.insert(i, f.start)
    return chosen


def redact_text(text: str, findings: Iterable[PISpan], method: Method | str = "mask",
                key: bytes | None = None, lang: str = "zh",
                own_types: Mapping[str, OwnType] | None = None) -> str:
    """`text` with every finding's span replaced by `method` (see the module docstring).

    `key` is the project or federation key for the `KEYED_METHODS` (``None`` loads the default
    project key: a caller that knows the workspace passes its key). `lang` (``zh`` or ``en``) is
    the language of labels and of generalised forms; callers pass their user's language, since
    a label is what the reader of the redacted copy sees. Offsets are code points into `text`,
    end exclusive, as `Finding` has them. `own_types` are the user's types of the rules the
    findings were made with.
    """
    spans = select_spans(findings, len(text))
    replace = _replacer(method, key, lang, inline=True, own=own_types)
    parts: list[str] = []
    pos = 0
    for f in spans:
        parts.append(text[pos : f.start])
        subject = text[f.start : f.end]
        if method == "token":  # a PISpan need not carry a `value`
            subject = _token_subject(f.type, subject, getattr(f, "value", ""), own_types)
        parts.append(replace(f.type, subject) or "")
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


def redact_array(array: pa.Array | pa.ChunkedArray | Sequence[str | None], type_code: str,
                 method: Method | str = "mask", key: bytes | None = None,
                 lang: str = "zh", own_types: Mapping[str, OwnType] | None = None) -> pa.Array:
    """A string column whose every cell is a `type_code` value, redacted by `method`.

    Each distinct value is redacted once (columns repeat values: one phone across many
    bookings), nulls stay null, and ``remove`` gives nulls. ``encrypt`` cells hold the bare
    ciphertext (the column says the type). A ``token`` of a user's type is computed over the
    cell as its type in `own_types` reads it, as `redact_text` computes it over the finding's
    `value`, so a column and a text give one identifier one token.
    """
    arr = array if isinstance(array, pa.Array | pa.ChunkedArray) else pa.array(array, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    encoded = pc.dictionary_encode(arr)
    replace = _replacer(method, key, lang, inline=False, own=own_types)
    distinct = encoded.dictionary.to_pylist()
    if method == "token":
        distinct = [_token_subject(type_code, v, "", own_types) for v in distinct]
    values = [replace(type_code, v) for v in distinct]
    return pc.take(pa.array(values, arr.type), encoded.indices)


def redact_table(table: pa.Table, columns: Mapping[str, str], method: Method | str = "mask",
                 key: bytes | None = None, lang: str = "zh",
                 own_types: Mapping[str, OwnType] | None = None) -> pa.Table:
    """`table` with each column named in `columns` (column → PI type code, a user's own type
    among `own_types` too) redacted by `method`; other columns are untouched."""
    missing = [c for c in columns if c not in table.schema.names]
    if missing:
        raise KeyError(f"表中没有这些列 / columns not in the table: {', '.join(missing)}")
    if method in KEYED_METHODS and key is None:
        key = load_project_key()
    for name, type_code in columns.items():
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, redact_array(table.column(i), type_code, method, key,
                                                      lang, own_types))
    return table
