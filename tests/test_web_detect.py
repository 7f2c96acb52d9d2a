"""The detector over REST: POST /api/v1/detect and /api/v1/redact, with an API token, against a
real app and store; answers hold offsets and masked values, never the raw PI."""

from __future__ import annotations

import json
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
