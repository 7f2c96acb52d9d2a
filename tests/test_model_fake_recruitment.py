"""fake_recruitment on a synthetic job board: planted schemes and harvesting employers are found,
the look-alikes (multi-city employers, staffing agencies, senior pay, health certificates,
driving licences, "不收取任何费用") are not; leads are masked and readable; Spark agrees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from pisentinel.leads import find_raw_identifiers
from pisentinel.models import get_model
from pisentinel.models.context import render_sql
from pisentinel.models.fake_recruitment.steps import (
    connected_components,
    minhash_signatures,
    text_contacts,
)
from pisentinel.models.fake_recruitment.synth import evaluate
from pisentinel.models.runner import RunResult, run_model
from pisentinel.protect import pseudonym_token

KEY = b"r" * 32
MODEL = get_model("fake_recruitment")


def token(type_code: str, value: str) -> str:
    return pseudonym_token(type_code, value, KEY)


def _run(tmp_path: Path, mix: str, *, rows: int = 2500, seed: int = 11, engine: str = "duckdb",
         inputs: tuple[str, ...] = ("postings", "registry", "applications"),
         ) -> tuple[dict[str, Any], RunResult]:
    data = tmp_path / f"data-{mix}-{seed}"
    truth_file = data / "truth.json"
    truth = json.loads(truth_file.read_text("utf-8")) if truth_file.exists() \
        else MODEL.generate(rows, seed, data, mix=mix)
    given = {k: [data / p for p in v] for k, v in truth["inputs"].items() if k in inputs}
    result = run_model(MODEL, given, workspace=tmp_path / f"ws-{engine}-{mix}-{len(inputs)}",
                       token_key=KEY, engine=engine)
    return truth, result


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], RunResult]:
    return _run(tmp_path_factory.mktemp("fr"), "default")


@pytest.mark.parametrize("mix", ["default", "hard"])
def test_finds_planted_schemes_and_employers(tmp_path: Path, mix: str) -> None:
    truth, result = _run(tmp_path, mix, seed=23)
    scores = evaluate(truth, result.leads, token)
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    kinds = {lead.kind for lead in result.leads}
    assert kinds == {"harvesting_scheme", "harvesting_employer"}


def test_look_alikes_do_not_become_leads(default_run: tuple[dict[str, Any], RunResult]) -> None:
    truth, result = default_run
    subjects = {lead.subject.token for lead in result.leads}
    agencies = {token("PHONE_NUMBER", p) for p in truth["decoys"]["agency_phones"]}
    multi_city = {token("USCC", u) for u in truth["decoys"]["multi_city_uscc"]}
    assert agencies and multi_city
    assert not subjects & agencies
    assert not subjects & multi_city


def test_leads_are_masked_and_tell_the_story(default_run: tuple[dict[str, Any], RunResult],
                                             tmp_path: Path) -> None:
    truth, result = default_run
    for lead in result.leads:
        for name, text in lead.text_fields().items():
            assert not find_raw_identifiers(text), name
    scheme = max((lead for lead in result.leads if lead.kind == "harvesting_scheme"),
                 key=lambda lead: lead.counts["companies"])
    assert (scheme.subject.type == "contact" and "****" in scheme.subject.display) \
        or scheme.subject.type == "scheme"
    assert "家公司名义" in scheme.title_zh and "份简历" in scheme.summary_zh
    assert scheme.records_by_tier["T3"] == scheme.counts["applications"] > 0
    assert scheme.affected_people > 0
    assert {"PIPL-5", "HR-MARKET-2018-24"} <= set(scheme.provisions)
    assert any(ev.source == "工商登记比对" for ev in scheme.evidence)
    assert any(ev.row and ev.content_hash.startswith("sha256:") for ev in scheme.evidence)
    assert sum(role == "company" for _, role in scheme.linked_tokens) + \
        scheme.counts["companies_absent"] + scheme.counts["companies_deregistered"] + \
        scheme.counts["companies_new"] >= 1
    raw_phones = [s["value"] for s in truth["subjects"] if s["type"] == "PHONE_NUMBER"]
    dump = json.dumps([lead.text_fields() for lead in result.leads], ensure_ascii=False)
    assert raw_phones and not any(p in dump for p in raw_phones)


def test_runs_on_postings_alone(tmp_path: Path) -> None:
    """Without registry or résumé data the content, contact and template signals still find
    most schemes; leads say the people count is still to be obtained."""
    truth, result = _run(tmp_path, "default", inputs=("postings",))
    scores = evaluate(truth, result.leads, token)
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.6, scores
    assert all(lead.affected_people == 0 for lead in result.leads)
    assert all("受影响求职者人数待调取" in lead.summary_zh for lead in result.leads)


def _signals(texts: list[str]) -> list[dict[str, Any]]:
    con = duckdb.connect()
    con.execute("CREATE TABLE postings_in AS SELECT CAST(i AS VARCHAR) AS posting_id, "
                "'某某有限公司' AS company_name, '客服' AS title, t AS description, "
                "'2026-03-01' AS posted_at, NULL AS platform, NULL AS city, '5000' AS salary_min, "
                "'6000' AS salary_max, NULL AS contact_phone, NULL AS contact_wechat, "
                "NULL AS contact_name, NULL AS uscc, i AS _row, 'x.csv' AS _source "
                "FROM (SELECT unnest(range(?)) AS i, unnest(?) AS t)", [len(texts), texts])
    sql = MODEL.sql("01_posting_signals.sql")
    params = MODEL.manifest.param_defaults()
    return con.sql(render_sql(sql, params) + " ORDER BY seq").to_arrow_table().to_pylist()


def test_content_signals_read_the_text_not_the_keywords() -> None:
    rows = _signals([
        "面试前需提供身份证正反面照片和银行卡号",
        "入职当天携带身份证原件办理入职手续，需持有效健康证",
        "报名需交押金三百元，离职时退还",
        "本公司招聘不收取任何费用，入职体检费用由公司承担",
        "需持B2驾驶证。手机刷单做任务，佣金日结",
        "欢迎关注企业微信公众号。有意者加 V信 详聊",
    ])
    flags = [(r["asks_pi"], r["asks_fee"], r["lures"], r["private_im"]) for r in rows]
    assert flags == [(True, False, False, False), (False, False, False, False),
                     (False, True, False, False), (False, False, False, False),
                     (False, False, True, False), (False, False, False, True)]


def test_minhash_estimates_jaccard_of_character_ngrams() -> None:
    base = "公司因业务扩展现急招客服专员若干名负责线上店铺的日常维护工作轻松时间自由无需经验包吃包住"
    near = base.replace("包吃包住", "月休四天")
    other = "诚聘高级工程师负责分布式系统的设计与开发要求五年以上经验熟悉数据库与消息队列福利五险一金"
    sig = minhash_signatures([base, near, other, "短"], 3, 256)
    grams = [{t[i:i + 3] for i in range(len(t) - 2)} for t in (base, near)]
    jaccard = len(grams[0] & grams[1]) / len(grams[0] | grams[1])
    assert abs(float(np.mean(sig[0] == sig[1])) - jaccard) < 0.12
    assert float(np.mean(sig[0] == sig[2])) < 0.1
    assert (sig[3] == np.iinfo(np.uint32).max).all()  # too short to shingle


def test_components_and_contacts_in_text() -> None:
    label = connected_components(6, np.array([0, 3, 4]), np.array([1, 4, 5]))
    assert label.tolist() == [0, 0, 2, 3, 3, 3]
    found = set(text_contacts("加微信：Abc_12345，电话 138 1234 5678，QQ：123456"))
    assert found == {("WECHAT_ID", "abc_12345"), ("PHONE_NUMBER", "13812345678"),
                     ("QQ_NUMBER", "123456")}


@pytest.mark.spark
def test_spark_gives_the_same_leads(tmp_path: Path) -> None:
    _t, duck = _run(tmp_path, "default", rows=1200)
    _t, spark = _run(tmp_path, "default", rows=1200, engine="spark")
    assert len(duck.leads) >= 6
    assert sorted(lead.fingerprint for lead in duck.leads) == sorted(
        lead.fingerprint for lead in spark.leads)
    assert sorted((lead.affected_people, lead.counts["postings"]) for lead in duck.leads) == \
        sorted((lead.affected_people, lead.counts["postings"]) for lead in spark.leads)
