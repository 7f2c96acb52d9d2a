"""The tool keeps no PI it should not: after an end-to-end run, pisentinel's own detector (and
an exact search for every identifier the inputs hold) finds no unmasked identifier in what the
tool wrote — its console output, audit log, workspace, lead store and exported reports.

What is exempt, and why (everything else under the run's folders is read):

- the input data (``input/``, ``models/<name>/`` synthetic inputs): it is what the user handed
  in, not something the tool made;
- the engine database of each run (``workspace/runs/<id>/engine.duckdb`` and DuckDB's spill
  folder ``tmp/``): it is the working copy of the inputs that lets a killed run resume, and
  holds the loaded input tables by design;
- the project key file (``.pisentinel/key``): key bytes, no PI.

Inside the files that are read, lower-case hexadecimal runs (content hashes, run ids,
fingerprints, pseudonym tokens) are blanked before the scan: a phone-like digit stretch inside
a SHA-256 is not an identifier. Pure digit runs are never blanked.

Checked types: CN_ID_CARD, PHONE_NUMBER, BANK_CARD, PASSPORT, HK_MACAO_PERMIT, TAIWAN_PERMIT,
EMAIL — identifiers that name one person by themselves and that every mask hides. Names and
addresses are masked too (张*, 北京市朝阳区****) but are not checked here: a masked surname or a
district is, correctly, still visible. The fast test runs a scan, one model and every report
format; the slow one runs the whole ``pisentinel demo``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pisentinel.cli.demo import write_sample

from .at_rest import find_leaks, raw_identifiers

PISENTINEL = str(Path(sys.executable).with_name("pisentinel"))
REPORT_FORMATS = ("pdf", "docx", "html", "md", "json")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PISENTINEL_")}
    return {**env, "PISENTINEL_HOME": str(home), "PISENTINEL_KEY": "3c" * 32,
            "PISENTINEL_LANG": "zh", "COLUMNS": "200"}


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI, keeping its console output as a log file under root/logs."""
    proc = subprocess.run([PISENTINEL, *args], env=_env(root / "home"), capture_output=True,
                          text=True, check=False, cwd=root)
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    n = len(list(logs.iterdir()))
    (logs / f"{n:02d}-{args[0]}.log").write_text(proc.stdout + proc.stderr, "utf-8")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


def at_rest(root: Path) -> list[Path]:
    """Every file the tool wrote under `root`, minus the exemptions in the module docstring."""
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).parts
        if not p.is_file() or rel[0] in ("input", "models"):
            continue
        if "runs" in rel and (p.name.startswith("engine.duckdb") or "tmp" in rel[:-1]):
            continue
        if rel[-2:] == (".pisentinel", "key"):
            continue
        out.append(p)
    return out


def _check(root: Path, inputs: list[Path]) -> None:
    files = at_rest(root)
    names = {p.name for p in files}
    assert "leads.db" in names and any(n.endswith(".log") for n in names)
    values = raw_identifiers(inputs)
    assert len(values) > 50, "the inputs should hold identifiers to look for"
    leaks = find_leaks(files, values)
    assert not leaks, "\n".join(map(str, leaks[:20]))


def test_scan_run_and_reports_leave_no_raw_identifier(tmp_path: Path) -> None:
    from pisentinel.models import get_model

    root = tmp_path
    sources = write_sample(root / "input", n=300, seed=77)
    _cli(root, "scan", "input", "-o", "findings.jsonl")
    _cli(root, "scan", "input", "-o", "findings.csv", "--workers", "1")
    _cli(root, "profile", str(sources[1]))
    model = get_model("doxxing")
    truth = model.generate(400, 13, root / "models" / "doxxing")
    args = ["run", "doxxing", "--workspace", "workspace"]
    for name, given in truth["inputs"].items():
        for rel in [given] if isinstance(given, str) else given:
            args += ["--input", f"{name}={root / 'models' / 'doxxing' / rel}"]
    _cli(root, *args)
    (run_dir,) = (root / "workspace" / "runs").iterdir()
    run_id = run_dir.name
    _cli(root, "leads", "--workspace", "workspace")
    for fmt in REPORT_FORMATS:
        _cli(root, "report", "--run", run_id, "--workspace", "workspace", "-o",
             f"reports/run.{fmt}")
    _cli(root, "report", "--lead", "1", "--workspace", "workspace", "-o", "reports/lead1.docx")
    _check(root, [*sources, root / "models" / "doxxing"])


@pytest.mark.slow
def test_the_whole_demo_leaves_no_raw_identifier(tmp_path: Path) -> None:
    root = tmp_path
    _cli(root, "demo", "--dir", ".", "--rows", os.environ.get("PISENTINEL_DEMO_ROWS", "300"))
    _check(root, [root / "input", root / "models"])


def test_the_check_sees_a_planted_leak(tmp_path: Path) -> None:
    """Negative control: the same check flags a raw identifier in a log line, a SQLite cell and
    a DOCX paragraph, and leaves digests and masked values alone."""
    import random
    import sqlite3

    import docx

    from .pi import id_number, phone

    rng = random.Random(3)
    ident, mobile = id_number(rng), phone(rng)
    log = tmp_path / "run.log"
    log.write_text(f"ok sha256:{'ab' * 10}{mobile}{'cd' * 10} 138****5678\n"
                   f"oops 证件 {ident}\n", "utf-8")
    db = tmp_path / "store.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE comments (text TEXT)")
        con.execute("INSERT INTO comments VALUES (?)", (f"联系 {mobile}",))
    report = tmp_path / "r.docx"
    d = docx.Document()
    d.add_paragraph(f"证据 {ident}")
    d.save(str(report))
    found = sorted((Path(leak.path).name, leak.type) for leak in find_leaks([log, db, report]))
    assert found == [("r.docx", "CN_ID_CARD"), ("run.log", "CN_ID_CARD"),
                     ("store.db", "PHONE_NUMBER")], found
