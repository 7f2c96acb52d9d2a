"""Cross-region collaboration between two instances on loopback: two workspaces, two lead
stores, two uvicorn servers on 127.0.0.1 running the PSI responder, a real HTTP exchange.

Shown: the shared subjects are found by both sides; the messages exchanged hold no raw
identifier, no pseudonym token and nothing a party can test a guessed identifier against; only
shared items get link tokens; signed, encrypted bundles merge without duplicates into a 类案 view
across regions, and altered, forged, misaddressed or untrusted bundles are refused.
All identifiers are synthetic and made here."""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from pisentinel.detect.validators import USCC_ALPHABET
from pisentinel.federation import (
    BundleRefused,
    FederationIdentity,
    Identifier,
    PeerCard,
    PsiError,
    PsiParty,
    SharedIdentifier,
    cross_region_cases,
    export_bundle,
    hash_to_group,
    identifiers_from_reveal_store,
    identifiers_from_values,
    import_bundle,
    psi_app,
    record_links,
    run_psi,
)
from pisentinel.leads import Evidence, Lead, LeadStore, Subject, find_raw_identifiers, severity_for
from pisentinel.protect import mask_value, normalize_value, pseudonym_token


def synthetic_mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"


def synthetic_uscc(rng: random.Random) -> str:
    org = "".join(rng.choice("0123456789") for _ in range(8))
    check = 11 - sum(int(c) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    body = "91330106" + org + ("X" if check == 10 else "0" if check == 11 else str(check))
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


@dataclass
class Region:
    name: str
    key: bytes
    store: LeadStore
    identity: FederationIdentity
    values: list[tuple[str, str]]
    received: list[tuple[str, list[SharedIdentifier]]] = field(default_factory=list)

    @property
    def card(self) -> PeerCard:
        return self.identity.card()

    def identifiers(self) -> list[Identifier]:
        return identifiers_from_values(self.values, self.key)

    def token(self, type_code: str, value: str) -> str:
        return pseudonym_token(type_code, value, self.key)


def recruitment_lead(region: Region, phone: str, uscc: str | None, n: int) -> Lead:
    linked = ((region.token("USCC", uscc), "company"),) if uscc else ()
    return Lead(
        model="fake_recruitment", kind="shared_contact",
        subject=Subject("phone", region.token("PHONE_NUMBER", phone),
                        mask_value("PHONE_NUMBER", phone)),
        title_zh=f"{region.name}：同一联系电话发布虚假招聘", summary_zh="多家公司共用一个电话招聘日结工。",
        severity=severity_for({"T3": n}), affected_people=n, linked_tokens=linked,
        evidence=(Evidence("postings.csv", f"招聘：日结 300 元，联系 {mask_value('PHONE_NUMBER', phone)}",
                           f"sha256:{n:064x}", row=n),))


def make_region(tmp_path: Path, name: str, seed: int, shared: list[tuple[str, str]],
                own: int) -> Region:
    rng = random.Random(seed)
    key = random.Random(seed + 100).randbytes(32)
    store = LeadStore(f"sqlite:///{tmp_path / name / 'leads.db'}")
    region = Region(name, key, store, FederationIdentity.from_project_key(key, name), [])
    phones = [synthetic_mobile(rng) for _ in range(own)]
    region.values = [*shared, *(("PHONE_NUMBER", p) for p in phones),
                     ("USCC", synthetic_uscc(rng))]
    run = store.start_run("fake_recruitment")
    shared_phone = next(v for t, v in shared if t == "PHONE_NUMBER")
    shared_uscc = next(v for t, v in shared if t == "USCC")
    store.upsert_leads(run, [recruitment_lead(region, shared_phone, shared_uscc, 40 + seed),
                             *(recruitment_lead(region, p, None, i + 1)
                               for i, p in enumerate(phones))])
    store.finish_run(run)
    return region


@contextmanager
def serve(app: object) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",  # type: ignore[arg-type]
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def responder(region: Region, peer: Region) -> object:
    def on_shared(card: PeerCard, session: str, shared: list[SharedIdentifier]) -> None:
        region.received.append((session, shared))
        record_links(region.store, card, session, shared)

    return psi_app(region.identity, [peer.card], region.identifiers, on_shared)


class Wire:
    """Every byte the client sent and received, headers included."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    def client(self) -> httpx.Client:
        def on_request(request: httpx.Request) -> None:
            self.messages.append(str(request.url).encode() + b"\n" + b"\n".join(
                k.encode() + b": " + v.encode() for k, v in request.headers.items())
                + b"\n" + request.content)

        def on_response(response: httpx.Response) -> None:
            response.read()
            self.messages.append(b"\n".join(k.encode() + b": " + v.encode()
                                            for k, v in response.headers.items())
                                 + b"\n" + response.content)

        return httpx.Client(timeout=60, event_hooks={"request": [on_request],
                                                     "response": [on_response]})

    def elements(self) -> set[bytes]:
        out = set()
        for message in self.messages:
            body = message.rsplit(b"\n", 1)[-1]
            if body.startswith(b"{"):
                for field_ in ("items", "double"):
                    for s in json.loads(body).get(field_, []):
                        out.add(base64.b64decode(s))
        return out


@pytest.fixture
def regions(tmp_path: Path) -> Iterator[tuple[Region, Region, list[tuple[str, str]]]]:
    rng = random.Random(42)
    phone, uscc = synthetic_mobile(rng), synthetic_uscc(rng)
    hz = make_region(tmp_path, "杭州", 1, [("PHONE_NUMBER", phone), ("USCC", uscc)], own=6)
    spaced = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"  # the same phone, written otherwise
    nb = make_region(tmp_path, "宁波", 2, [("PHONE_NUMBER", spaced), ("USCC", uscc.lower())],
                     own=8)
    yield hz, nb, [("PHONE_NUMBER", phone), ("USCC", uscc)]
    hz.store.close()
    nb.store.close()


def test_psi_over_http_finds_shared_subjects_and_reveals_nothing_else(regions) -> None:  # type: ignore[no-untyped-def]
    hz, nb, shared_values = regions
    wire = Wire()
    party = PsiParty(hz.identifiers())
    with serve(responder(nb, hz)) as nb_url, serve(responder(hz, nb)) as hz_url, \
            wire.client() as http:
        outcome = run_psi(nb_url, hz.identity, nb.card, hz.identifiers(), http=http,
                          party=party)
        back = run_psi(hz_url, nb.identity, hz.card, nb.identifiers())  # the other way round
    record_links(hz.store, nb.card, outcome.session, outcome.shared)

    # shared subjects found, by both sides, with the same link tokens
    want_hz = {hz.token(t, v) for t, v in shared_values}
    want_nb = {nb.token(t, v) for t, v in nb.values[:2]}
    assert {s.token for s in outcome.shared} == want_hz
    ((_, nb_shared),) = [r for r in nb.received if r[0] == outcome.session]
    assert {s.token for s in nb_shared} == want_nb
    assert {s.link_token for s in outcome.shared} == {s.link_token for s in nb_shared}
    assert {s.token for s in back.shared} == want_nb
    assert (outcome.sent, outcome.received) == (len(hz.values), len(nb.values))

    # nothing else revealed: no identifier in any surface form, no token, no unblinded hash
    everything = [*hz.identifiers(), *nb.identifiers()]
    wire_bytes = b"\n".join(wire.messages)
    assert find_raw_identifiers(wire_bytes.decode("utf-8", "replace")) == []
    for item in everything:
        for form in {item.value, normalize_value(item.type, item.value), item.token,
                     item.token.partition(":")[2]}:
            assert form.encode() not in wire_bytes
        assert hash_to_group(item.type, item.value) not in wire.elements()
    # Hangzhou, even guessing each of Ningbo's own identifiers exactly, computes H(y)^a; that
    # matches nothing Ningbo sent, so no guess about a non-shared item can be confirmed
    nb_only = [i for i in nb.identifiers() if i.token not in want_nb]
    assert nb_only
    for item in nb_only:
        guess = party._raise(hash_to_group(item.type, item.value))
        assert guess not in wire.elements()

    # only shared items got link tokens, on the leads that hold them
    for region, expected in ((hz, want_hz), (nb, want_nb)):
        linked = [lead for lead in region.store.query(limit=100).items
                  if any(tok.startswith("LINK:") for tok, _ in region.store.get(lead.id).tokens())]
        assert len(linked) == 1
        assert region.store.get(linked[0].id).subject.token in expected


def test_identifiers_come_from_the_encrypted_reveal_store(regions) -> None:  # type: ignore[no-untyped-def]
    from pisentinel.web.reveal import RevealStore

    hz, _, _ = regions
    reveals = RevealStore(hz.store, hz.key)
    run = hz.store.query(limit=1).items[0].last_run
    assert run is not None
    reveals.put_many(run, [(hz.token(t, v), t, v) for t, v in hz.values])
    found = identifiers_from_reveal_store(hz.store, hz.key)
    # the spare USCC is on no lead, so it is not offered
    assert {(i.type, i.value) for i in found} == set(hz.values[:-1])


def exchange_links(hz: Region, nb: Region) -> None:
    party_hz, party_nb = PsiParty(hz.identifiers()), PsiParty(nb.identifiers())
    double_hz, blinded_nb = party_nb.answer(party_hz.blinded())
    shared_hz, double_nb = party_hz.finish("s1", double_hz, blinded_nb)
    shared_nb = party_nb.learn("s1", double_nb, double_hz)
    record_links(hz.store, nb.card, "s1", shared_hz)
    record_links(nb.store, hz.card, "s1", shared_nb)


def test_bundles_merge_into_a_cross_region_case_without_duplicates(regions) -> None:  # type: ignore[no-untyped-def]
    hz, nb, _ = regions
    exchange_links(hz, nb)
    nb_leads = [nb.store.get(lead.id) for lead in nb.store.query(limit=100).items]
    data = export_bundle(nb_leads, nb.identity, hz.card)
    for t_, v in nb.values:
        assert v.encode() not in data and nb.token(t_, v).encode() not in data  # sealed
    before = hz.store.query(limit=100).total
    record = import_bundle(hz.store, data, hz.identity, [nb.card], by="analyst")
    assert (record.sender, record.leads, record.inserted) == ("宁波", len(nb_leads),
                                                              len(nb_leads))
    assert hz.store.query(limit=100).total == before + len(nb_leads)

    (case,) = cross_region_cases(hz.store, home="杭州")
    assert case.regions == ["宁波", "杭州"]
    assert case.affected_people == 41 + 42
    hz_scheme = case.by_region()["杭州"][0].lead_id
    nb_scheme = case.by_region()["宁波"][0].lead_id
    assert nb_scheme in {lk.lead.id for lk in hz.store.linked_leads(hz_scheme)}

    # the same bundle again, and a fresh bundle of the same leads: no duplicates
    again = import_bundle(hz.store, data, hz.identity, [nb.card])
    assert again.bundle_id == record.bundle_id and again.imported_at == record.imported_at
    fresh = import_bundle(hz.store, export_bundle(nb_leads, nb.identity, hz.card),
                          hz.identity, [nb.card])
    assert (fresh.inserted, fresh.updated) == (0, len(nb_leads))
    assert hz.store.query(limit=100).total == before + len(nb_leads)
    assert len(cross_region_cases(hz.store, home="杭州")) == 1
    assert [e.action for e in hz.store.audit_entries(object_type="bundle")] == [
        "federation.import"] * 3


def _tampered(data: bytes, change: str, other: FederationIdentity) -> bytes:
    outer = json.loads(data)
    if change == "sealed":
        sealed = bytearray(base64.b64decode(outer["sealed"]))
        sealed[len(sealed) // 2] ^= 1
        outer["sealed"] = base64.b64encode(bytes(sealed)).decode()
    elif change == "header":
        outer["header"]["leads"] += 1
    elif change == "signature":
        sig = bytearray(base64.b64decode(outer["signature"]))
        sig[0] ^= 0x80
        outer["signature"] = base64.b64encode(bytes(sig)).decode()
    elif change == "resigned_by_other":  # someone else re-signs, claiming the sender's card
        header, sealed = outer["header"], base64.b64decode(outer["sealed"])
        canonical = json.dumps(header, ensure_ascii=False, sort_keys=True,
                               separators=(",", ":")).encode()
        outer["signature"] = base64.b64encode(other.sign(canonical + b"\x1e" + sealed)).decode()
    elif change == "truncated":
        return data[: len(data) // 2]
    return json.dumps(outer).encode()


@pytest.mark.parametrize("change,code", [
    ("sealed", "bad_signature"), ("header", "bad_signature"), ("signature", "bad_signature"),
    ("resigned_by_other", "bad_signature"), ("truncated", "malformed")])
def test_tampered_bundles_are_refused_and_nothing_is_imported(regions, change: str,  # type: ignore[no-untyped-def]
                                                              code: str) -> None:
    hz, nb, _ = regions
    mallory = FederationIdentity.from_project_key(bytes(32), "冒名者")
    data = export_bundle([nb.store.get(lead.id) for lead in nb.store.query(limit=5).items],
                         nb.identity, hz.card)
    before = hz.store.query(limit=100).total
    with pytest.raises(BundleRefused) as err:
        import_bundle(hz.store, _tampered(data, change, mallory), hz.identity, [nb.card])
    assert err.value.code == code
    assert hz.store.query(limit=100).total == before
    assert hz.store.bundle_imports() == []


def test_bundles_from_strangers_or_for_others_are_refused(regions) -> None:  # type: ignore[no-untyped-def]
    hz, nb, _ = regions
    leads = [nb.store.get(lead.id) for lead in nb.store.query(limit=3).items]
    sz = FederationIdentity.from_project_key(bytes(range(1, 33)), "绍兴")
    with pytest.raises(BundleRefused, match="untrusted_sender"):
        import_bundle(hz.store, export_bundle(leads, nb.identity, hz.card), hz.identity, [])
    with pytest.raises(BundleRefused, match="wrong_recipient"):
        import_bundle(hz.store, export_bundle(leads, nb.identity, sz.card()), hz.identity,
                      [nb.card])
    # a bundle sealed for Shaoxing but relabelled for Hangzhou fails the signature
    data = json.loads(export_bundle(leads, nb.identity, sz.card()))
    data["header"]["recipient"] = hz.card.fingerprint
    with pytest.raises(BundleRefused, match="bad_signature"):
        import_bundle(hz.store, json.dumps(data).encode(), hz.identity, [nb.card])


def test_a_peer_that_is_not_trusted_gets_no_psi_answer(regions) -> None:  # type: ignore[no-untyped-def]
    hz, nb, _ = regions
    stranger = FederationIdentity.from_project_key(bytes(range(2, 34)), "陌生人")
    with serve(responder(nb, hz)) as url, pytest.raises(PsiError, match="信任名单"):
        run_psi(url, stranger, nb.card, hz.identifiers())
    assert nb.received == []
