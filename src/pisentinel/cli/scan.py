"""`pisentinel scan`: find PI in files and folders."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from pisentinel.cli import audit
from pisentinel.cli.common import (
    EXIT_FOUND,
    RULES_HELP,
    console,
    fail,
    load_rules_option,
    split_list,
    user_errors,
)
from pisentinel.cli.i18n import lang, t
from pisentinel.detect.rules import NO_RULES, DetectionRules
from pisentinel.detect.scanner import DEFAULT_MIN_SCORE, Scanner
from pisentinel.engine.checkpoint import ScanCheckpoint
from pisentinel.engine.filescan import ScanStats, scan_files, scan_to_file
from pisentinel.engine.sources import SourceError, discover_sources
from pisentinel.knowledge import pi_types

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet", ".xlsx")


def print_summary(stats: ScanStats, rules: DetectionRules | None = None) -> None:
    table = Table(title=t("summary_title", files=stats.files, rows=stats.rows,
                          mb=stats.bytes / 1e6, secs=stats.seconds))
    for key in ("col_type", "col_name", "col_count", "col_sensitive", "col_tier"):
        table.add_column(t(key), justify="right" if key == "col_count" else "left")
    known = rules or NO_RULES  # names and sensitivity of built-in and custom types alike
    sensitivity = known.sensitivity()
    for code, n in stats.counts.most_common():
        info = pi_types().get(code)  # a custom type has no tier
        sensitive = t("word_yes") if sensitivity[code] else t("word_no")
        table.add_row(code, known.type_name(code, lang()), f"{n:,}", sensitive,
                      (info.tier if info is not None else None) or "—")
    if stats.counts:
        console.print(table)
    else:
        console.print(t("nothing_found"))


AUTO_WORKERS_FROM_BYTES = 64 << 20


def auto_workers(total_bytes: int) -> int:
    """One process for small inputs (a pool takes a second or two to start, loading the model
    in every worker); one per available core, at most four, for larger ones."""
    if total_bytes < AUTO_WORKERS_FROM_BYTES:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


def run_scan(paths: list[Path], output: Path | None, columns: list[str] | None,
             types: list[str] | None, min_score: float, reveal: bool, workers: int,
             ner: str = "near", rules: DetectionRules | None = None,
             resume: bool = True, batch_rows: int = 20_000) -> ScanStats:
    if output is not None and output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise fail(t("bad_output", suffix=output.suffix or "''"))
    try:
        scanner = Scanner(types=types, min_score=min_score, ner=ner, rules=rules)
    except ValueError:
        unknown = sorted(set(types or ()) - set(pi_types()) - set(rules.types if rules else ()))
        raise fail(t("bad_types", types=", ".join(unknown))) from None
    sources = discover_sources(paths)
    if not sources:
        raise fail(t("no_sources", paths=", ".join(map(str, paths))), 5)
    if reveal:
        log = audit.record("scan --reveal", inputs=[str(p) for p in sources],
                           output=str(output) if output else None)
        console.print(f"[yellow]{t('reveal_warning', log=log)}[/]")
    total = sum(p.stat().st_size for p in sources)
    if workers == 0:
        workers = auto_workers(total)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                        TransferSpeedColumn(), TimeRemainingColumn(), console=console,
                        transient=True)
    with progress:
        task = progress.add_task(t("scanning"), total=total)

        def advance(source: str, nbytes: int) -> None:
            label = f"{t('scanning')} {Path(source).name}"
            progress.update(task, advance=nbytes, description=label)

        if output is None:
            return scan_files(sources, scanner, columns, None, reveal, workers, advance,
                              batch_rows)
        try:
            stats, resumed = scan_to_file(sources, scanner, output, columns, reveal, workers,
                                          advance, batch_rows, resume=resume)
        except (SourceError, KeyboardInterrupt):
            if ScanCheckpoint.folder_for(output).exists():
                console.print(t("scan_checkpoint_kept"))
            raise
    if resumed:
        console.print(t("scan_resumed", batches=resumed))
    return stats


def register(app: typer.Typer) -> None:
    @app.command(
        "scan",
        help="扫描文件或目录中的个人信息（txt、csv/tsv、xlsx、json/jsonl、parquet；"
        "UTF-8/GBK/GB18030 自动识别）。\n\n"
        "Find PI in files and folders. Output rows: source, row (1-based record), column, start, "
        "end (code points, end exclusive), type, score, sensitive, masked, explanation. Raw values "
        "appear only with --reveal, which is written to the audit log.\n\n"
        "例 / e.g.:  pisentinel scan data/ -o findings.jsonl --types CN_ID_CARD,PHONE_NUMBER",
    )
    def scan(
        paths: list[Path] = typer.Argument(..., help="文件或目录 / files or folders."),
        output: Path | None = typer.Option(
            None, "-o", "--output", help="结果文件 .jsonl/.csv/.parquet/.xlsx / findings file."),
        columns: str | None = typer.Option(None, "--columns",
                                           help="只扫描这些列，逗号分隔 / only these columns."),
        types: str | None = typer.Option(None, "--types",
                                         help="只报告这些类型，逗号分隔 / only these PI types."),
        min_score: float = typer.Option(
            DEFAULT_MIN_SCORE, "--min-score", min=0.0, max=1.0,
            help="最低置信度；0.4 另列出未指向具体个人的疾病、宗教、生物识别词和行程 / minimum score; "
            "0.4 also lists health, religion, biometric words and itineraries about no one."),
        reveal: bool = typer.Option(
            False, "--reveal", help="在结果中写入原始值（记入审计日志）/ raw values (audited)."),
        workers: int = typer.Option(
            0, "--workers", "-j", min=0,
            help="并行进程数；0 为自动：输入超过 64 MB 时每核一个（最多 4）/ worker processes; "
            "0 = auto: one per core (at most 4) for inputs over 64 MB."),
        ner: str = typer.Option(
            "near", "--ner", help="姓名/地址模型：near 仅在其他个人信息附近（默认）、full 全文、off 仅规则"
            "（约快四倍，不找无标签的姓名和地址） / trained name-address model: near other PI (default), "
            "full text, or off (rules only: about 4x faster, misses unlabelled names and addresses)."),
        rules_file: Path | None = typer.Option(
            None, "--rules", help=RULES_HELP),
        batch_rows: int = typer.Option(
            20_000, "--batch-rows", min=100, max=1_000_000,
            help="每批行数：越小占用内存越少、检查点越密 / rows per batch: fewer use less "
            "memory and checkpoint more often."),
        resume: bool = typer.Option(
            True, "--resume/--no-resume",
            help="中断后重跑同一扫描时从检查点续扫（默认）/ an interrupted scan, run again with "
            "the same settings, continues from its checkpoint (default); --no-resume starts over."),
        fail_on_findings: bool = typer.Option(
            False, "--fail-on-findings", help="发现个人信息时以 1 退出 / exit 1 if PI found."),
    ) -> None:
        with user_errors():
            if ner not in ("off", "near", "full"):
                raise fail("--ner 只能是 off、near 或 full / --ner must be off, near or full")
            rules = load_rules_option(rules_file)
            stats = run_scan(paths, output, split_list(columns), split_list(types), min_score,
                             reveal, workers, ner, rules, resume, batch_rows)
        print_summary(stats, rules)
        if output is not None:
            console.print(t("wrote", path=output))
        if fail_on_findings and stats.counts:
            raise typer.Exit(EXIT_FOUND)
