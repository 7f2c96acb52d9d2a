"""PDF through WeasyPrint from the same HTML, with the system's CJK fonts embedded (subset).

WeasyPrint gets no base URL and a URL fetcher that allows ``data:`` URIs only, so a report never
reaches the network or the local file system while it renders.
"""

from __future__ import annotations

from typing import Any

from pisentinel.leads.reports._fonts import require_cjk_font
from pisentinel.leads.reports._html import render_html

__all__ = ["render_pdf"]


def render_pdf(context: dict[str, Any], *, chart_png: bytes | None = None) -> bytes:
    require_cjk_font()
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(context, chart_png=chart_png)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf is not None
    return bytes(pdf)
