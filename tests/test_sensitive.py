"""Sensitive words (health, religion, biometrics) count only when their sentence is about a person."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pisentinel.detect import Scanner
from pisentinel.knowledge import weighted_lexicon
from pisentinel.synth.sensitive_text import generate_sensitive_texts
from pisentinel.synth.whereabouts_text import generate_whereabouts_texts

SENSITIVE = {"MEDICAL_HEALTH", "RELIGION", "BIOMETRIC"}


@pytest.fixture(scope="module")
def rules_only() -> Scanner:
    return Scanner(ner="off")


def _sensitive(scanner: Scanner, text: str) -> list[tuple[str, str, str]]:
    return [(f.type, text[f.start:f.end], f.explanation.note)
            for f in scanner.scan_text(text) if f.type in SENSITIVE]


@pytest.mark.parametrize(("text", "expected"), [
    ("患者张三，45岁，诊断：糖尿病。", ("MEDICAL_HEALTH", "糖尿病", "subject: 诊断")),
    ("我老公查出肺癌了，心里很乱", ("MEDICAL_HEALTH", "肺癌", "subject: 我")),
    ("王某因艾滋病住院治疗", ("MEDICAL_HEALTH", "艾滋病", "subject: anonymised name")),
    ("去年春天，职工何新荣9岁的孩子得了白血病", ("MEDICAL_HEALTH", "白血病", "subject: 职工")),
    ("阿南史代的婆婆是一位虔诚的佛教徒", ("RELIGION", "佛教徒", "subject: 婆婆")),
    ("郁轩是佛教徒。", ("RELIGION", "佛教徒", "subject: 是")),
    ("宗教信仰：佛教", ("RELIGION", "佛教", "subject: 宗教信仰")),
    ("业主 13812345678 人脸照片：face_1.jpg", ("BIOMETRIC", "人脸照片", "subject: PHONE_NUMBER")),
])
def test_a_word_about_a_person_is_found_with_its_reason(
        rules_only: Scanner, text: str, expected: tuple[str, str, str]) -> None:
    assert _sensitive(rules_only, text) == [expected]


@pytest.mark.parametrize("text", [
    "国家艾滋病委员会发布年度报告",  # an institution
    "精神病院门口新开了一家超市",
    "研究显示，长期熬夜会增加肺癌风险",  # about no one
    "广大糖尿病患者可以享受医保报销",  # a group
    "他们都是佛教徒",
    "我们会收集您的人脸信息用于身份验证",  # a privacy policy's reader
    "本店指纹锁八折促销",
    "我们不会收集不满十四周岁未成年人的人脸信息",  # an age group
    "其信息由手机终端处理，我行不留存指纹信息",  # 其: its
    "请提供您本人的身份证号码和人脸图像",
])
def test_the_same_words_about_no_one_are_not_reported(rules_only: Scanner, text: str) -> None:
    assert _sensitive(rules_only, text) == []


@pytest.mark.parametrize("text", [
    # A policy (我们 speaks, or 您 is addressed) tells its reader (你, 本人) what kinds of data it takes.
    "我们需要在本地客户端识别、处理你的面部特征信息用于渲染效果",
    "与我们合作的认证服务机构需要使用你的真实姓名、身份证号码、手机号码及人脸信息。",
    "前述信息可能包括但不限于本人的身份信息、生物识别信息及其他经您授权的信息。",
    # An app's menu path is a screen, not a person.
    "通过操作“我的-设置-我的信息”可以完成个人实人认证（人脸录入或身份证信息）",
    "您可以通过移动端“我的-设置-登录管理-声纹登录”开启或关闭声纹登录功能。",
    "在“我的”页面可开启指纹登录",
])
def test_a_policy_speaking_to_its_reader_is_about_no_one(rules_only: Scanner, text: str) -> None:
    assert _sensitive(rules_only, text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("你的诊断结果是肺癌，别太担心", ("MEDICAL_HEALTH", "肺癌", "subject: 你")),  # no kind of data
    ("我们都知道你的诊断结果是肺癌", ("MEDICAL_HEALTH", "肺癌", "subject: 你")),
    ("你的人脸信息被盗用了", ("BIOMETRIC", "人脸信息", "subject: 你")),  # no institution speaks
    ("我们小区物业采集了我的指纹信息", ("BIOMETRIC", "指纹信息", "subject: 我")),  # 我 is no reader
    ("我-肺癌晚期，不知道还能撑多久", ("MEDICAL_HEALTH", "肺癌", "subject: 我")),  # a dash, no menu
])
def test_a_chat_speaking_to_or_of_one_person_is_about_them(
        rules_only: Scanner, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in _sensitive(rules_only, text)


def test_a_speaker_is_not_the_subject(rules_only: Scanner) -> None:
    text = "李华说，艾滋病在全球的传播仍在加快"
    assert any(f.type == "PERSON_NAME" for f in rules_only.scan_text("姓名：李华"))
    assert _sensitive(rules_only, text) == []


def test_without_a_person_the_score_is_capped_below_the_threshold() -> None:
    loose = Scanner(ner="off", min_score=0.3)
    found = [f for f in loose.scan_text("研究显示，熬夜会增加肺癌风险") if f.type == "MEDICAL_HEALTH"]
    assert [(f.score, f.explanation.note) for f in found] == [(0.4, "no person in the sentence")]


def test_a_label_is_not_reported_beside_its_value(rules_only: Scanner) -> None:
    assert _sensitive(rules_only, "姓名：李四 病史：高血压") == [
        ("MEDICAL_HEALTH", "高血压", "subject: 病史")]
    assert [w for _, w, _ in _sensitive(rules_only, "她去年确诊肺癌")] == ["肺癌"]


def test_a_column_named_for_the_type_makes_every_cell_a_persons(rules_only: Scanner) -> None:
    batch = pa.record_batch({"诊断": ["糖尿病", "高血压"], "备注": ["糖尿病", "无"]})
    found = rules_only.scan_batch(batch).to_pydict()
    assert sorted(zip(found["column"], found["row"], strict=True)) == [("诊断", 0), ("诊断", 1)]


def test_in_a_table_of_persons_every_row_is_someone(rules_only: Scanner) -> None:
    people = pa.record_batch({"姓名": ["张三", "李四"], "备注": ["高血压", "无"]})
    posts = pa.record_batch({"内容": ["高血压", "无"]})
    assert rules_only.scan_batch(people, ["备注"]).to_pydict()["row"] == [0]
    assert rules_only.scan_batch(posts).num_rows == 0


def test_a_sensitive_word_is_no_name(rules_only: Scanner) -> None:
    text = "我老公是穆斯林，过年不吃猪肉"
    types = [(f.type, text[f.start:f.end]) for f in rules_only.scan_text(text)]
    assert types == [("RELIGION", "穆斯林")]


def test_the_model_name_stops_where_a_sensitive_word_begins() -> None:
    text = "学员付峰人脸信息核验通过"
    found = [(f.type, text[f.start:f.end]) for f in Scanner().scan_text(text)]
    assert ("BIOMETRIC", "人脸信息") in found
    assert all(not (t == "PERSON_NAME" and "人" in w) for t, w in found)


def test_generated_gold_is_a_lexicon_word_and_negatives_are_planted() -> None:
    words = {w for lex in ("medical", "religion", "biometric") for w in weighted_lexicon(lex)}
    samples = generate_sensitive_texts(400, 3)
    assert samples[0].text == generate_sensitive_texts(1, 3)[0].text  # seeded
    spans = [(s.text, t, a, e) for s in samples for t, a, e in s.spans]
    negatives = [(s.text, a, e) for s in samples for _, a, e in s.negatives]
    assert len(spans) > 100 and len(negatives) > 100
    assert all(text[a:e] in words and t in SENSITIVE for text, t, a, e in spans)
    assert all(text[a:e] in words for text, a, e in negatives)
    alt = generate_sensitive_texts(400, 3, "alt")
    assert {s.text for s in alt}.isdisjoint({s.text for s in samples})


@pytest.mark.parametrize(("text", "span", "why"), [
    ("车主浙A12345 3月5日 08:12 驶入西湖文化广场停车场，09:30 驶离",
     "3月5日 08:12 驶入西湖文化广场停车场，09:30 驶离", "subject: LICENSE_PLATE"),
    ("入住记录：房客 6月4日 11:37 入住城东宾馆，次日10:05 退房",
     "6月4日 11:37 入住城东宾馆，次日10:05 退房", "cue; subject: 入住记录"),
    ("我今天8:30到人民广场，12:10去了中山医院", "8:30到人民广场，12:10去了中山医院", "subject: 我"),
])
def test_a_persons_times_and_places_are_whereabouts(
        rules_only: Scanner, text: str, span: str, why: str) -> None:
    found = [(text[f.start:f.end], f.explanation.note) for f in rules_only.scan_text(text)
             if f.type == "WHEREABOUTS"]
    assert found == [(span, why)]


@pytest.mark.parametrize("text", [
    "会议议程：9:00 签到 会展中心一楼大厅，10:30 主题演讲 三号报告厅，14:00 分论坛 五号会议室",
    "G123次列车 08:15 北京南站发车，12:30 到达上海虹桥站",
    "班车时刻：7:10 城东广场发车，7:40 金桥大厦发车",
])
def test_timetables_and_agendas_are_no_ones_whereabouts(rules_only: Scanner, text: str) -> None:
    assert [f for f in rules_only.scan_text(text) if f.type == "WHEREABOUTS"] == []


_TRACK = " 2026-03-01 08:12 定位：北京市朝阳区建国路88号 09:30 定位：北京市海淀区中关村大街27号"


@pytest.mark.parametrize(("text", "why"), [
    ("设备862104051234567" + _TRACK, "subject: 设备"),  # no IMEI check digit: the word counts
    ("终端号 T1000234567" + _TRACK, "subject: 终端号"),  # a vendor's serial
    ("设备862104051234562" + _TRACK, "subject: DEVICE_ID"),  # a valid IMEI: a device identifier
])
def test_a_devices_track_is_the_whereabouts_of_whoever_carries_it(
        rules_only: Scanner, text: str, why: str) -> None:
    found = [(text[f.start:f.end], f.explanation.note) for f in rules_only.scan_text(text)
             if f.type == "WHEREABOUTS"]
    assert found == [(_TRACK.strip(), why)]


def test_a_device_word_before_an_imei_is_its_label(rules_only: Scanner) -> None:
    for label in ("设备", "终端", "设备编号"):
        found = [(f.type, f.value, f.explanation.cues)
                 for f in rules_only.scan_text(f"{label}862104051234562 已登记")]
        assert found == [("DEVICE_ID", "862104051234562", (label,))]
    assert rules_only.scan_text("设备已售出，订单号862104051234562") == []


def test_a_tracker_log_with_a_point_a_line_is_whereabouts(rules_only: Scanner) -> None:
    text = "定位器 358689069585808 上报位置\n12：42 30.27415,120.15515\n16:39 30.24611,120.21043"
    found = [(f.start, f.explanation.note) for f in rules_only.scan_text(text)
             if f.type == "WHEREABOUTS"]
    assert found == [(text.index("12："), "subject: 定位器")]


@pytest.mark.parametrize("text", [
    "设备巡检：08:12 西湖广场配电房，09:30 望京大厦水泵房",  # a device word, no device
    "设备20260301 08:12 西湖广场 09:30 望京地铁站",  # a date is no device number
    "门店营业时间：西湖广场 08:12-21:30，望京大厦 08:12-22:00",
    "设备3台，08:12 西湖广场到货，09:30 望京大厦到货",
])
def test_times_and_places_beside_no_device_stay_capped(text: str) -> None:
    loose = Scanner(ner="off", min_score=0.3)
    found = [(f.score, f.explanation.note) for f in loose.scan_text(text)
             if f.type == "WHEREABOUTS"]
    assert found and all(hit == (0.4, "no person in the sentence") for hit in found)


@pytest.mark.parametrize("text", [
    "哈希 3b:42:99:93:21:68:7f，设备号 993919773631114",  # no 42 o'clock; 设备号 is no place
    "设备号 DC:E6:37:78:78:68，手机号是19587666458",
    "串号84:11:15:4F:08:56 序列号：148065435998",  # a MAC's pairs run on
])
def test_a_mac_address_beside_number_labels_is_no_track(rules_only: Scanner, text: str) -> None:
    assert "WHEREABOUTS" not in {f.type for f in rules_only.scan_text(text)}


def test_a_timestamp_with_seconds_and_a_house_number_still_make_a_track(
        rules_only: Scanner) -> None:
    plate = "车主浙A12345 2026-03-01T08:12:00 驶入西湖停车场，2026-03-01T09:30:00 驶离"
    home = "我08:12 离开中山路36号，09:30 到人民广场"
    for text in (plate, home):
        assert "WHEREABOUTS" in {f.type for f in rules_only.scan_text(text)}


def test_a_device_inventory_without_places_is_no_whereabouts(rules_only: Scanner) -> None:
    text = "设备清单：终端862104051234562 入库08:12，终端358689069585808 出库09:30"
    assert [f.type for f in rules_only.scan_text(text)] == ["DEVICE_ID", "DEVICE_ID"]


def test_generated_whereabouts_gold_runs_from_a_time_to_a_place() -> None:
    samples = generate_whereabouts_texts(300, 5)
    gold = [s.text[a:e] for s in samples for _, a, e in s.spans]
    assert len(gold) > 100 and sum(bool(s.negatives) for s in samples) > 100
    assert all(g[0].isdigit() and g == g.strip() for g in gold)
    assert all(not (s.spans and s.negatives) for s in samples)  # one record a text


def test_generated_device_tracks_are_gold_and_device_lists_are_negatives() -> None:
    samples = generate_whereabouts_texts(600, 5)
    tracks = [s for s in samples if s.spans and ("终端号" in s.text or "定位器" in s.text)]
    lists = [s for s in samples if s.negatives and ("设备清单" in s.text or "设备巡检" in s.text)]
    assert len(tracks) > 10 and len(lists) > 10


def test_a_column_of_diseases_profiles_as_health_data() -> None:
    from pisentinel.detect.columns import classify_column

    profile = classify_column("备注", ["高血压", "糖尿病", "乙肝", "无", "肺癌"])
    assert profile.type == "MEDICAL_HEALTH" and profile.value_ratio == 0.8


def test_a_scan_for_one_sensitive_type_finds_what_a_full_scan_finds() -> None:
    text = "郁轩，佛教徒"  # only the model knows 郁轩 is a name
    full = [(f.type, f.start) for f in Scanner().scan_text(text) if f.type == "RELIGION"]
    only = [(f.type, f.start) for f in Scanner(types={"RELIGION"}).scan_text(text)]
    assert full == only == [("RELIGION", 3)]
    assert Scanner(ner="off").scan_text(text) == []


def test_a_name_cut_before_a_sensitive_word_has_the_cut_value() -> None:
    text = "学员付峰人脸信息核验通过"
    names = [f for f in Scanner().scan_text(text) if f.type == "PERSON_NAME"]
    assert all(f.value == text[f.start:f.end] for f in names)


def test_a_name_inside_a_whereabouts_record_stays_whole() -> None:
    text = "行程：8:30 张伟明到人民广场，12:10 张伟明去了中山医院"
    found = [(f.type, text[f.start:f.end]) for f in Scanner().scan_text(text)]
    assert ("PERSON_NAME", "张伟明") in found and any(t == "WHEREABOUTS" for t, _ in found)


def test_the_reason_reads_in_chinese_for_a_chinese_reader(rules_only: Scanner) -> None:
    text = "患者张三，45岁，诊断：糖尿病。"
    (found,) = [f for f in rules_only.scan_text(text) if f.type == "MEDICAL_HEALTH"]
    assert found.explanation.describe("zh").endswith("所指个人:诊断")
    assert found.explanation.describe("en").endswith("subject: 诊断")
    plate = "车主浙A12345 3月5日 08:12 驶入西湖文化广场停车场，09:30 驶离"
    (record,) = [f for f in rules_only.scan_text(plate) if f.type == "WHEREABOUTS"]
    assert record.explanation.describe("zh").endswith("所指个人:机动车号牌")
