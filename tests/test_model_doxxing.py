"""doxxing (网络开盒) on synthetic channel dumps: the planted victims and outlets are found, the
decoys (business and official contacts, lost-and-found, résumés, news) are not, and no lead
carries a raw identifier; on Spark the model gives the same leads."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pisentinel.leads import Lead
from pisentinel.models import get_model
from pisentinel.models.doxxing.leads import masked_excerpt
from pisentinel.models.doxxing.synth import evaluate, subject_token
from pisentinel.models.runner import RunResult, run_model
from pisentinel.protect import pseudonym_token
from pisentinel.synth import pi_text as g
from test_engine_data import SAMPLE_STUDENT_ID, STUDENT_RULES, student_id

KEY = b"x" * 32


def token(pi_type: str, value: str) -> str:
    return pseudonym_token(pi_type, value, KEY)


def _run(tmp_path: Path, rows: int, seed: int, mix: str, engine: str = "duckdb"
         ) -> tuple[dict[str, Any], RunResult]:
    model = get_model("doxxing")
    data = tmp_path / f"data-{mix}-{seed}"
    truth = model.generate(rows, seed, data, mix=mix)
    inputs = {k: [data / p for p in v] for k, v in truth["inputs"].items()}
    result = run_model(model, inputs, workspace=tmp_path / f"ws-{engine}-{mix}-{seed}",
                       token_key=KEY, engine=engine)
    return truth, result


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], RunResult,
                                                                     Path]:
    tmp = tmp_path_factory.mktemp("doxxing")
    truth, result = _run(tmp, 3000, 5, "default")
    return truth, result, tmp / "data-default-5"


@pytest.mark.parametrize(("mix", "seed"), [("default", 3), ("hard", 4)])
def test_planted_victims_and_outlets_are_found(tmp_path: Path, mix: str, seed: int) -> None:
    truth, result = _run(tmp_path, 3000, seed, mix)
    scores = evaluate(truth, result.leads, token)
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    assert scores["outlet_precision"] == 1.0 and scores["outlet_recall"] == 1.0, scores


def test_general_channels_with_reposts_are_not_outlets(
        default_run: tuple[dict[str, Any], RunResult, Path]) -> None:
    truth, result, _ = default_run
    outlets = [lead for lead in result.leads if lead.kind == "doxxing_outlet"]
    decoys = {token("CHANNEL", c) for c in truth["decoy_channels"]}
    assert outlets and not decoys & {lead.subject.token for lead in outlets}
    victim_tokens = {subject_token(s, token) for s in truth["subjects"] if s["kind"] == "victim"}
    victims = [lead for lead in result.leads if lead.kind == "doxxing_victim"]
    assert {lead.subject.token for lead in victims} <= victim_tokens


def _all_identifiers(data: Path) -> list[str]:
    """Every ID number and mobile number written in the generated posts (synthetic)."""
    import re

    found = []
    for path, encoding in ((data / "posts" / "posts.csv", "utf-8"),
                           (data / "posts" / "posts_export_gbk.csv", "gbk")):
        text = path.read_text(encoding)
        found += re.findall(r"\d{17}[\dX]|1[3-9]\d{9}", text)
    return sorted(set(found))


def test_leads_are_masked_and_readable(
        default_run: tuple[dict[str, Any], RunResult, Path]) -> None:
    _truth, result, data = default_run
    text = json.dumps([lead.text_fields() for lead in result.leads], ensure_ascii=False)
    raw = _all_identifiers(data)
    assert len(raw) > 50
    assert not [value for value in raw if value in text]
    for lead in result.leads:
        assert lead.evidence, lead.title_zh
        for ev in lead.evidence:
            assert ev.content_hash.startswith("sha256:") and ev.row and ev.column == "text"
            assert ev.source in ("posts.csv", "posts_export_gbk.csv")
        assert "开盒" in lead.title_zh
        assert sum(lead.records_by_tier.values()) >= 1


def test_victim_leads_say_what_was_exposed_and_flag_minors(
        default_run: tuple[dict[str, Any], RunResult, Path]) -> None:
    _truth, result, _ = default_run
    victims = [lead for lead in result.leads if lead.kind == "doxxing_victim"]
    assert all(lead.affected_people == 1 for lead in victims)
    assert all("SPC-SPP-2017-3" in lead.provisions for lead in victims)
    minors = [lead for lead in victims if lead.counts["minor"]]
    assert minors and all("PIPL-31" in lead.provisions and "未成年人" in lead.summary_zh
                          for lead in minors)
    linked = [lead for lead in victims if lead.counts["posts"] > 1]
    assert linked and all(f"{lead.counts['posts']} 条帖子" in lead.summary_zh for lead in linked)


def test_outlet_leads_rank_reach_and_cite_the_channel_provision(
        default_run: tuple[dict[str, Any], RunResult, Path]) -> None:
    _truth, result, _ = default_run
    outlets = sorted((lead for lead in result.leads if lead.kind == "doxxing_outlet"),
                     key=lambda lead: lead.counts["rank"])
    assert len(outlets) == 4  # three channels and one account outside any channel
    assert all("SPC-SPP-2017-8" in lead.provisions for lead in outlets)
    assert [lead.counts["rank"] for lead in outlets] == sorted(
        lead.counts["rank"] for lead in outlets)
    channels = [lead for lead in outlets if lead.subject.type == "channel"]
    assert all(lead.counts["ad_posts"] >= 2 and "元" in lead.summary_zh for lead in channels)
    assert all(lead.affected_people == lead.counts["victims"] >= 3 for lead in outlets)
    victims = {lead.subject.token for lead in result.leads if lead.kind == "doxxing_victim"}
    for lead in outlets:
        assert {t for t, role in lead.linked_tokens if role == "victim"} <= victims


def _write_posts(path: Path, posts: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["帖子编号", "正文", "发布时间", "频道", "发布者", "浏览量"])
        for i, (text, channel, author) in enumerate(posts, 1):
            w.writerow([f"T{i}", text, f"2024-01-0{1 + i % 9} 10:00:00", channel, author,
                        "1.5万" if i == 1 else str(100 * i)])


def test_each_decoy_alone_is_left_alone_and_the_dump_is_not(tmp_path: Path) -> None:
    rng = random.Random(42)
    name, pid, phone, addr = g.person_name(rng), g.resident_id(rng), g.mobile(rng), g.address(rng)
    child = g.resident_id(rng, date(2013, 5, 1))
    posts = [
        (f"【开盒】姓名：{name}\n身份证：{pid}\n手机：{phone}\n住址：{addr}\n在税务局上班 给我冲！",
         "档案馆", "op_1"),
        (f"扒一扒：身份证{child}，就读于实验小学，母亲{g.person_name(rng)}，电话{g.mobile(rng)}",
         "档案馆", "op_2"),
        (f"鑫源家电门店 客服热线400-820-8820，售后手机{g.mobile(rng)}，门店地址：{g.address(rng)}，"
         f"联系人：{g.person_name(rng)}，欢迎来电咨询！", "二手交易", "u1"),
        (f"临安区政务服务中心 办公电话0571-63712345，地址：{g.address(rng)}，工作日9:00-17:00",
         "政务公开", "u2"),
        (f"林一鸣工作室官方商务合作：{g.email(rng)}，经纪人{g.person_name(rng)}，电话{g.mobile(rng)}",
         "明星资讯", "u3"),
        (f"在地铁站捡到钱包一个，失主请联系{g.mobile(rng)}", "失物招领", "u4"),
        (f"本人求职：{g.person_name(rng)}，28岁，电话{g.mobile(rng)}，住{g.address(rng)}，"
         "毕业于师范大学，求职行政岗", "求职招聘", "u5"),
        ("科普：身份证号码共18位，前6位是地址码，例如110101199003071234，最后一位是校验码",
         "新闻速递", "u6"),
        ("警方通报：一开盒团伙被刑拘，嫌疑人通过社工库查询他人信息，每次收费50元。", "新闻速递", "u6"),
        ("开盒服务：三要素10元/次，户籍全家福80元，私聊TG @abcdef", "档案馆", "op_1"),
        ("社工库机器人上线，查手机号、查身份证，20元一次，包月100元，秒出", "档案馆", "op_2"),
    ]
    (tmp_path / "in").mkdir()
    _write_posts(tmp_path / "in" / "posts.csv", posts)
    model = get_model("doxxing")
    result = run_model(model, {"posts": [tmp_path / "in" / "posts.csv"]},
                       workspace=tmp_path / "ws", token_key=KEY,
                       params={"min_channel_victims": 2})
    victims = {lead.subject.token: lead for lead in result.leads
               if lead.kind == "doxxing_victim"}
    assert set(victims) == {token("CN_ID_CARD", pid), token("CN_ID_CARD", child)}
    assert victims[token("CN_ID_CARD", child)].counts["minor"] == 1
    assert victims[token("CN_ID_CARD", pid)].counts["views"] == 15000
    outlets = [lead for lead in result.leads if lead.kind == "doxxing_outlet"]
    assert [lead.subject.token for lead in outlets] == [token("CHANNEL", "档案馆")]
    assert outlets[0].counts["ad_posts"] == 2 and outlets[0].counts["victims"] == 2
    assert "10–80 元" in outlets[0].summary_zh or "10–20 元" in outlets[0].summary_zh


def test_masked_excerpt_hides_findings_digits_and_labelled_names() -> None:
    text = "姓名：张三丰 身份证110101199003071234，母亲：李四娘，电话138 1234 5678"
    out = masked_excerpt(text, [(3, 6, "张**"), (10, 28, "110101********1234")])
    assert "110101199003071234" not in out and "李四娘" not in out and "5678" not in out
    assert out.startswith("姓名：张** 身份证110101********1234，母亲：李**")


def _fingerprints(leads: list[Lead]) -> list[tuple[str, int, int]]:
    return sorted((lead.fingerprint, lead.affected_people, sum(lead.records_by_tier.values()))
                  for lead in leads)


@pytest.fixture(scope="module")
def spark_session() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pisentinel.engine.spark_engine import spark_session as make

    session = make("local[2]", shuffle_partitions=2)
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_gives_the_same_leads(tmp_path: Path, spark_session: Any) -> None:
    _t, duck = _run(tmp_path, 1500, 6, "hard")
    _t, spark = _run(tmp_path, 1500, 6, "hard", engine="spark")
    assert _fingerprints(duck.leads) == _fingerprints(spark.leads)
    assert sorted(lead.counts.get("views", 0) for lead in duck.leads) == sorted(
        lead.counts.get("views", 0) for lead in spark.leads)


def test_posts_without_optional_columns_or_dumps_give_no_leads(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "posts.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "内容", "时间"])
        w.writerow(["1", "今天天气不错", "2024-01-01 10:00:00"])
        w.writerow(["2", f"在公园捡到钱包，失主请联系{g.mobile(rng)}", "2024-01-02 10:00:00"])
        w.writerow(["3", "", ""])
    result = run_model(get_model("doxxing"), {"posts": [path]}, workspace=tmp_path / "ws",
                       token_key=KEY)
    assert result.counts["rows:posts"] == 3 and result.leads == []


def test_a_phone_after_a_later_name_is_not_the_victims(tmp_path: Path) -> None:
    """谭某 <住址> 在…上班 毛某，电话…: the phone is 毛某's (a relative listed without the word),
    so the victim is known by name and address, not by someone else's phone."""
    victim, relative = "谭勇艳", "毛诺萍"
    addr, phone = "黑龙江省牡丹江市西安区文化大道833号紫荆小区17栋1单元2401室", "13966159054"
    posts = [(f"{victim} {addr} 在区教育局上班 {relative}，电话{phone}", "开盒情报站", "op_1")]
    (tmp_path / "in").mkdir()
    _write_posts(tmp_path / "in" / "posts.csv", posts)
    result = run_model(get_model("doxxing"), {"posts": [tmp_path / "in" / "posts.csv"]},
                       workspace=tmp_path / "ws", token_key=KEY)
    victims = [lead.subject.token for lead in result.leads if lead.kind == "doxxing_victim"]
    subject = {"type": "PERSON_NAME+ADDRESS", "value": victim, "address": addr}
    assert victims == [subject_token(subject, token)]


def _student_dump(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A dump binding a name, a phone and a 学号 (the rules file's own type), and a form's
    sample number the rules allow; the rules file beside it. All values made up."""
    rng = random.Random(23)
    person = {"name": g.person_name(rng), "phone": g.mobile(rng), "student_id": student_id(rng)}
    posts = [(f"【开盒】姓名：{person['name']}，学号{person['student_id']}，"
              f"电话{person['phone']}，都去问问", "开盒情报站", "op_1"),
             (f"填表示例：学号{SAMPLE_STUDENT_ID}，请勿照抄", "新生群", "u1")]
    (tmp_path / "in").mkdir()
    _write_posts(tmp_path / "in" / "posts.csv", posts)
    (tmp_path / "rules.yaml").write_text(STUDENT_RULES, encoding="utf-8")
    return tmp_path / "in" / "posts.csv", tmp_path / "rules.yaml", person


_TIGHT = {"min_identifier_kinds": 3, "min_doxx_score": 4}
"""Thresholds at which a name and a phone alone (2 kinds, score 3) are not a dump, and the
学号 makes them one."""


def _student_run(tmp_path: Path, posts: Path, rules: Path | None, engine: str = "duckdb"
                 ) -> RunResult:
    params = _TIGHT | ({"rules": str(rules)} if rules is not None else {})
    return run_model(get_model("doxxing"), {"posts": [posts]},
                     workspace=tmp_path / f"ws-{engine}-{rules is not None}", token_key=KEY,
                     params=params, engine=engine)


def test_a_rules_file_adds_its_own_type_to_the_doxxing_screen(tmp_path: Path) -> None:
    """With the rules, the 学号 is found, masked and counted as a kind of identifier the post
    binds, so the dump becomes a victim lead naming 学号 among what was exposed (it has no tier
    of the 2017 interpretation: the tiers count the phone); without them it is not a dump."""
    posts, rules, person = _student_dump(tmp_path)
    assert [lead for lead in _student_run(tmp_path, posts, None).leads
            if lead.kind == "doxxing_victim"] == []
    result = _student_run(tmp_path, posts, rules)
    victims = [lead for lead in result.leads if lead.kind == "doxxing_victim"]
    assert [lead.subject.token for lead in victims] == [token("PHONE_NUMBER", person["phone"])]
    lead = victims[0]
    assert "学号" in lead.summary_zh and lead.counts["identifier_kinds"] == 3
    assert sum(lead.records_by_tier.values()) == 1
    text = json.dumps(lead.text_fields(), ensure_ascii=False)
    assert person["student_id"] not in text and person["phone"] not in text
    masked = person["student_id"][:2] + "*" * 6 + person["student_id"][-2:]
    assert masked in lead.evidence[0].excerpt


def _post_findings(engine: Any) -> list[tuple[Any, ...]]:
    rows = engine.query("SELECT row_id, type, start, \"end\", token, masked FROM post_findings")
    return sorted(tuple(r.values()) for r in rows.to_pylist())


@pytest.mark.spark
def test_a_rules_file_gives_the_same_findings_and_leads_on_spark(
        tmp_path: Path, spark_session: Any) -> None:
    from pisentinel.engine.duckdb_engine import DuckDBEngine
    from pisentinel.engine.spark_engine import SparkEngine

    posts, rules, person = _student_dump(tmp_path)
    duck = _student_run(tmp_path, posts, rules)
    spark = _student_run(tmp_path, posts, rules, engine="spark")
    assert [lead.text_fields() for lead in duck.leads] == [
        lead.text_fields() for lead in spark.leads] != []
    with DuckDBEngine(duck.run_dir) as d, SparkEngine(spark.run_dir, session=spark_session) as s:
        found = _post_findings(d)
        assert found == _post_findings(s)
    own = [f for f in found if f[1] == "STUDENT_ID"]
    assert [(f[0], f[4]) for f in own] == [
        (1, token("STUDENT_ID", person["student_id"]))]
