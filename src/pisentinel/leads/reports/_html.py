"""HTML (and, through WeasyPrint, PDF) from Jinja2 templates with autoescaping on.

Everything from the store — titles, excerpts, comments, paths — is data and is escaped; only the
templates write markup. The page carries a Content-Security-Policy that allows no script and no
remote resource, so a report opened in a browser stays inert and fetches nothing.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pisentinel.leads.reports._labels import SECTIONS, words

__all__ = ["render_html"]

_PAGE = {"zh": ("第 ", " 页 共 ", " 页"), "en": ("Page ", " of ", "")}


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("pisentinel.leads.reports", "templates"),
        autoescape=select_autoescape(["html", "j2", "htm"], default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)


def render_html(context: dict[str, Any], *, chart_png: bytes | None = None) -> str:
    """The report as a standalone HTML document (styles and the chart embedded)."""
    lang = context["lang"]
    before, middle, after = _PAGE[lang]
    chart_uri = ("data:image/png;base64," + base64.b64encode(chart_png).decode("ascii")
                 if chart_png else None)
    template = _env().get_template(f"{context['kind']}.html.j2")
    return template.render(ctx=context, w=words(lang), s=SECTIONS[lang], lang=lang,
                           chart_uri=chart_uri, page_before=before, page_middle=middle,
                           page_after=after)
