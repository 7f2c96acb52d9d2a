"""`pisentinel demo`: the main job on the embedded default, on synthetic data made on the spot.

1. the PI detector over a folder of mixed files (UTF-8 posts, a GB18030 customer table);
2. every screening model on its own synthetic inputs, on DuckDB, into one SQLite lead store;
3. a report of each model's run, for the case file."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import typer
from rich.table import Table

from pisentinel.cli.common import console, user_errors
from pisentinel.cli.i18n import t
from pisentinel.cli.scan import print_summary, run_scan
from pisentinel.synth.pi_text import generate_table, generate_texts


def write_sample(folder: Path, n: int = 2000, seed: int = 2026) -> list[Path]:
    """A folder of synthetic inputs: forum posts (UTF-8 text) and a customer table in GB18030,
    as Chinese exports often are."""
    folder.mkdir(parents=True, exist_ok=True)
    posts = folder / "posts.txt"
    posts.write_text("\n".join(s.text.replace("\n", " ") for s in generate_texts(n, seed)) + "\n",
                     encoding="utf-8")
    table, _gold = generate_table(n, seed + 1)
    customers = folder / "客户信息.csv"
    tmp = folder / ".客户信息.utf8.csv"
    pacsv.write_csv(table, tmp)
    customers.write_text(tmp.read_text("utf-8"), encoding="gb18030")
    tmp.unlink()
    return [posts, customers]


def run_models(folder: Path, rows: int) -> None:
    from pisentinel.leads import LeadStore
    from pisentinel.leads.reports import render_run_report
    from pisentinel.models import available_models
    from pisentinel.models.runner import run_model

    workspace = folder / "workspace"
    summary = Table(title="筛查模型演示 / screening models")
    for col in ("模型 / model", "线索 / leads", "严重 / serious+", "报告 / report"):
        summary.add_column(col)
    with LeadStore(f"sqlite:///{workspace / 'leads.db'}") as store:
        for name, model in available_models().items():
            data = folder / "models" / name
            truth = model.generate(rows, 2026, data)
            inputs = {k: [p if "://" in p else data / p for p in ([v] if isinstance(v, str) else v)]
                      for k, v in truth["inputs"].items()}
            with console.status(f"{name} …"):
                result = run_model(model, inputs, workspace=workspace, store=store)
            report = folder / "reports" / f"{name}.pdf"
            report.parent.mkdir(parents=True, exist_ok=True)
            render_run_report(store, result.run_id, report, actor="demo")
            serious = sum(lead.severity.level.rank > 0 for lead in result.leads)
            summary.add_row(f"{name} {model.manifest.title_zh}", str(len(result.leads)),
                            str(serious), str(report))
    console.print(summary)


def register(app: typer.Typer) -> None:
    @app.command("demo", help="演示：生成合成数据，扫描个人信息，运行全部筛查模型并导出报告。\n\n"
                 "Demo: synthetic data, a PI scan, every screening model on DuckDB, reports.")
    def demo(
        folder: Path = typer.Option(Path("pisentinel-demo"), "--dir",
                                    help="演示目录 / demo folder."),
        rows: int = typer.Option(2000, "--rows", min=10, help="样例行数 / sample rows."),
        models: bool = typer.Option(True, "--models/--no-models",
                                    help="是否运行筛查模型 / run the screening models."),
    ) -> None:
        console.print(t("demo_intro"))
        sources = write_sample(folder / "input", rows)
        with user_errors():
            stats = run_scan(sources, folder / "findings.jsonl", None, None, 0.5, False, 1)
        print_summary(stats)
        if models:
            with user_errors():
                run_models(folder, rows)
        console.print(t("demo_done", path=folder))
