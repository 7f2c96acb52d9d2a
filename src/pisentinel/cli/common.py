"""Shared CLI plumbing: the console, errors as clear messages with trustworthy exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from rich.console import Console

from pisentinel.cli.i18n import lang, t
from pisentinel.engine.sources import SourceError

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
    except KeyboardInterrupt:
        err_console.print("interrupted / 已中断")
        sys.exit(130)


def split_list(value: str | None, transform: Callable[[str], T] = str) -> list[T] | None:  # type: ignore[assignment]
    if not value:
        return None
    return [transform(v.strip()) for v in value.split(",") if v.strip()]
