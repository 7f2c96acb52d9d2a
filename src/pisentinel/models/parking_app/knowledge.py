"""The parking_app model's knowledge: SDK signatures, the necessary-PI scope of parking payment
and the permission map, and the policy lexicon (data files under pisentinel/knowledge/data)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["Category", "Sdk", "app_scope", "categories", "lexicon", "permission_map", "sdks"]


def _load(name: str) -> dict[str, Any]:
    text = resources.files("pisentinel.knowledge").joinpath("data", name).read_text("utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


@dataclass(frozen=True)
class Sdk:
    id: str
    prefixes: tuple[str, ...]
    native_libs: tuple[str, ...]
    vendor_zh: str
    name_zh: str
    aliases: tuple[str, ...]
    category: str
    collects: tuple[str, ...]
    location: bool
    device_ids: bool

    @property
    def policy_names(self) -> tuple[str, ...]:
        """Names under which a policy may disclose this SDK (vendor, SDK, aliases, package)."""
        return (self.vendor_zh, self.name_zh, *self.aliases, *self.prefixes)


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    pi_type: str | None
    sensitive: bool


@cache
def sdks() -> tuple[Sdk, ...]:
    return tuple(Sdk(s["id"], tuple(s["prefixes"]), tuple(s.get("native_libs", ())),
                     s["vendor_zh"], s["name_zh"], tuple(s.get("aliases", ())), s["category"],
                     tuple(s.get("collects", ())), bool(s.get("location")),
                     bool(s.get("device_ids")))
                 for s in _load("sdk_signatures.yaml")["sdks"])


@cache
def _necessary() -> dict[str, Any]:
    return _load("app_necessary_pi.yaml")


@cache
def categories() -> dict[str, Category]:
    return {code: Category(code, c["name_zh"], c["name_en"], c.get("pi_type"),
                           bool(c.get("sensitive")))
            for code, c in _necessary()["categories"].items()}


def permission_map() -> dict[str, tuple[str, ...]]:
    return {p: tuple(cs) for p, cs in _necessary()["permissions"].items()}


def continuous_permissions() -> dict[str, str]:
    return dict(_necessary().get("continuous") or {})


def app_scope(app_type: str) -> dict[str, Any]:
    scopes: dict[str, Any] = _necessary()["app_types"]
    if app_type not in scopes:
        raise KeyError(f"unknown app type {app_type!r} (known: {', '.join(scopes)})")
    scope: dict[str, Any] = scopes[app_type]
    return scope


@cache
def lexicon() -> dict[str, Any]:
    return _load("policy_lexicon.yaml")
