"""A screening model's manifest: what it reads, what it may be tuned by, what law it rests on.

Like a dbt model's YAML, the manifest is where an analyst reads the model without reading code:
canonical inputs with their meaning and the Chinese headers they usually arrive under,
parameters with defaults and meaning, the steps in order, and the provisions cited."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    description_zh: str
    required: bool
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class InputSpec:
    name: str
    description_zh: str
    required: bool
    columns: tuple[ColumnSpec, ...]
    kind: str = "table"  # table | files (APKs, policies) for models that read documents

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    def synonyms(self) -> dict[str, list[str]]:
        return {c.name: list(c.synonyms) for c in self.columns}


PARAM_KINDS = ("value", "rules")
"""`value`: typed like its default. `rules`: the path of a detection-rules YAML file
(`pisentinel.detect.rules`), empty (or a word of NO_RULES) for none; the runner reads and
checks it before a run starts and ties the run's identity to the file's digest, as it does for
input files."""

NO_RULES = ("none", "无")
"""A rules parameter given as one of these words (any case) means no rules file, built-in types
only. Empty means the same on the command line, but a console run's empty value is the file
`serve --rules` was started with: the words are how a console user asks for no file at all."""


def is_no_rules(raw: Any) -> bool:
    """Whether a rules parameter's value is one of the NO_RULES words."""
    return isinstance(raw, str) and raw.strip().casefold() in NO_RULES


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: Any
    description_zh: str
    description_en: str = ""
    kind: str = "value"

    def coerce(self, raw: str | Any) -> Any:
        """A command-line value, typed like the default (a rules file: its path as given)."""
        if self.kind == "rules":
            return "" if raw is None or is_no_rules(raw) else str(raw).strip()
        if not isinstance(raw, str) or isinstance(self.default, str):
            return raw
        if isinstance(self.default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "y", "是")
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return raw


@dataclass(frozen=True)
class StepSpec:
    name: str
    sql: str | None = None  # file under the package's sql/ folder
    python: str | None = None  # function name in the package's steps module


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    title_zh: str
    title_en: str
    description_zh: str
    scenario: str
    inputs: tuple[InputSpec, ...]
    params: tuple[ParamSpec, ...]
    steps: tuple[StepSpec, ...]
    provisions: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def input(self, name: str) -> InputSpec:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def param_defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


def _columns(raw: dict[str, Any]) -> tuple[ColumnSpec, ...]:
    out = []
    for name, spec in raw.items():
        spec = spec or {}
        out.append(ColumnSpec(name, spec.get("zh", ""), bool(spec.get("required", False)),
                              tuple(spec.get("synonyms", ()))))
    return tuple(out)


def _param(model: str, name: str, spec: dict[str, Any]) -> ParamSpec:
    kind = spec.get("kind", "value")
    if kind not in PARAM_KINDS:  # a packaging mistake, caught when the models are listed
        raise ValueError(f"model {model}: parameter {name} has unknown kind {kind!r}")
    return ParamSpec(name, spec["default"], spec.get("zh", ""), spec.get("en", ""), kind)


def load_manifest(package: str) -> Manifest:
    text = resources.files(package).joinpath("manifest.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    inputs = tuple(
        InputSpec(name, spec.get("zh", ""), bool(spec.get("required", True)),
                  _columns(spec.get("columns", {})), spec.get("kind", "table"))
        for name, spec in doc["inputs"].items()
    )
    params = tuple(_param(doc["name"], name, spec)
                   for name, spec in (doc.get("params") or {}).items())
    steps = tuple(StepSpec(s.get("name") or (s.get("sql") or s["python"]).removesuffix(".sql"),
                           s.get("sql"), s.get("python")) for s in doc.get("steps", []))
    known = {"name", "version", "title_zh", "title_en", "description_zh", "scenario", "inputs",
             "params", "steps", "provisions"}
    return Manifest(
        name=doc["name"], version=str(doc.get("version", "1")), title_zh=doc["title_zh"],
        title_en=doc.get("title_en", ""), description_zh=doc.get("description_zh", ""),
        scenario=doc.get("scenario", ""), inputs=inputs, params=params, steps=steps,
        provisions=tuple(doc.get("provisions", ())),
        extra={k: v for k, v in doc.items() if k not in known},
    )
