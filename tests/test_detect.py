"""Detector behaviour on the surface forms Chinese PI takes, and on look-alikes that are not PI.

Every identifier here is synthetic: IDs and cards are built with their check digits below."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pisentinel import scan_text
from pisentinel.detect import Scanner
from pisentinel.detect.validators import id_check_char


def make_id(body17: str) -> str:
    return body17 + id_check_char(body17)


def luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        cand = prefix + d
        total = 0
        for i, c in enumerate(reversed(cand)):
            n = int(c) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return cand
    raise AssertionError


ID = make_id("11010119900307777")
ID_LINAN = make_id("33018519850412123")  # 临安市: abolished in 2017, still on IDs
CARD19 = luhn_complete("622202123456789012")
CARD16 = luhn_complete("622848001234567")
IMEI = luhn_complete("86123456789012")


def found(text: str, **kw: object) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in scan_text(text, **kw)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证号{ID}", ("CN_ID_CARD", ID)),
        (f"证件号码：{ID_LINAN}。", ("CN_ID_CARD", ID_LINAN)),
        (f"他的号是{ID[:6]} {ID[6:14]} {ID[14:]}谢谢",
         ("CN_ID_CARD", f"{ID[:6]} {ID[6:14]} {ID[14:]}")),
        ("电话13812345678你好", ("PHONE_NUMBER", "13812345678")),
        ("手机：１３８１２３４５６７８", ("PHONE_NUMBER", "１３８１２３４５６７８")),
        ("联系一三八一二三四五六七八", ("PHONE_NUMBER", "一三八一二三四五六七八")),
        ("打幺三八幺二三四五六七八", ("PHONE_NUMBER", "幺三八幺二三四五六七八")),
        ("手机138 1234 5678", ("PHONE_NUMBER", "138 1234 5678")),
        ("手机138-1234-5678", ("PHONE_NUMBER", "138-1234-5678")),
        ("手机138·1234·5678", ("PHONE_NUMBER", "138·1234·5678")),
        ("手机138\u200b1234\u200b5678", ("PHONE_NUMBER", "138\u200b1234\u200b5678")),
        ("电话+86 138 1234 5678", ("PHONE_NUMBER", "+86 138 1234 5678")),
        ("电话0086-13812345678", ("PHONE_NUMBER", "0086-13812345678")),
        ("座机0571-87654321", ("PHONE_NUMBER", "0571-87654321")),
        ("座机(010)62345678", ("PHONE_NUMBER", "(010)62345678")),
        (f"卡号{CARD19}", ("BANK_CARD", CARD19)),
        (f"银行卡 {CARD16[:4]} {CARD16[4:8]} {CARD16[8:12]} {CARD16[12:]}",
         ("BANK_CARD", f"{CARD16[:4]} {CARD16[4:8]} {CARD16[8:12]} {CARD16[12:]}")),
        ("邮箱abc.de@qq.com谢谢", ("EMAIL", "abc.de@qq.com")),
        ("车牌京AD12345", ("LICENSE_PLATE", "京AD12345")),
        ("车牌粤B·12345", ("LICENSE_PLATE", "粤B·12345")),
        ("沪A12345D停在门口", ("LICENSE_PLATE", "沪A12345D")),
        ("护照号码E12345678", ("PASSPORT", "E12345678")),
        ("港澳通行证C12345678", ("HK_MACAO_PERMIT", "C12345678")),
        ("台胞证12345678", ("TAIWAN_PERMIT", "12345678")),
        ("登录IP 202.96.128.86", ("IP_ADDRESS", "202.96.128.86")),
        ("QQ：123456789", ("QQ_NUMBER", "123456789")),
        ("加微信：zhang_san88", ("WECHAT_ID", "zhang_san88")),
        ("坐标116.397128,39.916527", ("GPS_COORDINATE", "116.397128,39.916527")),
        ("出生日期：1990年3月7日", ("BIRTH_DATE", "1990年3月7日")),
        ("统一社会信用代码91350100M000100Y43", ("USCC", "91350100M000100Y43")),
        ("姓名：张三电话：13912345678", ("PERSON_NAME", "张三")),
        ("住址：浙江省杭州市西湖区文三路90号3栋2单元501室",
         ("ADDRESS", "浙江省杭州市西湖区文三路90号3栋2单元501室")),
        ("患者确诊为糖尿病", ("MEDICAL_HEALTH", "糖尿病")),
        ("他是基督徒", ("RELIGION", "基督徒")),
        ("小区采集了业主的人脸信息", ("BIOMETRIC", "人脸信息")),
        (f"设备IMEI：{IMEI}", ("DEVICE_ID", IMEI)),
        (f"手机串号 {IMEI[:2]} {IMEI[2:8]} {IMEI[8:14]} {IMEI[14]}",
         ("DEVICE_ID", f"{IMEI[:2]} {IMEI[2:8]} {IMEI[8:14]} {IMEI[14]}")),
        ("MAC地址：A4:5E:60:C2:19:9F", ("DEVICE_ID", "A4:5E:60:C2:19:9F")),
        ("MAC:a4-5e-60-c2-19-9f，路由器", ("DEVICE_ID", "a4-5e-60-c2-19-9f")),
        ("idfa=6D92078A-8246-4BA4-AE5B-76104861E7DC", ("DEVICE_ID",
                                                        "6D92078A-8246-4BA4-AE5B-76104861E7DC")),
        ("联系方式：13912345678\n8d92078a-1391-2345-6789-76104861e7dc",
         ("PHONE_NUMBER", "13912345678")),
    ],
)
def test_surface_forms(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    "text",
    [
        f"身份证号{ID[:-1]}{'0' if ID[-1] != '0' else '1'}",  # bad checksum
        "身份证号110101199013327771",  # month 13
        "订单号13812345678901234",  # phone inside a longer number
        "时间戳1700000000000",
        "金额¥13,812,345.67元",
        "版本号1.2.3.4",
        "快递单号：13812345678",
        f"订单号：{CARD19}",
        "共计12345人参加",
        "ISBN 978-7-111-12345-6",
        "2023-01-05 13:45:00 系统日志",
        "request_id=a1391234-5678-4ba4-ae5b-761048612345",  # a UUID's digits are no phone
        f"IMEI {IMEI[:-1]}{(int(IMEI[-1]) + 1) % 10}",  # wrong check digit
        f"编号{IMEI}",  # fifteen Luhn digits without a device label
        "SHA1 12:34:56:78:9a:bc:de:f0",  # hex pairs parse as IPv6, but read as a hash
        "MAC ff:ff:ff:ff:ff:ff",  # broadcast: no device
    ],
)
def test_hard_negatives(text: str) -> None:
    assert [t for t, _ in found(text) if t in ("CN_ID_CARD", "PHONE_NUMBER", "BANK_CARD",
                                                "IP_ADDRESS", "DEVICE_ID")] == []


def test_offsets_point_into_original_text() -> None:
    text = "前缀\u200b\u200b手机１３８\u200b１２３４ ５６７８后缀"
    (f,) = [f for f in scan_text(text) if f.type == "PHONE_NUMBER"]
    assert text[f.start : f.end] == "１３８\u200b１２３４ ５６７８"
    assert f.value == "13812345678"
    assert f.explanation.normalized


def test_minor_is_derived_from_the_id_birth_date() -> None:
    child = make_id("33010620180601123")
    types = {f.type for f in scan_text(f"学生身份证{child}")}
    assert types == {"CN_ID_CARD", "MINOR"}
    assert "MINOR" not in {f.type for f in scan_text(f"身份证{ID}")}


def test_id_attributes_and_explanation() -> None:
    (f,) = scan_text(f"身份证：{ID}")
    assert f.attributes["birth_date"] == "1990-03-07"
    assert f.attributes["sex"] == "男"
    assert "mod11-2" in f.explanation.validators
    assert f.explanation.cues
    assert ID not in repr(f)


def test_negative_cue_lowers_the_score() -> None:
    plain = scan_text("用户13812345678")[0].score
    order = scan_text("订单号13812345678", min_score=0.0)
    assert order and order[0].score < plain


def test_types_filter_and_min_score() -> None:
    text = f"电话13812345678 身份证{ID}"
    assert [f.type for f in scan_text(text, types=["CN_ID_CARD"])] == ["CN_ID_CARD"]
    with pytest.raises(ValueError, match="NOT_A_TYPE"):
        Scanner(types=["NOT_A_TYPE"])


TEXTS = [
    f"张三的身份证{ID}，手机１３８ １２３４ ５６７８",
    "没有任何个人信息的一句话。",
    "",
    None,
    "邮箱a@b.cn 车牌京A12345 IP 8.8.8.8",
    "住址：北京市朝阳区建国路88号SOHO现代城5号楼1203室",
    "08:12到达万达广场停车场，09:30离开至西湖区文三路口，11:00到达杭州东站",
]


def test_hyperscan_and_re_prefilters_agree() -> None:
    a = Scanner(use_hyperscan=True).scan_texts(TEXTS)
    b = Scanner(use_hyperscan=False).scan_texts(TEXTS)
    assert [[(f.type, f.start, f.end) for f in x] for x in a] == [
        [(f.type, f.start, f.end) for f in x] for x in b
    ]
    assert sum(map(len, a)) >= 8


def test_scan_batch_rows_columns_and_masking() -> None:
    batch = pa.record_batch(
        {"备注": pa.array(TEXTS, pa.string()), "id": pa.array(range(len(TEXTS)), pa.int64())}
    )
    out = Scanner().scan_batch(batch, mask=lambda t, v: "*" * len(v))
    rows = out.to_pylist()
    assert {r["column"] for r in rows} == {"备注"}
    assert {r["row"] for r in rows} >= {0, 4, 5, 6}
    for r in rows:
        assert set(r["masked"]) == {"*"}
        text = TEXTS[r["row"]]
        assert text is not None and 0 <= r["start"] < r["end"] <= len(text)


def test_rows_glued_in_one_buffer_are_each_prefiltered() -> None:
    """In an Arrow buffer a row begins right after the previous row's last digit."""
    arr = pa.array(["13912345678", "15012345678", "x", "18612345678"])
    rows = sorted(r for r, f in Scanner().scan_array(arr) if f.type == "PHONE_NUMBER")
    assert rows == [0, 1, 3]


def test_order_number_columns_are_not_phones() -> None:
    batch = pa.record_batch({"订单号": pa.array(["13812345678", "订单13912345678"]),
                             "备注": pa.array(["13812345678", "无"])})
    rows = Scanner().scan_batch(batch, mask=lambda t, v: "*").to_pylist()
    assert [(r["column"], r["type"]) for r in rows] == [("备注", "PHONE_NUMBER")]


def test_long_decimal_fraction_is_not_an_identifier() -> None:
    """A timing written by a program (0.4930931269991561) holds a Luhn-valid 16-digit fraction;
    it is a decimal number, not a card. The same digits standing alone are still a card."""
    from pisentinel import scan_text

    assert scan_text('"scan_posts": 0.4930931269991561,') == []
    assert [f.type for f in scan_text("卡号 4930931269991561")] == ["BANK_CARD"]
    assert [f.type for f in scan_text("手机 138.1234.5678")] == ["PHONE_NUMBER"]


def test_cyclic_collector_is_paused_only_while_a_batch_is_scanned() -> None:
    """scan_batch pauses the cyclic collector for speed; it must come back on afterwards, also
    when the mask raises, and stay off for a caller who had turned it off."""
    import gc

    batch = pa.record_batch({"备注": pa.array(TEXTS, pa.string())})
    seen: list[bool] = []

    def spy_mask(pi_type: str, value: str) -> str:
        seen.append(gc.isenabled())
        return "*"

    assert gc.isenabled()
    Scanner().scan_batch(batch, mask=spy_mask)
    assert seen and not any(seen)
    assert gc.isenabled()

    def failing_mask(pi_type: str, value: str) -> str:
        raise RuntimeError("mask failed")

    with pytest.raises(RuntimeError):
        Scanner().scan_batch(batch, mask=failing_mask)
    assert gc.isenabled()

    gc.disable()
    try:
        Scanner().scan_batch(batch, mask=spy_mask)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_scan_texts_equals_scan_text_one_by_one() -> None:
    """The batched API packs texts into one model call; it must find what one call per text
    finds, with the same offsets, for every text including empty ones."""
    from pisentinel import scan_texts

    texts = [*TEXTS, "", "收件人王小明，电话13912345678，地址上海市浦东新区世纪大道100号"]
    batched = scan_texts(texts)
    single = [scan_text(t) if t else [] for t in texts]
    assert len(batched) == len(texts)
    assert [[(f.type, f.start, f.end, f.score) for f in x] for x in batched] == [
        [(f.type, f.start, f.end, f.score) for f in x] for x in single]
    assert any(f.type == "PERSON_NAME" for f in batched[-1])


def test_one_scanner_serves_many_threads() -> None:
    """Hyperscan's scratch space is per scan: a scanner shared by a web server's threads must
    not fail with ScratchInUseError, and every thread must get the same findings."""
    import threading

    scanner = Scanner(ner="off")
    texts = [t for t in TEXTS if t] * 200
    expected = scanner.scan_texts(texts)
    results: list[object] = []

    def work() -> None:
        try:
            results.extend(scanner.scan_texts(texts) == expected for _ in range(5))
        except Exception as exc:  # the failure is what the test reports
            results.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [True] * 20


@pytest.mark.parametrize(("text", "names"), [
    ("请联系柯美同学，电话13812345678", ["柯美"]),
    ("找何丹同学（本人）", ["何丹"]),
    ("#今日热点# 祖欣同学。", ["祖欣"]),
    ("败诉，但邵老师说", []),  # 但 + 邵老师, not a person 但邵
    ("高中同学聚会", []),
    ("我们的英语老师", []),  # not where a mention starts
    ("王老师你好", []),  # a bare surname identifies no one
])
def test_names_before_forms_of_address(text: str, names: list[str]) -> None:
    found = Scanner(ner="off").scan_text(text)
    assert [text[f.start:f.end] for f in found if f.type == "PERSON_NAME"] == names


@pytest.mark.parametrize(("text", "names"), [
    ("真实姓名：姜磊洋 ISBN 9787111", ["姜磊洋"]),  # the rule's end beats the model's 姜磊
    ("【转让】请联系孔力一同学你好", ["孔力一"]),  # a name ends where 同学 begins
    ("谢谢饶浩女士", ["饶浩"]),  # 谢谢 is thanks, not the surname 谢
    ("联系人：乐秀明你好", ["乐秀明"]),  # 明 here is a name, not the start of 明天
    ("姓名：张三明天到", ["张三"]),
])
def test_name_boundaries(text: str, names: list[str]) -> None:
    found = Scanner().scan_text(text)
    assert [text[f.start:f.end] for f in found if f.type == "PERSON_NAME"] == names


@pytest.mark.parametrize(("text", "names"), [
    ("联系张三 手机13812345678", ["张三"]),
    ("请联系李建国 电话13812345678", ["李建国"]),
    ("两者有什么联系和区别？", []),  # 和 is a conjunction here
    ("联系房东 13812345678", []),  # a label is no name
    ("反正我是信了！", []),  # nor is a word ending in a particle
])
def test_names_after_contact_verbs(text: str, names: list[str]) -> None:
    found = Scanner().scan_text(text)
    assert [text[f.start:f.end] for f in found if f.type == "PERSON_NAME"] == names


@pytest.mark.parametrize(("text", "names"), [
    ("挑战中国大学生东方时代队", []),  # 学生 is the tail of 大学生 here, not a label
    ("各行业主管部门要重视", []),  # nor is 业主 inside 行业主管
    ("学生：张三，电话13812345678", ["张三"]),
    ("。父亲张三，电话13812345678", ["张三"]),
    ("犯罪嫌疑人张某在法庭上", []),  # 张某 is already anonymised
    ("我们把名字和定位做到了", []),  # 和 opens no name after a label
])
def test_labels_inside_running_text(text: str, names: list[str]) -> None:
    found = Scanner(ner="off").scan_text(text)
    assert [text[f.start:f.end] for f in found if f.type == "PERSON_NAME"] == names


@pytest.mark.parametrize(("text", "expected"), [
    ("企鹅号《今日看点》2019-11-2309:", []),  # a date glued to its hour: no QQ number
    ("QQ群公告 2019/11/23 0915", []),
    ("扣扣 2019.11.23 15:20 发布", []),
    ("2019-11-23 13812345678", [("PHONE_NUMBER", "13812345678")]),  # a number after the date
    ("2019-11-2309 138 1234 5678", [("PHONE_NUMBER", "138 1234 5678")]),
    ("QQ 2019-13-23", [("QQ_NUMBER", "2019-13-23")]),  # month 13: no date, digits join as before
])
def test_a_leading_date_joins_no_number(text: str, expected: list[tuple[str, str]]) -> None:
    """The groups of a date (and a time glued to its day) are no part of any numeric identifier;
    a number written after the date in the same run is still found."""
    found = Scanner(ner="off").scan_text(text)
    assert [(f.type, text[f.start:f.end]) for f in found] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("http://t.cn/aBWxcD9http://t.cn/zQ12abc", []),  # Wx inside a URL is no cue
    ("见 https://t.cn/wxAbcdef1 详情", []),
    ("型号HWxiaomi123", []),  # nor glued after a Latin letter
    ("加Wx: abc_12345", [("WECHAT_ID", "abc_12345")]),
    ("微信/vx：zhang_san88", [("WECHAT_ID", "zhang_san88")]),
])
def test_wechat_cue_inside_a_latin_token(text: str, expected: list[tuple[str, str]]) -> None:
    found = Scanner(ner="off").scan_text(text)
    assert [(f.type, text[f.start:f.end]) for f in found] == expected
