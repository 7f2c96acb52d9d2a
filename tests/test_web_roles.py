"""Every endpoint, every role: anonymous callers get 401, roles below the endpoint's get 403,
the rest get through. The matrix must name every route of the OpenAPI schema and every console
page, so a new endpoint cannot slip in without its role check being tested."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pisentinel.web import Role, Settings, create_app
from pisentinel.web.seed import DEMO_PASSWORD, seed_leads, seed_users
from pisentinel.web.services import Services

ROLES = ["anonymous", "viewer", "analyst", "reviewer", "admin"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ws = tmp_path_factory.mktemp("roles")
    (ws / "allowed").mkdir()
    (ws / "allowed" / "a.csv").write_text("姓名,电话\n张三,010-1234\n", "utf-8")
    svc = Services.build(Settings(workspace=ws, allowed_roots=(ws / "allowed",)))
    seed_users(svc)
    run_id = seed_leads(svc, "face_recognition", rows=60, seed=5)
    app = create_app(svc.settings, svc)
    lead = svc.store.query(limit=1).items[0]
    reveal_token = sorted(svc.reveals.has(tok for tok, _ in svc.store.get(lead.id).tokens()))[0]
    src = next(iter(svc.sources))
    viewer_id = svc.accounts.find_user("viewer").id  # type: ignore[union-attr]
    _, tok = svc.accounts.issue_token(viewer_id, "fixture", by="test")
    yield {"svc": svc, "app": app, "run": run_id, "lead": lead.id, "source": src.id,
           "token": reveal_token, "user": viewer_id, "api_token": tok.id}
    svc.close()


def _session(app: Any, role: str) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(app, base_url="https://testserver", follow_redirects=False)
    if role == "anonymous":
        return c, {}
    r = c.post("/api/v1/auth/login", json={"username": role, "password": DEMO_PASSWORD})
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


# (method, path template, json body or None, minimal role). {lead} etc. come from the world.
API: list[tuple[str, str, Any, str]] = [
    ("GET", "/api/v1/me", None, "viewer"),
    ("POST", "/api/v1/auth/logout", None, "viewer"),
    ("GET", "/api/v1/dashboard", None, "viewer"),
    ("GET", "/api/v1/models", None, "viewer"),
    ("GET", "/api/v1/models/face_recognition", None, "viewer"),
    ("GET", "/api/v1/sources", None, "viewer"),
    ("POST", "/api/v1/sources", "upload", "analyst"),
    ("POST", "/api/v1/sources/register", {"path": "{allowed}/a.csv"}, "analyst"),
    ("GET", "/api/v1/sources/{source}", None, "viewer"),
    ("GET", "/api/v1/sources/{source}/mapping?model=face_recognition&input=deployments", None,
     "viewer"),
    ("PUT", "/api/v1/sources/{source}/mapping",
     {"model": "face_recognition", "input": "deployments", "mapping": {}}, "analyst"),
    ("POST", "/api/v1/jobs", {"model": "face_recognition", "inputs": {}}, "analyst"),
    ("GET", "/api/v1/jobs", None, "viewer"),
    ("GET", "/api/v1/jobs/1", None, "viewer"),
    ("GET", "/api/v1/runs", None, "viewer"),
    ("GET", "/api/v1/runs/{run}", None, "viewer"),
    ("GET", "/api/v1/runs/{run}/report?format=json", None, "analyst"),
    ("GET", "/api/v1/leads", None, "viewer"),
    ("GET", "/api/v1/leads/{lead}", None, "viewer"),
    ("GET", "/api/v1/leads/{lead}/linked", None, "viewer"),
    ("GET", "/api/v1/leads/{lead}/graph", None, "viewer"),
    ("POST", "/api/v1/leads/{lead}/comments", {"text": "核查"}, "analyst"),
    ("POST", "/api/v1/leads/{lead}/status", {"status": "reviewing"}, "analyst"),
    ("GET", "/api/v1/leads/{lead}/report?format=json", None, "analyst"),
    ("POST", "/api/v1/leads/{lead}/reveal", {"token": "{token}", "reason": "核对主体身份"},
     "reviewer"),
    ("POST", "/api/v1/detect", {"texts": ["手机13912345678"]}, "analyst"),
    ("POST", "/api/v1/redact", {"texts": ["手机13912345678"]}, "analyst"),
    ("GET", "/api/v1/users", None, "admin"),
    ("POST", "/api/v1/users", {"username": "x", "password": "short", "role": "viewer"}, "admin"),
    ("PATCH", "/api/v1/users/{user}", {}, "admin"),
    ("GET", "/api/v1/tokens", None, "admin"),
    ("POST", "/api/v1/tokens", {"user_id": 999999, "name": "n"}, "admin"),
    ("DELETE", "/api/v1/tokens/{api_token}", None, "admin"),
    ("GET", "/api/v1/audit", None, "admin"),
]

# Console pages and forms (GET pages, POST forms with the CSRF field).
CONSOLE: list[tuple[str, str, dict[str, str] | None, str]] = [
    ("GET", "/", None, "viewer"),
    ("GET", "/leads", None, "viewer"),
    ("GET", "/leads/{lead}", None, "viewer"),
    ("POST", "/leads/{lead}/status", {"status": "reviewing"}, "analyst"),
    ("POST", "/leads/{lead}/comments", {"text": "核查"}, "analyst"),
    ("POST", "/leads/{lead}/reveal", {"token": "{token}", "reason": "核对主体身份"}, "reviewer"),
    ("GET", "/leads/{lead}/export?format=json", None, "analyst"),
    ("GET", "/runs", None, "viewer"),
    ("GET", "/runs/new", None, "analyst"),
    ("POST", "/runs/new", {"model": "face_recognition"}, "analyst"),
    ("GET", "/jobs/1", None, "viewer"),
    ("GET", "/runs/{run}/export?format=json", None, "analyst"),
    ("GET", "/detect", None, "analyst"),
    ("POST", "/detect", {"text": "手机13912345678"}, "analyst"),
    ("GET", "/sources", None, "viewer"),
    ("POST", "/sources/upload", "upload", "analyst"),
    ("POST", "/sources/register", {"path": "{allowed}/a.csv"}, "analyst"),
    ("GET", "/sources/{source}", None, "viewer"),
    ("POST", "/sources/{source}/mapping", {"target": "face_recognition:deployments"}, "analyst"),
    ("GET", "/admin/users", None, "admin"),
    ("POST", "/admin/users", {"username": "x", "password": "short", "role": "viewer"}, "admin"),
    ("POST", "/admin/users/{user}", {"role": "viewer"}, "admin"),
    ("GET", "/admin/tokens", None, "admin"),
    ("POST", "/admin/tokens", {"user_id": "{user}", "name": "n"}, "admin"),
    ("POST", "/admin/tokens/{api_token}/revoke", {}, "admin"),
    ("GET", "/admin/audit", None, "admin"),
    ("POST", "/logout", {}, "viewer"),
]


def _fill(value: Any, world: dict[str, Any]) -> Any:
    names = {k: world[k] for k in ("lead", "run", "source", "token", "user", "api_token")}
    names["allowed"] = str(world["svc"].settings.workspace / "allowed")
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _call(c: TestClient, headers: dict[str, str], method: str, path: str, body: Any,
          form: bool) -> Any:
    if body == "upload":
        files = {"file": ("t.csv", b"a,b\n1,2\n", "text/csv")}
        data = {"csrf_token": headers.get("X-CSRF-Token", "")} if form else None
        return c.request(method, path, files=files, data=data,
                         headers={} if form else headers)
    if form:
        data = {**(body or {}), "csrf_token": headers.get("X-CSRF-Token", "")}
        return c.request(method, path, data=data if method == "POST" else None)
    return c.request(method, path, json=body, headers=headers)


def _expect(role: str, minimal: str, status: int, method: str, path: str) -> None:
    where = f"{method} {path} as {role}: {status}"
    if role == "anonymous":
        assert status in (401, 303), where
    elif not Role(role).at_least(Role(minimal)):
        assert status == 403, where
    else:
        assert status not in (401, 403, 500), where


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "minimal"), API,
                         ids=[f"{m} {p}" for m, p, _, _ in API])
def test_api_endpoint_role(world: dict[str, Any], role: str, method: str, path: str, body: Any,
                           minimal: str) -> None:
    c, headers = _session(world["app"], role)
    r = _call(c, headers, method, _fill(path, world), _fill(body, world), form=False)
    _expect(role, minimal, r.status_code, method, path)
    if role == "anonymous":
        assert r.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "minimal"), CONSOLE,
                         ids=[f"{m} {p}" for m, p, _, _ in CONSOLE])
def test_console_route_role(world: dict[str, Any], role: str, method: str, path: str,
                            body: Any, minimal: str) -> None:
    c, headers = _session(world["app"], role)
    r = _call(c, headers, method, _fill(path, world), _fill(body, world), form=True)
    _expect(role, minimal, r.status_code, method, path)
    if role == "anonymous":
        assert r.headers["location"] == "/login"


def test_the_matrix_covers_every_route(world: dict[str, Any]) -> None:
    app = world["app"]
    schema = app.openapi()
    declared = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    tested = {(m, p.split("?")[0]) for m, p, _, _ in API}
    templated = {(m, p.replace("{lead}", "{lead_id}").replace("{run}", "{run_id}")
                  .replace("{source}", "{source_id}").replace("{user}", "{user_id}")
                  .replace("{api_token}", "{token_id}").replace("/jobs/1", "/jobs/{job_id}")
                  .replace("face_recognition", "{name}")) for m, p in tested}
    assert declared - templated == {("POST", "/api/v1/auth/login")}
    console = {(m, r.path) for r in app.routes if not getattr(r, "include_in_schema", True)
               and hasattr(r, "methods") for m in r.methods if m != "HEAD"}
    console_tested = {(m, p.split("?")[0].replace("{lead}", "{lead_id}")
                       .replace("{run}", "{run_id}").replace("{source}", "{source_id}")
                       .replace("{user}", "{user_id}").replace("{api_token}", "{token_id}")
                       .replace("/jobs/1", "/jobs/{job_id}")) for m, p, _, _ in CONSOLE}
    public = {("GET", "/login"), ("POST", "/login"), ("GET", "/lang/{code}")}
    docs = {(m, r.path) for r in app.routes for m in getattr(r, "methods", ())
            if r.path.startswith("/api/docs") or r.path == "/api/v1/openapi.json"}
    assert console - console_tested - public - docs == set()


def test_viewers_never_see_reveal_controls_or_values(world: dict[str, Any]) -> None:
    c, _ = _session(world["app"], "viewer")
    page = c.get(f"/leads/{world['lead']}").text
    assert 'hx-post="/leads/' not in page and 'name="reason"' not in page
    assert c.get(f"/api/v1/leads/{world['lead']}").json()["revealable_tokens"] == []
    reviewer, _ = _session(world["app"], "reviewer")
    assert 'id="reveal-form"' in reviewer.get(f"/leads/{world['lead']}").text
