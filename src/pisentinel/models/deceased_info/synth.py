"""Synthetic hospital death records, record-access logs, family contacts and funeral-business
contact records with planted leakers and realistic decoys.

Half a year (2025-01 to 2025-06) of one hospital: inpatients are cared for by their attending
doctor, the doctors and nurses of their ward and now and then a consultant from another ward;
about one in eight dies. Planted (the truth):

- **outsider leakers**: staff of another ward, or outsourced emergency-centre staff, open the
  record (often the family-contact page, often an export) of a patient minutes after the death,
  and their partner funeral company calls the family minutes later, before the hospital has
  told the family;
- **a key holder** (the Minhang doctor): queries death records across every ward in bulk and
  exports them; only some of the sales leave a trace in the funeral contact records;
- **funeral companies** buying the leaks (each receives at least four);
- in the "hard" mix also a **preventive-care clerk** whose duty explains every access (only the
  repeated coincidence gives them away), a **ward doctor** who leaks part of their own ward's
  deaths plus a few others, and **quiet leakers** with three or four leaks.

Decoys that must not become leads: the attending doctor writing the death record, the ward's
nurses, the night on-call doctor who tried to rescue patients of other wards, consultants who
cared for the patient before the death, the records department archiving and exporting every
death in bulk a few days later, preventive care reporting deaths to the disease-control system
within two days, quality control reviewing death cases, staff opening one or two unrelated
records (a dozen or so for the nosy few of the "hard" mix, nothing taken out), families calling
a funeral company themselves (and being called back), companies calling hours or days after the
family was told, the hospital-contracted funeral service contacting families with a registered
referral, and funeral companies' cold calls.

Noise: Chinese headers (another set in the "hard" mix), lower-case staff numbers and spaces,
ward names with 病区 suffixes, slash and Chinese dates, phones with +86 and dashes, blank
department cells, duplicated log rows, and the family-contact file in GBK."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from pisentinel.leads import Lead
from pisentinel.synth import pi_text as g

FILES = {"deaths": "死亡记录.csv", "access_log": "病历访问日志.csv",
         "funeral_contacts": "殡葬服务联系记录.csv", "family_contacts": "家属联系方式.csv"}
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "default": {
        "deaths": ("住院号", "患者姓名", "科室", "死亡时间", "主治医师工号"),
        "access_log": ("工号", "操作人科室", "住院号", "操作类型", "操作时间", "终端IP"),
        "funeral_contacts": ("殡葬服务单位", "联系电话", "联系时间", "呼叫方向", "业务员",
                             "家属姓名", "转介编号"),
        "family_contacts": ("住院号", "家属姓名", "家属电话", "告知时间"),
    },
    "hard": {
        "deaths": ("病案号", "姓名", "死亡科室", "临床死亡时间", "经治医师"),
        "access_log": ("操作员工号", "所属科室", "病案号", "操作内容", "访问时间", "终端"),
        "funeral_contacts": ("公司名称", "被叫号码", "通话开始时间", "通话类型", "经办人",
                             "客户姓名", "转介登记号"),
        "family_contacts": ("病案号", "紧急联系人", "紧急联系人电话", "通知家属时间"),
    },
}
CLINICAL = ("心内科", "呼吸内科", "肿瘤科", "重症医学科", "神经内科", "急诊科", "老年医学科",
            "消化内科", "肾内科", "普外科", "血液科", "神经外科", "感染科", "心胸外科")
OTHER = ("信息科", "药剂科", "检验科", "放射科", "康复科")
EMERGENCY_CENTRE = "急救中心"
RECORDS, PREVENTIVE, QC = "病案科", "预防保健科", "质控科"
_BASE = datetime(2025, 1, 1)
_SPAN = 180 * 86400
_MIN, _HOUR, _DAY = 60, 3600, 86400
_COMPANY_WORDS = ("福安", "长青", "永福", "松鹤", "仙鹤", "安和", "慈恩", "天福", "福寿", "万安",
                  "思源", "祥和", "宁康", "瑞福", "德善", "青松", "怀恩", "安乐", "永宁", "归园")
_COMPANY_SUFFIX = ("殡葬服务有限公司", "殡仪服务部", "礼仪服务有限公司", "殡葬礼仪服务中心")
CONTRACTED = "上海仁和殡仪服务有限公司"


@dataclass
class Staff:
    staff_id: str
    department: str
    role: str  # doctor | nurse | clerk


@dataclass
class Death:
    patient_id: str
    name: str
    department: str
    died: int
    attending: Staff
    phones: list[str]
    informed: int | None


@dataclass
class World:
    rng: random.Random
    hard: bool
    staff: list[Staff] = field(default_factory=list)
    by_dept: dict[str, list[Staff]] = field(default_factory=dict)
    on_call: list[Staff] = field(default_factory=list)
    access: list[tuple[str, str, str, str, int, str]] = field(default_factory=list)
    deaths: list[Death] = field(default_factory=list)
    family: list[tuple[str, str, str, int | None]] = field(default_factory=list)
    calls: list[tuple[str, str, int, str, str, str, str]] = field(default_factory=list)

    def hire(self, department: str, role: str, n: int, prefix: str = "H") -> list[Staff]:
        out = []
        for _ in range(n):
            s = Staff(f"{prefix}{self.rng.randrange(10**4, 10**5)}", department, role)
            if any(x.staff_id == s.staff_id for x in self.staff):
                continue
            out.append(s)
            self.staff.append(s)
            self.by_dept.setdefault(department, []).append(s)
        return out

    def log(self, s: Staff, patient: str, action: str, at: int) -> None:
        terminal = f"10.{self.rng.randrange(8, 40)}.{self.rng.randrange(256)}.{self.rng.randrange(2, 250)}"
        self.access.append((s.staff_id, s.department, patient, action, at, terminal))

    def call(self, company: str, phone: str, at: int, direction: str, referral: str = "",
             family_name: str = "") -> None:
        caller = "业务员" + self.rng.choice("甲乙丙丁戊己庚辛")
        self.calls.append((company, phone, at, direction, caller, family_name, referral))


def _hospital(w: World, rows: int) -> None:
    """Staff grow with the data (a bigger log is a bigger hospital, not busier people)."""
    rng = w.rng
    k = max(1, round(rows / 150_000))
    for dept in CLINICAL:
        w.hire(dept, "doctor", k * rng.randrange(5, 11))
        w.hire(dept, "nurse", k * rng.randrange(6, 14))
    for dept in OTHER:
        w.hire(dept, "clerk", k * rng.randrange(3, 7))
    w.hire(EMERGENCY_CENTRE, "clerk", k * rng.randrange(4, 9), prefix="W")
    w.hire(RECORDS, "clerk", 4 * k)
    w.hire(PREVENTIVE, "clerk", 3 * k)
    w.hire(QC, "clerk", 3 * k)
    doctors = [s for s in w.staff if s.role == "doctor"]
    w.on_call = rng.sample(doctors, k=k * (3 if w.hard else 2))


def _patients(w: World, rows: int) -> None:
    """Inpatients with the care accesses of their stay; about one in eight dies, and the death
    brings the accesses a hospital makes after every death."""
    rng = w.rng
    n_patients = max(120, rows // 26)
    for i in range(n_patients):
        pid = f"ZY{20250000 + i * 7 + rng.randrange(7):08d}"
        dept = rng.choice(CLINICAL)
        doctors = [s for s in w.by_dept[dept] if s.role == "doctor"]
        nurses = [s for s in w.by_dept[dept] if s.role == "nurse"]
        attending = rng.choice(doctors)
        admitted = rng.randrange(0, _SPAN - 25 * _DAY)
        stay = rng.randrange(1 * _DAY, 20 * _DAY)
        consultant = None
        if rng.random() < 0.25:
            consultant = rng.choice([s for d in CLINICAL if d != dept for s in w.by_dept[d]
                                     if s.role == "doctor"])
        for _ in range(rng.randrange(10, 36)):
            r = rng.random()
            s = attending if r < 0.4 else rng.choice(doctors) if r < 0.55 else rng.choice(nurses)
            if consultant is not None and r > 0.94:
                s = consultant
            w.log(s, pid, rng.choice(("查看", "查看", "查看", "打印", "查询")),
                  admitted + rng.randrange(stay))
        phones = [g.mobile(rng) for _ in range(rng.choice((1, 1, 2)))]
        if rng.random() < 0.12:
            died = admitted + stay
            informed = None if rng.random() < 0.25 else died + rng.randrange(5 * _MIN, 90 * _MIN)
            if w.hard and informed is not None and rng.random() < 0.15:  # night death, told at 8:00
                informed = died + rng.randrange(3 * _HOUR, 9 * _HOUR)
            death = Death(pid, g.person_name(rng), dept, died, attending, phones, informed)
            w.deaths.append(death)
            _after_death(w, death, nurses, consultant)
        for p in phones:
            w.family.append((pid, g.person_name(rng), p,
                             w.deaths[-1].informed if w.deaths and w.deaths[-1].patient_id == pid
                             else None))


def _after_death(w: World, d: Death, nurses: list[Staff], consultant: Staff | None) -> None:
    rng = w.rng
    w.log(d.attending, d.patient_id, "查看", d.died + rng.randrange(0, 40 * _MIN))
    w.log(d.attending, d.patient_id, rng.choice(("打印", "查看")),
          d.died + rng.randrange(10 * _MIN, 3 * _HOUR))
    for s in rng.sample(nurses, k=min(len(nurses), rng.randrange(1, 3))):
        w.log(s, d.patient_id, "查看", d.died + rng.randrange(0, 60 * _MIN))
    archivist = rng.choice(w.by_dept[RECORDS])
    day = d.died + rng.randrange(1, 7) * _DAY
    w.log(archivist, d.patient_id, "归档导出", day + rng.randrange(9 * _HOUR, 17 * _HOUR))
    w.log(rng.choice(w.by_dept[PREVENTIVE]), d.patient_id, "死亡报告查询",
          d.died + rng.randrange(2 * _HOUR, 48 * _HOUR))
    if rng.random() < 0.3:
        w.log(rng.choice(w.by_dept[QC]), d.patient_id, "查看",
              d.died + rng.randrange(3 * _DAY, 20 * _DAY))
    if consultant is not None and rng.random() < 0.3:
        w.log(consultant, d.patient_id, "查看", d.died + rng.randrange(_HOUR, 5 * _DAY))
    hour = (_BASE + timedelta(seconds=d.died)).hour
    if (hour >= 22 or hour < 7) and rng.random() < 0.8:  # the night on-call doctor's rescue
        s = rng.choice(w.on_call)
        w.log(s, d.patient_id, "查看", d.died - rng.randrange(30 * _MIN, 120 * _MIN))
        w.log(s, d.patient_id, rng.choice(("查看", "打印")), d.died + rng.randrange(0, 30 * _MIN))


def _companies(rng: random.Random, n: int) -> list[str]:
    words = rng.sample(_COMPANY_WORDS, k=min(n, len(_COMPANY_WORDS)))
    return [("上海" if rng.random() < 0.6 else "闵行区") + word + rng.choice(_COMPANY_SUFFIX)
            for word in words]


def _family_business(w: World, companies: list[str]) -> None:
    """What families do themselves: call a company after being told (the company calls back),
    accept the hospital's contracted service (registered referral), or get cold calls."""
    rng = w.rng
    for d in w.deaths:
        told = d.informed if d.informed is not None else d.died + rng.randrange(20 * _MIN, 2 * _HOUR)
        phone = rng.choice(d.phones)
        r = rng.random()
        if r < 0.2:
            w.call(CONTRACTED, phone, d.died + rng.randrange(15 * _MIN, 55 * _MIN), "呼出",
                   referral=f"ZJ{rng.randrange(10**5, 10**6)}")
        elif r < 0.75:
            company = rng.choice(companies)
            called = told + rng.randrange(1 * _HOUR, 3 * _DAY)
            w.call(company, phone, called, "呼入")
            w.call(company, phone, called + rng.randrange(10 * _MIN, 5 * _HOUR), "呼出")
        elif r < 0.9:
            w.call(rng.choice(companies), phone, told + rng.randrange(4 * _HOUR, 5 * _DAY), "呼出")
    for _ in range(len(w.deaths) * 2):
        w.call(rng.choice(companies), g.mobile(rng), rng.randrange(_SPAN), "呼出")
    if w.hard:  # families that called from another phone: early call-backs, two per company
        for company in companies:
            for d in rng.sample(w.deaths, k=2):
                w.call(company, rng.choice(d.phones),
                       d.died + rng.randrange(20 * _MIN, 50 * _MIN), "呼出")


@dataclass
class Leaker:
    staff: Staff
    kind: str
    companies: list[str]
    victims: list[Death] = field(default_factory=list)


def _leak(w: World, leaker: Leaker, d: Death, traced: bool = True) -> None:
    """The leaker opens the record minutes after the death; the partner calls the family."""
    rng = w.rng
    opened = d.died + rng.randrange(1 * _MIN, 20 * _MIN)
    action = rng.choice(("查看", "查看家属联系方式", "导出", "查询")) if leaker.kind != "bulk" \
        else rng.choice(("查询", "查询", "导出"))
    w.log(leaker.staff, d.patient_id, action, opened)
    if rng.random() < 0.4 and leaker.kind != "role":
        w.log(leaker.staff, d.patient_id, "查看家属联系方式", opened + rng.randrange(30, 300))
    if not traced:
        return
    called = opened + rng.randrange(3 * _MIN, 30 * _MIN)
    if w.hard and d.informed is not None and d.informed - d.died > 3 * _HOUR \
            and rng.random() < 0.5:  # a night death: later than the hour, still before the family
        called = opened + rng.randrange(60 * _MIN, 150 * _MIN)
    w.call(rng.choice(leaker.companies), rng.choice(d.phones), called, "呼出")
    leaker.victims.append(d)


def _outside(department: str) -> Callable[[Death], bool]:
    return lambda d: d.department != department


def _leakers(w: World, buyers: list[str]) -> list[Leaker]:
    rng = w.rng
    n = max(3, min(25, len(w.deaths) // 45))
    free = list(w.deaths)
    rng.shuffle(free)
    taken: set[str] = set()
    clinical = [s for s in w.staff if s.department in CLINICAL]
    pool = clinical + w.by_dept[EMERGENCY_CENTRE] + [s for d in OTHER for s in w.by_dept[d]]
    out: list[Leaker] = []
    taken.update(s.staff_id for s in w.on_call)

    def pick(candidates: list[Staff]) -> Staff:
        s = rng.choice([c for c in candidates if c.staff_id not in taken])
        taken.add(s.staff_id)
        return s

    def victims(k: int, keep: Callable[[Death], bool]) -> list[Death]:
        chosen = [d for d in free if keep(d)][:k]
        for d in chosen:
            free.remove(d)
        return chosen

    per = max(5, min(40, len(w.deaths) // 10))
    for _ in range(n):
        s = pick(pool)
        leaker = Leaker(s, "outsider", rng.sample(buyers, k=1 if rng.random() < 0.8 else 2))
        for d in victims(rng.randrange(5, per + 1), _outside(s.department)):
            _leak(w, leaker, d)
        out.append(leaker)
    bulk = Leaker(pick([s for s in clinical if s.role == "doctor"]), "bulk", [rng.choice(buyers)])
    sold = victims(max(30, min(400, len(w.deaths) // 6)), lambda d: True)
    for j, d in enumerate(sold):
        _leak(w, bulk, d, traced=j < 4 or rng.random() < 0.1)
    bulk.victims = sold
    out.append(bulk)
    if w.hard:
        clerk = pick(w.by_dept[PREVENTIVE])
        role = Leaker(clerk, "role", [rng.choice(buyers)])
        for d in victims(rng.randrange(7, 12), lambda d: True):
            _leak(w, role, d)
        out.append(role)
        doctor = pick([s for s in clinical if s.role == "doctor"])
        insider = Leaker(doctor, "in_ward", [rng.choice(buyers)])
        own = [d for d in free if d.department == doctor.department]
        for d in victims(len(own) // 2, lambda d: d.department == doctor.department):
            _leak(w, insider, d)
        for d in victims(3, lambda d: d.department != doctor.department):
            _leak(w, insider, d)
        out.append(insider)
        for _ in range(2):
            quiet = Leaker(pick(pool), "quiet", [rng.choice(buyers)])
            for d in victims(rng.randrange(3, 5), _outside(quiet.staff.department)):
                _leak(w, quiet, d)
            out.append(quiet)
    return [x for x in out if x.victims]


def _noise_reads(w: World) -> None:
    """Staff opening one or two unrelated deceased patients' records (curiosity, mistakes)."""
    rng = w.rng
    readers = [s for s in w.staff if s.department not in (RECORDS, PREVENTIVE, QC)]
    for _ in range(int(len(w.deaths) * 0.4)):
        d = rng.choice(w.deaths)
        w.log(rng.choice(readers), d.patient_id, "查看", d.died + rng.randrange(_HOUR, 30 * _DAY))
    if w.hard:  # the nosy: a dozen or so deaths read out of curiosity, nothing taken out
        for s in rng.sample(readers, k=3):
            for d in rng.sample(w.deaths, k=min(len(w.deaths), rng.randrange(8, 16))):
                w.log(s, d.patient_id, "查看", d.died + rng.randrange(2 * _HOUR, 10 * _DAY))


def _ts(seconds: int, rng: random.Random, hard: bool) -> str:
    t = _BASE + timedelta(seconds=seconds)
    if hard:
        r = rng.random()
        if r < 0.2:
            return t.strftime("%Y/%m/%d %H:%M:%S")
        if r < 0.3:
            return t.strftime("%Y年%m月%d日 %H:%M")
        if r < 0.4:
            return t.strftime("%Y-%m-%dT%H:%M:%S")
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _staff_text(s: str, rng: random.Random, hard: bool) -> str:
    if hard and rng.random() < 0.1:
        return rng.choice((s.lower(), f" {s}", f"{s} "))
    return s


def _dept_text(d: str, rng: random.Random, hard: bool) -> str:
    if not hard:
        return d
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.12 and d in CLINICAL:
        return d + rng.choice(("一病区", "病区", "二病区"))
    if r < 0.16:
        return f" {d}"
    return d


def _phone_text(p: str, rng: random.Random, hard: bool) -> str:
    if not hard:
        return p
    r = rng.random()
    if r < 0.15:
        return f"+86 {p[:3]} {p[3:7]} {p[7:]}"
    if r < 0.3:
        return f"{p[:3]}-{p[3:7]}-{p[7:]}"
    return p


def _write(path: Path, columns: dict[str, list[Any]], encoding: str = "utf-8") -> None:
    table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    if encoding == "utf-8":
        pacsv.write_csv(table, path)
        return
    tmp = path.with_name(f".{path.name}.tmp")
    pacsv.write_csv(table, tmp)
    path.write_text(tmp.read_text("utf-8"), encoding=encoding)
    tmp.unlink()


def generate(rows: int, seed: int, out_dir: Path, mix: str = "default") -> dict[str, Any]:
    """About `rows` access-log rows with the deaths, family contacts and funeral calls that go
    with them; returns (and writes to truth.json) the planted leakers and buying companies."""
    rng = random.Random(f"deceased_info:{seed}:{mix}")
    hard = mix == "hard"
    w = World(rng, hard)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _hospital(w, rows)
    _patients(w, rows)
    companies = _companies(rng, 12 if rows < 200_000 else 20)
    buyers = companies[: max(2, len(companies) // 4)]
    _family_business(w, companies)
    leakers = _leakers(w, buyers)
    _noise_reads(w)

    access = sorted(w.access, key=lambda r: r[4])
    dupes = [r for r in access if rng.random() < 0.01]
    access += dupes
    heads = HEADERS[mix if mix in HEADERS else "default"]
    _write(out / FILES["access_log"], dict(zip(heads["access_log"], (
        [_staff_text(r[0], rng, hard) for r in access],
        [_dept_text(r[1], rng, hard) for r in access],
        [r[2] for r in access], [r[3] for r in access],
        [_ts(r[4], rng, hard) for r in access], [r[5] for r in access]), strict=True)))
    deaths = sorted(w.deaths, key=lambda d: d.died)
    _write(out / FILES["deaths"], dict(zip(heads["deaths"], (
        [d.patient_id if not hard or rng.random() > 0.05 else d.patient_id.lower()
         for d in deaths],
        [d.name for d in deaths], [_dept_text(d.department, rng, hard) or d.department
                                   for d in deaths],
        [_ts(d.died, rng, hard) for d in deaths],
        [d.attending.staff_id for d in deaths]), strict=True)))
    _write(out / FILES["family_contacts"], dict(zip(heads["family_contacts"], (
        [f[0] for f in w.family], [f[1] for f in w.family],
        [_phone_text(f[2], rng, hard) for f in w.family],
        ["" if f[3] is None else _ts(f[3], rng, hard) for f in w.family]), strict=True)),
        encoding="gb18030")
    calls = sorted(w.calls, key=lambda c: c[2])
    _write(out / FILES["funeral_contacts"], dict(zip(heads["funeral_contacts"], (
        [c[0] if not hard or rng.random() > 0.1 else f" {c[0]}" for c in calls],
        [_phone_text(c[1], rng, hard) for c in calls], [_ts(c[2], rng, hard) for c in calls],
        [c[3] for c in calls], [c[4] for c in calls], [c[5] for c in calls],
        [c[6] for c in calls]), strict=True)))

    traced = _traced_calls(w, leakers)
    subjects = [{"kind": "staff_leak", "type": "STAFF_ID", "value": x.staff.staff_id,
                 "detail": x.kind} for x in leakers]
    subjects += [{"kind": "funeral_company_leak", "type": "ORGANIZATION", "value": company}
                 for company, n in sorted(traced.items()) if n >= 3]
    decoys = [{"type": "STAFF_ID", "value": x.staff_id, "why": why}
              for why, people in (("on_call", w.on_call), ("records", w.by_dept[RECORDS]),
                                  ("preventive_care", w.by_dept[PREVENTIVE]), ("quality", w.by_dept[QC]))
              for x in people if x.staff_id not in {y.staff.staff_id for y in leakers}]
    decoys.append({"type": "ORGANIZATION", "value": CONTRACTED, "why": "contracted_referral"})
    truth = {"subjects": subjects, "decoys": decoys, "inputs": dict(FILES),
             "counts": {"access_rows": len(access), "deaths": len(w.deaths),
                        "calls": len(calls), "leakers": len(leakers)}}
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
    return truth


def _traced_calls(w: World, leakers: list[Leaker]) -> dict[str, int]:
    """Leak calls per buying company (a company is planted when it received three or more)."""
    victims = {d.patient_id for x in leakers for d in x.victims}
    phones = {p: d.patient_id for d in w.deaths if d.patient_id in victims for p in d.phones}
    buyers = {c for x in leakers for c in x.companies}
    seen: dict[str, set[str]] = {}
    by_id = {d.patient_id: d for d in w.deaths}
    for company, phone, at, direction, _c, _f, referral in w.calls:
        pid = phones.get(phone)
        if company in buyers and pid and direction == "呼出" and not referral:
            d = by_id[pid]
            if 0 <= at - d.died <= 60 * _MIN or (d.informed is not None and at < d.informed):
                seen.setdefault(company, set()).add(pid)
    return {c: len(v) for c, v in seen.items()}


def evaluate(truth: dict[str, Any], leads: list[Lead], token: Callable[[str, str], str]
             ) -> dict[str, float]:
    """Subject-level precision and recall of the leads, overall and per kind of subject."""
    want = {token(s["type"], s["value"]): s["kind"] for s in truth["subjects"]}
    got = {lead.subject.token: lead.kind for lead in leads}
    hits = set(want) & set(got)
    out = {"precision": len(hits) / len(got) if got else 1.0,
           "recall": len(hits) / len(want) if want else 1.0,
           "leads": float(len(got)), "truth": float(len(want))}
    for kind in sorted(set(want.values())):
        w = {t for t, k in want.items() if k == kind}
        gk = {t for t, k in got.items() if k == kind}
        out[f"recall_{kind}"] = len(w & gk) / len(w) if w else 1.0
        out[f"precision_{kind}"] = len(w & gk) / len(gk) if gk else 1.0
    return out
