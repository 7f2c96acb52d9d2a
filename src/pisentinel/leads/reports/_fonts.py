"""Which CJK font the PDF and the chart use, found on this machine and never downloaded.

WeasyPrint asks fontconfig for the CSS families and matplotlib its own font list; if neither
finds a CJK font, Chinese text would come out as empty boxes (tofu). Rendering then stops with a
message that says how to install one (``scripts/install_system_deps.sh``: fonts-noto-cjk).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

__all__ = ["CJK_FAMILIES", "MissingCJKFont", "cjk_font_files", "require_cjk_font"]

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC",
                "Source Han Serif SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
"""Families the stylesheet and the chart ask for, in order of preference."""

_FILE_PREFIXES = ("notosanscjk", "notoserifcjk", "sourcehansans", "sourcehanserif",
                  "wqy-zenhei", "wqy-microhei")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


class MissingCJKFont(RuntimeError):
    """No CJK font is installed, so Chinese text would not render."""


@cache
def cjk_font_files() -> tuple[Path, ...]:
    """Installed font files of the families in :data:`CJK_FAMILIES`."""
    found: list[Path] = []
    for folder in _FONT_DIRS:
        root = Path(os.path.expanduser(folder))
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            name = path.name.lower()
            if name.startswith(_FILE_PREFIXES) and path.suffix.lower() in (".ttc", ".otf",
                                                                           ".ttf", ".otc"):
                found.append(path)
    return tuple(found)


def require_cjk_font() -> None:
    if not cjk_font_files():
        raise MissingCJKFont(
            "未找到中文字体，PDF 与图表中的中文将无法显示；请运行 scripts/install_system_deps.sh"
            "（安装 fonts-noto-cjk） / no CJK font found, Chinese text would not render: run "
            "scripts/install_system_deps.sh (installs fonts-noto-cjk)")
