"""A synthetic estate to inventory: files in several formats and encodings plus a SQLite
database, some with PI in named columns, some with PI only inside free text, and decoys with none
(product catalogues, order logs whose numbers only look like phones). The truth names every
dataset that holds PI and every (dataset, column, type)."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from openpyxl import Workbook

from pisentinel.leads import Lead
from pisentinel.models.pi_inventory.leads import dataset_name
from pisentinel.synth import pi_text as g

_DIAGNOSES = ("2型糖尿病", "高血压", "肺结核", "抑郁症", "乳腺癌", "慢性乙肝", "冠心病")
_PRODUCTS = ("保温杯", "数据线", "笔记本", "雨伞", "蓝牙耳机", "台灯", "收纳盒")


def _write_csv(path: Path, table: pa.Table, encoding: str) -> None:
    tmp = path.with_suffix(".utf8.tmp")
    pacsv.write_csv(table, tmp)
    path.write_text(tmp.read_text("utf-8"), encoding=encoding)
    tmp.unlink()


def _columns(rng: random.Random, n: int, spec: dict[str, Callable[[], Any]]) -> pa.Table:
    return pa.table({name: [make() for _ in range(n)] for name, make in spec.items()})


def generate(rows: int, seed: int, out_dir: Path, mix: str = "default") -> dict[str, Any]:
    rng = random.Random(f"pi_inventory:{seed}:{mix}")
    hard = mix == "hard"
    out = Path(out_dir)
    (out / "estate").mkdir(parents=True, exist_ok=True)
    truth_cols: list[dict[str, str]] = []

    def header(zh: str, plain: str) -> str:
        return plain if hard and rng.random() < 0.5 else zh

    # 1. customers: named PI columns, GB18030, a gender column (quasi-identifier)
    h = {k: header(*k_) for k, k_ in {
        "name": ("姓名", "col_a"), "id": ("身份证号", "col_b"), "phone": ("手机号", "col_c"),
        "addr": ("住址", "col_d")}.items()}
    customers = _columns(rng, rows, {
        h["name"]: lambda: g.person_name(rng), h["id"]: lambda: g.resident_id(rng),
        h["phone"]: lambda: g.mobile(rng), h["addr"]: lambda: g.address(rng),
        "性别": lambda: rng.choice("男女"), "订单号": lambda: g.mobile(rng) + "01"})
    _write_csv(out / "estate" / "customers.csv", customers, "gb18030")
    truth_cols += [{"dataset": "customers.csv", "column": h[k], "type": t} for k, t in
                   (("name", "PERSON_NAME"), ("id", "CN_ID_CARD"), ("phone", "PHONE_NUMBER"),
                    ("addr", "ADDRESS"))]

    # 2. free-text posts with PI inside the text
    samples = g.generate_texts(max(rows // 2, 10), seed, "harder" if hard else "default")
    with (out / "estate" / "posts.jsonl").open("w", encoding="utf-8") as f:
        for i, s in enumerate(samples):
            f.write(json.dumps({"post_id": i, "text": s.text}, ensure_ascii=False) + "\n")
    truth_cols.append({"dataset": "posts.jsonl", "column": "text", "type": "CN_ID_CARD"})

    # 3. a patient list in xlsx: health data (sensitive)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("患者")
    ws.append(["患者姓名", "证件号码", "诊断"])
    for _ in range(rows):
        ws.append([g.person_name(rng), g.resident_id(rng), rng.choice(_DIAGNOSES)])
    wb.save(out / "estate" / "patients.xlsx")
    truth_cols += [{"dataset": "patients.xlsx", "column": "证件号码", "type": "CN_ID_CARD"},
                   {"dataset": "patients.xlsx", "column": "诊断", "type": "MEDICAL_HEALTH"}]

    # 4. decoys: a product catalogue and an order log without PI
    pq.write_table(_columns(rng, rows, {
        "sku": lambda: f"SKU{rng.randrange(10**8):08d}", "品名": lambda: rng.choice(_PRODUCTS),
        "价格": lambda: f"{rng.uniform(5, 500):.2f}"}), out / "estate" / "products.parquet")
    _write_csv(out / "estate" / "orders.csv", _columns(rng, rows, {
        "订单号": lambda: "2026" + g._digits(rng, 14), "金额": lambda: f"{rng.uniform(1, 999):.2f}",
        "状态": lambda: rng.choice(("已发货", "待付款", "已完成"))}), "utf-8")

    # 5. a database: one table with PI (visitors), one without
    db = out / "estate.db"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE visitors (visitor_name TEXT, visitor_id_number TEXT, plate TEXT)")
    con.executemany("INSERT INTO visitors VALUES (?, ?, ?)",
                    [(g.person_name(rng), g.resident_id(rng), g.plate(rng)) for _ in range(rows)])
    con.execute("CREATE TABLE rooms (room_no TEXT, capacity INTEGER)")
    con.executemany("INSERT INTO rooms VALUES (?, ?)", [(f"R{i}", i % 30) for i in range(rows)])
    con.commit()
    con.close()
    truth_cols += [{"dataset": "#visitors", "column": "visitor_id_number", "type": "CN_ID_CARD"},
                   {"dataset": "#visitors", "column": "plate", "type": "LICENSE_PLATE"}]

    datasets = sorted({c["dataset"] for c in truth_cols})
    truth = {
        "subjects": [{"kind": "dataset_pi", "type": "DATASET", "value": d} for d in datasets],
        "columns": truth_cols,
        "decoys": ["products.parquet", "orders.csv", "#rooms"],
        "inputs": {"sources": ["estate", f"sqlite:///{db.resolve()}"]},
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
    return truth


def evaluate(truth: dict[str, Any], leads: list[Lead], token: Callable[[str, str], str]
             ) -> dict[str, float]:
    """Dataset-level precision/recall of the leads, and column-level recall of the planted PI
    columns (a column counts when the lead's evidence names it with the planted type)."""
    want = {token("DATASET", s["value"]) for s in truth["subjects"]}
    got = {lead.subject.token for lead in leads if lead.kind == "dataset_pi"}
    hits = len(want & got)
    cols = {(ev.source, ev.column, ev.detail.get("type")) for lead in leads for ev in lead.evidence}
    planted = {(c["dataset"], c["column"], c["type"]) for c in truth["columns"]}
    return {"precision": hits / len(got) if got else 1.0,
            "recall": hits / len(want) if want else 1.0,
            "column_recall": len(planted & cols) / len(planted) if planted else 1.0,
            "leads": float(len(leads))}


__all__ = ["dataset_name", "evaluate", "generate"]
