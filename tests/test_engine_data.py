"""Synthetic inputs shared by the engine tests: booking records with Chinese headers, written as
GBK CSV, TSV, JSONL, Parquet and xlsx, plus the model-style SQL both engines must agree on.

Every identifier is generated here from a seed (valid check digits, made-up people); nothing
comes from real data or from the corpora a fresh clone does not have."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

HEADERS = ["用户ID", "身份证号", "手机号", "预约时间", "场馆", "备注"]
MAPPING = {"account_id": "用户ID", "id_number": "身份证号", "phone": "手机号",
           "booked_at": "预约时间", "venue": "场馆", "note": "备注"}
SYNONYMS = {
    "account_id": ["用户ID", "账号", "用户名", "account"],
    "id_number": ["身份证号", "证件号码", "身份证"],
    "phone": ["手机号", "联系电话", "电话"],
    "booked_at": ["预约时间", "下单时间"],
    "venue": ["场馆", "景区"],
    "note": ["备注", "留言"],
}
REQUIRED = ("account_id", "id_number", "booked_at")
OPTIONAL = ("phone", "venue", "note")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_REGIONS = ("110105", "310104", "440305", "330185", "510107")


def id_number(rng: random.Random) -> str:
    """An 18-digit resident ID number with a valid GB 11643 check digit (made up)."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 60 * 365))
    body = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


def phone(rng: random.Random) -> str:
    """A mobile number under a prefix in use (made up)."""
    prefix = rng.choice(["138", "139", "135", "150", "158", "177", "186", "188"])
    return prefix + "".join(str(rng.randrange(10)) for _ in range(8))


def booking_rows(n: int = 240, seed: int = 7) -> list[dict[str, str]]:
    """Booking records: a few scalper accounts book for many ID numbers, one ID number is
    booked by many accounts, notes sometimes carry a phone number or an ID in free text."""
    rng = random.Random(seed)
    people = [id_number(rng) for _ in range(60)]
    shared = people[0]
    start = dt.datetime(2026, 3, 1, 9, 0, 0)
    rows = []
    for i in range(n):
        scalper = i % 4 == 0
        account = f"S{rng.randrange(3):02d}" if scalper else f"U{rng.randrange(40):03d}"
        person = shared if i % 10 == 3 else rng.choice(people)
        when = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 20),
                                    seconds=rng.randrange(60))
        note_kind = i % 5
        note = ("代约，联系" + phone(rng) if note_kind == 0 else
                "本人身份证" + rng.choice(people) + "预约" if note_kind == 1 else
                "" if note_kind == 2 else "周末参观，Visit With Family")
        rows.append({"用户ID": account, "身份证号": person, "手机号": phone(rng),
                     "预约时间": f"{when:%Y-%m-%d %H:%M:%S}",
                     "场馆": rng.choice(["故宫博物院", "国家博物馆", "Science Museum"]),
                     "备注": note})
    return rows


STUDENT_RULES = """
types:
  STUDENT_ID: {name_zh: 学号, name_en: student number, mask: {keep_prefix: 2, keep_suffix: 2}}
patterns:
  - {type: STUDENT_ID, regex: 'XH[0-9]{8}', score: 0.6, context: [学号]}
allow:
  values: [XH00000000]
"""
"""A school's own identifier type, as a procuratorate's rules file would add it: 学号 written
XH and eight digits, with the sample number of a form on the allow list."""
SAMPLE_STUDENT_ID = "XH00000000"


def student_id(rng: random.Random) -> str:
    """A student number in the STUDENT_RULES format (made up)."""
    return "XH" + "".join(str(rng.randrange(10)) for _ in range(8))


def full_width(text: str) -> str:
    """ASCII letters and digits in their full-width forms (ＸＨ１２…), as some posts write them."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def student_texts(n: int = 120, seed: int = 11) -> tuple[list[str], dict[int, str]]:
    """Texts naming made-up students: a student number with a parent's phone, the previous
    row's number again in full width, a sample number the rules allow, and a text with a phone
    only. Returns the texts and, by 1-based row, the student number each names (ASCII)."""
    rng = random.Random(seed)
    texts: list[str] = []
    named: dict[int, str] = {}
    sid = student_id(rng)
    for i in range(1, n + 1):
        kind = i % 4
        if kind == 0:
            sid = student_id(rng)
            texts.append(f"三年级二班学生，学号{sid}，家长电话{phone(rng)}")
            named[i] = sid
        elif kind == 1:
            texts.append(f"学号：{full_width(sid)}，住校")
            named[i] = sid
        elif kind == 2:
            texts.append(f"填表示例：学号{SAMPLE_STUDENT_ID}，请勿照抄")
        else:
            texts.append(f"失物招领，请联系{phone(rng)}")
    return texts, named


NOTES = ("患有糖尿病", "高血压病史三年", "无", "已复诊", "体检正常")
"""Remarks of a clinic's table: two name a disease and no person, since the row is the person."""
_SURNAMES = "张王李赵刘陈杨黄"
_GIVEN = ("伟", "芳", "秀英", "敏", "静", "丽", "强", "磊")


def notes_table(n: int, first: str, seed: int = 5) -> pa.Table:
    """`_row`, a column `first` and 备注 (`NOTES` in turn, every seventh with a phone). With
    `first` = 姓名 the column holds made-up names and the table is one of persons' records;
    with any other header it holds serial numbers (A001) and the table names no one."""
    rng = random.Random(seed)
    firsts, notes = [], []
    for i in range(n):
        firsts.append(rng.choice(_SURNAMES) + rng.choice(_GIVEN) if first == "姓名"
                      else f"A{i + 1:03d}")
        note = NOTES[i % len(NOTES)]
        notes.append(f"{note}，电话{phone(rng)}" if i % 7 == 6 else note)
    return pa.table({"_row": pa.array(range(1, n + 1), pa.int64()), first: firsts,
                     "备注": notes})


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "gbk",
              sep: str = ",") -> Path:
    lines = [sep.join(HEADERS)] + [sep.join(r[h] for h in HEADERS) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def write_parquet(path: Path, rows: list[dict[str, str]]) -> Path:
    pq.write_table(pa.table({h: [r[h] for r in rows] for h in HEADERS}), path)
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for r in rows:
        sheet.append([r[h] for h in HEADERS])
    book.save(path)
    return path


def normalise(table: pa.Table, drop: tuple[str, ...] = (),
              empty_is_null: bool = False) -> list[tuple[Any, ...]]:
    """Rows as comparable tuples, sorted: engines differ in row order and in some physical
    types (DuckDB's HUGEINT sums are Arrow decimals, Spark's are int64)."""

    def value(v: Any) -> Any:
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() else float(v)
        if isinstance(v, float):
            return round(v, 6)
        if isinstance(v, dt.datetime | dt.date):
            return v.isoformat()
        if isinstance(v, list):
            return tuple(value(x) for x in v)
        if empty_is_null and v == "":
            return None
        return v

    names = [n for n in table.column_names if n not in drop]
    rows = [tuple(value(r[n]) for n in names) for r in table.select(names).to_pylist()]
    return sorted(rows, key=repr)


# Model-style SQL over the loaded `bookings` table, in the subset engine/sql.py documents.
QUERIES: dict[str, str] = {
    "aggregate_distinct": """
        SELECT account_id, count(*) AS bookings, count(DISTINCT id_number) AS people
        FROM bookings GROUP BY account_id HAVING count(DISTINCT id_number) >= 3""",
    "shared_id": """
        SELECT id_number, count(DISTINCT account_id) AS accounts,
               list_sort(list(DISTINCT account_id)) AS account_list,
               array_to_string(list_sort(list(DISTINCT venue)), '|') AS venues,
               string_agg(venue, '|' ORDER BY venue) AS all_venues
        FROM bookings GROUP BY id_number HAVING count(DISTINCT account_id) >= 2""",
    "window": """
        SELECT account_id, _row,
               row_number() OVER (PARTITION BY account_id ORDER BY booked_at, _row) AS n,
               lag(booked_at) OVER (PARTITION BY account_id ORDER BY booked_at, _row) AS prev,
               count(*) OVER (PARTITION BY account_id ORDER BY booked_at, _row
                              ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS last3
        FROM bookings""",
    "qualify": """
        SELECT account_id, id_number, booked_at FROM bookings
        QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY booked_at DESC, _row) = 1""",
    "date_arithmetic": """
        SELECT _row,
               CAST(booked_at AS TIMESTAMP) + INTERVAL 10 MINUTE AS plus10,
               date_trunc('hour', CAST(booked_at AS TIMESTAMP)) AS hour_start,
               date_trunc('day', CAST(booked_at AS TIMESTAMP)) AS day_start,
               strftime(CAST(booked_at AS TIMESTAMP), '%Y-%m-%d %H:%M') AS minute,
               epoch(CAST(booked_at AS TIMESTAMP)) AS epoch_s,
               hour(CAST(booked_at AS TIMESTAMP)) AS h,
               dayofweek(CAST(booked_at AS TIMESTAMP)) AS dow,
               isodow(CAST(booked_at AS DATE)) AS iso_dow,
               date_diff('day', CAST(booked_at AS DATE), DATE '2026-04-01') AS days_left
        FROM bookings""",
    "gaps_in_minutes": """
        WITH t AS (
            SELECT account_id, _row, CAST(booked_at AS TIMESTAMP) AS ts,
                   lag(CAST(booked_at AS TIMESTAMP)) OVER (
                       PARTITION BY account_id ORDER BY booked_at, _row) AS prev
            FROM bookings)
        SELECT account_id, _row, (epoch(ts) - epoch(prev)) / 60 AS gap_min
        FROM t WHERE prev IS NOT NULL AND (epoch(ts) - epoch(prev)) < 3600""",
    "strings": """
        SELECT _row, lower(venue) AS v, substr(id_number, 7, 8) AS birth,
               CAST(substr(id_number, 7, 4) AS INTEGER) AS birth_year,
               regexp_matches(note, '1[3-9][0-9]{9}') AS has_phone,
               regexp_extract(note, '(1[3-9][0-9]{9})', 1) AS note_phone,
               regexp_extract(note, '[0-9]{17}[0-9Xx]', 0) AS note_id,
               regexp_replace(note, '[0-9]', '#', 'g') AS redacted,
               length(note) AS len, left(id_number, 6) AS region, right(phone, 4) AS tail,
               concat(account_id, '-', venue) AS key, account_id || '/' || venue AS key2,
               coalesce(nullif(note, ''), '(empty)') AS note_or,
               starts_with(phone, '13') AS p13, contains(note, '代约') AS proxy,
               TRY_CAST(note AS BIGINT) AS not_a_number
        FROM bookings""",
    "conditional_aggregates": """
        SELECT venue, count_if(note = '') AS blank_notes, bool_or(account_id LIKE 'S%') AS any_s,
               arg_max(account_id, _source || lpad(CAST(_row AS VARCHAR), 6, '0'))
                   AS last_account,
               min(booked_at) AS first_at, max(booked_at) AS last_at,
               CAST(sum(_row) AS BIGINT) AS row_sum,
               avg(length(note)) AS avg_len
        FROM bookings GROUP BY venue""",
    "join_cte": """
        WITH heavy AS (
            SELECT account_id FROM bookings GROUP BY account_id
            HAVING count(DISTINCT id_number) >= 5)
        SELECT b.account_id, b.venue, count(*) AS n
        FROM bookings AS b JOIN heavy AS h ON b.account_id = h.account_id
        WHERE b.id_number IN (SELECT id_number FROM bookings WHERE venue = '故宫博物院')
        GROUP BY b.account_id, b.venue""",
    "list_functions": """
        SELECT account_id, array_length(list(id_number)) AS n,
               list_contains(list(venue), '故宫博物院') AS palace
        FROM bookings GROUP BY account_id""",
}
"""name → SQL. Each must give the same rows (after sorting) on DuckDB and Spark."""


def test_id_numbers_carry_valid_check_digits() -> None:
    rng = random.Random(1)
    for _ in range(50):
        n = id_number(rng)
        body, check = n[:17], n[17]
        assert "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
                             % 11] == check


def test_booking_rows_are_reproducible() -> None:
    assert booking_rows(30, seed=3) == booking_rows(30, seed=3)
    assert booking_rows(30, seed=3) != booking_rows(30, seed=4)
