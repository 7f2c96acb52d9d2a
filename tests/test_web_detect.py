"""The detector over REST: POST /api/v1/detect and /api/v1/redact, with an API token, against a
real app and store; answers hold offsets and masked values, never the raw PI."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pisentinel.detect.validators import id_check_char
from pisentinel.web import Settings, create_app
from pisentinel.web.seed import seed_users
from pisentinel.web.services import Services

ID = "11010119900307777" + id_check_char("11010119900307777")
TEXTS = [f"姓名：张三，身份证{ID}，手机13912345678", "没有个人信息。", ""]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    svc = Services.build(Settings(workspace=Path(tmp_path_factory.mktemp("detect"))))
    seed_users(svc)
    users = {role: svc.accounts.find_user(role) for role in ("analyst", "viewer")}
    tokens = {}
    for role, user in users.items():
        assert user is not None
        tokens[role], _ = svc.accounts.issue_token(user.id, "script", by="test")
    client = TestClient(create_app(svc.settings, svc), base_url="https://testserver")
    yield client, tokens
    svc.close()


def post(api: tuple[TestClient, dict[str, str]], path: str, body: dict[str, Any],
         role: str = "analyst") -> Any:
    client, tokens = api
    raw = json.dumps(body)  # ASCII escapes carry even a lone surrogate (\ud800) to the server
    return client.post(path, content=raw, headers={"Authorization": f"Bearer {tokens[role]}",
                                                    "Content-Type": "application/json"})


def test_detect_gives_offsets_and_masks_never_the_values(api: Any) -> None:
    r = post(api, "/api/v1/detect", {"texts": TEXTS})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [len(x["findings"]) for x in results[1:]] == [0, 0]
    found = {f["type"]: f for f in results[0]["findings"]}
    assert set(found) >= {"PERSON_NAME", "CN_ID_CARD", "PHONE_NUMBER"}
    idf = found["CN_ID_CARD"]
    assert TEXTS[0][idf["start"]:idf["end"]] == ID and idf["sensitive"] is True
    assert idf["masked"] == ID[:6] + "*" * 8 + ID[-4:]
    assert ID not in r.text and "13912345678" not in r.text


def test_detect_types_min_score_and_rules_only(api: Any) -> None:
    r = post(api, "/api/v1/detect", {"texts": TEXTS[:1], "types": ["PHONE_NUMBER"],
                                     "ner": "off", "min_score": 0.9})
    assert [f["type"] for f in r.json()["results"][0]["findings"]] == ["PHONE_NUMBER"]


def test_redact_returns_the_texts_de_identified(api: Any) -> None:
    r = post(api, "/api/v1/redact", {"texts": TEXTS, "method": "mask"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["texts"][0] == f"姓名：张*，身份证{ID[:6]}********{ID[-4:]}，手机139****5678"
    assert body["texts"][1:] == TEXTS[1:] and body["redacted"] == 3
    tokens = post(api, "/api/v1/redact", {"texts": TEXTS[:1] * 2, "method": "token"}).json()
    assert tokens["texts"][0] == tokens["texts"][1] and ID not in json.dumps(tokens)


def test_redact_labels_follow_the_lang_parameter(api: Any) -> None:
    """/redact takes its language as the other endpoints do (`?lang=`, zh by default): labels,
    and generalised forms that fall back to one, in English under lang=en."""
    texts = ["他信仰佛教，手机13912345678"]
    answers = {(lang, method): post(api, "/api/v1/redact" + query, {
        "texts": texts, "method": method, "ner": "off"}).json()["texts"][0]
        for lang, query in (("zh", ""), ("en", "?lang=en"))
        for method in ("label", "generalize")}
    assert answers == {("zh", "label"): "他[宗教信仰]，手机[电话号码]",
                       ("zh", "generalize"): "他[宗教信仰]，手机139",
                       ("en", "label"): "他[Religious belief]，手机[Phone number]",
                       ("en", "generalize"): "他[Religious belief]，手机139"}
    assert post(api, "/api/v1/redact?lang=fr", {"texts": texts}).status_code == 422
    client, _ = api
    params = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/redact"]["post"][
        "parameters"]
    assert [(p["name"], p["in"], p["schema"]["enum"]) for p in params] == [
        ("lang", "query", ["zh", "en"])]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"texts": ["x"], "types": ["NOT_A_TYPE"]}, 400, "unknown_types"),
    ({"texts": ["\ud800"]}, 400, "invalid_text"),
    ({"texts": ["长" * 1_000_000, "长" * 1_000_001]}, 413, "too_large"),
    ({"texts": []}, 422, None),
])
def test_bad_requests_get_clear_errors(api: Any, body: dict[str, Any], status: int,
                                       code: str | None) -> None:
    r = post(api, "/api/v1/detect", body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"code", "message_zh", "message_en"}
    if code:
        assert error["code"] == code


def test_viewers_may_not_run_the_detector(api: Any) -> None:
    assert post(api, "/api/v1/detect", {"texts": ["x"]}, role="viewer").status_code == 403
    client, _ = api
    assert client.post("/api/v1/detect", json={"texts": ["x"]}).status_code == 401


def test_console_detector_page_shows_masked_values_only(api: Any) -> None:
    """The console's detector page: an analyst pastes a text and sees each finding as its masked
    value with its type, in place, plus a table; the raw values never come back."""
    import re

    from pisentinel.web.seed import DEMO_PASSWORD

    client, _ = api
    r = client.post("/api/v1/auth/login", json={"username": "analyst", "password": DEMO_PASSWORD})
    csrf = r.json()["csrf_token"]
    assert 'action="/detect"' in client.get("/detect").text
    page = client.post("/detect", data={"csrf_token": csrf, "text": TEXTS[0], "ner": "near"})
    assert page.status_code == 200, page.text[:300]
    preview = re.search(r'<p class="masked-preview">(.*?)</p>', page.text, re.S)
    assert preview is not None
    assert f"{ID[:6]}********{ID[-4:]}" in preview.group(1) and "139****5678" in preview.group(1)
    assert "居民身份证号码" in preview.group(1) and "张*" in preview.group(1)
    assert ID not in page.text and "13912345678" not in page.text and "张三" not in page.text
    assert client.post("/detect", data={"text": TEXTS[0]}).status_code == 403  # no CSRF token


RULED_TEXT = "工号GH123456，测试号13800138000，手机13912345678"


@contextmanager
def served_with_rules(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """An app served with a rules file (`pisentinel serve --rules`), an analyst logged in: the
    client and its CSRF token."""
    from pisentinel.web.seed import DEMO_PASSWORD

    rules = tmp_path / "rules.yaml"
    rules.write_text("types:\n  EMPLOYEE_ID: {name_zh: 工号, name_en: employee number, "
                     "sensitive: true, mask: {keep_prefix: 2, keep_suffix: 2}}\n"
                     "patterns:\n  - {type: EMPLOYEE_ID, regex: 'GH[0-9]{6}', score: 0.8}\n"
                     "allow:\n  values: ['13800138000']\n", encoding="utf-8")
    svc = Services.build(Settings(workspace=tmp_path / "ws", detection_rules=rules))
    seed_users(svc)
    try:
        client = TestClient(create_app(svc.settings, svc), base_url="https://testserver")
        r = client.post("/api/v1/auth/login", json={"username": "analyst",
                                                    "password": DEMO_PASSWORD})
        yield client, r.json()["csrf_token"]
    finally:
        svc.close()


def test_served_rules_apply_to_the_api_and_the_console(tmp_path: Path) -> None:
    """`pisentinel serve --rules`: the user's types, word lists and allow list hold for
    /detect and for the console page, with the custom type's own mask and name."""
    import re

    with served_with_rules(tmp_path) as (client, csrf):
        text = RULED_TEXT
        body = client.post("/api/v1/detect", json={"texts": [text], "types": ["EMPLOYEE_ID"]},
                           headers={"X-CSRF-Token": csrf}).json()
        assert [(f["type"], f["masked"], f["sensitive"]) for f in body["results"][0]["findings"]
                ] == [("EMPLOYEE_ID", "GH****56", True)]
        page = client.post("/detect", data={"csrf_token": csrf, "text": text, "ner": "off"}).text
        preview = re.search(r'<p class="masked-preview">(.*?)</p>', page, re.S)
        assert preview is not None and "工号" in preview.group(1)
        assert "GH****56" in preview.group(1) and "139****5678" in preview.group(1)
        assert "138****8000" not in preview.group(1)  # allowed: not flagged at all


def test_served_rules_apply_to_redact(tmp_path: Path) -> None:
    """/redact under served rules gives a custom type what /detect shows of it: its own mask
    (GH****56, not ********), and its name as label; allowed values stay as they are."""
    with served_with_rules(tmp_path) as (client, csrf):
        answers = {method: client.post("/api/v1/redact", json={
            "texts": [RULED_TEXT], "method": method, "ner": "off"},
            headers={"X-CSRF-Token": csrf}).json()["texts"][0]
            for method in ("mask", "label", "generalize")}
    assert answers == {"mask": "工号GH****56，测试号13800138000，手机139****5678",
                       "label": "工号[工号]，测试号13800138000，手机[电话号码]",
                       "generalize": "工号[工号]，测试号13800138000，手机139"}


def test_detect_explains_in_the_language_asked_for(api: Any) -> None:
    """`/detect?lang=en` explains in English and labels what is shown as a label in English."""
    texts = ["他信仰佛教，手机13912345678"]
    answers = {lang: post(api, "/api/v1/detect" + query, {"texts": texts, "ner": "off"}
                          ).json()["results"][0]["findings"]
               for lang, query in (("zh", ""), ("en", "?lang=en"))}
    by_type = {lang: {f["type"]: f for f in found} for lang, found in answers.items()}
    assert by_type["zh"]["RELIGION"]["masked"] == "[宗教信仰]"
    assert by_type["en"]["RELIGION"]["masked"] == "[Religious belief]"
    assert "validated:segment" in by_type["en"]["PHONE_NUMBER"]["explanation"]
    assert "校验通过:segment" in by_type["zh"]["PHONE_NUMBER"]["explanation"]
    assert by_type["en"]["PHONE_NUMBER"]["masked"] == by_type["zh"]["PHONE_NUMBER"]["masked"]


STAFF_IDS = [f"GH{100200 + 7 * i:06d}" for i in range(12)]
OTHER_RULES = ("types:\n  EMPLOYEE_ID: {name_zh: 员工编号, name_en: staff code, sensitive: false}\n"
               "patterns:\n  - {type: EMPLOYEE_ID, regex: 'GH[0-9]{6}', score: 0.8}\n")


def _finished(client: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    """The job once it has left queued/running (a minute at most)."""
    for _ in range(1200):
        job = client.get(f"/api/v1/jobs/{job['id']}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job['id']} still {job['status']}")


def _run_lead(client: TestClient, run_id: str) -> dict[str, Any]:
    """The one pi_inventory lead of a run, as the API's case file shows it."""
    items = client.get("/api/v1/leads", params={"model": "pi_inventory", "limit": 200}
                       ).json()["items"]
    for item in items:
        case = client.get(f"/api/v1/leads/{item['id']}").json()
        if case["lead"]["last_run"] == run_id:
            return case
    raise AssertionError(f"no lead of run {run_id}")


def test_a_console_run_counts_the_served_rules_unless_told_otherwise(tmp_path: Path) -> None:
    """`serve --rules` is the console's default for a run as it is for /detect: a pi_inventory
    run started through the API without a rules parameter reads the served file (kept outside
    the allowed folders, as an operator's file would be), its run record holds that file's
    digest, and its inventory counts 工号. A path the user names still wins."""
    from pisentinel.detect.rules import load_rules
    from pisentinel.web.security import LANG_COOKIE
    from pisentinel.web.seed import DEMO_PASSWORD

    served, other = tmp_path / "etc" / "rules.yaml", tmp_path / "allowed" / "other.yaml"
    served.parent.mkdir()
    other.parent.mkdir()
    served.write_text("types:\n  EMPLOYEE_ID: {name_zh: 工号, name_en: employee number, "
                      "sensitive: true}\n"
                      "patterns:\n  - {type: EMPLOYEE_ID, regex: 'GH[0-9]{6}', score: 0.8}\n",
                      "utf-8")
    other.write_text(OTHER_RULES, "utf-8")
    digest = "sha256:" + load_rules(served).digest
    svc = Services.build(Settings(workspace=tmp_path / "ws", detection_rules=served,
                                  allowed_roots=(other.parent,)))
    seed_users(svc)
    try:
        client = TestClient(create_app(svc.settings, svc), base_url="https://testserver")
        h = {"X-CSRF-Token": client.post("/api/v1/auth/login", json={
            "username": "analyst", "password": DEMO_PASSWORD}).json()["csrf_token"]}
        csv = "工号,部门,手机\n" + "".join(f"{e},财务部,139{i:08d}\n"
                                        for i, e in enumerate(STAFF_IDS))
        sid = client.post("/api/v1/sources", headers=h, files={
            "file": ("员工.csv", csv.encode(), "text/csv")}).json()["id"]

        form = client.get("/runs/new", params={"model": "pi_inventory"}).text
        assert 'data-rules-default="served"' in form and str(served) in form
        assert "留空则使用服务启动时加载的规则文件" in form and digest[:19] in form

        start = lambda **params: client.post("/api/v1/jobs", headers=h, json={  # noqa: E731
            "model": "pi_inventory", "inputs": {"sources": [sid]}, "params": params})
        r = start()
        assert r.status_code == 202, r.text
        assert r.json()["params"]["rules"] == str(served.resolve())
        job = _finished(client, r.json())
        assert job["status"] == "succeeded", job["error"]
        params = client.get(f"/api/v1/runs/{job['run_id']}").json()["params"]
        assert params["rules"] == str(served.resolve()) and params["rules_digest"] == digest
        lead = _run_lead(client, job["run_id"])["lead"]
        own, = [e for e in lead["evidence"] if e["column"] == "工号"]
        assert (own["detail"]["type"], own["detail"]["type_zh"], own["detail"]["rows"]) == (
            "EMPLOYEE_ID", "工号", 12)
        assert "工号" in lead["summary_zh"] and not any(e in json.dumps(lead) for e in STAFF_IDS)

        page = client.get(f"/jobs/{job['id']}").text
        assert "规则文件" in page and str(served.resolve()) in page and "服务默认规则" in page
        assert digest[:19] in page
        client.cookies.set(LANG_COOKIE, "en")
        page = client.get(f"/jobs/{job['id']}").text
        assert "Rules file" in page and "server default" in page
        client.cookies.set(LANG_COOKIE, "zh")

        # An empty value, or the served file named outright, is the same run.
        for again in (start(rules=""), start(rules=str(served))):
            assert again.status_code == 202, again.text
            assert _finished(client, again.json())["run_id"] == job["run_id"]

        # A file the user names wins: its digest, its name for the type, no served chip.
        mine = _finished(client, start(rules=str(other)).json())
        assert mine["status"] == "succeeded" and mine["run_id"] != job["run_id"]
        params = client.get(f"/api/v1/runs/{mine['run_id']}").json()["params"]
        assert params["rules"] == str(other.resolve())
        assert params["rules_digest"] == "sha256:" + load_rules(other).digest
        lead = _run_lead(client, mine["run_id"])["lead"]  # the same dataset's lead, refreshed
        assert "员工编号" in lead["summary_zh"] and "敏感个人信息：工号" not in lead["summary_zh"]
        # ... and its evidence is this run's too: the case file names the column's type as
        # the summary does, once, with nothing left of the first run's account.
        own, = [e for e in lead["evidence"] if e["column"] == "工号"]
        assert (own["detail"]["type_zh"], own["detail"]["sensitive"]) == ("员工编号", False)
        assert "员工编号" in own["excerpt"]
        assert not any(e["detail"].get("type_zh") == "工号" for e in lead["evidence"])
        assert len({e["column"] for e in lead["evidence"]}) == len(lead["evidence"])
        page = client.get(f"/jobs/{mine['id']}").text
        assert str(other.resolve()) in page and "服务默认规则" not in page

        # none / 无 (any case) asks for no rules file at all: built-in types only.
        bare = _finished(client, start(rules="none").json())
        assert bare["status"] == "succeeded" and bare["params"]["rules"] == ""
        assert bare["run_id"] not in (job["run_id"], mine["run_id"])
        params = client.get(f"/api/v1/runs/{bare['run_id']}").json()["params"]
        assert params["rules"] == "" and "rules_digest" not in params
        lead = _run_lead(client, bare["run_id"])["lead"]
        assert [e["column"] for e in lead["evidence"]] == ["手机"]
        assert "工号" not in lead["summary_zh"] and "员工编号" not in lead["summary_zh"]
        for word in ("无", " NONE "):
            again = start(rules=word)
            assert again.status_code == 202 and again.json()["params"]["rules"] == ""
            assert _finished(client, again.json())["run_id"] == bare["run_id"]
        assert "未用规则文件（仅内置类型）" in client.get(f"/jobs/{bare['id']}").text
    finally:
        svc.close()


def test_the_api_says_what_an_empty_rules_parameter_means_here(tmp_path: Path) -> None:
    """On a server started with --rules, the model listing describes a rules parameter as the
    run form does: empty is the served file (its name and digest, not its folder or content),
    none / 无 is built-in types only; the manifest's "empty: built-in types only" would be
    wrong here."""
    from pisentinel.detect.rules import load_rules
    from pisentinel.web.seed import DEMO_PASSWORD

    served = tmp_path / "etc" / "公司规则.yaml"
    served.parent.mkdir()
    served.write_text(OTHER_RULES, "utf-8")
    digest = "sha256:" + load_rules(served).digest
    svc = Services.build(Settings(workspace=tmp_path / "ws", detection_rules=served))
    seed_users(svc)
    try:
        client = TestClient(create_app(svc.settings, svc), base_url="https://testserver")
        client.post("/api/v1/auth/login", json={"username": "viewer", "password": DEMO_PASSWORD})
        one = client.get("/api/v1/models/pi_inventory").json()
        listed, = [m for m in client.get("/api/v1/models").json()["items"]
                   if m["name"] == "pi_inventory"]
        assert listed == one
        rules, = [p for p in one["params"] if p["kind"] == "rules"]
        assert rules["served_rules"] == {"name": "公司规则.yaml", "digest": digest}
        assert rules["no_rules_words"] == ["none", "无"] and rules["default"] == ""
        assert "留空则使用服务启动时加载的规则文件" in rules["zh"] and "公司规则.yaml" in rules["zh"]
        assert digest[:19] in rules["zh"] and "none" in rules["zh"] and "无" in rules["zh"]
        assert "the rules file the server was started with" in rules["en"]
        assert "公司规则.yaml" in rules["en"] and digest[:19] in rules["en"]
        assert "留空只用内置类型" not in rules["zh"] and "empty: built-in" not in rules["en"].lower()
        body = json.dumps(one, ensure_ascii=False)
        assert str(served.parent) not in body and "GH[0-9]" not in body and "员工编号" not in body
        others = [p for p in one["params"] if p["kind"] != "rules"]
        assert others and all("served_rules" not in p for p in others)
        doc = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/models"]["get"]
        assert "no_rules_words" in doc["description"] and "served_rules" in doc["description"]
    finally:
        svc.close()
