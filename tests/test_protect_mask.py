"""Display masks per type, in the conventions of pi_types.yaml."""

from __future__ import annotations

import pytest

from pisentinel.protect import district_prefix, label_for, mask_keep, mask_value


@pytest.mark.parametrize(("type_code", "value", "masked"), [
    ("PERSON_NAME", "张三", "张*"),
    ("PERSON_NAME", "张三丰", "张**"),
    ("PERSON_NAME", "欧阳娜娜", "欧阳**"),
    ("PERSON_NAME", "司马懿", "司马*"),
    ("PERSON_NAME", "欧阳", "欧*"),
    ("PERSON_NAME", "张", "*"),
    ("PERSON_NAME", "阿依古丽·买买提", "阿***·***"),
    ("CN_ID_CARD", "110101199003077777", "110101********7777"),
    ("CN_ID_CARD", "11010119900307777x", "110101********777x"),
    ("MINOR", "440305201501010028", "440305********0028"),
    ("PHONE_NUMBER", "13812345678", "138****5678"),
    ("PHONE_NUMBER", "138 1234 5678", "138 **** 5678"),
    ("PHONE_NUMBER", "138-1234-5678", "138-****-5678"),
    ("PHONE_NUMBER", "+86 138 1234 5678", "+86 138 **** 5678"),
    ("PHONE_NUMBER", "+8613812345678", "+86138****5678"),
    ("PHONE_NUMBER", "010-87654321", "010-****4321"),
    ("BANK_CARD", "6222021234567890", "6222********7890"),
    ("EMAIL", "zhangsan@qq.com", "z***@qq.com"),
    ("EMAIL", "z@qq.com", "****@qq.com"),
    ("IP_ADDRESS", "192.168.1.23", "192.168.*.*"),
    ("IP_ADDRESS", "1.2..", "*.*.."),  # nothing after the network: starred whole
    ("IP_ADDRESS", "0..", "*.."),
    ("GPS_COORDINATE", "39.904211,116.407395", "39.9*****,116.4*****"),
    ("BIRTH_DATE", "1990-03-07", "1990-**-**"),
    ("BIRTH_DATE", "1990年3月7日", "1990年*月*日"),
    ("BIRTH_DATE", "19900307", "1990****"),
    ("LICENSE_PLATE", "京A12345", "京A****5"),
    ("LICENSE_PLATE", "京A·12345", "京A·****5"),
    ("QQ_NUMBER", "123456789", "12*****89"),
    ("WECHAT_ID", "wxid_abc123", "wx**_*****3"),
    ("PASSPORT", "E12345678", "E******78"),
    ("ADDRESS", "北京市朝阳区建国路88号", "北京市朝阳区****"),
    ("ADDRESS", "朝阳区望京小区3号楼", "朝阳区****"),
    ("ADDRESS", "广东深圳南山区科技园", "广东深圳南山区****"),
    ("ADDRESS", "新疆维吾尔自治区乌鲁木齐市天山区解放路1号",
     "新疆维吾尔自治区乌鲁木齐市天山区****"),
    ("ADDRESS", "浙江省杭州市临安市锦城街道", "浙江省杭州市临安市****"),
    ("ADDRESS", "上海市浦东新区张江镇", "上海市浦东新区****"),
    ("ADDRESS", "广东省深圳市福田", "广东省深圳市****"),
    ("ADDRESS", "家乐福超市门口", "****"),
    ("MEDICAL_HEALTH", "患有糖尿病", "[医疗健康]"),
    ("RELIGION", "信仰佛教", "[宗教信仰]"),
    ("BIOMETRIC", "人脸特征值", "[生物识别]"),
    ("WHEREABOUTS", "3月7日在北京西站", "[行踪轨迹]"),
    ("USCC", "91110000MA01ABCD1X", "91110000MA01ABCD1X"),
    ("NOT_A_TYPE", "abc-123", "***-***"),
])
def test_mask_examples(type_code: str, value: str, masked: str) -> None:
    assert mask_value(type_code, value) == masked


def test_labels_in_english() -> None:
    english = mask_value("MEDICAL_HEALTH", "患有糖尿病", lang="en")
    assert english == "[Medical and health information]"
    assert label_for("PHONE_NUMBER") == "[电话号码]"


def test_short_values_hide_at_least_half() -> None:
    # The phone rule keeps 3 + 4; a 4-digit fragment must not come out whole.
    assert mask_value("PHONE_NUMBER", "5678") == "5**8"
    assert mask_value("CN_ID_CARD", "1234567") == "12****7"
    assert mask_keep("ab", 3, 4) == "a*"


def test_full_width_digits_are_masked_like_ascii() -> None:
    assert mask_value("PHONE_NUMBER", "１３８１２３４５６７８") == "１３８****５６７８"


def test_district_prefix() -> None:
    assert district_prefix("北京市朝阳区建国路88号") == "北京市朝阳区"
    assert district_prefix("辽宁省朝阳市双塔区") == "辽宁省朝阳市双塔区"
    assert district_prefix("湖北省武汉市东湖高新区光谷大道") == "湖北省武汉市东湖高新区"
    assert district_prefix("建国路88号") == ""
