"""Lead-level precision and recall of every screening model on synthetic inputs it was not tuned
on (a new seed, both mixes), with wall time and peak memory of the run.

    .venv/bin/python benchmarks/eval_models.py --rows 20000 --seeds 7001 7002 [--models doxxing …]

Each model's `synth.generate` plants the truth; `synth.evaluate` scores the leads against it by
pseudonym token. Results go to benchmarks/results/models.md (table rewritten per run)."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from pisentinel.models import available_models
from pisentinel.models.runner import run_model
from pisentinel.protect import pseudonym_token

RESULTS = Path(__file__).resolve().parent / "results" / "models.md"
KEY = b"eval-models-key-0123456789abcdef"


class PeakRSS:
    """Peak resident memory of this process and its children, sampled every 0.1 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process(os.getpid())
        while not self._stop.is_set():
            total = me.memory_info().rss + sum(
                c.memory_info().rss for c in me.children(recursive=True) if c.is_running())
            self.peak = max(self.peak, total)
            time.sleep(0.1)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _inputs(truth: dict[str, Any], data: Path) -> dict[str, list[Any]]:
    out = {}
    for name, value in truth["inputs"].items():
        items = [value] if isinstance(value, str) else value
        out[name] = [v if "://" in v else data / v for v in items]
    return out


def evaluate_one(name: str, rows: int, seed: int, mix: str, engine: str) -> dict[str, Any]:
    model = available_models()[name]
    synth = importlib.import_module(f"{model.package}.synth")
    work = Path(tempfile.mkdtemp(prefix=f"eval-{name}-"))
    try:
        t0 = time.perf_counter()
        truth = model.generate(rows, seed, work / "data", mix=mix)
        gen = time.perf_counter() - t0
        with PeakRSS() as rss:
            t0 = time.perf_counter()
            result = run_model(model, _inputs(truth, work / "data"), workspace=work / "ws",
                               engine=engine, token_key=KEY)
            wall = time.perf_counter() - t0
        scores = synth.evaluate(truth, result.leads, lambda t, v: pseudonym_token(t, v, KEY))
        return {"model": name, "rows": rows, "seed": seed, "mix": mix, "engine": engine,
                "precision": scores["precision"], "recall": scores["recall"],
                "leads": len(result.leads), "generate_s": gen, "run_s": wall,
                "peak_rss_mb": rss.peak / 2**20,
                "input_rows": sum(v for k, v in result.counts.items() if k.startswith("rows:"))}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _rows_of_other_models(models: set[str]) -> list[str]:
    """The table rows an earlier run wrote for models other than `models`."""
    if not RESULTS.exists():
        return []
    rows = [line for line in RESULTS.read_text("utf-8").splitlines()
            if line.startswith("| ") and not line.startswith(("| model", "|---"))]
    return [row for row in rows if row.split("|")[1].strip() not in models]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[7001])
    ap.add_argument("--mixes", nargs="+", default=["default", "hard"])
    ap.add_argument("--models", nargs="+", default=None)
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--floor", type=float, default=0.90)
    args = ap.parse_args(argv)
    names = args.models or list(available_models())
    rows = []
    for name in names:
        for seed in args.seeds:
            for mix in args.mixes:
                r = evaluate_one(name, args.rows, seed, mix, args.engine)
                rows.append(r)
                print(f"{name:18} seed={seed} {mix:7} P={r['precision']:.3f} R={r['recall']:.3f} "
                      f"leads={r['leads']} run={r['run_s']:.1f}s rss={r['peak_rss_mb']:.0f}MB",
                      flush=True)
    load = os.getloadavg()[0]
    lines = ["## Lead precision and recall on unseen seeds (`benchmarks/eval_models.py`)", "",
             f"{dt.datetime.now():%Y-%m-%d %H:%M}, engine {args.engine}, `--rows {args.rows}`, "
             f"load average {load:.1f} on 2 cores. Floors (issues 4 and 5): P ≥ {args.floor}, "
             f"R ≥ {args.floor}.", "",
             "| model | seed | mix | input rows | leads | P | R | floor | run s | peak RSS MB |",
             "|---|---:|---|---:|---:|---:|---:|---|---:|---:|"]
    ok = True
    table = []
    for r in rows:
        passed = r["precision"] >= args.floor and r["recall"] >= args.floor
        ok &= passed
        table.append(f"| {r['model']} | {r['seed']} | {r['mix']} | {r['input_rows']:,} | "
                     f"{r['leads']} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"{'pass' if passed else 'MISS'} | {r['run_s']:.1f} | "
                     f"{r['peak_rss_mb']:.0f} |")
    kept = _rows_of_other_models(set(names))
    if kept:  # a run of some models replaces their rows only
        lines[2] += " Rows of models not in this run are kept from earlier runs."
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines + sorted(table + kept)) + "\n", "utf-8")
    print(f"wrote {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
