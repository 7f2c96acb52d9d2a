"""The DuckDB engine end to end at 1M, 3M and 10M rows: load + scan + SQL, time and peak RSS.

Each size runs in a fresh child process (so peak RSS is that run's own), sampled with psutil
every 0.1 s over the whole process tree (the engine process plus its scan pool workers). The
input is one synthetic UTF-8 CSV of booking records with Chinese headers, generated with numpy:
N bookings by N/5 made-up people (valid ID check digits, mobile numbers) from N/20 accounts;
a fifth of the free-text notes carry a contact phone. The CSV is written once per size and
reused.

Stages:
  load   CSV → `read_batches` → DuckDB table (canonical columns, `_row`, `_source`)
  scan   the detector over id_number, phone and note in the process pool → findings with tokens
  sql    a scalper-style GROUP BY: per account, bookings, distinct ID numbers (by token) and
         distinct phones, joined back to the findings

    .venv/bin/python benchmarks/bench_engine.py --rows 1000000 3000000 10000000

Results go to benchmarks/results/engine.md (appended as a dated section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "engine.md"
HEADERS = ["用户ID", "身份证号", "手机号", "预约时间", "场馆", "备注"]
MAPPING = {"account_id": "用户ID", "id_number": "身份证号", "phone": "手机号",
           "booked_at": "预约时间", "venue": "场馆", "note": "备注"}
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))
_REGIONS = np.array(["110105", "310104", "440305", "330185", "510107", "420111"])
_VENUES = np.array(["故宫博物院", "国家博物馆", "上海博物馆", "陕西历史博物馆", "南京博物院"])


def _people(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n made-up people: an ID number with a valid check digit and a mobile number each."""
    region = rng.choice(_REGIONS, n)
    born = np.datetime64("1950-01-01") + rng.integers(0, 60 * 365, n).astype("timedelta64[D]")
    born_s = np.char.replace(np.datetime_as_string(born, unit="D"), "-", "")
    seq = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3)
    body = np.char.add(np.char.add(region, born_s), seq)
    digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    ids = np.char.add(body, _CHECK[(digits * _WEIGHTS).sum(axis=1) % 11])
    prefix = rng.choice(np.array(["138", "139", "150", "158", "177", "186", "188"]), n)
    phones = np.char.add(prefix, np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))
    return ids, phones


def _chunk(rng: np.random.Generator, n: int, ids: np.ndarray, phones: np.ndarray,
           accounts: int) -> pa.Table:
    """n booking rows by people of the population (numpy-vectorised: 10M rows in seconds)."""
    who = rng.integers(0, len(ids), n)
    account = np.char.add("U", rng.integers(0, accounts, n).astype(str))
    when = (np.datetime64("2026-03-01T09:00:00")
            + rng.integers(0, 30 * 86400, n).astype("timedelta64[s]"))
    booked = np.char.replace(np.datetime_as_string(when, unit="s"), "T", " ")
    kind = rng.integers(0, 5, n)
    contact = phones[rng.integers(0, len(phones), n)]
    notes = np.where(kind == 0, np.char.add("代约，联系", contact),
                     np.where(kind == 1, "周末带家人参观，需要轮椅", "无"))
    return pa.table([account, ids[who], phones[who], booked, rng.choice(_VENUES, n), notes],
                    names=HEADERS)


def generate(path: Path, rows: int, seed: int = 20261129) -> None:
    """`rows` bookings by rows/5 people from rows/20 accounts, written as UTF-8 CSV."""
    rng = np.random.default_rng(seed)
    ids, phones = _people(rng, max(rows // 5, 1))
    chunk = 500_000
    with pacsv.CSVWriter(path, pa.schema([(h, pa.string()) for h in HEADERS])) as writer:
        for start in range(0, rows, chunk):
            writer.write_table(_chunk(rng, min(chunk, rows - start), ids, phones,
                                      max(rows // 20, 1)))


class _PeakRss:
    """Peak resident memory of this process and its children, sampled every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> int:
        total = 0
        for p in [self._proc, *self._proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_one(csv: Path, workspace: Path, memory_limit: str) -> dict[str, float]:
    """Load, scan and aggregate one CSV; runs inside the child process."""
    from pisentinel.engine.base import InputTable, ScanRequest
    from pisentinel.engine.duckdb_engine import DuckDBEngine

    rss = _PeakRss()
    out: dict[str, float] = {}
    with DuckDBEngine(workspace, memory_limit=memory_limit) as eng:
        t = time.perf_counter()
        out["rows"] = eng.load(InputTable("bookings", (csv,), MAPPING, ("account_id",)))
        out["load_s"] = time.perf_counter() - t
        out["rss_after_load"] = rss.peak
        t = time.perf_counter()
        out["findings"] = eng.scan(ScanRequest("bookings", ["id_number", "phone", "note"],
                                               "findings"), b"benchmark-key-0123456789")
        out["scan_s"] = time.perf_counter() - t
        t = time.perf_counter()
        eng.execute("""
            CREATE OR REPLACE TABLE per_account AS
            SELECT b.account_id, count(DISTINCT b._row) AS bookings,
                   count(DISTINCT f.token) FILTER (WHERE f.type = 'CN_ID_CARD') AS people,
                   count(DISTINCT f.token) FILTER (WHERE f.type = 'PHONE_NUMBER') AS phones
            FROM bookings b JOIN findings f ON f.row_id = b._row AND f._source = b._source
            GROUP BY b.account_id""")
        top = eng.query("SELECT count(*) AS n, max(people) AS most FROM per_account")
        out["sql_s"] = time.perf_counter() - t
        out["accounts"] = top.column("n")[0].as_py()
    out["peak_rss"] = rss.stop()
    out["db_bytes"] = (workspace / "engine.duckdb").stat().st_size
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument("--data", type=Path,
                    default=Path(tempfile.gettempdir()) / "pisentinel-bench-engine")
    ap.add_argument("--child", nargs=2, metavar=("CSV", "WORKSPACE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), Path(args.child[1]), args.memory_limit)))
        return

    args.data.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in args.rows:
        csv = args.data / f"bookings_{rows}.csv"
        if not csv.exists():
            t = time.perf_counter()
            generate(csv, rows)
            print(f"generated {rows:,} rows in {time.perf_counter() - t:.1f} s", flush=True)
        with tempfile.TemporaryDirectory(dir=args.data) as ws:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(csv), ws,
                 "--memory-limit", args.memory_limit],
                check=True, capture_output=True, text=True)
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["csv_mb"] = csv.stat().st_size / 1e6
        results.append(res)
        print(json.dumps(res), flush=True)
    write_report(results, args.memory_limit)


def write_report(results: list[dict[str, float]], memory_limit: str) -> None:
    load = os.getloadavg()[0]
    lines = [
        f"\n## {dt.date.today()} — DuckDB engine, load + scan + GROUP BY\n",
        f"Machine: {os.cpu_count()} cores (shared; 1-min load average {load:.1f} at the end), "
        f"Python {platform.python_version()}, DuckDB memory_limit {memory_limit}, scan pool = "
        "cores, batches of 50,000 rows. One synthetic UTF-8 CSV per size (6 columns, Chinese "
        "headers; N bookings by N/5 made-up people from N/20 accounts, every row an ID number "
        "and a phone, a fifth of the notes a contact phone). The scan runs the detector once "
        "per distinct value of each column and joins the findings back to the rows. Peak RSS "
        "= the engine process and its scan workers together. Single runs.\n",
        "| rows | CSV MB | load s | load rows/s | scan s | scan rows/s | findings | SQL s | "
        "total s | total rows/s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        total = r["load_s"] + r["scan_s"] + r["sql_s"]
        lines.append(
            f"| {int(r['rows']):,} | {r['csv_mb']:.0f} | {r['load_s']:.1f} | "
            f"{r['rows'] / r['load_s']:,.0f} | {r['scan_s']:.1f} | "
            f"{r['rows'] / r['scan_s']:,.0f} | {int(r['findings']):,} | {r['sql_s']:.1f} | "
            f"{total:.1f} | {r['rows'] / total:,.0f} | {r['peak_rss'] / 2**20:,.0f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    header = "" if RESULTS.exists() else "# Engine benchmarks\n"
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
