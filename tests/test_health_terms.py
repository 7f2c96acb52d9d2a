"""Disease and medicine names read by how they are built (detect/recognizers/health.py): names
no lexicon lists are found about a person, words built like them that are none are not."""

from __future__ import annotations

import pytest

from pisentinel.detect import Scanner
from pisentinel.detect.normalize import normalize
from pisentinel.detect.recognizers import ScanContext
from pisentinel.detect.recognizers.health import built_health_words, health_heads
from pisentinel.detect.recognizers.lexical import MedicalRecognizer
from pisentinel.knowledge import weighted_lexicon


@pytest.fixture(scope="module")
def rules_only() -> Scanner:
    return Scanner(ner="off")


def _health(scanner: Scanner, text: str) -> list[str]:
    return [text[f.start:f.end] for f in scanner.scan_text(text) if f.type == "MEDICAL_HEALTH"]


def _built(text: str) -> list[str]:
    """The names read by their build in `text`, before any scoring."""
    return [w.term for w in built_health_words(normalize(text).text)]


@pytest.mark.parametrize(("text", "name"), [
    ("患者张三，45岁，诊断：类风湿关节炎", "类风湿关节炎"),
    ("王某甲状腺功能减退多年", "甲状腺功能减退"),
    ("我妈去年查出慢性阻塞性肺疾病", "慢性阻塞性肺疾病"),
    ("病人李强自述腰椎间盘突出五年", "腰椎间盘突出"),
    ("他骨折了，请了两周假", "骨折"),
    ("她每天吃阿托伐他汀，已经半年了", "阿托伐他汀"),
    ("患者王芳，用药：硝苯地平缓释片", "硝苯地平缓释片"),
    ("我老公每天打胰岛素", "胰岛素"),
    ("我儿子吃头孢了吗？", "头孢"),
    ("处方：瑞舒伐他汀，患者王芳", "瑞舒伐他汀"),  # a prescription is someone's record
    ("患者张三，诊断：2型糖尿病", "2型糖尿病"),  # official names number their types
    ("患者张三，诊断：特发性（原发性）高血压", "特发性（原发性）高血压"),  # … and bracket qualifiers
])
def test_a_name_no_lexicon_lists_is_found_about_a_person(
        rules_only: Scanner, text: str, name: str) -> None:
    assert name not in weighted_lexicon("medical")
    assert _health(rules_only, text) == [name]


def test_the_same_name_about_no_one_stays_below_the_threshold(rules_only: Scanner) -> None:
    text = "专家解读类风湿关节炎诊疗指南"
    assert _health(rules_only, text) == []
    found = Scanner(ner="off", min_score=0.0).scan_text(text)
    capped = [f for f in found if text[f.start:f.end] == "类风湿关节炎"]
    assert capped and capped[0].score <= 0.4
    assert capped[0].explanation.note == "no person in the sentence"


@pytest.mark.parametrize("text", [
    "这台电脑遭病毒感染", "系统功能障碍已修复", "他的心病是房贷", "炎热的夏天", "今年市场萎缩",
    "烤焦的肉容易致癌", "索赔25万元精神损害费", "您可以前往游戏中心暂停下载", "肋骨骨折价",
    "菲德尔·卡斯特罗领导了革命", "本报讯记者贾西平报道", "深圳西林股价上涨", "太阳落到地平线下",
    "他获得了普利策奖", "担任上海普利特公司董事", "管理员添加群公告",
])
def test_words_built_like_a_name_that_are_none_are_not_read(text: str) -> None:
    assert _built(text) == []


def test_a_head_that_begins_another_word_ends_the_name_before_it() -> None:
    assert _built("检出可导致肺炎病原菌") == ["肺炎"]
    assert _built("他的病毒性心肌炎和病人") == ["病毒性心肌炎"]


def test_a_longer_built_name_wins_over_the_lexicon_word_inside_it(rules_only: Scanner) -> None:
    text = "患者赵敏，诊断：非胰岛素依赖型糖尿病"
    ctx = ScanContext(normalize(text), -1)
    assert "糖尿病" in [c.value for c in MedicalRecognizer().find(ctx)]
    assert _health(rules_only, text) == ["胰岛素依赖型糖尿病"]


def test_a_label_before_a_built_name_is_no_finding_of_its_own(rules_only: Scanner) -> None:
    """诊断：肠易激综合征 — as with a listed disease (诊断：糖尿病), the disease is the finding."""
    assert _health(rules_only, "病人陈明，诊断：肠易激综合征") == ["肠易激综合征"]
    assert _health(rules_only, "病人陈明，诊断：糖尿病") == ["糖尿病"]


def test_every_ending_opens_the_medical_family_of_the_prefilter(rules_only: Scanner) -> None:
    """A text whose only health word is a built name still reaches the recognizers."""
    for head in ("综合征", "他汀", "疱疹"):
        assert head in health_heads()
    assert _health(rules_only, "病人陈明，诊断：肠易激综合征") == ["肠易激综合征"]
    assert _health(rules_only, "病人陈明，长期服用瑞舒伐他汀") == ["瑞舒伐他汀"]


@pytest.mark.parametrize("header", ["用药", "medication", "处方", "过敏史", "prescription"])
def test_a_medication_column_is_health_data_by_its_header(header: str) -> None:
    """A medication list is a record of someone's treatment, whatever names its cells hold."""
    from pisentinel.detect.columns import classify_column

    plans = ["一号方案", "二号方案", "三号方案"]
    assert classify_column(header, plans).type == "MEDICAL_HEALTH"
    assert classify_column("备注", plans).type is None


def test_a_column_of_medicines_is_health_data_by_its_values() -> None:
    from pisentinel.detect.columns import classify_column

    values = ["甲氨蝶呤", "沙丁胺醇", "左甲状腺素钠", "阿仑膦酸钠片"]
    assert classify_column("备注", values).type == "MEDICAL_HEALTH"
