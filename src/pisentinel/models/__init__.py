"""Screening models: one package per model (manifest.yaml, sql/, steps.py, leads.py, synth.py).

`available_models()` finds every package under pisentinel.models that has a manifest."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pisentinel.models.manifest import Manifest, load_manifest

if TYPE_CHECKING:
    from pisentinel.leads import Lead
    from pisentinel.models.context import RunContext

__all__ = ["Model", "UnknownModel", "available_models", "get_model"]


class UnknownModel(KeyError):
    def __init__(self, name: str) -> None:
        known = ", ".join(available_models())
        super().__init__(f"未知模型 {name!r}（可用：{known}）/ unknown model {name!r} "
                         f"(available: {known})")


@dataclass(frozen=True)
class Model:
    package: str
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    def _module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{name}")

    def sql(self, filename: str) -> str:
        return resources.files(self.package).joinpath("sql", filename).read_text("utf-8")

    def python_step(self, name: str) -> Callable[[RunContext], None]:
        return getattr(self._module("steps"), name)

    def build_leads(self, ctx: RunContext) -> list[Lead]:
        return self._module("leads").build_leads(ctx)

    def generate(self, rows: int, seed: int, out_dir: Any, **kw: Any) -> dict[str, Any]:
        """Synthetic inputs with planted truth (written to out_dir); returns the truth."""
        return self._module("synth").generate(rows, seed, out_dir, **kw)


@cache
def available_models() -> dict[str, Model]:
    out: dict[str, Model] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg:
            continue
        package = f"{__name__}.{info.name}"
        if resources.files(package).joinpath("manifest.yaml").is_file():
            manifest = load_manifest(package)
            out[manifest.name] = Model(package, manifest)
    return dict(sorted(out.items()))


def get_model(name: str) -> Model:
    try:
        return available_models()[name]
    except KeyError:
        raise UnknownModel(name) from None
