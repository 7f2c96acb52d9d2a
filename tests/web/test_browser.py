"""The console in a real browser (Playwright driving Debian's chromium, headless): sign in,
upload a CSV, map its columns, run a model and watch it finish, open a lead, change its status,
export a PDF; a viewer cannot reveal, a reviewer can with a reason. Screenshots go to
``PISENTINEL_SCREENSHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium")]

PASSWORD = "correct-horse-battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import uvicorn

    from pisentinel.web import Settings, create_app
    from pisentinel.web.seed import seed_users
    from pisentinel.web.services import Services

    ws = tmp_path_factory.mktemp("browser")
    svc = Services.build(Settings(workspace=ws / "ws"))
    seed_users(svc, PASSWORD)
    port = _free_port()
    config = uvicorn.Config(create_app(svc.settings, svc), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    shots = Path(os.environ.get("PISENTINEL_SCREENSHOTS", ws / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    yield {"base": f"http://127.0.0.1:{port}", "svc": svc, "data": ws / "data", "shots": shots}
    srv.should_exit = True
    thread.join(timeout=10)
    svc.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _page(browser: Any) -> Any:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                              accept_downloads=True)
    return ctx.new_page()


def _sign_in(page: Any, base: str, user: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_analyst_uploads_maps_runs_triages_and_exports(server: dict[str, Any],
                                                       browser: Any) -> None:
    from pisentinel.models import get_model

    base, shots = server["base"], server["shots"]
    get_model("face_recognition").generate(120, 4, server["data"], mix="hard")
    page = _page(browser)
    page.goto(base + "/leads")
    assert page.url == base + "/login"  # signed out: sent to the sign-in page
    page.screenshot(path=str(shots / "01_login.png"))
    _sign_in(page, base, "analyst")
    assert "概览" in page.inner_text("h1")

    # upload
    page.goto(base + "/sources")
    page.set_input_files("#upload-form input[type=file]", str(server["data"] / "deployments.csv"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"{base}/sources/*")
    assert page.inner_text("h1") == "deployments.csv"

    # map columns: pick the model input, pin a header, save
    page.select_option("select[name=target]", "face_recognition:deployments")
    page.wait_for_selector("#mapping-form")
    header = page.eval_on_selector("select[name='col:operator']", "s => s.value")
    assert header, "the operator column should be matched from the headers"
    page.select_option("select[name='col:operator']", header)
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector(".alert-ok")
    assert "必需列均已匹配" in page.inner_text(".alert-ok")
    page.screenshot(path=str(shots / "02_source_mapping.png"), full_page=True)

    # run the model and watch it finish
    page.click("text=新建运行")
    page.wait_for_selector("#new-run")
    page.select_option("select[name=model]", "face_recognition")
    page.wait_for_selector("select[name='input:deployments']")
    assert page.eval_on_selector("select[name='input:deployments']",
                                 "s => s.selectedOptions.length") == 1
    page.click("#new-run button[type=submit]")
    page.wait_for_url(f"{base}/jobs/*")
    page.wait_for_selector("[data-status=succeeded]", timeout=120_000)
    page.screenshot(path=str(shots / "03_run_finished.png"), full_page=True)

    # open the most severe lead of the run
    page.click("#job-status table a")
    page.wait_for_selector(".case")
    assert page.inner_text(".case-meta .st-new") == "新线索"
    page.screenshot(path=str(shots / "04_lead_case_file.png"), full_page=True)

    # change its status
    page.check("#status-form input[value=reviewing]", force=True)
    page.click("#status-form button[type=submit]")
    page.wait_for_selector(".case-meta .st-reviewing")
    assert "审查中" in page.inner_text(".history")

    # export a PDF
    with page.expect_download() as dl:
        page.click("a[href$='format=pdf']")
    pdf = Path(dl.value.path())
    assert pdf.read_bytes()[:4] == b"%PDF" and dl.value.suggested_filename.endswith(".pdf")
    page.context.close()


def test_viewer_cannot_reveal_but_a_reviewer_can(server: dict[str, Any], browser: Any) -> None:
    base, shots, svc = server["base"], server["shots"], server["svc"]
    lead_id = next(ld.id for ld in svc.store.query(limit=50).items
                   if svc.reveals.has(tok for tok, _ in svc.store.get(ld.id).tokens()))

    viewer = _page(browser)
    _sign_in(viewer, base, "viewer")
    viewer.goto(f"{base}/leads/{lead_id}")
    assert viewer.query_selector("#reveal-form") is None
    assert viewer.query_selector("#status-form") is None
    status = viewer.evaluate(
        """async ([id]) => {
            const r = await fetch(`/leads/${id}/reveal`, {method: "POST",
              headers: {"X-CSRF-Token": document.body.getAttribute("hx-headers").split('"')[3]},
              body: new URLSearchParams({token: "x", reason: "试图查看"})});
            return r.status; }""", [lead_id])
    assert status == 403
    viewer.screenshot(path=str(shots / "05_viewer_lead.png"))
    viewer.context.close()

    reviewer = _page(browser)
    _sign_in(reviewer, base, "reviewer")
    reviewer.goto(f"{base}/leads/{lead_id}")
    reviewer.fill("#reveal-form input[name=reason]", "立案审查，核对运营方身份")
    reviewer.click("#reveal-form button[type=submit]")
    reviewer.wait_for_selector("#reveal-out .revealed")
    value = reviewer.inner_text("#reveal-out .revealed").strip()
    assert value and "*" not in value
    reviewer.screenshot(path=str(shots / "06_reviewer_reveal.png"))
    audit = [e for e in svc.store.audit_entries(object_type="lead", object_id=str(lead_id))
             if e.action == "lead.reveal"]
    assert audit and audit[-1].actor == "reviewer"
    assert value not in repr(audit[-1])

    # the console switches to English
    reviewer.click("text=English")
    reviewer.wait_for_selector("text=Recommended action")
    reviewer.goto(base + "/")
    reviewer.wait_for_selector("#chart-models svg")
    reviewer.screenshot(path=str(shots / "07_dashboard_en.png"))
    reviewer.context.close()


def test_analyst_pastes_a_text_into_the_detector(server: dict[str, Any], browser: Any) -> None:
    """The detector page in a real browser: the findings come back masked, in place and in a
    table, and the page never shows the pasted identifiers."""
    from pisentinel.detect.validators import id_check_char

    base, shots = server["base"], server["shots"]
    id_number = "44030119851231002" + id_check_char("44030119851231002")
    page = _page(browser)
    _sign_in(page, base, "analyst")
    page.click("nav >> text=个人信息检测")
    page.fill("#detect-form textarea", f"联系人李娜，身份证{id_number}，电话13912345678，"
                                       "住址广东省深圳市南山区科技园路1号")
    page.click("#detect-form button[type=submit]")
    page.wait_for_selector("#detect-result")
    marks = page.locator(".masked-preview mark")
    assert marks.count() >= 3
    preview = page.inner_text(".masked-preview")
    assert id_number[:6] + "*" * 8 + id_number[-4:] in preview and "139****5678" in preview
    assert id_number not in page.content() and "13912345678" not in page.content()
    page.screenshot(path=str(shots / "08_detector.png"), full_page=True)
