"""CLI language: Chinese by default; `--lang en` or PISENTINEL_LANG=en for English."""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from typing import Any

import yaml

_lang = os.environ.get("PISENTINEL_LANG", "zh")


def set_lang(lang: str) -> None:
    global _lang
    _lang = "en" if lang.lower().startswith("en") else "zh"


def lang() -> str:
    return _lang


@cache
def _messages() -> dict[str, dict[str, str]]:
    text = resources.files(__package__).joinpath("messages.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def t(key: str, **kw: Any) -> str:
    msg = _messages()[key][_lang]
    return msg.format(**kw) if kw else msg
