"""Scan one big CSV file through the CLI in bounded memory, measuring peak RSS with psutil.

Writes `benchmarks/_data/big_<kind>_<size>.csv` (git-ignored): `--unique-mb` megabytes of
generated rows — `--kind corpus` (default): 序号 and one free-text column 内容 from
`generate_corpus`, 10% of rows with PI; `--kind table`: `generate_table`'s 姓名, 身份证号, 手机号 …
备注, PI in every row — repeated until the file reaches `--size` (repetition does not help a
streaming scanner: it never sees two copies at once). Then runs

    pisentinel scan big.csv -o benchmarks/_data/big_findings.parquet [-j N]

as a child process, sampling the resident memory of the child and all its descendants every
0.2 s. The CLI draws its own progress bar; this script draws one while writing the file.

    .venv/bin/python benchmarks/bench_bigfile.py                 # 5 GB, the issue's figure
    .venv/bin/python benchmarks/bench_bigfile.py --size 500MB    # a quicker check

Floor (issue 2): peak RSS < 2 GB on 5 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
sys.path.insert(0, str(HERE))

from bench_speed import RESULTS, write_section  # noqa: E402

RSS_FLOOR = 2e9


def parse_size(s: str) -> int:
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMG]?)B?\s*", s.upper())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {s!r} (e.g. 5GB, 500MB)")
    return int(float(m.group(1)) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}[m.group(2)])


def _unique_table(kind: str, unique_mb: float, seed: int) -> pa.Table:
    from pisentinel.synth import generate_corpus, generate_table

    if kind == "table":
        return generate_table(max(1000, int(unique_mb * 1e6 / 700)), seed)[0]  # ~700 B a row
    texts = generate_corpus(max(1000, int(unique_mb * 1e6 / 447)), seed)  # ~447 B a row
    return pa.table({"序号": pa.array(range(1, len(texts) + 1), pa.int64()),
                     "内容": pa.array(texts, pa.string())})


def write_big_csv(path: Path, size: int, unique_mb: float, seed: int, kind: str) -> None:
    """A generated table as CSV, its rows repeated (in whole 1,000-row slices, so a quoted cell
    with a line break inside is never cut) until the file holds at least `size` bytes."""
    table = _unique_table(kind, unique_mb, seed)
    header = io.BytesIO()
    pacsv.write_csv(table.slice(0, 0), header)
    chunks = []
    for start in range(0, table.num_rows, 1000):
        buf = io.BytesIO()
        pacsv.write_csv(table.slice(start, 1000), buf,
                        pacsv.WriteOptions(include_header=False))
        chunks.append(buf.getvalue())
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as f, Progress(TextColumn("writing {task.description}"), BarColumn(),
                                        DownloadColumn(), TransferSpeedColumn()) as progress:
        task = progress.add_task(path.name, total=size)
        f.write(header.getvalue())
        written = len(header.getvalue())
        i = 0
        while written < size:
            chunk = chunks[i % len(chunks)]
            f.write(chunk)
            written += len(chunk)
            i += 1
            progress.update(task, completed=min(written, size))
    tmp.rename(path)


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def run_cli(src: Path, out: Path, workers: int) -> tuple[float, int, int, float, float]:
    """(seconds, peak RSS bytes, exit code, max load, mean load) of one CLI scan."""
    cli = Path(sys.executable).with_name("pisentinel")
    cmd = [str(cli) if cli.exists() else sys.executable, *([] if cli.exists() else
           ["-m", "pisentinel.cli"]), "scan", str(src), "-o", str(out), "-j", str(workers),
           "--ner", os.environ.get("PISENTINEL_BENCH_NER", "off")]
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd)
    proc = psutil.Process(child.pid)
    peak, loads = 0, []
    while child.poll() is None:
        try:
            peak = max(peak, tree_rss(proc))
        except psutil.NoSuchProcess:
            break
        loads.append(os.getloadavg()[0])
        time.sleep(0.2)
    secs = time.perf_counter() - t0
    return secs, peak, child.returncode, max(loads, default=0.0), \
        sum(loads) / len(loads) if loads else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("5GB"))
    ap.add_argument("--unique-mb", type=float, default=64.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--kind", choices=["corpus", "table"], default="corpus",
                    help="corpus: one free-text column, 10%% of rows with PI (generate_corpus); "
                         "table: every row full of PI (generate_table), much denser and slower")
    ap.add_argument("--workers", "-j", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--write", type=Path, default=RESULTS)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    DATA.mkdir(parents=True, exist_ok=True)
    src = DATA / f"big_{args.kind}_{args.size // 10**6}MB_seed{args.seed}.csv"
    out = DATA / "big_findings.parquet"
    if not src.exists():
        write_big_csv(src, args.size, args.unique_mb, args.seed, args.kind)
    size = src.stat().st_size
    secs, peak, rc, load_max, load_mean = run_cli(src, out, args.workers)
    if rc != 0:
        print(f"pisentinel scan exited with {rc}; nothing recorded", file=sys.stderr)
        if not args.keep:
            src.unlink(missing_ok=True)
        return 2
    findings = pq.ParquetFile(out).metadata.num_rows if out.exists() else 0
    ok = peak < RSS_FLOOR
    body = "\n".join([
        "## Big file, streaming through the CLI (`benchmarks/bench_bigfile.py`)", "",
        "| file | size | workers | wall | MB/s | peak RSS (process tree) | findings | exit | "
        "load (mean / max) | floor < 2 GB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        f"| generated {args.kind} CSV | {size / 1e9:.2f} GB | {args.workers} | {secs:,.0f} s | "
        f"{size / 1e6 / secs:.2f} | {peak / 1e6:,.0f} MB | {findings:,} | {rc} | "
        f"{load_mean:.2f} / {load_max:.2f} | {'pass' if ok else 'MISS'} |", "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')}; `pisentinel scan <csv> -o <parquet> "
        f"-j {args.workers}`; the issue's figure is 5 GB (`--size 5GB`, the default).", "",
    ])
    print(body)
    if not args.no_write:
        write_section(args.write, f"bigfile-{args.kind}-{args.workers}", body)
    if not args.keep:
        src.unlink(missing_ok=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
