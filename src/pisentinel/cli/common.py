"""Shared CLI plumbing: the console, errors as clear messages with trustworthy exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

from pisentinel.cli.i18n import lang, t
from pisentinel.detect.rules import DetectionRules, load_rules
from pisentinel.engine.sources import SourceError
from pisentinel.errors import BilingualError

console = Console()
err_console = Console(stderr=True)

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2

T = TypeVar("T")


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err_console.print(f"[bold red]{t('error')}:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn bad input into one clear line and the source's exit code, never a traceback."""
    try:
        yield
    except SourceError as e:
        raise fail(e.message(lang()), e.exit_code) from None
    except BilingualError as e:  # a bad rules file, project key, bundle …
        raise fail(e.message(lang()), EXIT_USAGE) from None
    except KeyboardInterrupt:
        err_console.print("interrupted / 已中断")
        sys.exit(130)


def split_list(value: str | None, transform: Callable[[str], T] = str) -> list[T] | None:  # type: ignore[assignment]
    if not value:
        return None
    return [transform(v.strip()) for v in value.split(",") if v.strip()]


def load_rules_option(path: Path | None) -> DetectionRules | None:
    """The `--rules` file of scan, redact and profile, checked against the built-in type codes."""
    return None if path is None else load_rules(path)


RULES_HELP = ("自定义规则 YAML：自定义类型与正则、词表、白名单（如测试号码），格式见 README「自定义规则」"
              "/ your own rules (YAML): custom types and patterns, word lists, allow lists (test "
              "numbers, hotlines); the format is in the README, 'Your own rules'.")
