"""`pisentinel redact`: a copy of a file with its PI masked, tokenised, encrypted or generalised."""

from __future__ import annotations

from pathlib import Path

import typer

from pisentinel.cli import audit
from pisentinel.cli.common import (
    RULES_HELP,
    console,
    fail,
    load_rules_option,
    split_list,
    user_errors,
)
from pisentinel.cli.i18n import lang, t
from pisentinel.detect.scanner import DEFAULT_MIN_SCORE, Scanner
from pisentinel.engine.fileredact import BY_HEADER, TEXT_SUFFIXES, redact_file
from pisentinel.protect import KEYED_METHODS, METHODS, load_project_key

OUTPUTS = (*TEXT_SUFFIXES, ".jsonl", ".csv", ".parquet", ".xlsx")


def register(app: typer.Typer) -> None:
    @app.command(
        "redact",
        help="输出脱敏后的副本：mask 掩码（138****5678）、token 假名化令牌"
        "（可关联不可还原）、encrypt 加密（授权可还原）、generalize 泛化"
        "（身份证→省份/出生年/性别）、label 类型标签、remove 删除。\n\n"
        "Write a redacted copy. token, encrypt and surrogate use the project key "
        "(<workspace>/.pisentinel/key, or PISENTINEL_KEY / PISENTINEL_KEY_FILE); labels "
        "follow --lang.\n\n"
        "例 / e.g.:  pisentinel redact 客户信息.csv -o 客户信息_脱敏.csv --method token",
    )
    def redact(
        source: Path = typer.Argument(..., metavar="IN", help="输入文件 / input file."),
        output: Path = typer.Option(..., "-o", "--output", help="输出文件 / output file."),
        method: str = typer.Option("mask", "--method", "-m", help=" | ".join(METHODS)),
        columns: str | None = typer.Option(None, "--columns",
                                           help="只处理这些列 / only these columns."),
        min_score: float = typer.Option(DEFAULT_MIN_SCORE, "--min-score", min=0.0, max=1.0),
        workspace: Path = typer.Option(Path("."), "--workspace", "-w",
                                       help="密钥所在工作目录 / workspace holding the key."),
        rules_file: Path | None = typer.Option(None, "--rules", help=RULES_HELP),
    ) -> None:
        if method not in METHODS:
            raise fail(t("bad_method", method=method, choices=", ".join(METHODS)))
        if output.suffix.lower() not in OUTPUTS:
            raise fail(t("bad_output", suffix=output.suffix or "''"))
        # Every keyed method takes the workspace's key: left to the default, surrogates would
        # come from whichever key the process finds (~/.pisentinel/key), not the one the
        # workspace's tokens are made with, and differ from user to user.
        with user_errors():
            key = load_project_key(workspace) if method in KEYED_METHODS else None
            if method == "encrypt":
                audit.record("redact --method encrypt", input=str(source), output=str(output))
            scanner = Scanner(min_score=min_score, rules=load_rules_option(rules_file))
            counts = redact_file(source, output, scanner, method, split_list(columns), key,
                                 lang())
        by_header = counts.pop(BY_HEADER, 0)
        console.print(t("redacted", n=sum(counts.values()), path=output))
        if by_header:
            console.print(t("redacted_by_header", n=by_header))
