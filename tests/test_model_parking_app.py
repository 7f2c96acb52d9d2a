"""parking_app on synthetic apps built as real APKs (aapt manifest, dex with SDK classes):
planted violators are found and lawful decoys are not, the APK reader agrees with androguard and
smali, resists zip bombs and odd entry names, the policy analyser reads what a policy promises,
and DuckDB and Spark give the same leads."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pisentinel.leads import find_raw_identifiers
from pisentinel.models import get_model
from pisentinel.models.parking_app import apkbuild
from pisentinel.models.parking_app.apk import ApkError, dex_class_names, read_apk
from pisentinel.models.parking_app.knowledge import app_scope, categories, permission_map, sdks
from pisentinel.models.parking_app.policy import analyse_policy, policy_text
from pisentinel.models.parking_app.steps import find_sdks
from pisentinel.models.parking_app.synth import evaluate
from pisentinel.models.parking_app.traffic import read_har
from pisentinel.models.runner import RunResult, run_model
from pisentinel.protect import pseudonym_token

KEY = b"p" * 32
needs_aapt = pytest.mark.skipif(not apkbuild.have_aapt(), reason="aapt not installed")
P = "android.permission."


def _run(tmp_path: Path, mix: str, seed: int = 5, engine: str = "duckdb", apps: int = 24
         ) -> tuple[dict[str, Any], RunResult]:
    model = get_model("parking_app")
    data = tmp_path / f"data-{mix}-{seed}"
    truth = model.generate(apps, seed, data, mix=mix)
    inputs = {name: [data / p for p in paths] for name, paths in truth["inputs"].items() if paths}
    result = run_model(model, inputs, workspace=tmp_path / f"ws-{engine}-{mix}", token_key=KEY,
                       engine=engine)
    return truth, result


@needs_aapt
@pytest.mark.parametrize("mix", ["default", "hard"])
def test_planted_apps_are_found_and_decoys_are_not(tmp_path: Path, mix: str) -> None:
    truth, result = _run(tmp_path, mix)
    scores = evaluate(truth, result.leads, lambda t, v: pseudonym_token(t, v, KEY))
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    assert scores["finding_recall"] >= 0.9, scores
    assert scores["truth"] >= 5 and len(truth["decoys"]) >= 5


@needs_aapt
def test_leads_carry_readable_evidence_without_raw_identifiers(tmp_path: Path) -> None:
    _truth, result = _run(tmp_path, "default")
    assert result.leads
    for lead in result.leads:
        assert lead.provisions and lead.evidence and lead.subject.token.startswith("APP_PACKAGE")
        assert lead.title_zh.startswith("停车 App")
        for text in (lead.title_zh, lead.summary_zh, *(e.excerpt for e in lead.evidence)):
            assert not find_raw_identifiers(text)
        for ev in lead.evidence:
            assert ev.content_hash.startswith("sha256:") and ev.source
    classic = [lead for lead in result.leads if lead.counts.get("findings_over_collection")
               and lead.counts.get("findings_undisclosed_sdk")]
    assert classic
    lead = classic[0]
    assert {"PIPL-6", "PIPL-23", "APP-RULES-2019-4"} <= set(lead.provisions)
    excerpts = " ".join(e.excerpt for e in lead.evidence)
    assert "android.permission.READ_CONTACTS" in excerpts
    sdk_ev = [e for e in lead.evidence if e.detail["kind"] == "undisclosed_sdk"]
    assert sdk_ev and all(e.column and e.column.startswith("classes.dex") for e in sdk_ev)
    assert any(p in excerpts for s in sdks() for p in s.prefixes)


@needs_aapt
def test_no_policy_and_users_param(tmp_path: Path) -> None:
    apk = apkbuild.build_apk(tmp_path / "a.apk", "cn.example.parkone", "一号停车",
                             [P + "ACCESS_FINE_LOCATION"], ["cn.jpush.android.api.JPushInterface"])
    policy = tmp_path / "other.txt"
    policy.write_text("无关文本", "utf-8")
    model = get_model("parking_app")
    result = run_model(model, {"apks": [apk], "policies": [policy]}, workspace=tmp_path / "ws",
                       token_key=KEY, params={"users": 96000})
    (lead,) = result.leads
    kinds = {e.detail["kind"] for e in lead.evidence}
    # a single app takes the single policy; it says nothing, so every notice item is missing
    assert {"over_collection", "whereabouts_without_separate_consent", "undisclosed_sdk",
            "missing_notice_item"} <= kinds
    assert lead.affected_people == 96000 and lead.standing and lead.standing.has_standing
    assert lead.records_by_tier["T1"] == 96000  # location → whereabouts tier
    assert lead.severity.level.value != "general"


@needs_aapt
def test_apk_reader_agrees_with_androguard(tmp_path: Path) -> None:
    from androguard.core.apk import APK
    from loguru import logger

    logger.disable("androguard")
    classes = ["com.amap.api.location.AMapLocationClient", "cn.jpush.android.api.JPushInterface",
               "com.umeng.analytics.MobclickAgent", "cn.example.park.MainActivity"]
    perms = [P + "ACCESS_FINE_LOCATION", P + "READ_CONTACTS", P + "READ_PHONE_STATE"]
    path = apkbuild.build_apk(tmp_path / "x.apk", "cn.example.park", "示例停车", perms, classes,
                              version="2.3.1", native_libs=["libjcore220.so"])
    facts = read_apk(path)
    ref = APK(str(path))
    assert facts.package == ref.get_package() == "cn.example.park"
    assert facts.permissions == sorted(ref.get_permissions()) == sorted(perms)
    assert facts.label == "示例停车" and facts.version_name == "2.3.1"
    assert facts.classes == sorted(classes)
    assert facts.native_libs == ["libjcore220.so"]
    found = {h["sdk"].id for h in find_sdks(facts.classes, facts.native_libs)}
    assert found == {"amap_location", "jpush", "umeng_analytics"}


@pytest.mark.skipif(not (apkbuild.have_aapt() and shutil.which("smali")),
                    reason="aapt or smali not installed")
def test_smali_built_dex_reads_like_ours(tmp_path: Path) -> None:
    classes = ["com.tencent.map.geolocation.TencentLocationManager",
               "com.igexin.sdk.PushManager", "cn.example.park.App"]
    path = apkbuild.build_apk(tmp_path / "s.apk", "cn.example.park", "停车", [], classes,
                              dex="smali")
    assert read_apk(path).classes == sorted(classes)
    assert sorted(dex_class_names(apkbuild.dex_bytes(classes))) == sorted(classes)


def test_sdk_prefixes_match_at_package_boundaries() -> None:
    hits = find_sdks(["com.umengx.tools.Helper", "cn.jpushy.Util", "com.umeng.analytics.A",
                      "com.umeng.analytics.B", "com.huawei.hmsx.C"])
    assert [(h["sdk"].id, h["classes"]) for h in hits] == [("umeng_analytics", 2)]


def test_knowledge_is_complete_and_consistent() -> None:
    ids = {s.id for s in sdks()}
    assert len(ids) >= 30
    prefixes = {p for s in sdks() for p in s.prefixes}
    for p in ("com.amap.api.location", "com.baidu.location", "com.tencent.map.geolocation",
              "cn.jpush.android", "cn.jiguang", "com.umeng.analytics", "com.igexin", "com.getui",
              "com.tencent.mm.opensdk", "com.alipay.sdk", "com.unionpay", "com.huawei.hms",
              "com.xiaomi.push", "com.tencent.bugly", "com.sina.weibo.sdk", "com.qiniu"):
        assert p in prefixes, p
    cats = categories()
    assert all(c in cats for s in sdks() for c in s.collects)
    assert all(c in cats for cs in permission_map().values() for c in cs)
    scope = app_scope("parking_payment")
    assert set(scope["necessary"]) == {"LICENSE_PLATE", "PHONE_NUMBER", "PAYMENT"}
    assert scope["official_type"] is None and "网络支付类" in str(scope["closest_official_types"])
    assert permission_map()[P + "ACCESS_FINE_LOCATION"] == ("LOCATION",)
    assert cats["LOCATION"].pi_type == "WHEREABOUTS" and cats["LOCATION"].sensitive


def _zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


@needs_aapt
def test_zip_bombs_and_odd_entry_names(tmp_path: Path) -> None:
    good = apkbuild.build_apk(tmp_path / "g.apk", "cn.example.park", "停车", [], ["a.b.C"])
    manifest = zipfile.ZipFile(good).read("AndroidManifest.xml")
    bomb = _zip(tmp_path / "bomb.apk", {"AndroidManifest.xml": manifest,
                                        "classes.dex": b"\x00" * (20 << 20)})
    with pytest.raises(ApkError, match=r"压缩炸弹|zip-bomb"):
        read_apk(bomb)
    odd = _zip(tmp_path / "odd.apk", {"AndroidManifest.xml": manifest,
                                      "../../etc/evil.so": b"x", "lib/x86/../../../y": b"y"})
    facts = read_apk(odd)
    assert len(facts.anomalies) == 2 and not (tmp_path.parent / "etc").exists()
    with pytest.raises(ApkError, match="AndroidManifest"):
        read_apk(_zip(tmp_path / "nomanifest.apk", {"classes.dex": b"dex\n035\x00"}))
    (tmp_path / "text.apk").write_text("not a zip", "utf-8")
    with pytest.raises(ApkError, match="zip"):
        read_apk(tmp_path / "text.apk")
    broken = _zip(tmp_path / "brokendex.apk", {"AndroidManifest.xml": manifest,
                                               "classes.dex": b"dex\n035\x00" + b"\xff" * 200})
    assert read_apk(broken).anomalies


POLICY = """《一号停车》隐私政策
本政策适用于保定市一号停车科技有限公司（以下简称“我们”）运营的“一号停车”App。
当您注册账户时，我们会收集您的手机号码，用于创建账户。
当您使用附近停车场功能时，我们会在另行征得您的同意后获取您的位置信息，用于推荐附近停车场；该功能为扩展功能，您可以拒绝授权。
我们不会收集您的通讯录和通话记录。
我们接入了极光推送SDK，提供方：深圳市和讯华谷信息技术有限公司。
如有疑问请联系我们：邮箱 privacy@example.cn。"""


def test_policy_analyser_reads_promises() -> None:
    facts = analyse_policy(POLICY, "p.txt")
    assert set(facts.collects) >= {"PHONE_NUMBER", "LOCATION"}
    assert set(facts.denies) == {"CONTACTS", "CALL_LOG"}
    assert "LOCATION" in facts.separate_consent and "LOCATION" in facts.optional
    assert "LOCATION" in facts.purpose
    assert "jpush" in facts.sdk_mentions and "umeng_analytics" not in facts.sdk_mentions
    assert set(facts.missing_art17()) == {"retention", "rights"}


def test_policy_text_from_gbk_and_html(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_bytes(POLICY.encode("gb18030"))
    assert policy_text(tmp_path / "p.txt") == POLICY
    html = ("<html><head><script>var x='通讯录';</script><style>p{}</style></head><body>"
            + "".join(f"<p>{line}</p>" for line in POLICY.splitlines()) + "</body></html>")
    (tmp_path / "p.html").write_text(html, "utf-8")
    text = policy_text(tmp_path / "p.html")
    assert "var x" not in text
    assert set(analyse_policy(text).denies) == {"CONTACTS", "CALL_LOG"}


def test_har_before_consent_and_in_clear_text(tmp_path: Path) -> None:
    def entry(t: str, url: str, body: str = "") -> dict[str, Any]:
        req: dict[str, Any] = {"method": "POST", "url": url, "headers": [
            {"name": "X-Requested-With", "value": "cn.example.park"}]}
        if body:
            req["postData"] = {"text": body}
        return {"startedDateTime": t, "request": req}

    har = {"log": {"entries": [
        entry("2025-03-01T08:00:03Z", "https://api.example.cn/privacy/agree"),
        entry("2025-03-01T08:00:01Z", "https://push.example.cn/reg",
              json.dumps({"imei": "861234567890123", "lat": "38.9"})),
        entry("2025-03-01T08:00:05Z", "http://api.example.cn/bind", "mobile=13912345678"),
        entry("2025-03-01T08:00:06Z", "https://api.example.cn/ping?t=1"),
    ]}}
    (tmp_path / "c.har").write_text(json.dumps(har), "utf-8")
    reqs = read_har(tmp_path / "c.har")
    first = reqs[0]
    assert first.before_consent and set(first.categories) == {"DEVICE_ID", "LOCATION"}
    assert reqs[1].consent and not reqs[1].before_consent
    assert reqs[2].scheme == "http" and reqs[2].categories == ("PHONE_NUMBER",)
    assert not reqs[3].categories and first.app_header == "cn.example.park"
    assert "13912345678" not in repr(reqs)


@needs_aapt
@pytest.mark.spark
def test_spark_gives_the_same_leads(tmp_path: Path) -> None:
    _t, duck = _run(tmp_path, "hard", apps=16)
    _t, spark = _run(tmp_path, "hard", engine="spark", apps=16)
    assert duck.leads
    assert {lead.fingerprint: dict(lead.counts) for lead in duck.leads} == {
        lead.fingerprint: dict(lead.counts) for lead in spark.leads}


def test_shipped_topic_model_backs_the_lexicon() -> None:
    from pisentinel.models.parking_app.topics import topic_model

    model = topic_model()
    assert model is not None and {"retention", "rights", "contact"} <= set(model.topics)
    assert "retention" in model.topics_of("您的个人信息将保存至账户注销后六个月，超出期限后我们将予以删除。")
    # worded without the lexicon's phrases, the retention item is still found
    text = POLICY + "\n您的个人信息将保存至账户注销后六个月，超出期限后我们将予以删除。"
    assert "retention" not in analyse_policy(text, model=None).art17
    assert "retention" in analyse_policy(text).art17
