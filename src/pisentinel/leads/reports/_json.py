"""JSON: the report context itself, so other tools read exactly what the documents show.

Stable key order and UTF-8 text (Chinese stays readable); ``schema`` names the layout version.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["render_json"]


def render_json(context: dict[str, Any]) -> str:
    return json.dumps(context, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
