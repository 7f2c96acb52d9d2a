"""Public tips: receipt codes, subject normalisation, masking of the reporter's PI, sealed
contact and files, abuse limits, links to model leads, and ranking by number of tips.

All identifiers are synthetic and generated here (valid checksums, made-up numbers)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from pisentinel.detect.validators import USCC_ALPHABET, id_check_char
from pisentinel.leads import Evidence, Lead, LeadStore, Subject, find_raw_identifiers, severity_for
from pisentinel.protect import decrypt_value, pseudonym_token
from pisentinel.tips import (
    RateLimiter,
    TipDesk,
    TipForm,
    TipRejected,
    Upload,
    UploadPolicy,
    name_subject,
    new_receipt_code,
    normalize_receipt_code,
    rank_subjects,
    receipt_hash,
)

KEY = bytes(range(32))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
PDF = b"%PDF-1.7\n" + bytes(200)


def synthetic_id(rng: random.Random) -> str:
    first17 = f"110105{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
              f"{rng.randint(0, 999):03d}"
    return first17 + id_check_char(first17)


def synthetic_mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"


def synthetic_uscc(rng: random.Random) -> str:
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    org = "".join(rng.choice("0123456789") for _ in range(8))
    check = 11 - sum(int(c) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    body = "91330106" + org + ("X" if check == 10 else "0" if check == 11 else str(check))
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LeadStore]:
    with LeadStore(f"sqlite:///{tmp_path / 'leads.db'}") as s:
        yield s


@pytest.fixture
def desk(store: LeadStore, tmp_path: Path) -> TipDesk:
    return TipDesk(store, KEY, tmp_path / "tipfiles")


def form(name: str = "平安停车", **kw: object) -> TipForm:
    fields: dict[str, object] = dict(scenario="parking_app", subject_kind="app", subject_name=name,
                                     description="缴停车费时必须授权定位和通讯录，不授权就无法缴费。")
    fields.update(kw)
    return TipForm(**fields)  # type: ignore[arg-type]


# --- receipt codes ---------------------------------------------------------------------------


def test_receipt_codes_are_random_readable_and_stored_only_as_a_hash() -> None:
    codes = {new_receipt_code() for _ in range(500)}
    assert len(codes) == 500
    code = next(iter(codes))
    assert len(code) == 23 and code.count("-") == 3
    assert normalize_receipt_code(code.lower().replace("-", " ")) == code.replace("-", "")
    assert receipt_hash(code.lower()) == receipt_hash(code)
    assert receipt_hash(code.replace("0", "O").replace("1", "I")) == receipt_hash(code)
    digest = receipt_hash(code)
    assert digest is not None and len(digest) == 64 and code.replace("-", "") not in digest
    assert receipt_hash("not-a-code") is None
    assert receipt_hash(code + "Z") is None


# --- the named subject -----------------------------------------------------------------------


def test_one_app_written_several_ways_is_one_token() -> None:
    tokens = {name_subject("app", v, KEY).token
              for v in ("平安停车", "平安停车 App", "平安停车APP", "  平安停车app ", "平安停车客户端")}
    assert len(tokens) == 1
    assert name_subject("app", "平安停车", KEY).token != name_subject("app", "安平停车", KEY).token
    assert name_subject("app", "平安停车", KEY).token != name_subject(
        "app", "平安停车", bytes(32)).token
    assert name_subject("package", "Com.Example.Parking", KEY).token == name_subject(
        "package", "com.example.parking", KEY).token
    with pytest.raises(ValueError, match="包名"):
        name_subject("package", "not a package", KEY)
    assert name_subject("website", "https://www.Example.cn/pay?x=1", KEY).token == name_subject(
        "website", "example.cn", KEY).token


def test_phone_and_uscc_subjects_share_the_tokens_the_models_use() -> None:
    rng = random.Random(1)
    phone = synthetic_mobile(rng)
    spaced = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    named = name_subject("phone", spaced, KEY)
    assert named.token == pseudonym_token("PHONE_NUMBER", phone, KEY)
    assert phone not in named.display and find_raw_identifiers(named.display) == []
    uscc = synthetic_uscc(rng)
    assert name_subject("uscc", uscc.lower(), KEY).token == pseudonym_token("USCC", uscc, KEY)
    with pytest.raises(ValueError, match="统一社会信用代码"):
        name_subject("uscc", uscc[:-1] + ("0" if uscc[-1] != "0" else "1"), KEY)
    company = name_subject("company", "杭州某某科技有限公司", KEY)
    assert company.token == pseudonym_token("ORGANIZATION", "杭州某某科技有限公司", KEY)
    assert company.display == "杭州某某科技有限公司"


# --- intake ----------------------------------------------------------------------------------


def test_a_tip_keeps_the_reporters_pi_masked_and_the_contact_sealed(
        desk: TipDesk, store: LeadStore, tmp_path: Path) -> None:
    rng = random.Random(7)
    own_phone, own_id, contact = synthetic_mobile(rng), synthetic_id(rng), synthetic_mobile(rng)
    receipt = desk.submit(form(
        description=f"我叫王小明，手机 {own_phone}，身份证 {own_id}。缴费时必须开定位，否则不能缴费。",
        when="2026年11月3日", where="杭州市西湖区文三路", contact=contact),
        [Upload("截图.png", PNG)], client="198.51.100.7")
    lead = store.get(receipt.tip.lead_id)
    assert lead.model == "public_tip" and lead.subject.display == "平安停车"
    for name, value in lead.text_fields().items():
        assert own_phone not in value and own_id not in value and contact not in value, name
        assert find_raw_identifiers(value) == [], name
    assert "王小明" not in lead.evidence[0].excerpt
    assert lead.evidence[0].detail["contact"].startswith(contact[:3])
    # the contact is kept only sealed, and opens with the project key
    assert receipt.tip.contact_ciphertext is not None
    assert decrypt_value("TIP_CONTACT", receipt.tip.contact_ciphertext, KEY) == contact
    # tokens of the numbers the text mentions link; the raw numbers are nowhere in the database
    tokens = dict(lead.linked_tokens)
    assert tokens[pseudonym_token("PHONE_NUMBER", own_phone, KEY)] == "mentioned"
    assert tokens[name_subject("app", "平安停车", KEY).token] == "named_subject"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("leads.db*"))
    for secret in (own_phone, own_id, contact, receipt.code, receipt.code.replace("-", "")):
        assert secret.encode() not in raw
    # the file is sealed on disk and opens for an analyst
    (stored,) = (tmp_path / "tipfiles").iterdir()
    assert PNG not in stored.read_bytes()
    assert desk.read_file(receipt.tip, 0) == ("截图.png", "image/png", PNG)


def test_a_residual_number_the_detector_misses_is_still_starred(desk: TipDesk,
                                                                 store: LeadStore) -> None:
    rng = random.Random(3)
    phone = synthetic_mobile(rng)
    glued = "编号" + "-".join((phone[:3], phone[3:7], phone[7:])) + "号"
    receipt = desk.submit(form(description=f"对方留下的{glued}让我加微信，定位必须打开"))
    lead = store.get(receipt.tip.lead_id)
    assert all(find_raw_identifiers(v) == [] for v in lead.text_fields().values())


def test_bad_tips_are_refused_with_stable_codes(desk: TipDesk) -> None:
    cases = [(form(scenario="nope"), "scenario"), (form(description="短"), "description"),
             (form(description="长" * 5001), "too_long"),
             (form(subject_kind="uscc", name="123"), "subject")]
    for bad, code in cases:
        with pytest.raises(TipRejected) as err:
            desk.submit(bad)
        assert err.value.code == code


def test_uploads_must_be_what_their_names_say_and_within_limits(store: LeadStore,
                                                                tmp_path: Path) -> None:
    desk = TipDesk(store, KEY, tmp_path / "f", uploads=UploadPolicy(
        max_files=2, max_file_bytes=1000, max_total_bytes=1500))
    refused = [([Upload("a.png", PDF)], "file_type"),
               ([Upload("a.exe", b"MZ" + bytes(10))], "file_type"),
               ([Upload("a.svg", b"<svg onload=alert(1)>")], "file_type"),
               ([Upload("a.txt", b"\x00\x01")], "file_type"),
               ([Upload("a.png", PNG + bytes(1000))], "file_too_large"),
               ([Upload("a.pdf", PDF)] * 3, "too_many_files"),
               ([Upload("a.pdf", PDF + bytes(700)), Upload("b.pdf", PDF + bytes(700))],
                "upload_too_large")]
    for files, code in refused:
        with pytest.raises(TipRejected) as err:
            desk.submit(form(), files)
        assert err.value.code == code, files[0].filename
    ok = desk.submit(form(), [Upload("说明.txt", "情况说明".encode()), Upload("b.pdf", PDF)])
    assert [a["type"] for a in ok.tip.attachments] == ["text/plain", "application/pdf"]


def test_submissions_and_receipt_lookups_are_rate_limited_per_client(store: LeadStore,
                                                                     tmp_path: Path) -> None:
    clock = Clock()
    desk = TipDesk(store, KEY, tmp_path / "f", submissions=RateLimiter(2, 60, clock=clock),
                   lookups=RateLimiter(3, 60, clock=clock))
    desk.submit(form(), client="203.0.113.1")
    desk.submit(form(), client="203.0.113.1")
    with pytest.raises(TipRejected) as err:
        desk.submit(form(), client="203.0.113.1")
    assert err.value.code == "rate_limited" and err.value.status == 429
    desk.submit(form(), client="203.0.113.2")  # another client is not affected
    clock.now += 61
    receipt = desk.submit(form(), client="203.0.113.1")
    for _ in range(2):
        with pytest.raises(TipRejected, match="unknown_receipt"):
            desk.status(new_receipt_code(), client="203.0.113.9")
    desk.status(receipt.code, client="203.0.113.9")
    with pytest.raises(TipRejected, match="rate_limited"):
        desk.status(receipt.code, client="203.0.113.9")


def test_a_receipt_code_adds_to_its_tip_and_shows_progress(desk: TipDesk,
                                                           store: LeadStore) -> None:
    rng = random.Random(5)
    receipt = desk.submit(form())
    other = desk.submit(form("别的停车"))
    phone = synthetic_mobile(rng)
    status = desk.follow_up(receipt.code.lower(), f"补充：客服让我打 {phone}",
                            [Upload("b.pdf", PDF)])
    assert status.additions == 1 and status.files == 1
    lead = store.get(receipt.tip.lead_id)
    assert len(lead.evidence) == 2 and phone not in lead.evidence[1].excerpt
    assert lead.counts["additions"] == 1
    assert pseudonym_token("PHONE_NUMBER", phone, KEY) not in dict(lead.linked_tokens)
    assert store.get(other.tip.lead_id).counts["additions"] == 0
    store.set_status(receipt.tip.lead_id, "reviewing", by="analyst")
    assert desk.status(receipt.code).status_label() == "正在核查"
    with pytest.raises(TipRejected, match="unknown_receipt"):
        desk.follow_up(new_receipt_code(), "补充内容")


# --- links and ranking -----------------------------------------------------------------------


def test_ten_tips_about_one_app_rank_it_above_an_app_named_once(desk: TipDesk,
                                                                store: LeadStore) -> None:
    spellings = ["平安停车", "平安停车App", "平安停车 APP", "平安停车客户端", " 平安停车 "]
    tens = [desk.submit(form(spellings[i % 5])) for i in range(10)]
    desk.submit(form("安心停车"))
    ranked = rank_subjects(store)
    assert [(r.display.strip(), r.tips) for r in ranked][:2] == [("平安停车", 10), ("安心停车", 1)]
    assert ranked[0].score > ranked[1].score
    linked = store.linked_leads(tens[0].tip.lead_id)
    assert {lk.lead.id for lk in linked} == {r.tip.lead_id for r in tens[1:]}


def test_a_tip_links_to_the_model_lead_about_the_same_phone(desk: TipDesk,
                                                            store: LeadStore) -> None:
    rng = random.Random(11)
    phone = synthetic_mobile(rng)
    token = pseudonym_token("PHONE_NUMBER", phone, KEY)
    run = store.start_run("fake_recruitment")
    (model_lead,) = store.upsert_leads(run, [Lead(
        model="fake_recruitment", kind="shared_contact",
        subject=Subject("phone", token, phone[:3] + "****" + phone[-4:]),
        title_zh="一个联系电话对应多家招聘公司", summary_zh="同一电话出现在六个城市的招聘信息中。",
        severity=severity_for({"T3": 10}), affected_people=10,
        evidence=(Evidence("postings.csv", "招聘：日结 300 元", "sha256:00", row=1),))]).ids
    one_tip = desk.submit(form(phone[:3] + " " + phone[3:7] + " " + phone[7:],
                               scenario="fake_recruitment", subject_kind="phone",
                               description="招聘要先交身份证照片和银行卡号，说是日结工资。"))
    desk.submit(form())
    desk.submit(form())
    assert [lk.lead.id for lk in store.linked_leads(one_tip.tip.lead_id)] == [model_lead]
    assert one_tip.tip.lead_id in {lk.lead.id for lk in store.linked_leads(model_lead)}
    top = rank_subjects(store)[0]
    assert (top.token, top.tips, top.model_leads) == (token, 1, 1)  # 1 + 2×1 beats 2 tips
