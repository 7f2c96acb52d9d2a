"""Synthetic museum and scenic-spot bookings with planted scalper rings and realistic decoys.

Six months of bookings (2025-01 to 2025-06) at three Jingdezhen venues; slots for a day open at
20:00 seven days before. Planted (the truth):

- **scalper rings** (黄牛团伙): several accounts on a few shared phones and IPs grab slots in the
  first seconds after release for a pool of harvested ID numbers, reuse the pool over and over
  (a few "visitors" enter dozens of times), and leave many bookings unused (unsold codes);
- **account farms**: many accounts, each booking only a handful of people (under any
  per-account limit), all drawing on one shared pool of ID numbers from shared devices;
- **lone bots**: one or two accounts booking at release for a bought list, each ID once or twice;
- **re-registering agencies** (the Jingdezhen pattern): a travel agency's team channel books
  "tour groups" whose rosters are its former tourists, registered again and again.

Decoys that must not become leads: families and couples booking for 1–6 people (both parents
booking the children, a shared home tablet), extended families (grandparents booked by three
children), a friend who books for a dozen friends over the months, an enthusiast who visits
every week, registered travel agencies booking one-off tour groups from an office PC right at
release, school classes (40 children of one age, once), the venue's self-service kiosks used by
hundreds of walk-in accounts, and a campus NAT IP shared by many students.

Noise: duplicated export rows, blank cells, ID numbers with a mistyped digit, lower-case x and
spaces, phone numbers as account names, Chinese headers (another set in the "hard" mix, with
slash dates and check-in states written as 已核销/1/Y), and the team-channel export in GBK.
The "hard" mix also makes the rings smaller and quieter (fewer no-shows, less reuse)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from pisentinel.leads import Lead
from pisentinel.synth import pi_text as g

CANONICAL = ("booking_id", "account_id", "visitor_id_number", "venue", "visit_date", "booked_at",
             "visitor_name", "account_phone", "device_id", "ip", "slot", "channel", "checked_in",
             "checked_in_at", "agency_name")
HEADERS = {
    "default": ("预约单号", "预约账号", "证件号码", "场馆名称", "参观日期", "预约时间", "参观人姓名",
                "账号手机号", "设备号", "下单IP", "入馆时段", "预约渠道", "是否入馆", "入馆时间",
                "旅行社"),
    "hard": ("订单编号", "用户ID", "身份证号码", "景区名称", "入园日期", "下单时间", "游客姓名",
             "注册手机号", "设备ID", "IP地址", "场次", "渠道", "核销状态", "核销时间", "组团社"),
}
APP_FILE, TEAM_FILE = "预约记录.csv", "团队通道预约记录.csv"
VENUES = ("中国陶瓷博物馆", "御窑博物馆", "古窑民俗博览区")
SLOTS = ("09:00-11:00", "11:00-13:00", "13:00-15:00", "15:00-17:00")
_BASE = date(2024, 12, 1)
_FIRST_VISIT, _LAST_VISIT = (date(2025, 1, 1) - _BASE).days, (date(2025, 6, 30) - _BASE).days
_DAYS = tuple((_BASE + timedelta(days=i)).isoformat() for i in range(_LAST_VISIT + 2))
_AGENCY_WORDS = ("瓷都", "昌江", "浮梁", "青花", "鄱阳湖", "赣鄱", "瑶里", "陶溪", "三宝", "龙珠",
                 "御窑", "景德", "珠山", "乐平", "红叶", "华夏", "环球", "春秋", "神舟", "康辉")
_SCHOOL_WORDS = ("实验", "第一", "第二", "育才", "外国语", "新华", "光明", "朝阳")


@dataclass
class Person:
    id_number: str
    name: str


@dataclass
class Account:
    account_id: str
    phone: str
    devices: list[str]
    ips: list[str]


@dataclass
class Truth:
    subjects: list[dict[str, str]] = field(default_factory=list)


def _is_weekend_or_holiday(day: int) -> bool:
    d = _BASE + timedelta(days=day)
    return d.weekday() >= 5 or (d.month, d.day) in {(1, 1), (5, 1), (5, 2), (5, 3), (5, 4),
                                                   (5, 5), (1, 29), (1, 30), (1, 31), (2, 1),
                                                   (4, 4), (5, 31), (6, 1), (6, 2)}


_HOT_DAYS = tuple(d for d in range(_FIRST_VISIT, _LAST_VISIT + 1) if _is_weekend_or_holiday(d))


class _Writer:
    """Buffers booking rows, shuffles each chunk and writes it to the app or team CSV."""

    def __init__(self, out: Path, rng: random.Random, hard: bool, chunk: int = 200_000) -> None:
        self.rng, self.hard, self.chunk = rng, hard, chunk
        self.headers = HEADERS["hard" if hard else "default"]
        self.schema = pa.schema([(h, pa.string()) for h in self.headers])
        self.paths = {"app": out / APP_FILE, "team": out / f".{TEAM_FILE}.utf8"}
        self.writers = {k: pacsv.CSVWriter(p, self.schema) for k, p in self.paths.items()}
        self.buffers: dict[str, list[tuple[str, ...]]] = {"app": [], "team": []}
        self.count = 0

    def add(self, file: str, row: tuple[str, ...]) -> None:
        buf = self.buffers[file]
        buf.append(row)
        self.count += 1
        if len(buf) >= self.chunk:
            self.flush(file)

    def flush(self, file: str) -> None:
        buf = self.buffers[file]
        if not buf:
            return
        self.rng.shuffle(buf)
        cols = list(zip(*buf, strict=True))
        self.writers[file].write_table(pa.table([pa.array(c, pa.string()) for c in cols],
                                                schema=self.schema))
        buf.clear()

    def close(self, out: Path) -> None:
        for file in self.buffers:
            self.flush(file)
            self.writers[file].close()
        _transcode(self.paths["team"], out / TEAM_FILE)


def _transcode(src: Path, dest: Path) -> None:
    """The team-channel system exports GBK (GB18030 when a name needs it), as Windows tools do."""
    for encoding in ("gbk", "gb18030"):
        try:
            with src.open("r", encoding="utf-8") as fin, dest.open("w", encoding=encoding,
                                                                   newline="") as fout:
                for line in fin:
                    fout.write(line)
            break
        except UnicodeEncodeError:
            continue
    src.unlink()


class _Generator:
    def __init__(self, rows: int, seed: int, out: Path, mix: str) -> None:
        self.rng = random.Random(f"scalper_booking:{seed}:{mix}")
        self.hard = mix == "hard"
        self.rows = rows
        self.out = out
        self.writer = _Writer(out, self.rng, self.hard)
        self.truth = Truth()
        self.serial = 0
        self.used_accounts: set[str] = set()
        self.agency_names: set[str] = set()

    # -- building blocks -------------------------------------------------------------------
    def person(self, born: date | None = None) -> Person:
        return Person(g.resident_id(self.rng, born), g.person_name(self.rng))

    def child(self) -> Person:
        return self.person(date(self.rng.randrange(2011, 2017), self.rng.randrange(1, 13),
                                self.rng.randrange(1, 29)))

    def account(self, devices: list[str] | None = None, ips: list[str] | None = None) -> Account:
        rng = self.rng
        phone = g.mobile(rng)
        while True:
            acc = phone if self.hard and rng.random() < 0.3 else f"U{rng.randrange(10**8):08d}"
            if acc not in self.used_accounts:
                break
            phone = g.mobile(rng)
        self.used_accounts.add(acc)
        return Account(acc, phone, devices or [self.device()], ips or [g.ipv4(rng)])

    def device(self, prefix: str = "") -> str:
        return prefix + "".join(self.rng.choice("0123456789abcdef") for _ in range(16))

    def agency_name(self) -> str:
        while True:
            name = ("景德镇" + self.rng.choice(_AGENCY_WORDS)
                    + self.rng.choice(("国际旅行社有限公司", "旅行社有限公司", "旅游有限公司")))
            if name not in self.agency_names:
                self.agency_names.add(name)
                return name
            if len(self.agency_names) > len(_AGENCY_WORDS) * 3 - 5:
                name = name.replace("景德镇", f"景德镇{len(self.agency_names)}")
                self.agency_names.add(name)
                return name

    @staticmethod
    def release(day: int) -> int:
        return (day - 7) * 86400 + 20 * 3600

    def legit_time(self, day: int, eager: float = 0.08) -> int:
        if self.rng.random() < eager:
            return self.release(day) + self.rng.randrange(0, 8)
        return self.release(day) + self.rng.randrange(60, 7 * 86400 - 14 * 3600)

    def stamp(self, seconds: int) -> str:
        day, rem = divmod(seconds, 86400)
        h, rem = divmod(rem, 3600)
        m, s = divmod(rem, 60)
        text = f"{_DAYS[day]} {h:02d}:{m:02d}:{s:02d}"
        if self.hard and self.rng.random() < 0.3:
            text = text.replace("-", "/")
        return text

    def checked(self, came: bool | None) -> str:
        if came is None:
            return ""
        if self.hard:
            return self.rng.choice(("已核销", "1", "Y", "是")) if came else \
                self.rng.choice(("未核销", "0", "N", "否"))
        return "是" if came else "否"

    def id_text(self, value: str) -> str:
        rng = self.rng
        r = rng.random()
        typo = 0.01 if self.hard else 0.002
        if r < typo:
            i = rng.randrange(6, 17)
            return value[:i] + str((int(value[i]) + rng.randrange(1, 10)) % 10) + value[i + 1:]
        if self.hard and r < typo + 0.05:
            return value[:6] + " " + value[6:14] + " " + value[14:]
        if value.endswith("X") and r < 0.5:
            return value[:-1] + "x"
        return value

    def book(self, acc: Account, who: Person, day: int, at: int, *, venue: str, channel: str,
             came: bool, agency: str = "", slot: str | None = None, device: str | None = None,
             ip: str | None = None, file: str = "app") -> None:
        rng = self.rng
        self.serial += 1
        slot = slot or rng.choice(SLOTS)
        checked_at = ""
        if came:
            start = int(slot[:2])
            checked_at = f"{_DAYS[day]} {start + rng.randrange(0, 2):02d}:{rng.randrange(60):02d}:" \
                         f"{rng.randrange(60):02d}"
        row = [f"JDZ{self.serial:010d}", acc.account_id, self.id_text(who.id_number), venue,
               _DAYS[day] if not (self.hard and rng.random() < 0.3) else
               _DAYS[day].replace("-", "/"), self.stamp(at), who.name, acc.phone,
               device or rng.choice(acc.devices), ip or rng.choice(acc.ips), slot, channel,
               self.checked(came), checked_at, agency]
        r = rng.random()
        if r < (0.004 if self.hard else 0.002):
            row[2] = ""
        elif r < 0.01:
            row[rng.choice((6, 7, 8, 9))] = ""
        out = tuple(row)
        self.writer.add(file, out)
        if rng.random() < (0.01 if self.hard else 0.004):
            self.writer.add(file, out)

    def venue(self) -> str:
        return self.rng.choices(VENUES, (6, 3, 2))[0]

    def day(self, hot: float = 0.4) -> int:
        if self.rng.random() < hot:
            return self.rng.choice(_HOT_DAYS)
        return self.rng.randrange(_FIRST_VISIT, _LAST_VISIT + 1)

    def app_channel(self) -> str:
        return self.rng.choice(("微信小程序", "微信小程序", "官网", "APP"))

    # -- decoys ------------------------------------------------------------------------------
    def family(self) -> None:
        rng = self.rng
        size = rng.choices((1, 2, 3, 4, 5, 6), (30, 25, 20, 15, 6, 4))[0]
        members = [self.person() for _ in range(size)]
        home_device = self.device()
        home_ip = g.ipv4(rng)
        accounts = [self.account([home_device, self.device()], [home_ip])]
        if size >= 2 and rng.random() < 0.3:
            accounts.append(self.account([home_device, self.device()], [home_ip]))
        visits = 1 + min(int(rng.expovariate(0.9)), 6)
        for _ in range(visits):
            day, venue, acc = self.day(), self.venue(), rng.choice(accounts)
            party = members if rng.random() < 0.7 else rng.sample(members, rng.randint(1, size))
            at = self.legit_time(day)
            slot = rng.choice(SLOTS)
            for p in party:
                self.book(acc, p, day, at + rng.randrange(0, 3), venue=venue, slot=slot,
                          channel=self.app_channel(), came=rng.random() < 0.93)

    def extended_family(self) -> None:
        rng = self.rng
        grandparents = [self.person(date(rng.randrange(1940, 1960), 5, 1)) for _ in range(2)]
        for _ in range(3):
            own = [self.person() for _ in range(rng.randint(1, 3))]
            acc = self.account()
            for _ in range(rng.randint(1, 3)):
                day, venue = self.day(), self.venue()
                at = self.legit_time(day)
                for p in own + grandparents:
                    self.book(acc, p, day, at, venue=venue, channel=self.app_channel(),
                              came=rng.random() < 0.9)

    def friend_booker(self) -> None:
        rng = self.rng
        friends = [self.person() for _ in range(rng.randint(8, 15))]
        acc = self.account()
        for _ in range(rng.randint(3, 5)):
            day, venue = self.day(), self.venue()
            at = self.legit_time(day, eager=0.3)
            for p in rng.sample(friends, rng.randint(2, 5)):
                self.book(acc, p, day, at, venue=venue, channel=self.app_channel(),
                          came=rng.random() < 0.88)

    def enthusiast(self) -> None:
        rng = self.rng
        me, acc = self.person(), self.account()
        start = rng.randrange(_FIRST_VISIT, _LAST_VISIT - 60)
        for _ in range(rng.randint(10, 30)):
            day = min(_LAST_VISIT, start + rng.randrange(0, 120))
            self.book(acc, me, day, self.legit_time(day, eager=0.5), venue=self.venue(),
                      channel=self.app_channel(), came=rng.random() < 0.95)

    def legit_agency(self) -> None:
        rng = self.rng
        name = self.agency_name()
        office = [self.device("pc-") for _ in range(rng.randint(1, 2))]
        office_ip = [g.ipv4(rng)]
        staff = [self.account(office, office_ip) for _ in range(rng.randint(1, 4))]
        grabs = rng.random() < 0.5
        past: list[Person] = []
        for _ in range(rng.randint(4, 12 if self.hard else 10)):
            day, venue, acc = self.day(0.6), self.venue(), rng.choice(staff)
            size = rng.randint(12, 45) if rng.random() < 0.9 else rng.randint(4, 9)
            group = [self.person() for _ in range(size)]
            if past and rng.random() < 0.3:  # a returning customer
                group[0] = rng.choice(past)
            past += group
            at = self.release(day) + rng.randrange(0, 4) if grabs else self.legit_time(day)
            slot = rng.choice(SLOTS)
            for p in group:
                self.book(acc, p, day, at + rng.randrange(0, 2), venue=venue, slot=slot,
                          channel="团队通道", agency=name, came=rng.random() < 0.95,
                          file="team")

    def school(self) -> None:
        rng = self.rng
        school = f"景德镇市{rng.choice(_SCHOOL_WORDS)}小学"
        acc = self.account()
        channel = rng.choice(("团队通道", "微信小程序"))
        for _ in range(rng.randint(1, 3)):
            day, venue = self.day(0.1), self.venue()
            klass = [self.child() for _ in range(rng.randint(30, 50))]
            klass += [self.person(date(rng.randrange(1970, 1995), 3, 3)) for _ in range(2)]
            at = self.legit_time(day)
            slot = rng.choice(SLOTS)
            for p in klass:
                self.book(acc, p, day, at, venue=venue, slot=slot, channel=channel,
                          came=rng.random() < 0.98, agency=school if channel == "团队通道" else "",
                          file="team" if channel == "团队通道" else "app")

    def kiosk_walk_ins(self, n: int) -> None:
        rng = self.rng
        kiosks = [f"KIOSK-{v[:2]}-{i:02d}" for v in ("CB", "YY", "GY") for i in range(1, 3)]
        for _ in range(n):
            acc = self.account([rng.choice(kiosks)])
            day, venue = self.day(0.5), self.venue()
            at = day * 86400 + 9 * 3600 + rng.randrange(0, 7 * 3600)
            for p in [self.person() for _ in range(rng.randint(1, 3))]:
                self.book(acc, p, day, at, venue=venue, channel="现场自助机", came=True)

    def campus(self, n: int) -> None:
        nat = g.ipv4(self.rng)
        for _ in range(n):
            acc = self.account(ips=[nat])
            me = self.person()
            day = self.day()
            self.book(acc, me, day, self.legit_time(day), venue=self.venue(),
                      channel=self.app_channel(), came=self.rng.random() < 0.9)

    # -- planted -----------------------------------------------------------------------------
    def ring(self, *, accounts: int, devices: int, pool: int, bookings: int, party: tuple[int, int],
             fast: float, no_show: float, skew: float) -> None:
        rng = self.rng
        phones = [self.device() for _ in range(devices)]
        ips = [g.ipv4(rng) for _ in range(max(1, devices // 2))]
        members = [self.account([rng.choice(phones)], [rng.choice(ips)]) for _ in range(accounts)]
        for acc in members:  # phones are passed round: each account is seen on two of them
            acc.devices.append(rng.choice(phones))
        harvested = [self.person() if rng.random() > 0.05 else self.child() for _ in range(pool)]
        weights = [1 / (i + 1) ** skew for i in range(pool)]
        acc_weights = [max(3.0, accounts / 2)] + [1.0] * (accounts - 1)  # the organiser books most
        made = 0
        while made < bookings:
            day, venue = rng.choice(_HOT_DAYS), self.venue()
            acc = rng.choices(members, acc_weights)[0]
            n = rng.randint(*party)
            chosen: set[int] = set()
            while len(chosen) < min(n, pool):
                chosen.add(rng.choices(range(pool), weights)[0])
            release = self.release(day)
            at = release + rng.randrange(0, 3) if rng.random() < fast else self.legit_time(day, 0)
            for i in chosen:
                self.book(acc, harvested[i], day, at + rng.randrange(0, 2), venue=venue,
                          channel=self.app_channel(), came=rng.random() >= no_show)
                made += 1
        self.truth.subjects.append({"kind": "scalper_ring", "type": "BOOKING_ACCOUNT",
                                    "value": members[0].account_id})

    def reregistering_agency(self) -> None:
        rng = self.rng
        name = self.agency_name()
        office = [self.device("pc-")]
        staff = [self.account(office, [g.ipv4(rng)]) for _ in range(rng.randint(1, 3))]
        roster = [self.person() for _ in range(rng.randint(25, 80 if self.hard else 60))]
        start = rng.randrange(_FIRST_VISIT, _LAST_VISIT - 60)
        reuse = rng.randint(6, 10) if self.hard else rng.randint(8, 14)
        made, target = 0, len(roster) * reuse
        weights = [3.0] + [1.0] * (len(staff) - 1)
        while made < target:
            day = start + rng.randrange(0, 60)
            acc = rng.choices(staff, weights)[0]
            group = rng.sample(roster, min(len(roster), rng.randint(15, 30)))
            at = self.legit_time(day, eager=0.5)
            slot = rng.choice(SLOTS)
            for p in group:
                self.book(acc, p, day, at, venue=self.venue(), slot=slot, channel="团队通道",
                          agency=name, came=rng.random() < 0.85, file="team")
                made += 1
        self.truth.subjects.append({"kind": "agency_identity_reuse", "type": "ORGANIZATION",
                                    "value": name})

    # -- the whole estate --------------------------------------------------------------------
    def run(self) -> None:
        rng, rows, hard = self.rng, self.rows, self.hard
        n_rings = max(6, min(400, rows // 3000))
        scale = max(1.0, rows / (n_rings * 2500))
        planted: list[Callable[[], None]] = []
        for i in range(n_rings):
            kind = i % 4
            if kind == 0:  # a classic ring: several accounts, a reused pool, release grabs
                pool = rng.randint(18, 40) if hard else rng.randint(30, 150)
                planted.append(partial(
                    self.ring, accounts=rng.randint(3, 8 if hard else 15),
                    devices=rng.randint(1, 3), pool=pool,
                    bookings=int(pool * rng.uniform(3, 6) * scale), party=(1, 4),
                    fast=0.6 if hard else 0.9, no_show=0.3 if hard else 0.45, skew=0.8))
            elif kind == 1:  # an account farm: many accounts, a few people each, one pool
                pool = rng.randint(18, 40) if hard else rng.randint(25, 80)
                planted.append(partial(
                    self.ring, accounts=rng.randint(6, 12 if hard else 30),
                    devices=rng.randint(2, 4), pool=pool,
                    bookings=int(pool * rng.uniform(3, 5) * scale), party=(1, 3),
                    fast=0.7 if hard else 0.9, no_show=0.25 if hard else 0.4, skew=0.5))
            elif kind == 2:  # a lone bot with a bought list
                size = rng.randint(40, 120 if hard else 250)
                planted.append(partial(
                    self.ring, accounts=rng.randint(1, 2), devices=1,
                    pool=int(size * 0.7 * scale), bookings=int(size * scale), party=(1, 3),
                    fast=0.85 if hard else 0.95, no_show=0.3 if hard else 0.5, skew=0.0))
            else:
                planted.append(self.reregistering_agency)
        n_agencies = max(3, min(400, rows // 3000))
        n_schools = max(2, min(300, rows // 6000))
        decoys: list[Callable[[], None]] = [self.legit_agency] * n_agencies \
            + [self.school] * n_schools
        decoys += [self.extended_family] * max(3, rows // 4000)
        decoys += [self.friend_booker] * max(3, rows // 2000)
        decoys += [self.enthusiast] * max(3, rows // 3000)
        decoys += [partial(self.kiosk_walk_ins, max(40, rows // 400)),
                   partial(self.campus, max(30, rows // 500))]
        work = planted + decoys
        rng.shuffle(work)
        for job in work:
            job()
        while self.writer.count < rows:
            self.family()
        self.writer.close(self.out)


def generate(rows: int, seed: int, out_dir: Path, mix: str = "default") -> dict[str, Any]:
    """Write `预约记录.csv` (UTF-8) and `团队通道预约记录.csv` (GBK) with about `rows` bookings,
    and `truth.json`; return the truth (planted rings and agencies)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = _Generator(rows, seed, out, mix)
    gen.run()
    truth = {"subjects": gen.truth.subjects, "inputs": {"bookings": [APP_FILE, TEAM_FILE]},
             "rows": gen.writer.count, "mix": mix, "seed": seed}
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
    return truth


def evaluate(truth: dict[str, Any], leads: list[Lead], token: Callable[[str, str], str]
             ) -> dict[str, float]:
    """Ring-level precision and recall: a planted ring is found when a lead names its organiser
    account (or, for an agency, the agency) as its subject or among the ring's accounts. Which
    member "leads" a ring is the model's judgement from who used the pooled IDs most; in small
    samples another member can outdo the planted organiser, and the lead is still about that
    ring. A lead is right when it is about some planted ring."""
    want = {token(s["type"], s["value"]) for s in truth["subjects"]}
    ours = [lead for lead in leads if lead.model == "scalper_booking"]
    named = [{lead.subject.token} | {t for t, role in lead.linked_tokens if role == "account"}
             for lead in ours]
    right = sum(1 for tokens in named if tokens & want)
    found = len(want & set().union(*named)) if named else 0
    return {"precision": right / len(ours) if ours else 1.0,
            "recall": found / len(want) if want else 1.0,
            "leads": float(len(ours)), "truth": float(len(want)), "found": float(found)}


def iter_truth_tokens(truth: dict[str, Any], token: Callable[[str, str], str]
                      ) -> Iterator[tuple[str, str]]:
    """(kind, token) of every planted subject, for tests that look at one lead."""
    for s in truth["subjects"]:
        yield s["kind"], token(s["type"], s["value"])
