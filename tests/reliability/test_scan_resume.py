"""Resumable scans: kill -9 a real `pisentinel scan` once its checkpoint holds findings, run it
again, and get exactly the output of an uninterrupted scan; a changed setting or a changed file
is never served from the old checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

PISENTINEL = str(Path(sys.executable).with_name("pisentinel"))
ENV = {**os.environ, "PISENTINEL_LANG": "en"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pisentinel.synth import generate_corpus

    base = tmp_path_factory.mktemp("resume")
    data = base / "data"
    data.mkdir()
    for i, seed in enumerate((3, 4, 5)):
        rows = generate_corpus(8_000, seed, pi_rate=0.3)
        (data / f"posts{i}.txt").write_text("\n".join(r.replace("\n", " ") for r in rows) + "\n",
                                            encoding="utf-8")
    return base


def scan(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PISENTINEL, "scan", str(data), "--ner", "off", "--batch-rows", "200",
                           "-o", str(out), *extra], env=ENV, capture_output=True, text=True,
                          check=False)


def kill_after_first_part(data: Path, out: Path, *extra: str) -> int:
    """Start a scan and SIGKILL it as soon as its checkpoint records findings; the number of
    batches the checkpoint holds then."""
    state = out.with_name(f".{out.name}.checkpoint") / "state.json"
    proc = subprocess.Popen([PISENTINEL, "scan", str(data), "--ner", "off", "--batch-rows", "200",
                             "-o", str(out), *extra], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                doc = json.loads(state.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                doc = {}
            if doc.get("parts"):
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not out.exists(), "the scan finished before it could be killed"
    doc = json.loads(state.read_text(encoding="utf-8"))
    return sum(s["batches"] for s in doc["sources"].values())


def rows_of(path: Path) -> list[dict[str, object]]:
    return pq.read_table(path).to_pylist()


def test_a_killed_scan_resumes_to_the_uninterrupted_output(folder: Path) -> None:
    data, ref = folder / "data", folder / "ref.parquet"
    assert scan(data, ref).returncode == 0
    out = folder / "out.parquet"
    done = kill_after_first_part(data, out)
    assert done >= 10
    again = scan(data, out)
    assert again.returncode == 0, again.stderr
    assert f"Resumed from the checkpoint: {done} batches" in again.stdout
    assert rows_of(out) == rows_of(ref) and len(rows_of(ref)) > 1_000
    assert not out.with_name(f".{out.name}.checkpoint").exists()


def test_other_settings_or_a_changed_file_start_over(folder: Path) -> None:
    data = folder / "data"
    out = folder / "settings.parquet"
    kill_after_first_part(data, out)
    strict = scan(data, out, "--min-score", "0.9")
    assert strict.returncode == 0 and "Resumed" not in strict.stdout
    ref = folder / "strict_ref.parquet"
    assert scan(data, ref, "--min-score", "0.9").returncode == 0
    assert rows_of(out) == rows_of(ref)

    out2 = folder / "changed.parquet"
    kill_after_first_part(data, out2)
    first = data / "posts0.txt"
    first.write_text("身份证 11010119900307777" + _check("11010119900307777") + "\n",
                     encoding="utf-8")
    resumed = scan(data, out2)
    assert resumed.returncode == 0
    ref2 = folder / "changed_ref.parquet"
    assert scan(data, ref2, "--no-resume").returncode == 0
    got = rows_of(out2)
    assert got == rows_of(ref2)
    assert [r["row"] for r in got if r["source"] == str(first)] == [1]


def _check(first17: str) -> str:
    from pisentinel.detect.validators import id_check_char

    return id_check_char(first17)


def test_a_bad_file_late_in_a_folder_keeps_the_work_done(folder: Path, tmp_path: Path) -> None:
    """A ragged CSV after two good files stops the scan (exit 3) but keeps the checkpoint, and
    says so; once the bad file is fixed, the re-run skips the good files' finished batches."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("posts0.txt", "posts1.txt"):
        (data / name).write_bytes((folder / "data" / name).read_bytes())
    bad = data / "zz_bad.csv"
    bad.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    failed = scan(data, out)
    assert failed.returncode == 3 and "zz_bad.csv" in failed.stderr
    assert "checkpoint of the work done is kept" in failed.stdout and not out.exists()
    bad.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    again = scan(data, out)
    assert again.returncode == 0 and "Resumed from the checkpoint" in again.stdout
    ref = tmp_path / "ref.parquet"
    assert scan(data, ref, "--no-resume").returncode == 0
    assert rows_of(out) == rows_of(ref)
