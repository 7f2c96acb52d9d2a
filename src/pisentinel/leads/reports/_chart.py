"""The chart of a run's leads by severity: a PNG drawn by matplotlib with a CJK font.

Drawn on a bare :class:`~matplotlib.figure.Figure` with the Agg canvas, not pyplot, so rendering
touches no global state and works in a web worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from pisentinel.leads.reports._fonts import CJK_FAMILIES, MissingCJKFont

__all__ = ["severity_chart_png"]

_COLOURS = {"especially_serious": "#a00000", "serious": "#d9822b", "general": "#7f8c8d"}


def _cjk_family() -> str:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise MissingCJKFont(
        "matplotlib 未找到中文字体；请运行 scripts/install_system_deps.sh / matplotlib finds no "
        "CJK font: run scripts/install_system_deps.sh")


def severity_chart_png(counts: Sequence[Mapping[str, Any]], *, title: str,
                       axis_label: str) -> bytes:
    """A horizontal bar per severity level (``counts``: ``{"level", "label", "leads"}``, most
    severe first), the count printed at the end of each bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    font = FontProperties(family=_cjk_family(), size=11)
    fig = Figure(figsize=(6.4, 2.2), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    rows = list(reversed(counts))  # most severe on top
    values = [int(c["leads"]) for c in rows]
    bars = ax.barh([str(c["label"]) for c in rows], values,
                   color=[_COLOURS.get(str(c["level"]), "#555555") for c in rows], height=0.55)
    top = max(values, default=0)
    ax.set_xlim(0, max(top * 1.18, 1))
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_width() + max(top, 1) * 0.02, bar.get_y() + bar.get_height() / 2,
                str(value), va="center", fontproperties=font)
    ax.set_title(title, fontproperties=FontProperties(family=font.get_family(), size=12,
                                                      weight="bold"))
    ax.set_xlabel(axis_label, fontproperties=font)
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(font)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
