"""The public tip page and the analysts' tip list, mounted on the real console app: no sign-in
for the public pages, a receipt code shown once, nothing scripted rendered back, limits answered
with clear pages, the list only for analysts, no raw PI in logs. Synthetic data only."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pisentinel.leads import find_raw_identifiers
from pisentinel.web import Settings, create_app
from pisentinel.web.seed import DEMO_PASSWORD, seed_users
from pisentinel.web.services import Services
from pisentinel.web.tips import router as tips_router

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
XSS = "<script>alert('x')</script>"
CODE = re.compile(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){3}")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("PISENTINEL_KEY", "5a" * 32)
    svc = Services.build(Settings(workspace=tmp_path / "ws"))
    seed_users(svc)
    app = create_app(svc.settings, svc)
    app.include_router(tips_router)
    yield app
    svc.close()


def client(app: Any) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def sign_in(app: Any, role: str) -> TestClient:
    c = client(app)
    r = c.post("/api/v1/auth/login", json={"username": role, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return c


def tip(c: TestClient, name: str = "平安停车", **fields: str) -> Any:
    data = {"scenario": "parking_app", "subject_kind": "app", "subject_name": name,
            "description": "不授权定位就不能缴费。", **fields}
    return c.post("/tips", data=data, files=[("files", ("截图.png", PNG, "image/png"))])


def test_the_public_form_needs_no_sign_in_and_fits_a_phone(app: Any) -> None:
    r = client(app).get("/tips")
    assert r.status_code == 200
    assert 'name="viewport"' in r.text and "公众举报" in r.text and "<script" not in r.text
    assert r.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_a_tip_gets_a_receipt_and_nothing_is_rendered_back_as_script(
        app: Any, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(9)
    phone = f"13{rng.randint(0, 999_999_999):09d}"
    caplog.set_level(logging.DEBUG)
    c = client(app)
    r = tip(c, name=f"停车{XSS}", description=f"不开定位不能缴费 {XSS}，我的手机 {phone}",
            contact=phone)
    assert r.status_code == 200, r.text
    (code,) = CODE.findall(r.text)
    assert "<script" not in r.text
    # the analyst sees the tip, escaped and masked
    page = sign_in(app, "analyst").get("/tips/review")
    assert page.status_code == 200
    assert "alert(" in page.text and "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    assert phone not in page.text and find_raw_identifiers(page.text) == []
    # the reporter follows up with the code, in a POST body
    status = c.post("/tips/follow-up", data={"code": code.lower(), "text": "补充：又试了一次"})
    assert status.status_code == 200 and "补充材料已收到" in status.text
    assert "<script>alert" not in status.text
    assert client(app).post("/tips/follow-up", data={"code": "AAAAA-AAAAA-AAAAA-AAAAA"}
                            ).status_code == 404
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert phone not in logged and code not in logged


def test_refusals_come_back_as_the_form_with_a_message(app: Any) -> None:
    c = client(app)
    r = c.post("/tips", data={"scenario": "parking_app", "subject_kind": "app",
                              "subject_name": "平安停车", "description": "不开定位不能缴费",
                              "contact": "contact-secret"},
               files=[("files", ("x.png", b"%PDF-1.4 not a png", "image/png"))])
    assert r.status_code == 415 and "类型不受支持" in r.text
    assert "平安停车" in r.text and "contact-secret" not in r.text
    r = c.post("/tips", data={"scenario": "", "subject_name": "x", "description": "很长的描述"})
    assert r.status_code == 400 and "请选择举报场景" in r.text


def test_one_client_is_rate_limited(app: Any) -> None:
    c = client(app)
    codes = [tip(c).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_the_review_page_is_for_analysts_and_ranks_subjects(app: Any) -> None:
    c = client(app)
    for _ in range(3):
        tip(c, name="平安停车 App")
    tip(c, name="安心停车")
    assert client(app).get("/tips/review", follow_redirects=False).status_code in (303, 401)
    assert sign_in(app, "viewer").get("/tips/review").status_code == 403
    ranked = sign_in(app, "analyst").get("/api/v1/tips/subjects").json()["items"]
    assert [(r["display"], r["tips"]) for r in ranked] == [("平安停车 App", 3), ("安心停车", 1)]
