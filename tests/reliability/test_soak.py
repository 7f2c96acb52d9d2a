"""Soak: a real `pisentinel serve` on loopback runs models (API jobs) while clients browse the
leads, for a bounded time; no request fails and the server's memory stays flat.

CI runs 30 s; ``PISENTINEL_SOAK_SECONDS`` sets a longer soak (recorded in RELIABILITY.md). The
server is a separate process, so its resident memory is measured without the test's own."""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil
import pytest

from pisentinel.web import Settings
from pisentinel.web.seed import seed_leads, seed_users
from pisentinel.web.services import Services

PISENTINEL = str(Path(sys.executable).with_name("pisentinel"))
SECONDS = float(os.environ.get("PISENTINEL_SOAK_SECONDS", "30"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(ws: Path) -> tuple[str, dict[str, list[int]]]:
    """Users, one seeded run and its sources, and an admin API token."""
    svc = Services.build(Settings(workspace=ws))
    try:
        seed_users(svc)
        run_id = seed_leads(svc, "face_recognition", rows=150, seed=9)
        admin = svc.accounts.find_user("admin")
        assert admin is not None
        token, _info = svc.accounts.issue_token(admin.id, "soak", by="test")
        job = svc.jobs.page(1, 0)[0][0]
        assert job.run_id == run_id
        return token, job.inputs
    finally:
        svc.close()


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise AssertionError("the server exited at start-up")
        try:
            httpx.get(url + "/login", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def test_models_and_browsing_together_keep_memory_flat(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    token, inputs = _prepare(ws)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("wb")  # a file, not a pipe nobody drains
    server = subprocess.Popen(
        [PISENTINEL, "serve", "--workspace", str(ws), "--host", "127.0.0.1", "--port",
         str(port)], stdout=subprocess.DEVNULL, stderr=log,
        env={**os.environ, "PISENTINEL_LANG": "en"})
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    rss: list[tuple[float, float]] = []
    jobs: list[int] = []
    slowest: list[tuple[float, str]] = []
    try:
        _wait_up(url, server)
        proc = psutil.Process(server.pid)
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + SECONDS
        stop = threading.Event()

        def browse(seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                while not stop.is_set():
                    page = c.get("/api/v1/leads", params={"limit": 50,
                                                         "offset": rng.choice((0, 0, 50))})
                    statuses[page.status_code] += 1
                    items = page.json().get("items", []) if page.status_code == 200 else []
                    for path in ["/api/v1/dashboard", "/api/v1/runs", "/api/v1/jobs",
                                 *(f"/api/v1/leads/{i['id']}" for i in rng.sample(
                                     items, min(3, len(items)))),
                                 f"/api/v1/leads?q={rng.choice(['小区', '人脸', '物业'])}"]:
                        t0 = time.monotonic()
                        try:
                            r = c.get(path)
                        except httpx.TransportError as e:
                            failures.append(f"{path} {type(e).__name__} after "
                                            f"{time.monotonic() - t0:.0f} s")
                            return
                        slowest.append((time.monotonic() - t0, path.split("?")[0]))
                        statuses[r.status_code] += 1
                        if r.status_code >= 500:
                            failures.append(f"{path} {r.status_code}")

        def run_models() -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
                n = 0
                while not stop.is_set():
                    n += 1
                    r = c.post("/api/v1/jobs", json={
                        "model": "face_recognition", "inputs": inputs,
                        "params": {"filing_threshold": 1000 + n}})
                    statuses[r.status_code] += 1
                    if r.status_code != 202:
                        failures.append(f"job {r.status_code} {r.text[:200]}")
                        return
                    job = r.json()["id"]
                    while (s := c.get(f"/api/v1/jobs/{job}").json()["status"]) in (
                            "queued", "running"):
                        time.sleep(0.2)
                    if s != "succeeded":
                        failures.append(f"job {job} {s}")
                    jobs.append(job)

        threads = [threading.Thread(target=browse, args=(i,)) for i in range(2)]
        threads.append(threading.Thread(target=run_models))
        for th in threads:
            th.start()
        start = time.monotonic()
        while time.monotonic() < deadline and not failures:
            rss.append((time.monotonic() - start, proc.memory_info().rss / 2**20))
            time.sleep(0.5)
        stop.set()
        for th in threads:
            th.join(timeout=180)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    err = (tmp_path / "server.log").read_bytes()
    slowest.sort(reverse=True)
    assert not failures, (failures[:10], slowest[:5])
    assert len(jobs) >= 2, f"only {len(jobs)} model runs finished"
    assert statuses[200] > 50, statuses
    assert b"Traceback" not in err, err.decode(errors="replace")[-2000:]
    third = max(1, len(rss) // 3)
    warm = statistics.median(m for _t, m in rss[third : 2 * third])
    late = statistics.median(m for _t, m in rss[2 * third :])
    print(f"\nsoak {SECONDS:.0f} s: {len(jobs)} runs, {sum(statuses.values())} requests, "
          f"RSS middle third {warm:.0f} MiB, last third {late:.0f} MiB, "
          f"peak {max(m for _t, m in rss):.0f} MiB")
    assert late <= warm * 1.25 + 48, f"server memory grew from {warm:.0f} to {late:.0f} MiB"


if not hasattr(psutil, "Process"):  # pragma: no cover
    pytest.skip("psutil is needed", allow_module_level=True)
