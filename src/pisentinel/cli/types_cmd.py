"""`pisentinel types`: the PI taxonomy, with its legal categories and thresholds."""

from __future__ import annotations

import typer
from rich.table import Table

from pisentinel.cli.common import console
from pisentinel.cli.i18n import lang, t
from pisentinel.knowledge import pi_types, tiers


def register(app: typer.Typer) -> None:
    @app.command("types", help="列出个人信息类型、敏感类别与 2017 司法解释档次。\n\n"
                 "List the PI types, their PIPL Art. 28 category and 2017-interpretation tier.")
    def types() -> None:
        zh = lang() == "zh"
        table = Table()
        table.add_column(t("col_type"))
        table.add_column(t("col_name"))
        table.add_column(t("col_sensitive"))
        table.add_column(t("col_tier"))
        thresholds = tiers()
        for code, info in pi_types().items():
            tier = f"{info.tier} (≥{thresholds[info.tier].threshold:,})" if info.tier else "—"
            category = info.sensitive_category or ""
            sensitive = (t("word_yes") + (f"：{category}" if zh and category else "")) \
                if info.sensitive else t("word_no")
            table.add_row(code, info.name(lang()), sensitive, tier)
        console.print(table)
