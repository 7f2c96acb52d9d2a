"""`pisentinel profile`: which columns of a table hold which PI."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from pisentinel.cli.common import RULES_HELP, console, load_rules_option, user_errors
from pisentinel.cli.i18n import t
from pisentinel.detect.columns import ColumnProfile, classify_column
from pisentinel.detect.rules import DetectionRules
from pisentinel.detect.scanner import Scanner
from pisentinel.engine.sinks import atomic_write_text
from pisentinel.engine.sources import read_sample


def profile_table(path: Path, n_rows: int, rules: DetectionRules | None = None
                  ) -> tuple[int, list[ColumnProfile]]:
    """The sampled row count and each column's profile. With `rules`, the values are judged by
    them too, so a column of the user's own type (工号) is reported as that type; rule tier only,
    as without rules (a cell is short: the trained model adds cost, not accuracy)."""
    sample = read_sample(path, n_rows=n_rows)
    scanner = Scanner(ner="off", rules=rules) if rules is not None else None
    profiles = [classify_column(name, sample.column(name).cast("string").to_pylist(), scanner)
                for name in sample.column_names]
    return sample.num_rows, profiles


def register(app: typer.Typer) -> None:
    @app.command("profile", help="识别表格每一列所含的个人信息类型（表头 + 抽样取值）。\n\n"
                 "Classify each column of a table into a PI type from its header and sampled "
                 "values.\n\n例 / e.g.:  pisentinel profile 预约记录.csv -o profile.json")
    def profile(
        table_path: Path = typer.Argument(..., metavar="TABLE", help="表格文件 / table file."),
        sample: int = typer.Option(1000, "--sample", min=1, help="抽样行数 / rows to sample."),
        output: Path | None = typer.Option(None, "-o", "--output", help="JSON 结果 / JSON out."),
        rules_file: Path | None = typer.Option(None, "--rules", help=RULES_HELP),
    ) -> None:
        with user_errors():
            n, profiles = profile_table(table_path, sample, load_rules_option(rules_file))
        table = Table(title=t("profile_title", path=table_path, n=n))
        for key in ("col_column", "col_detected", "col_confidence", "col_header", "col_ratio"):
            table.add_column(t(key))
        for p in profiles:
            table.add_row(p.column, p.type or "—", f"{p.confidence:.2f}", p.header_type or "—",
                          f"{p.value_ratio:.0%}")
        console.print(table)
        if output is not None:
            doc = [p.__dict__ for p in profiles]
            atomic_write_text(output, json.dumps(doc, ensure_ascii=False, indent=2))
            console.print(t("wrote", path=output))
