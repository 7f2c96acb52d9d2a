"""`pisentinel demo`: the main job on the embedded default, on synthetic data made on the spot."""

from __future__ import annotations

from pathlib import Path

import typer

from pisentinel.cli.common import console, user_errors
from pisentinel.cli.i18n import t
from pisentinel.cli.scan import print_summary, run_scan
from pisentinel.synth.pi_text import generate_table, generate_texts


def write_sample(folder: Path, n: int = 2000, seed: int = 2026) -> list[Path]:
    """A folder of synthetic inputs: forum posts (UTF-8 text) and a customer table in GBK,
    as Chinese exports often are."""
    folder.mkdir(parents=True, exist_ok=True)
    posts = folder / "posts.txt"
    posts.write_text("\n".join(s.text.replace("\n", " ") for s in generate_texts(n, seed)) + "\n",
                     encoding="utf-8")
    table, _gold = generate_table(n, seed + 1)
    customers = folder / "客户信息.csv"
    import pyarrow.csv as pacsv

    tmp = folder / ".客户信息.utf8.csv"
    pacsv.write_csv(table, tmp)
    customers.write_text(tmp.read_text("utf-8"), encoding="gb18030")
    tmp.unlink()
    return [posts, customers]


def register(app: typer.Typer) -> None:
    @app.command("demo", help="演示：生成合成样例数据并扫描，输出结果摘要。\n\n"
                 "Demo: make a synthetic sample and scan it with the embedded default.")
    def demo(
        folder: Path = typer.Option(Path("pisentinel-demo"), "--dir",
                                    help="演示目录 / demo folder."),
        rows: int = typer.Option(2000, "--rows", min=10, help="样例行数 / sample rows."),
    ) -> None:
        console.print(t("demo_intro"))
        sources = write_sample(folder / "input", rows)
        with user_errors():
            stats = run_scan(sources, folder / "findings.jsonl", None, None, 0.5, False, 1)
        print_summary(stats)
        console.print(t("demo_done", path=folder))
