"""What a model's steps and lead builder get: the engine, parameters and the protect tools."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pisentinel.detect.rules import CustomType, DetectionRules
from pisentinel.engine.base import Engine, ScanRequest
from pisentinel.models.manifest import Manifest


@dataclass
class RunContext:
    """One run of one model. Steps read and write engine tables; the lead builder reads them.

    `token(type, value)` is the keyed pseudonym of an identifier (the same value gives the same
    token in every dataset under the same key); `mask(type, value)` its display form. Neither
    lets a raw identifier into a lead. `rules` holds the detection rules of the run's rules
    parameters (manifest `kind: rules`), read once by the runner: the rules whose digest the run
    record holds are the rules the steps use. `mask_value` is protect's function of that name,
    which `mask` gives the rules' own types."""

    manifest: Manifest
    engine: Engine
    params: Mapping[str, Any]
    run_id: str
    run_dir: Path
    token_key: bytes = field(repr=False)
    token: Callable[[str, str], str]
    mask_value: Callable[..., str]
    inputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rules: Mapping[str, DetectionRules] = field(default_factory=dict)

    @property
    def own_types(self) -> dict[str, CustomType]:
        """The user's own types (学号, 工号) of all the run's rules: what `mask` treats by
        their rules' keep counts, where the taxonomy alone would star them whole."""
        return {code: t for rules in self.rules.values() for code, t in rules.types.items()}

    def mask(self, pi_type: str, value: str, lang: str = "zh") -> str:
        """The display form of `value` as a `pi_type`: the taxonomy's mask, or a user's own
        type's keep counts, as the engine's scan masks the same value (`Scanner.mask`), so a
        lead shows a 学号 as the findings table does."""
        return self.mask_value(pi_type, value, lang, own_types=self.own_types)

    def query(self, sql: str) -> pa.Table:
        return self.engine.query(self.render(sql))

    def execute(self, sql: str) -> None:
        self.engine.execute(self.render(sql))

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return self.query(sql).to_pylist()

    def has_input(self, name: str) -> bool:
        return name in self.inputs

    def has_column(self, table: str, column: str) -> bool:
        cols = self.inputs.get(table, {}).get("columns") or ()
        return column in cols

    def detection_rules(self, param: str = "rules") -> DetectionRules | None:
        """The user's rules given in `param`, or None when it was left empty (built-in types
        only)."""
        return self.rules.get(param)

    def scan(self, table: str, columns: list[str], output: str, id_column: str = "_row",
             types: list[str] | None = None, min_score: float = 0.5,
             rules_param: str = "rules") -> int:
        """Findings of `columns` (see `ScanRequest`) under the run's token key, with the user's
        rules of `rules_param` when the model declares that parameter and the run was given a
        file: the user's own types (学号, 工号) reach the model's tables like built-in ones."""
        request = ScanRequest(table, columns, output, id_column, types, min_score,
                              self.detection_rules(rules_param))
        return self.engine.scan(request, self.token_key)

    def render(self, sql: str) -> str:
        """Substitute {{ param }} placeholders with the run's parameter values as SQL literals."""
        return render_sql(sql, self.params)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ")"
    return "'" + str(value).replace("'", "''") + "'"


def render_sql(sql: str, params: Mapping[str, Any]) -> str:
    import re

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in params:
            raise KeyError(f"SQL uses unknown parameter {name!r}")
        return _literal(params[name])

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", sub, sql)
