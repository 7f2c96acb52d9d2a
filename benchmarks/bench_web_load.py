"""Load test of the web console on loopback: N concurrent signed-in users browsing leads.

The server is ``create_app`` under uvicorn in a child process (``--workers`` processes, default
1; the machine has two cores shared with everything else), bound to 127.0.0.1 only, over a
SQLite store seeded with leads from the screening models' synthetic data (face_recognition over
several seeds, scalper_booking, fake_recruitment, doxxing). Each simulated user signs in once
(argon2, not timed), then for ``--duration`` seconds repeats a browsing step and thinks for a
random 0.5–1.5 s (seeded): the lead list (first or a later page, with a random filter), a lead
page (the full case file), the lead list again through the JSON API, or the dashboard. A second
pass without think time shows where the server saturates. Every count is bounded: users,
duration, a request timeout.

    .venv/bin/python benchmarks/bench_web_load.py --users 50 --duration 60

Results go to benchmarks/results/web.md (appended as a dated section).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results" / "web.md"
PASSWORD = "correct-horse-battery"


def seed(workspace: Path, face_runs: int) -> int:
    from pisentinel.web import Settings
    from pisentinel.web.seed import seed_leads, seed_users
    from pisentinel.web.services import Services

    svc = Services.build(Settings(workspace=workspace))
    try:
        seed_users(svc, PASSWORD)
        for i in range(face_runs):
            seed_leads(svc, "face_recognition", rows=300, seed=100 + i)
        for name in ("scalper_booking", "fake_recruitment", "doxxing"):
            seed_leads(svc, name, rows=600, seed=7)
        return svc.store.query(limit=1).total
    finally:
        svc.close()


def serve(workspace: Path, port: int) -> None:
    import logging

    import uvicorn

    from pisentinel.web import Settings, create_app

    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(create_app(Settings(workspace=workspace)), host="127.0.0.1", port=port,
                log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def sign_in(base: str, idx: int, timeout: float) -> httpx.AsyncClient:
    c = httpx.AsyncClient(base_url=base, timeout=timeout)
    role = ("viewer", "analyst", "reviewer")[idx % 3]
    r = await c.post("/api/v1/auth/login", json={"username": role, "password": PASSWORD})
    r.raise_for_status()
    c.cookies.set("pis_session", r.cookies["pis_session"])  # Secure cookie over loopback
    return c


def server_ms(r: httpx.Response) -> float | None:
    """The app's own time to the response head (``Server-Timing: app;dur=…``)."""
    head = r.headers.get("server-timing", "")
    return float(head.split("dur=")[1]) / 1000 if "dur=" in head else None


async def user(c: httpx.AsyncClient, idx: int, lead_ids: list[int], until: float, think: bool,
               samples: dict[str, list[float]], errors: list[str]) -> None:
    rng = random.Random(idx)
    try:
        if think:
            await asyncio.sleep(rng.random())  # users do not all start in the same millisecond
        while time.perf_counter() < until:
            step = rng.choices(["list", "lead", "api", "dashboard"], [4, 4, 1, 1])[0]
            if step == "list":
                params = rng.choice([{}, {"severity": "especially_serious"}, {"status": "new"},
                                     {"offset": 25}, {"q": "物业"}, {"model": "scalper_booking"}])
                path, kw = "/leads", {"params": params}
            elif step == "lead":
                path, kw = f"/leads/{rng.choice(lead_ids)}", {}
            elif step == "api":
                path, kw = "/api/v1/leads", {"params": {"limit": 50}}
            else:
                path, kw = "/", {}
            t0 = time.perf_counter()
            try:
                r = await c.get(path, **kw)
                took = time.perf_counter() - t0
                if r.status_code != 200:
                    errors.append(f"{step}: HTTP {r.status_code}")
                samples[step].append(took)
                if (inside := server_ms(r)) is not None:
                    samples["_server"].append(inside)
            except httpx.HTTPError as e:
                errors.append(f"{step}: {type(e).__name__}")
            if think:
                await asyncio.sleep(rng.uniform(0.5, 1.5))
    finally:
        await c.aclose()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def load(base: str, users: int, duration: float, think: bool, lead_ids: list[int],
               timeout: float) -> dict[str, Any]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    clients = await asyncio.gather(*(sign_in(base, i, timeout) for i in range(users)))
    start = time.perf_counter()
    until = start + duration
    await asyncio.gather(*(user(c, i, lead_ids, until, think, samples, errors)
                           for i, c in enumerate(clients)))
    wall = time.perf_counter() - start
    inside = samples.pop("_server", [0.0])
    everything = [v for vs in samples.values() for v in vs]
    rows = {step: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "p99": pct(v, 0.99)}
            for step, v in sorted(samples.items())}
    return {"requests": len(everything), "rps": len(everything) / wall, "errors": errors,
            "p50": pct(everything, 0.5), "p95": pct(everything, 0.95),
            "p99": pct(everything, 0.99), "mean": statistics.mean(everything) * 1000,
            "server_p50": pct(inside, 0.5), "server_p95": pct(inside, 0.95),
            "load": os.getloadavg()[0], "steps": rows, "think": think, "users": users,
            "duration": duration}


def report(results: list[dict[str, Any]], leads: int, workers: int) -> str:
    cpu = os.cpu_count()
    lines = [f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {results[0]['users']} users, "
             f"{leads} leads, {workers} uvicorn worker(s)\n",
             f"Machine: {platform.machine()}, {cpu} cores (shared), Python "
             f"{platform.python_version()}; SQLite store; server and load generator on "
             "127.0.0.1, separate processes.\n",
             "Client-observed latency; `app p50/p95` is the server's own time to the response "
             "head (Server-Timing), the rest is queueing for a CPU. `load` is the 1-minute load "
             "average at the end of the pass (other engineers' jobs share the machine).\n",
             "| pass | requests | req/s | mean ms | p50 ms | p95 ms | p99 ms | app p50/p95 ms "
             "| load | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        name = "browsing (think 0.5–1.5 s)" if r["think"] else "saturation (no think time)"
        lines.append(f"| {name} | {r['requests']} | {r['rps']:.1f} | {r['mean']:.0f} | "
                     f"{r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | "
                     f"{r['server_p50']:.0f}/{r['server_p95']:.0f} | {r['load']:.1f} | "
                     f"{len(r['errors'])} |")
    lines += ["", "Per page (browsing pass):", "",
              "| page | requests | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    for step, s in results[0]["steps"].items():
        lines.append(f"| {step} | {s['n']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} |")
    ok = results[0]["p95"] < 300 and not results[0]["errors"]
    lines.append(f"\nTarget p95 < 300 ms with {results[0]['users']} browsing users: "
                 f"**{'met' if ok else 'NOT met'}** ({results[0]['p95']:.0f} ms).\n")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--face-runs", type=int, default=12)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--serve", nargs=2, metavar=("WORKSPACE", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="pisentinel-webload-"))
    leads = seed(workspace, args.face_runs)
    print(f"seeded {leads} leads in {workspace}", flush=True)
    port = _free_port()
    cmd = [sys.executable, __file__, "--serve", str(workspace), str(port)]
    if args.workers > 1:
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--port",
               str(port), "--workers", str(args.workers), "--log-level", "warning",
               "--no-access-log", "benchmarks.bench_web_load:factory"]
    env = {**os.environ, "PISENTINEL_BENCH_WORKSPACE": str(workspace)}
    server = subprocess.Popen(cmd, env=env, cwd=Path(__file__).parent.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        from pisentinel.leads import LeadStore

        with LeadStore(f"sqlite:///{workspace / 'leads.db'}") as store:
            ids = [ld.id for ld in store.query(limit=1000).items if ld.id is not None]
        results = [asyncio.run(load(base, args.users, args.duration, True, ids, args.timeout)),
                   asyncio.run(load(base, args.users, min(args.duration, 20.0), False, ids,
                                    args.timeout))]
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = report(results, leads, args.workers)
    print(text)
    for r in results:
        if r["errors"]:
            print("errors:", sorted(set(r["errors"]))[:10])
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        if not RESULTS.exists():
            RESULTS.write_text("# Web console load test\n\nWritten by "
                               "`benchmarks/bench_web_load.py`; newest section last.\n", "utf-8")
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(text)


def factory() -> Any:
    """For ``uvicorn --factory --workers N``: the app over the benchmark's workspace."""
    from pisentinel.web import Settings, create_app

    return create_app(Settings(workspace=Path(os.environ["PISENTINEL_BENCH_WORKSPACE"])))


if __name__ == "__main__":
    main()
