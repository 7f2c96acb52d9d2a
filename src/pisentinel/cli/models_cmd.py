"""`pisentinel models`, `pisentinel run`, `pisentinel synth`: the screening models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pisentinel.cli.common import console, fail, user_errors
from pisentinel.cli.i18n import lang
from pisentinel.models import UnknownModel, available_models, get_model


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        key, sep, val = v.partition("=")
        if not sep or not key.strip():
            raise fail(f"{what} 应写作 KEY=VALUE：{v!r} / {what} must be KEY=VALUE: {v!r}")
        out[key.strip()] = val.strip()
    return out


def _inputs(values: list[str]) -> dict[str, list[Path]]:
    """--input NAME=PATH, repeatable: every file of one input is kept, in the order given."""
    out: dict[str, list[Path]] = {}
    for value in values:
        (name, path), = _pairs([value], "--input").items()
        out.setdefault(name, []).append(Path(path))
    return out


def _maps(values: list[str] | None) -> dict[str, dict[str, str]]:
    """--map bookings:visitor_id_number=身份证号 (the input name may be left out when the
    model has one table input)."""
    out: dict[str, dict[str, str]] = {}
    for key, header in _pairs(values, "--map").items():
        table, sep, canon = key.partition(":")
        if not sep:
            table, canon = "", key
        out.setdefault(table, {})[canon] = header
    return out


def _model(name: str) -> Any:
    try:
        return get_model(name)
    except UnknownModel as e:
        raise fail(str(e.args[0])) from None


def register(app: typer.Typer) -> None:
    @app.command("models", help="列出筛查模型 / list the screening models.")
    def models() -> None:
        table = Table()
        for col in ("模型 / model", "名称 / title", "输入 / inputs", "场景 / case"):
            table.add_column(col)
        for name, m in available_models().items():
            mf = m.manifest
            inputs = ", ".join(f"{i.name}{'' if i.required else '?'}" for i in mf.inputs)
            table.add_row(name, mf.title_zh if lang() == "zh" else mf.title_en, inputs,
                          mf.scenario)
        console.print(table)

    @app.command(
        "run",
        help="运行一个筛查模型，生成线索并写入线索库。\n\nRun a screening model; leads go to "
        "the lead store. Re-running the same inputs and parameters resumes or repeats the same "
        "run (idempotent).\n\n例 / e.g.:  pisentinel run scalper_booking --input "
        "bookings=预约记录.csv --param min_distinct_ids=30",
    )
    def run(
        model: str = typer.Argument(..., help="模型名 / model name (see `pisentinel models`)."),
        inputs: list[str] = typer.Option(..., "--input", "-i",
                                         help="NAME=PATH，可重复 / repeatable."),
        engine: str = typer.Option("duckdb", "--engine", help="duckdb | spark"),
        master: str | None = typer.Option(None, "--master",
                                          help="Spark master 或 sc:// 地址 / Spark master URL."),
        params: list[str] | None = typer.Option(None, "--param", "-p", help="K=V，可重复."),
        maps: list[str] | None = typer.Option(
            None, "--map", help="列映射 [INPUT:]canonical=表头 / column mapping, repeatable."),
        map_file: Path | None = typer.Option(None, "--map-file", help="YAML 列映射文件."),
        workspace: Path = typer.Option(Path("pisentinel-workspace"), "--workspace", "-w",
                                       help="工作目录（引擎数据库、线索库）/ workspace folder."),
        limit: int = typer.Option(20, "--show", help="显示前 N 条线索 / leads to print."),
    ) -> None:
        from pisentinel.models.runner import run_model

        m = _model(model)
        if engine not in ("duckdb", "spark"):
            raise fail("--engine 只能是 duckdb 或 spark / --engine must be duckdb or spark")
        mappings = _maps(maps)
        if map_file is not None:
            from pisentinel.engine.mapping import load_mapping_file

            with user_errors():
                for table, cols in load_mapping_file(map_file).items():
                    mappings.setdefault(table, {}).update(cols)
        tables = [i.name for i in m.manifest.inputs if i.kind == "table"]
        if "" in mappings:
            if len(tables) != 1:
                raise fail("--map 需写明输入名 INPUT:canonical=表头 / name the input in --map")
            mappings.setdefault(tables[0], {}).update(mappings.pop(""))
        with user_errors(), Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                     TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task(m.name)

            def on_event(step: str, status: str, info: Any) -> None:
                bar.update(task, description=f"{m.name}: {step} {status} {info or ''}")

            result = run_model(m, _inputs(inputs), workspace=workspace, engine=engine,
                               master=master, params=_pairs(params, "--param"),
                               mappings=mappings, on_event=on_event)
        leads_table = Table(title=f"{m.manifest.title_zh} — 线索 {len(result.leads)} 条 "
                                  f"(run {result.run_id})")
        for col in ("#", "严重程度 / severity", "主体 / subject", "标题 / title", "人数"):
            leads_table.add_column(col)
        for i, lead in enumerate(result.leads[:limit], 1):
            leads_table.add_row(str(i), lead.severity.level.label_zh, lead.subject.display,
                                lead.title_zh, str(lead.affected_people))
        console.print(leads_table)
        console.print(json.dumps({"run_id": result.run_id, "counts": result.counts,
                                  "skipped": result.skipped_steps}, ensure_ascii=False))

    @app.command("synth", help="为模型生成带标注真值的合成输入 / synthetic inputs with planted "
                 "truth.\n\n例 / e.g.:  pisentinel synth scalper_booking --rows 100000 -o data/")
    def synth(
        model: str = typer.Argument(...),
        rows: int = typer.Option(10_000, "--rows", min=1),
        output: Path = typer.Option(..., "-o", "--output", help="输出目录 / output folder."),
        seed: int = typer.Option(1, "--seed"),
        mix: str = typer.Option("default", "--mix", help="default | hard"),
    ) -> None:
        m = _model(model)
        truth = m.generate(rows, seed, output, mix=mix)
        console.print(json.dumps({"model": m.name, "inputs": truth.get("inputs"),
                                  "subjects": len(truth.get("subjects", []))},
                                 ensure_ascii=False))
