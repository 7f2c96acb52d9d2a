"""`pisentinel report` and `pisentinel leads`: read the lead store, export for the case file."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from pisentinel.cli.common import console, fail
from pisentinel.cli.i18n import lang
from pisentinel.leads import LeadStore

WORKSPACE = typer.Option(Path("pisentinel-workspace"), "--workspace", "-w",
                         help="工作目录（线索库 leads.db）/ workspace with leads.db.")
STORE_URL = typer.Option(None, "--store", envvar="PISENTINEL_LEADS_URL",
                         help="线索库地址（默认工作目录下的 SQLite）/ lead store URL.")


def open_store(workspace: Path, url: str | None) -> LeadStore:

    if url is None and not (workspace / "leads.db").exists():
        raise fail(f"工作目录中没有线索库：{workspace / 'leads.db'} / no lead store in {workspace}")
    return LeadStore(url or f"sqlite:///{workspace / 'leads.db'}")


def register(app: typer.Typer) -> None:
    @app.command("leads", help="列出线索库中的线索 / list the leads in the store.")
    def leads(
        workspace: Path = WORKSPACE,
        store_url: str | None = STORE_URL,
        model: str | None = typer.Option(None, "--model"),
        status: str | None = typer.Option(None, "--status"),
        limit: int = typer.Option(50, "--limit", min=1),
    ) -> None:
        with open_store(workspace, store_url) as store:
            page = store.query(model=model, status=status, limit=limit)
        table = Table(title=f"线索 / leads: {page.total}")
        for col in ("ID", "模型 / model", "严重程度", "状态", "主体 / subject", "标题 / title"):
            table.add_column(col)
        for lead in page.items:
            table.add_row(str(lead.id), lead.model, lead.severity.level.label_zh,
                          lead.status.label_zh, lead.subject.display,
                          lead.title_zh if lang() == "zh" else (lead.title_en or lead.title_zh))
        console.print(table)

    @app.command(
        "report",
        help="导出线索报告（.docx .pdf .html .md .json）：线索来源、基本情况、涉嫌违法事实、证据、"
        "法律依据、处理建议。\n\nExport a lead or run report; the format comes from the suffix. "
        "Exports are written to the store's audit log.\n\n"
        "例 / e.g.:  pisentinel report --lead 12 -o 线索12.docx",
    )
    def report(
        output: Path = typer.Option(..., "-o", "--output", help="报告文件 / report file."),
        lead: int | None = typer.Option(None, "--lead", help="线索 ID / lead id."),
        run: str | None = typer.Option(None, "--run", help="运行 ID / run id."),
        workspace: Path = WORKSPACE,
        store_url: str | None = STORE_URL,
        report_lang: str = typer.Option("zh", "--report-lang", help="zh | en"),
    ) -> None:
        from pisentinel.leads.reports import ReportError, render_lead_report, render_run_report

        if (lead is None) == (run is None):
            raise fail("请给出 --lead 或 --run 之一 / give exactly one of --lead or --run")
        actor = getpass.getuser()
        with open_store(workspace, store_url) as store:
            try:
                if lead is not None:
                    path = render_lead_report(store, lead, output, lang=report_lang, actor=actor)
                else:
                    assert run is not None
                    path = render_run_report(store, run, output, lang=report_lang, actor=actor)
            except (ReportError, KeyError) as e:
                raise fail(str(e.args[0] if e.args else e)) from None
        console.print(f"已写入 / wrote {path}")
