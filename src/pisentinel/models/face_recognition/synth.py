"""Synthetic face-recognition deployment records with planted violations.

Operators (property companies, developers) run several sites each. Compliant operators offer
a card or code alternative, take separate consent, keep faces on the device, assessed the impact
and filed when over 100,000 people — they are the decoys. Violating operators break one or more
rules at some of their sites. The "hard" mix writes yes/no answers in every way people do
(是/有/√/Y/已备案), renames headers, adds blanks and typos."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from pisentinel.leads import Lead
from pisentinel.synth import pi_text as g

_OPERATOR_NAMES = ("万家", "锦绣", "金地", "碧桂", "融创", "华润", "保利", "绿城", "中海", "招商",
                   "龙湖", "远洋", "金科", "旭辉", "越秀", "雅居", "安居", "宜家", "和美", "康城")
_SUFFIX = ("物业服务有限公司", "物业管理有限公司", "置业有限公司", "房地产开发有限公司")
_SITE_TYPES = ("住宅小区", "住宅小区", "住宅小区", "售楼处", "写字楼", "公寓")
_DISTRICTS = ("渝北区", "江北区", "两江新区", "沙坪坝区", "九龙坡区", "南岸区")
_GOOD_NOTICE = ("本小区门禁使用人脸识别，用于出入管理，人脸信息存储于门禁设备内，保存期限为居住期间，"
                "不同意者可使用门禁卡或二维码通行。联系电话：023-6{:07d}")
_BAD_NOTICES = ("本小区已启用刷脸通行，请业主尽快到物业录入人脸。", "智慧社区，刷脸进门，安全便捷！",
                "")


def _yes(rng: random.Random, hard: bool) -> str:
    return rng.choice(("是", "有", "√", "Y", "已", "yes")) if hard else "是"


def _no(rng: random.Random, hard: bool) -> str:
    return rng.choice(("否", "无", "×", "N", "未", "no")) if hard else "否"


def _operator(rng: random.Random, i: int) -> tuple[str, str]:
    name = "重庆" + _OPERATOR_NAMES[i % len(_OPERATOR_NAMES)] + (str(i // len(_OPERATOR_NAMES))
                                                             if i >= len(_OPERATOR_NAMES) else "")
    return name + rng.choice(_SUFFIX), g.uscc(rng)


def _site(rng: random.Random, op: tuple[str, str], n: int, broken: set[str], hard: bool,
          enrolled: int) -> dict[str, Any]:
    yes: Callable[[], str] = lambda: _yes(rng, hard)  # noqa: E731
    no: Callable[[], str] = lambda: _no(rng, hard)  # noqa: E731
    site_type = "售楼处" if "v_purpose_beyond_necessity" in broken else rng.choice(_SITE_TYPES)
    minors = rng.randrange(5, 80) if site_type == "住宅小区" and rng.random() < 0.7 else 0
    if "v_minors_without_guardian" in broken:
        minors = max(minors, rng.randrange(5, 80))
    return {
        "场所名称": f"{rng.choice(('阳光', '翠湖', '锦苑', '凤凰', '天悦', '江屿'))}{n}号"
                   + ("小区" if site_type == "住宅小区" else site_type),
        "运营方": op[0], "统一社会信用代码": op[1], "场所类型": site_type,
        "所在区县": rng.choice(_DISTRICTS),
        "是否唯一方式": yes() if "v_sole_method" in broken else rng.choice((no(), yes())),
        "其他方式": "无" if "v_sole_method" in broken else rng.choice(("门禁卡", "二维码", "门禁卡、密码")),
        "同意方式": rng.choice(("告示", "默认同意", "口头告知")) if broken & {
            "v_no_separate_consent", "v_off_device_storage"} else rng.choice(("单独同意", "书面同意")),
        "存储位置": rng.choice(("云端平台", "运营方服务器")) if "v_off_device_storage" in broken
        else "门禁设备本地",
        "录入人数": str(enrolled),
        "未成年人数": str(minors),
        "监护人同意": no() if "v_minors_without_guardian" in broken else (yes() if minors else ""),
        "影响评估": no() if "v_no_impact_assessment" in broken else yes(),
        "备案": "",
        "告示内容": rng.choice(_BAD_NOTICES[:2]) if "v_incomplete_notice" in broken
        else _GOOD_NOTICE.format(rng.randrange(10**7)),
        "用途": "来访客户渠道判客" if "v_purpose_beyond_necessity" in broken else "出入管理",
    }


_KINDS = ("v_sole_method", "v_no_separate_consent", "v_minors_without_guardian",
          "v_off_device_storage", "v_no_impact_assessment", "v_incomplete_notice",
          "v_purpose_beyond_necessity")


def generate(rows: int, seed: int, out_dir: Path, mix: str = "default") -> dict[str, Any]:
    rng = random.Random(f"face_recognition:{seed}:{mix}")
    hard = mix == "hard"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    subjects = []
    n_ops = max(4, rows // 8)
    for i in range(n_ops):
        op = _operator(rng, i)
        violating = rng.random() < 0.45
        big = rng.random() < 0.12
        n_sites = rng.randrange(2, 10)
        per_site = rng.randrange(15_000, 30_000) if big else rng.randrange(200, 3_000)
        unfiled = big and violating and rng.random() < 0.5
        bad_sites = set(rng.sample(range(n_sites), k=rng.randrange(1, n_sites + 1))) \
            if violating and not unfiled else set()
        for s in range(n_sites):
            broken = set(rng.sample(_KINDS, k=rng.randrange(1, 3))) if s in bad_sites else set()
            site = _site(rng, op, len(records), broken, hard, per_site)
            if big:
                site["备案"] = _no(rng, hard) if unfiled else _yes(rng, hard)
            records.append(site)
        if violating and (bad_sites or (unfiled and n_sites * per_site >= 100_000)):
            subjects.append({"kind": "face_recognition_violations", "type": "USCC",
                             "value": op[1]})
    rng.shuffle(records)
    if hard:
        for r in records:
            if rng.random() < 0.05:
                r["告示内容"] = r["告示内容"].replace("保存期限", "保存期")
    table = pa.Table.from_pylist(records)
    tmp = out / ".deployments.csv"
    pacsv.write_csv(table, tmp)
    (out / "deployments.csv").write_text(tmp.read_text("utf-8"),
                                         encoding="gb18030" if hard else "utf-8")
    tmp.unlink()
    truth = {"subjects": subjects, "inputs": {"deployments": "deployments.csv"}}
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
    return truth


def evaluate(truth: dict[str, Any], leads: list[Lead], token: Callable[[str, str], str]
             ) -> dict[str, float]:
    want = {token(s["type"], s["value"]) for s in truth["subjects"]}
    got = {lead.subject.token for lead in leads}
    hits = len(want & got)
    return {"precision": hits / len(got) if got else 1.0,
            "recall": hits / len(want) if want else 1.0,
            "leads": float(len(leads)), "truth": float(len(want))}
