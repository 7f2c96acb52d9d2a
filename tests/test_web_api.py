"""REST API against a real store (SQLite; PostgreSQL too when PISENTINEL_TEST_PG_URL is set):
sign-in, sessions, CSRF, lockout, API tokens, leads, workflow, comments, reveal, exports,
uploads, registered paths, mappings, run jobs, error bodies — and no raw PI in the logs."""

from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from pisentinel.leads import find_raw_identifiers
from pisentinel.leads import schema as t
from pisentinel.web import Settings, create_app
from pisentinel.web.seed import DEMO_PASSWORD, seed_leads, seed_users
from pisentinel.web.services import Services

PG_URL = os.environ.get("PISENTINEL_TEST_PG_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="PISENTINEL_TEST_PG_URL not set"))]


@pytest.fixture(scope="module", params=BACKENDS)
def svc(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Services]:
    """A workspace with one user per role and the leads of a face_recognition run."""
    ws = tmp_path_factory.mktemp("web")
    (ws / "allowed").mkdir()
    url, schema = None, None
    if request.param == "postgresql":
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_URL or "")
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(PG_URL or "").update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    services = Services.build(Settings(workspace=ws, store_url=url,
                                       allowed_roots=(ws / "allowed",),
                                       max_upload_bytes=64 * 1024, max_failed_logins=3))
    seed_users(services)
    seed_leads(services, "face_recognition", rows=120, seed=3)
    yield services
    services.close()
    if schema:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def app(svc: Services) -> Any:
    return create_app(svc.settings, svc)


def client(app: Any) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def signed_in(app: Any, role: str) -> tuple[TestClient, str]:
    c = client(app)
    r = c.post("/api/v1/auth/login", json={"username": role, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return c, r.json()["csrf_token"]


def lead_ids(c: TestClient) -> list[int]:
    return [i["id"] for i in c.get("/api/v1/leads", params={"limit": 200}).json()["items"]]


def error_code(r: Any) -> str:
    body = r.json()
    assert set(body["error"]) == {"code", "message_zh", "message_en"}, body
    return str(body["error"]["code"])


# --- sign-in, sessions, CSRF, lockout, tokens ----------------------------------------------------


def test_login_sets_a_secure_httponly_strict_session_cookie(app: Any) -> None:
    c = client(app)
    r = c.post("/api/v1/auth/login", json={"username": "analyst", "password": DEMO_PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "pis_session=" in cookie and "httponly" in cookie and "secure" in cookie
    assert "samesite=strict" in cookie
    assert c.get("/api/v1/me").json()["user"]["role"] == "analyst"
    assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": r.json()["csrf_token"]}
                  ).status_code == 200
    assert c.get("/api/v1/me").status_code == 401


def test_passwords_and_session_ids_are_stored_hashed(app: Any, svc: Services) -> None:
    c = client(app)
    c.post("/api/v1/auth/login", json={"username": "viewer", "password": DEMO_PASSWORD})
    secret = c.cookies.get("pis_session")
    assert secret
    with svc.store.engine.connect() as conn:
        hashes = conn.execute(sa.select(t.users.c.password_hash)).scalars().all()
        ids = conn.execute(sa.select(t.sessions.c.id_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert secret not in ids and all(len(i) == 64 for i in ids)


def test_wrong_password_is_refused_and_audited(app: Any, svc: Services) -> None:
    r = client(app).post("/api/v1/auth/login", json={"username": "viewer", "password": "nope"})
    assert r.status_code == 401 and error_code(r) == "bad_credentials"
    r = client(app).post("/api/v1/auth/login", json={"username": "ghost", "password": "nope"})
    assert r.status_code == 401 and error_code(r) == "bad_credentials"
    actions = [e.action for e in svc.store.audit_entries(object_type="user", limit=1000)]
    assert "auth.login_failed" in actions and "auth.login" in actions


def test_repeated_failures_lock_the_account(app: Any, svc: Services) -> None:
    svc.accounts.add_user("locky", DEMO_PASSWORD, "viewer", by="test")
    c = client(app)
    for _ in range(3):  # max_failed_logins=3 in this workspace
        assert c.post("/api/v1/auth/login", json={"username": "locky", "password": "x"}
                      ).status_code == 401
    r = c.post("/api/v1/auth/login", json={"username": "locky", "password": DEMO_PASSWORD})
    assert r.status_code == 423 and error_code(r) == "account_locked"


def test_state_changing_session_requests_need_the_csrf_token(app: Any) -> None:
    c, csrf = signed_in(app, "analyst")
    lead = lead_ids(c)[0]
    r = c.post(f"/api/v1/leads/{lead}/comments", json={"text": "核查告示内容"})
    assert r.status_code == 403 and error_code(r) == "csrf_failed"
    r = c.post(f"/api/v1/leads/{lead}/comments", json={"text": "核查告示内容"},
               headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = c.post(f"/api/v1/leads/{lead}/comments", json={"text": "核查告示内容"},
               headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


def test_api_tokens_are_hashed_work_without_csrf_and_can_be_revoked(app: Any,
                                                                     svc: Services) -> None:
    admin, csrf = signed_in(app, "admin")
    analyst_id = svc.accounts.find_user("analyst").id  # type: ignore[union-attr]
    r = admin.post("/api/v1/tokens", json={"user_id": analyst_id, "name": "script"},
                   headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    secret, token_id = r.json()["token"], r.json()["id"]
    with svc.store.engine.connect() as conn:
        stored = conn.execute(sa.select(t.api_tokens.c.token_hash)).scalars().all()
    assert secret not in stored
    bot = client(app)
    auth = {"Authorization": f"Bearer {secret}"}
    lead = lead_ids(admin)[0]
    assert bot.get("/api/v1/me", headers=auth).json()["user"]["username"] == "analyst"
    assert bot.post(f"/api/v1/leads/{lead}/comments", json={"text": "脚本批注"},
                    headers=auth).status_code == 201
    assert "secret" not in json.dumps(admin.get("/api/v1/tokens").json())
    assert admin.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRF-Token": csrf}
                        ).json()["revoked"]
    r = bot.get("/api/v1/me", headers=auth)
    assert r.status_code == 401 and error_code(r) == "invalid_token"


# --- leads ---------------------------------------------------------------------------------------


def test_lead_list_paginates_and_filters(app: Any) -> None:
    c, _ = signed_in(app, "viewer")
    full = c.get("/api/v1/leads", params={"limit": 200}).json()
    assert full["total"] == len(full["items"]) >= 3
    page = c.get("/api/v1/leads", params={"limit": 2, "offset": 1}).json()
    assert (page["limit"], page["offset"], page["total"]) == (2, 1, full["total"])
    assert [i["id"] for i in page["items"]] == [i["id"] for i in full["items"][1:3]]
    level = full["items"][0]["severity"]
    only = c.get("/api/v1/leads", params={"severity": level, "limit": 200}).json()
    assert only["total"] == sum(1 for i in full["items"] if i["severity"] == level)
    assert c.get("/api/v1/leads", params={"model": "doxxing"}).json()["total"] == 0
    assert c.get("/api/v1/leads", params={"region": "500000"}).json()["total"] == full["total"]
    assert c.get("/api/v1/leads", params={"region": "110000"}).json()["total"] == 0
    assert c.get("/api/v1/leads", params={"date_from": "2000-01-01",
                                          "date_to": "2000-01-02"}).json()["total"] == 0
    r = c.get("/api/v1/leads", params={"severity": "apocalyptic"})
    assert r.status_code == 400 and error_code(r) == "invalid_filter"
    r = c.get("/api/v1/leads", params={"limit": 0})
    assert r.status_code == 422 and error_code(r) == "invalid_request"


def test_a_lead_reads_as_a_masked_case_file(app: Any) -> None:
    c, _ = signed_in(app, "viewer")
    bodies = [c.get(f"/api/v1/leads/{i}").json() for i in lead_ids(c)]
    body = next(b for b in bodies if b["lead"]["evidence"])
    lead = body["lead"]["id"]
    assert body["lead"]["provisions"]
    assert body["lead"]["tiers"]["rows"] and body["revealable_tokens"] == []
    assert find_raw_identifiers(json.dumps(body, ensure_ascii=False)) == []
    page = c.get(f"/leads/{lead}")
    assert page.status_code == 200 and "查看原始值" not in page.text.split("</aside>")[0][-3000:]
    assert find_raw_identifiers(page.text) == []
    assert c.get(f"/api/v1/leads/{lead}/graph").json()["nodes"][0]["focus"] is True
    r = c.get("/api/v1/leads/999999")
    assert r.status_code == 404 and error_code(r) == "not_found"


def test_workflow_roles_reasons_and_history(app: Any, svc: Services) -> None:
    analyst, a_csrf = signed_in(app, "analyst")
    reviewer, r_csrf = signed_in(app, "reviewer")
    lead = lead_ids(analyst)[-1]

    def move(c: TestClient, csrf: str, status: str, reason: str | None = None) -> Any:
        return c.post(f"/api/v1/leads/{lead}/status", json={"status": status, "reason": reason},
                      headers={"X-CSRF-Token": csrf})

    assert move(analyst, a_csrf, "reviewing").json()["status"] == "reviewing"
    r = move(analyst, a_csrf, "confirmed")
    assert r.status_code == 403 and error_code(r) == "forbidden"
    r = move(reviewer, r_csrf, "dismissed")
    assert r.status_code == 409 and error_code(r) == "invalid_transition"
    assert move(reviewer, r_csrf, "confirmed").status_code == 200
    r = move(reviewer, r_csrf, "new")
    assert r.status_code == 409
    assert move(reviewer, r_csrf, "filed").json()["status"] == "filed"
    history = [h.to_status.value for h in svc.store.status_history(lead)]
    assert history == ["new", "reviewing", "confirmed", "filed"]
    audit = svc.store.audit_entries(object_type="lead", object_id=str(lead), limit=100)
    assert [e.detail["to"] for e in audit if e.action == "lead.status"] == \
        ["reviewing", "confirmed", "filed"]


def test_comments_refuse_raw_identifiers(app: Any) -> None:
    c, csrf = signed_in(app, "analyst")
    lead = lead_ids(c)[0]
    r = c.post(f"/api/v1/leads/{lead}/comments", json={"text": "联系人电话 13812345678"},
               headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and error_code(r) == "unmasked_identifier"
    assert "13812345678" not in r.text


def test_reveal_needs_a_reviewer_and_a_reason_and_is_audited(app: Any, svc: Services,
                                                             caplog: pytest.LogCaptureFixture
                                                             ) -> None:
    caplog.set_level(logging.DEBUG)
    reviewer, csrf = signed_in(app, "reviewer")
    lead = lead_ids(reviewer)[0]
    body = reviewer.get(f"/api/v1/leads/{lead}").json()
    token = body["revealable_tokens"][0]
    r = reviewer.post(f"/api/v1/leads/{lead}/reveal", json={"token": token, "reason": "核"},
                      headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    r = reviewer.post(f"/api/v1/leads/{lead}/reveal",
                      json={"token": token, "reason": "立案审查需核对运营方统一社会信用代码"},
                      headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    value = r.json()["value"]
    from pisentinel.protect import pseudonym_token, token_type

    assert pseudonym_token(token_type(token), value, svc.reveals.key) == token
    entry = [e for e in svc.store.audit_entries(object_type="lead", object_id=str(lead),
                                                 limit=100) if e.action == "lead.reveal"][-1]
    assert entry.actor == "reviewer" and entry.reason.startswith("立案审查")
    assert value not in json.dumps(entry.detail, ensure_ascii=False)
    assert all(value not in rec.getMessage() for rec in caplog.records)
    r = reviewer.post(f"/api/v1/leads/{lead}/reveal",
                      json={"token": "USCC:org_000000000000000000000000", "reason": "核对身份信息"},
                      headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404 and error_code(r) == "unknown_token"
    analyst, a_csrf = signed_in(app, "analyst")
    r = analyst.post(f"/api/v1/leads/{lead}/reveal", json={"token": token, "reason": "核对身份信息"},
                     headers={"X-CSRF-Token": a_csrf})
    assert r.status_code == 403


def test_reports_download_and_are_audited(app: Any, svc: Services) -> None:
    c, _ = signed_in(app, "analyst")
    lead = lead_ids(c)[0]
    r = c.get(f"/api/v1/leads/{lead}/report", params={"format": "pdf"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"] == "application/pdf"
    r = c.get(f"/api/v1/leads/{lead}/report", params={"format": "docx", "lang": "en"})
    assert r.content[:2] == b"PK"
    run_id = c.get("/api/v1/runs").json()["items"][0]["id"]
    assert c.get(f"/api/v1/runs/{run_id}/report", params={"format": "json"}).json()["kind"] == "run"
    exports = [e for e in svc.store.audit_entries(limit=1000) if e.action == "report.export"]
    assert {e.object_type for e in exports} >= {"lead", "run"}
    assert all(e.actor == "analyst" and len(e.detail["sha256"]) == 64 for e in exports)


# --- sources, mappings, runs ---------------------------------------------------------------


def test_upload_names_cannot_escape_the_upload_folder(app: Any, svc: Services) -> None:
    c, csrf = signed_in(app, "analyst")
    r = c.post("/api/v1/sources", headers={"X-CSRF-Token": csrf},
               files={"file": ("../../../etc/cron.d/x.csv", b"name,phone\na,b\n", "text/csv")})
    assert r.status_code == 201, r.text
    src = svc.sources.get(r.json()["id"])
    assert Path(src.path).resolve().is_relative_to(svc.settings.upload_dir.resolve())
    assert Path(src.path).name == "x.csv" and r.json()["path"] is None
    assert [col["name"] for col in r.json()["columns"]] == ["name", "phone"]


def test_upload_limits_and_types(app: Any, svc: Services) -> None:
    c, csrf = signed_in(app, "analyst")
    before = sorted(svc.settings.upload_dir.iterdir())
    big = b"a,b\n" + b"1,2\n" * 20_000  # > 64 KiB in this workspace
    r = c.post("/api/v1/sources", headers={"X-CSRF-Token": csrf},
               files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413 and error_code(r) == "upload_too_large"
    r = c.post("/api/v1/sources", headers={"X-CSRF-Token": csrf},
               files={"file": ("tool.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 400 and error_code(r) == "unsupported_file"
    assert sorted(svc.settings.upload_dir.iterdir()) == before


def test_registered_paths_stay_inside_the_allowed_roots(app: Any, svc: Services,
                                                       tmp_path: Path) -> None:
    c, csrf = signed_in(app, "analyst")
    root = svc.settings.workspace / "allowed"
    inside = root / "ok.csv"
    inside.write_text("姓名,手机号\n张三,13800000000\n", "utf-8")
    outside = tmp_path / "secret.csv"
    outside.write_text("a,b\n1,2\n", "utf-8")
    (root / "link.csv").symlink_to(outside)
    h = {"X-CSRF-Token": csrf}
    assert c.post("/api/v1/sources/register", json={"path": str(inside)}, headers=h
                  ).status_code == 201
    for path in (str(outside), str(root / "link.csv"), str(root / ".." / ".." / "etc")):
        r = c.post("/api/v1/sources/register", json={"path": path}, headers=h)
        assert r.status_code in (403, 404) and error_code(r) in ("path_not_allowed",
                                                                "no_such_path"), path
    r = c.post("/api/v1/sources/register", json={"path": "/etc/passwd"}, headers=h)
    assert r.status_code == 403


def _refusals(c: TestClient, url: str, h: dict[str, str], paths: list[str],
              body: Any = None) -> set[tuple[int, str]]:
    """The distinct (status, body) answers the paths get; one element when they answer alike."""
    answers = set()
    for path in paths:
        r = c.post(url, json=body(path) if body else {"path": path}, headers=h)
        answers.add((r.status_code, r.text))
    return answers


def test_paths_outside_the_roots_answer_alike_whether_or_not_they_exist(
        app: Any, svc: Services, tmp_path: Path) -> None:
    """No path-existence oracle: outside the allowed roots a missing and an existing path get
    the same 403 and the same body, through `..`, symlinks inside a root that lead out (to a
    file, a folder, or nothing), relative paths and `~user`; inside a root, 404 is told apart."""
    c, csrf = signed_in(app, "analyst")
    h = {"X-CSRF-Token": csrf}
    root = svc.settings.workspace / "allowed"
    (outside := tmp_path / "outside").mkdir()
    (outside / "secret.csv").write_text("a,b\n1,2\n", "utf-8")
    (root / "oracle-file.csv").symlink_to(outside / "secret.csv")
    (root / "oracle-dangling.csv").symlink_to(outside / "gone.csv")
    (root / "oracle-dir").symlink_to(outside)
    up = os.path.relpath(outside, root)  # from the root out to the outside folder
    existing = [str(outside / "secret.csv"), str(outside), "/etc/passwd", "/etc",
                str(root / "oracle-file.csv"), str(root / "oracle-dir" / "secret.csv"),
                str(root / up / "secret.csv"), str(root / "no-such-dir" / ".." / up / "secret.csv"),
                "~/"]
    missing = [str(outside / "gone.csv"), str(tmp_path / "no" / "such" / "dir"),
               "/etc/no-such-file", "/no-such-dir/x.csv", str(root / "oracle-dangling.csv"),
               str(root / "oracle-dir" / "gone.csv"), str(root / up / "gone.csv"),
               str(root / "no-such-dir" / ".." / up / "gone.csv"), "relative/x.csv",
               "../../outside/secret.csv", "~no-such-user-pisentinel/x.csv", "~root/x.csv"]
    answers = _refusals(c, "/api/v1/sources/register", h, existing + missing)
    assert len(answers) == 1, answers
    status, text = answers.pop()
    assert status == 403 and json.loads(text)["error"]["code"] == "path_not_allowed"
    assert "绝对路径" in json.loads(text)["error"]["message_zh"]
    assert str(outside) not in text

    r = c.post("/api/v1/sources/register", json={"path": str(root / "gone.csv")}, headers=h)
    assert r.status_code == 404 and error_code(r) == "no_such_path"
    (root / "oracle-sub").mkdir()
    (root / "oracle-ok.csv").write_text("姓名,手机号\n李四,13900000000\n", "utf-8")
    r = c.post("/api/v1/sources/register", headers=h,
               json={"path": str(root / "oracle-sub" / ".." / "oracle-ok.csv")})
    assert r.status_code == 201 and r.json()["path"] == str((root / "oracle-ok.csv").resolve())

    # The console's form answers alike too (same status, same page).
    pages = {(r.status_code, r.text) for r in (
        c.post("/sources/register", data={"csrf_token": csrf, "path": p})
        for p in (str(outside / "secret.csv"), str(outside / "gone.csv")))}
    assert len(pages) == 1 and pages.pop()[0] == 403


def test_rules_files_outside_the_roots_answer_alike_whether_or_not_they_exist(
        app: Any, svc: Services, tmp_path: Path) -> None:
    """A run's rules-file parameter is held to the allowed roots without telling which files
    exist: outside, 403 alike; inside, a missing file is named by the run's own 400."""
    c, csrf = signed_in(app, "analyst")
    h = {"X-CSRF-Token": csrf}
    sid = c.post("/api/v1/sources", headers=h, files={"file": (
        "staff.csv", b"name,phone\na,13900000000\n", "text/csv")}).json()["id"]
    (tmp_path / "rules.yaml").write_text("types: {}\n", "utf-8")
    root = svc.settings.workspace / "allowed"
    (root / "oracle-rules.yaml").symlink_to(tmp_path / "rules.yaml")
    job = lambda path: {"model": "pi_inventory", "inputs": {"sources": [sid]},  # noqa: E731
                        "params": {"rules": path}}
    answers = _refusals(c, "/api/v1/jobs", h, [
        str(tmp_path / "rules.yaml"), str(tmp_path / "gone.yaml"), "/etc/passwd",
        "/etc/no-such.yaml", str(root / "oracle-rules.yaml"), "rules.yaml"], body=job)
    assert len(answers) == 1, answers
    status, text = answers.pop()
    assert status == 403 and json.loads(text)["error"]["code"] == "path_not_allowed"
    r = c.post("/api/v1/jobs", json=job(str(root / "gone.yaml")), headers=h)
    assert r.status_code == 400 and error_code(r) == "invalid_params"
    # The answer says what is wrong, but quotes nothing the user typed (errors.py).
    error = r.json()["error"]
    assert "无法读取" in error["message_zh"] and "cannot be read" in error["message_en"]
    assert "gone.yaml" not in r.text and str(root) not in r.text
    (root / "bad-rules.yaml").write_text("patterns:\n  - {type: NOPE, regex: x}\n", "utf-8")
    r = c.post("/api/v1/jobs", json=job(str(root / "bad-rules.yaml")), headers=h)
    assert r.status_code == 400 and "NOPE" in r.json()["error"]["message_en"]
    assert "bad-rules" not in r.text and str(root) not in r.text
    # Nor does a bad value of another parameter come back, nor an unknown parameter's name.
    for params in ({"min_records": "13912345678x"}, {"13912345678": "1"}):
        r = c.post("/api/v1/jobs", json={**job(""), "params": params}, headers=h)
        assert r.status_code == 400 and error_code(r) == "invalid_params"
        assert "13912345678" not in r.text and "min_records" in r.text
    # Served without --rules, the form says an empty rules file means built-in types only, and
    # the API says the same.
    form = c.get("/runs/new", params={"model": "pi_inventory"}).text
    assert 'data-rules-default="builtin"' in form and "留空只用内置类型" in form
    rules, = [p for p in c.get("/api/v1/models/pi_inventory").json()["params"]
              if p["kind"] == "rules"]
    assert rules["served_rules"] is None and rules["no_rules_words"] == ["none", "无"]
    assert "留空只用内置类型" in rules["zh"] and "Empty: built-in types only" in rules["en"]


STAFF_IDS = [f"GH{100200 + 7 * i:06d}" for i in range(12)]


def _staff_rules(name_zh: str, *, department: bool) -> str:
    """A rules file naming the employee-number type `name_zh` (and a department type)."""
    text = ("types:\n  EMPLOYEE_ID: {name_zh: " + name_zh + ", sensitive: true}\n"
            + ("  DEPARTMENT: {name_zh: 部门名称}\n" if department else "")
            + "patterns:\n  - {type: EMPLOYEE_ID, regex: 'GH[0-9]{6}', score: 0.8}\n")
    if department:
        text += "dictionaries:\n  - {type: DEPARTMENT, words: [财务部, 人事部]}\n"
    return text


def test_a_rerun_with_other_rules_leaves_no_stale_evidence(app: Any, svc: Services) -> None:
    """The same dataset screened three times through the API, each time with other rules: the
    one lead is refreshed, and its case file's evidence is the latest run's, item for item:
    the type names it used, no column an earlier run reported and it did not."""
    c, csrf = signed_in(app, "analyst")
    h = {"X-CSRF-Token": csrf}
    root = svc.settings.workspace / "allowed"
    (root / "rerun-a.yaml").write_text(_staff_rules("工号", department=False), "utf-8")
    (root / "rerun-b.yaml").write_text(_staff_rules("员工编号", department=True), "utf-8")
    csv = "工号,部门,手机\n" + "".join(f"{e},{'财务部' if i % 2 else '人事部'},139{i:08d}\n"
                                    for i, e in enumerate(STAFF_IDS))
    sid = c.post("/api/v1/sources", headers=h, files={
        "file": ("轮换规则员工.csv", csv.encode(), "text/csv")}).json()["id"]

    def run(rules: str) -> tuple[int, dict[str, Any]]:
        job = c.post("/api/v1/jobs", headers=h, json={
            "model": "pi_inventory", "inputs": {"sources": [sid]}, "params": {"rules": rules}})
        assert job.status_code == 202, job.text
        done = _job_done(c, job.json()["id"])
        assert done["status"] == "succeeded", done["error"]
        items = c.get("/api/v1/leads", params={"model": "pi_inventory", "limit": 200}).json()
        for item in items["items"]:
            case = c.get(f"/api/v1/leads/{item['id']}").json()["lead"]
            if case["last_run"] == done["run_id"] and "轮换规则员工" in case["title_zh"]:
                return item["id"], case
        raise AssertionError(f"no lead of run {done['run_id']}")

    def evidence(case: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((e["column"], e["detail"]["type_zh"]) for e in case["evidence"])

    first_id, first = run(str(root / "rerun-a.yaml"))
    assert evidence(first) == sorted([("工号", "工号"), ("手机", "电话号码")])
    lead_id, case = run(str(root / "rerun-b.yaml"))
    assert lead_id == first_id and "员工编号" in case["summary_zh"]
    assert evidence(case) == sorted([("工号", "员工编号"), ("部门", "部门名称"), ("手机", "电话号码")])
    own, = [e for e in case["evidence"] if e["column"] == "工号"]
    assert "员工编号" in own["excerpt"] and "：工号" not in own["excerpt"]
    lead_id, case = run("none")
    assert lead_id == first_id and "员工编号" not in case["summary_zh"]
    assert evidence(case) == [("手机", "电话号码")]
    assert not any(e in json.dumps(case, ensure_ascii=False) for e in STAFF_IDS)


def _job_done(c: TestClient, job_id: int) -> dict[str, Any]:
    """The job once it has left queued/running (a minute at most)."""
    for _ in range(600):
        job = c.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running")


def test_mapping_can_be_read_and_pinned(app: Any, svc: Services) -> None:
    c, csrf = signed_in(app, "analyst")
    src = next(s for s in svc.sources if s.name.endswith("deployments.csv"))
    view = c.get(f"/api/v1/sources/{src.id}/mapping",
                 params={"model": "face_recognition", "input": "deployments"}).json()
    assert view["error"] is None and view["mapping"]["site"] in view["headers"]
    header = view["mapping"]["operator"]
    r = c.put(f"/api/v1/sources/{src.id}/mapping", headers={"X-CSRF-Token": csrf},
              json={"model": "face_recognition", "input": "deployments",
                    "mapping": {"operator": header}})
    assert r.status_code == 200 and r.json()["pinned"] == {"operator": header}
    r = c.put(f"/api/v1/sources/{src.id}/mapping", headers={"X-CSRF-Token": csrf},
              json={"model": "face_recognition", "input": "deployments",
                    "mapping": {"operator": "no such header"}})
    assert r.status_code == 400 and error_code(r) == "invalid_mapping"


def test_a_run_job_reports_progress_and_its_run_record(app: Any, svc: Services,
                                                       tmp_path: Path) -> None:
    from pisentinel.models import get_model

    get_model("face_recognition").generate(40, 11, tmp_path)
    c, csrf = signed_in(app, "analyst")
    h = {"X-CSRF-Token": csrf}
    data = (tmp_path / "deployments.csv").read_bytes()
    sid = c.post("/api/v1/sources", headers=h,
                 files={"file": ("d.csv", io.BytesIO(data), "text/csv")}).json()["id"]
    r = c.post("/api/v1/jobs", headers=h, json={"model": "face_recognition",
                                                "inputs": {"deployments": [sid]},
                                                "params": {"filing_threshold": 50000}})
    assert r.status_code == 202
    job = r.json()
    for _ in range(600):
        job = c.get(f"/api/v1/jobs/{job['id']}").json()
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    steps = [(e["step"], e["status"]) for e in job["events"]]
    assert ("load:deployments", "done") in steps and ("leads", "done") in steps
    run = c.get(f"/api/v1/runs/{job['run_id']}").json()
    assert run["params"]["filing_threshold"] == 50000 and run["status"] == "succeeded"
    r = c.post("/api/v1/jobs", headers=h, json={"model": "face_recognition", "inputs": {}})
    assert r.status_code == 400 and error_code(r) == "missing_input"
    r = c.post("/api/v1/jobs", headers=h, json={"model": "face_recognition",
                                                "inputs": {"deployments": [sid]},
                                                "params": {"no_such": 1}})
    assert r.status_code == 400 and error_code(r) == "invalid_params"


def test_logs_never_carry_query_strings_or_values(app: Any,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pisentinel.web")
    c, _ = signed_in(app, "viewer")
    assert c.get("/api/v1/leads", params={"q": "13912345678"}).status_code == 200
    assert c.get("/leads", params={"q": "110105194912310025"}).status_code == 200
    text = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/api/v1/leads" in text
    assert "13912345678" not in text and "110105194912310025" not in text


def test_unknown_api_routes_answer_with_the_error_body(app: Any) -> None:
    c, _ = signed_in(app, "viewer")
    r = c.get("/api/v1/nothing-here")
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = client(app).get("/api/v1/leads")
    assert r.status_code == 401 and error_code(r) == "unauthenticated"
