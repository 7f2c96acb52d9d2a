"""Crash safety: kill -9 a real `pisentinel run` at random points, re-run, and get exactly the
leads of an uninterrupted run — none lost, none duplicated, evidence not doubled — and a lead
store that survives a kill in the middle of its write transactions.

Kill points are drawn uniformly over the measured length of an uninterrupted run, so trials land
in start-up, loading, the SQL steps, lead building and the lead-store writes. CI runs 8 trials;
``PISENTINEL_KILL_TRIALS`` sets more for a long run (recorded in RELIABILITY.md)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

PISENTINEL = str(Path(sys.executable).with_name("pisentinel"))
MODEL = "doxxing"
ROWS = 800
TRIALS = int(os.environ.get("PISENTINEL_KILL_TRIALS", "8"))
KEY_ENV = {"PISENTINEL_KEY": "5a" * 32, "PISENTINEL_LANG": "en"}


def _env() -> dict[str, str]:
    return {**os.environ, **KEY_ENV}


def _run_args(inputs: dict[str, list[Path]], workspace: Path) -> list[str]:
    args = [PISENTINEL, "run", MODEL, "--workspace", str(workspace), "--show", "0"]
    for name, paths in inputs.items():
        for p in paths:
            args += ["--input", f"{name}={p}"]
    return args


def snapshot(db: Path) -> dict[str, object]:
    """Everything a re-run must reproduce, keyed by fingerprint (ids and times excluded)."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        leads = con.execute(
            "SELECT fingerprint, kind, subject_token, subject_display, title_zh, summary_zh, "
            "severity_level, severity_ratio, affected_people, records_by_tier, counts, "
            "provisions FROM leads ORDER BY fingerprint").fetchall()
        evidence = con.execute(
            "SELECT l.fingerprint, e.evidence_key, e.source, e.row_index, e.column_name, "
            "e.masked_excerpt, e.content_hash FROM evidence e JOIN leads l ON l.id = e.lead_id "
            "ORDER BY 1, 2, 3, 4, 5, 6, 7").fetchall()
        tokens = con.execute(
            "SELECT l.fingerprint, t.token, t.role FROM lead_tokens t JOIN leads l "
            "ON l.id = t.lead_id ORDER BY 1, 2, 3").fetchall()
        runs = con.execute("SELECT id, status FROM runs").fetchall()
    finally:
        con.close()
    return {"leads": leads, "evidence": evidence, "tokens": tokens, "runs": runs}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, float]:
    """Synthetic inputs and the leads of one uninterrupted run, and how long it took."""
    from pisentinel.models import get_model

    base = tmp_path_factory.mktemp("crash")
    model = get_model(MODEL)
    truth = model.generate(ROWS, 11, base / "data")
    inputs = {k: [base / "data" / p for p in ([v] if isinstance(v, str) else v)]
              for k, v in truth["inputs"].items()}
    t0 = time.monotonic()
    proc = subprocess.run(_run_args(inputs, base / "ws"), env=_env(), capture_output=True,
                          text=True, check=False)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    snap = snapshot(base / "ws" / "leads.db")
    assert len(snap["leads"]) >= 5, "the reference run should produce several leads"
    return inputs, snap, elapsed


def _kill_at(args: list[str], delay: float) -> int | None:
    """Start a run, SIGKILL it after `delay` seconds; the exit code if it finished first."""
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def test_killed_runs_resume_to_the_same_leads(reference: tuple[dict, dict, float],
                                              tmp_path: Path) -> None:
    inputs, expected, elapsed = reference
    rng = random.Random(20261129)
    killed = 0
    for trial in range(TRIALS):
        ws = tmp_path / f"trial{trial}"
        args = _run_args(inputs, ws)
        kills = rng.choice((1, 1, 2))  # some trials are killed twice before they finish
        for _ in range(kills):
            if _kill_at(args, rng.uniform(0.2, elapsed)) is None:
                killed += 1
        final = subprocess.run(args, env=_env(), capture_output=True, text=True, check=False)
        assert final.returncode == 0, (trial, final.stderr[-3000:])
        got = snapshot(ws / "leads.db")
        for part in ("leads", "evidence", "tokens"):
            assert got[part] == expected[part], (trial, part)
        assert [status for _id, status in got["runs"]] == ["succeeded"], trial
    again = subprocess.run(args, env=_env(), capture_output=True, text=True, check=False)
    assert again.returncode == 0
    assert snapshot(ws / "leads.db")["evidence"] == expected["evidence"], "a re-run doubled"
    assert killed >= TRIALS // 2, f"only {killed} of {TRIALS} trials were really killed"
    print(f"\n{killed} kills survived in {TRIALS} trials")


WRITER = r"""
import sys
sys.path.insert(0, sys.argv[3])
from reliability.test_crash_safety import make_leads
from pisentinel.leads import LeadStore
url, batches = sys.argv[1], int(sys.argv[2])
with LeadStore(url) as store:
    for b in range(batches):
        run = f"run{b:04d}"
        try:
            store.get_run(run)
        except KeyError:
            store.start_run("doxxing", run_id=run)
        store.upsert_leads(run, make_leads(b))
        store.finish_run(run)
        print(b, flush=True)
"""
BATCHES = 12
PER_BATCH = 40


def make_leads(batch: int) -> list[Any]:
    """Synthetic leads; batch b re-sees half of batch b-1's subjects (updates) and adds new
    ones (inserts), so every transaction mixes inserts, updates and evidence rows."""
    from pisentinel.leads import Evidence, Lead, Subject, severity_for

    leads = []
    for i in range(PER_BATCH):
        n = batch * PER_BATCH // 2 + i
        ev = tuple(Evidence("posts.jsonl", f"身份证 110101********{n % 10}***，手机 138****{n % 10000:04d}",
                            f"sha256:{n:060x}{k:04x}", row=n * 3 + k, column="text")
                   for k in range(3))
        leads.append(Lead(
            model="doxxing", kind="bundled_identifiers",
            subject=Subject("account", f"tok:acct:{n:08x}", f"账号{n % 97}***"),
            title_zh=f"开盒帖子 {n}", summary_zh="同一帖子汇集了身份证号、手机号与住址",
            severity=severity_for({"T1": 1 + n % 60}), affected_people=1 + n % 7,
            provisions=("PIPL-10",), evidence=ev, records_by_tier={"T1": 1 + n % 60},
            counts={"posts": 1 + n % 5}))
    return leads


def _writer(db: Path) -> list[str]:
    return [sys.executable, "-c", WRITER, f"sqlite:///{db}", str(BATCHES),
            str(Path(__file__).parents[1])]


def _fingerprints(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {r[0] for r in con.execute("SELECT fingerprint FROM leads")}
    finally:
        con.close()


def test_lead_store_survives_kills_during_writes(tmp_path: Path) -> None:
    """SIGKILL the writer while it upserts; after each kill the store is intact and holds
    whole batches only (a transaction is all or nothing); finishing the writes gives the same
    store as writing without kills."""
    from pisentinel.leads import lead_fingerprint

    batch_prints = [{lead_fingerprint("doxxing", lead.subject.token, lead.kind)
                     for lead in make_leads(b)} for b in range(BATCHES)]
    whole = [set().union(*batch_prints[: k + 1]) for k in range(BATCHES)]
    clean = tmp_path / "clean.db"
    subprocess.run(_writer(clean), check=True, capture_output=True)
    expected = snapshot(clean)

    db = tmp_path / "killed.db"
    rng = random.Random(7)
    kills = 0
    for _trial in range(TRIALS):
        proc = subprocess.Popen(_writer(db), stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        wait_for = rng.randint(1, 4)  # let a few batches commit, then kill mid-stream
        for _ in range(wait_for):
            proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.15))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stdout.close()
        present = _fingerprints(db)
        assert present in whole, "a batch was half written"
    assert kills >= TRIALS // 2
    subprocess.run(_writer(db), check=True, capture_output=True)
    got = snapshot(db)
    for part in ("leads", "evidence", "tokens"):
        assert got[part] == expected[part], part
