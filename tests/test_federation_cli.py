"""`pisentinel bundle card/export/import/cases` between two workspaces (the command group is
registered on a Typer app here until the CLI wires it in). Synthetic leads only."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pisentinel.cli import federation_cmd
from pisentinel.leads import Evidence, Lead, LeadStore, Subject, severity_for
from pisentinel.protect import load_project_key, pseudonym_token


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None: ...

    federation_cmd.register(app)
    return app


def workspace(tmp_path: Path, name: str) -> Path:
    ws = tmp_path / name
    ws.mkdir()
    with LeadStore(f"sqlite:///{ws / 'leads.db'}") as store:
        run = store.start_run("face_recognition")
        token = pseudonym_token("ORGANIZATION", f"{name}某某物业有限公司", load_project_key(ws))
        store.upsert_leads(run, [Lead(
            model="face_recognition", kind="face_recognition_violations",
            subject=Subject("organisation", token, f"{name}某某物业有限公司"),
            title_zh="小区只能刷脸进入", summary_zh="未提供其他进入方式。",
            severity=severity_for({"T2": 800}), affected_people=800,
            evidence=(Evidence("sites.csv", "1 号门仅人脸识别", "sha256:" + "0" * 64, row=1),))])
    return ws


def test_cards_bundles_and_import_between_two_workspaces(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PISENTINEL_KEY", raising=False)
    monkeypatch.delenv("PISENTINEL_KEY_FILE", raising=False)
    hz, nb = workspace(tmp_path, "杭州"), workspace(tmp_path, "宁波")
    run = CliRunner().invoke
    app = cli()
    for ws, name in ((hz, "杭州"), (nb, "宁波")):
        r = run(app, ["bundle", "card", "-w", str(ws), "--region", name, "-o",
                      str(tmp_path / f"{name}.json")])
        assert r.exit_code == 0, r.output
    out = tmp_path / "nb-to-hz.bundle"
    r = run(app, ["bundle", "export", "-w", str(nb), "--region", "宁波", "--to",
                  str(tmp_path / "杭州.json"), "-o", str(out)])
    assert r.exit_code == 0 and "已导出 1 条线索" in r.output, r.output
    r = run(app, ["bundle", "import", str(out), "-w", str(hz), "--region", "杭州", "--trust",
                  str(tmp_path / "宁波.json")])
    assert r.exit_code == 0 and "新增 1" in r.output, r.output
    # Ningbo's bundle is not accepted by Ningbo itself (sealed for Hangzhou)
    r = run(app, ["bundle", "import", str(out), "-w", str(nb), "--region", "宁波", "--trust",
                  str(tmp_path / "宁波.json")])
    assert r.exit_code == 2 and "不是发给本单位" in r.output
    # a changed character is refused as tampering: one base64 letter swapped for another, so
    # the bundle still decodes (a bit flip could make a non-base64 byte: "malformed" instead)
    data = bytearray(out.read_bytes())
    at = data.index(b'"sealed":"') + 40
    data[at] = ord("B") if data[at] == ord("A") else ord("A")
    (tmp_path / "bad.bundle").write_bytes(bytes(data))
    r = run(app, ["bundle", "import", str(tmp_path / "bad.bundle"), "-w", str(hz), "--region",
                  "杭州", "--trust", str(tmp_path / "宁波.json")])
    assert r.exit_code == 2 and "篡改" in r.output
    r = run(app, ["bundle", "cases", "-w", str(hz), "--region", "杭州"])
    assert r.exit_code == 0 and "0" in r.output
    with LeadStore(f"sqlite:///{hz / 'leads.db'}") as store:
        assert store.query().total == 2
        assert [b.sender for b in store.bundle_imports()] == ["宁波"]
