"""The `pisentinel` command line. Commands live one per module; this module wires them."""

from __future__ import annotations

import typer

from pisentinel import __version__
from pisentinel.cli import i18n

app = typer.Typer(
    name="pisentinel",
    help="pisentinel — 中文个人信息检测、去标识化与个人信息保护法律监督线索筛查。\n\n"
    "Chinese-first PI detection, de-identification and PIPL case-lead screening.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pisentinel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    lang: str = typer.Option("zh", "--lang", envvar="PISENTINEL_LANG",
                             help="界面语言 zh|en / message language."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="显示版本 / show the version."),
) -> None:
    i18n.set_lang(lang)


def _register() -> None:
    from pisentinel.cli import (
        demo,
        federation_cmd,
        models_cmd,
        profile,
        redact,
        report,
        scan,
        serve,
        types_cmd,
    )

    for module in (scan, redact, profile, types_cmd, models_cmd, report, serve, federation_cmd,
                   demo):
        module.register(app)


_register()


def main() -> None:
    """The `pisentinel` entry point. A user-facing error that a command lets escape (a project
    key readable by others, a malformed bundle …) is one clear line and exit code 2, never a
    traceback: commands catch their own, this is the net under them."""
    from pisentinel.cli.common import EXIT_USAGE, fail
    from pisentinel.errors import BilingualError

    try:
        app()
    except BilingualError as e:
        fail(e.message(i18n.lang()))
        raise SystemExit(EXIT_USAGE) from None
