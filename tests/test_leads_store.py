"""LeadStore on SQLite and on PostgreSQL (set PISENTINEL_TEST_PG_URL, e.g. from
scripts/start_postgres.sh). Every test runs on both backends through the ``store`` fixture."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pisentinel.leads import (
    Action,
    Evidence,
    InvalidTransition,
    Lead,
    LeadStatus,
    LeadStore,
    SeverityLevel,
    Subject,
    UnknownLead,
    UnmaskedIdentifierError,
    find_raw_identifiers,
    severity_for,
)
from pisentinel.leads.schema import metadata

PG_URL = os.environ.get("PISENTINEL_TEST_PG_URL")
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not PG_URL, reason="PISENTINEL_TEST_PG_URL not set (run scripts/start_postgres.sh)")),
]


def migration_head() -> str:
    """The newest revision of the store's migrations (the one a store is upgraded to)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import pisentinel.leads

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(Path(pisentinel.leads.__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def _pg_schema_url(schema: str) -> str:
    assert PG_URL
    return sa.make_url(PG_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leads.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL or "")
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[LeadStore]:
    s = LeadStore(store_url)
    try:
        yield s
    finally:
        s.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    explicit = any("store_url" in str(m.args[0]) for m in metafunc.definition.iter_markers(
        "parametrize"))
    if "store_url" in metafunc.fixturenames and not explicit:
        metafunc.parametrize("store_url", BACKENDS, indirect=True)


# --- synthetic fixtures -------------------------------------------------------------------

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def synthetic_id(body17: str) -> str:
    """An 18-digit ID number with a valid checksum (synthetic: not anyone's number)."""
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, _W, strict=True)) % 11]


def make_lead(model: str = "fake_recruitment", token: str = "tok:phone:1",
              kind: str = "harvesting_posting", *, t3: int = 10, people: int = 10,
              evidence: tuple[Evidence, ...] | None = None,
              linked: tuple[tuple[str, str], ...] = (), **kw: Any) -> Lead:
    ev = evidence if evidence is not None else (
        Evidence("jobs.csv", "高薪日结，加微信 wx_****，电话 138****0001", "sha256:r1", row=1,
                 column="body", detail={"city": "广州"}),
    )
    fields: dict[str, Any] = dict(
        model=model, kind=kind, subject=Subject("phone", token, "138****0001"),
        title_zh="同一电话发布多家公司招聘", summary_zh=f"{t3} 份简历",
        severity=severity_for({"T3": t3}), affected_people=people,
        provisions=("PIPL-10", "SPC-SPP-2017-5"), evidence=ev, records_by_tier={"T3": t3},
        counts={"postings": 3}, linked_tokens=linked)
    return Lead(**{**fields, **kw})


# --- schema and migrations ----------------------------------------------------------------


def test_open_migrates_to_head_and_schema_matches_the_metadata(store: LeadStore) -> None:
    assert store.schema_revision() == migration_head()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_reopening_is_a_no_op(store_url: str) -> None:
    with LeadStore(store_url) as first:
        run = first.start_run("fake_recruitment")
        first.upsert_leads(run, [make_lead()])
    with LeadStore(store_url) as again:
        assert again.schema_revision() == migration_head()
        assert again.query().total == 1


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sqlite_runs_in_wal_mode_with_foreign_keys(store: LeadStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_default_url_is_a_sqlite_file_in_the_workspace(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PISENTINEL_LEADS_URL", raising=False)
    monkeypatch.setenv("PISENTINEL_WORKSPACE", str(tmp_path / "ws"))
    with LeadStore() as s:
        assert s.dialect == "sqlite"
    assert (tmp_path / "ws" / "leads.db").exists()


def test_repr_hides_the_password(store: LeadStore, store_url: str) -> None:
    password = sa.make_url(store_url).password
    if password:
        assert f":{password}@" not in repr(store) and ":***@" in repr(store)
    else:
        assert "leads.db" in repr(store)


# --- runs and upserts ---------------------------------------------------------------------


def test_runs_record_inputs_versions_and_counts(store: LeadStore) -> None:
    run = store.start_run("scalper_booking", params={"k": 5},
                          inputs=[{"path": "bookings.parquet", "content_hash": "sha256:ab",
                                   "rows": 1000}], versions={"pisentinel": "0.1.0"})
    store.finish_run(run, counts={"leads": 3})
    got = store.get_run(run)
    assert (got.model, got.status, got.params, got.counts) == (
        "scalper_booking", "succeeded", {"k": 5}, {"leads": 3})
    assert got.inputs[0]["content_hash"] == "sha256:ab"
    assert got.started_at.tzinfo is not None and got.finished_at is not None
    with pytest.raises(KeyError):
        store.get_run("nope")
    with pytest.raises(KeyError, match="start_run"):
        store.upsert_leads("nope", [make_lead()])


def test_upsert_inserts_then_updates_by_fingerprint(store: LeadStore) -> None:
    run1 = store.start_run("fake_recruitment")
    first = store.upsert_leads(run1, [make_lead(), make_lead(token="tok:phone:2")])
    assert len(first.inserted) == 2 and first.updated == ()
    lead_id = first.inserted[0]
    store.set_status(lead_id, "reviewing", by="analyst-a")
    store.add_comment(lead_id, "analyst-a", "核实公司登记")

    run2 = store.start_run("fake_recruitment")
    more = Evidence("jobs.csv", "同一电话 138****0001 又一条", "sha256:r2", row=2, column="body")
    second = store.upsert_leads(run2, [make_lead(t3=6000, people=6000,
                                                 evidence=(more,))])
    assert second.inserted == () and second.updated == (lead_id,)

    got = store.get(lead_id)
    assert got.status is LeadStatus.REVIEWING
    assert [c.text for c in got.comments] == ["核实公司登记"]
    assert (got.first_run, got.last_run) == (run1, run2)
    assert got.records_by_tier == {"T3": 6000} and got.affected_people == 6000
    assert got.severity.level is SeverityLevel.SERIOUS
    assert got.action is Action.CRIMINAL_REFERRAL
    assert [e.content_hash for e in got.evidence] == ["sha256:r1", "sha256:r2"]
    assert got.created_at is not None and got.updated_at is not None
    assert got.updated_at >= got.created_at
    assert store.query().total == 2


def test_upsert_is_idempotent(store: LeadStore) -> None:
    run = store.start_run("doxxing")
    batch = [make_lead("doxxing", "tok:victim:1", "bundled_identifiers",
                       linked=(("tok:phone:9", "phone"),))]
    store.upsert_leads(run, batch)
    before = _table_counts(store)
    again = store.upsert_leads(run, batch)
    assert again.inserted == ()
    assert _table_counts(store) == before
    assert before["evidence"] == 1 and before["lead_tokens"] == 2


def test_duplicates_inside_one_batch_collapse(store: LeadStore) -> None:
    run = store.start_run("fake_recruitment")
    result = store.upsert_leads(run, [make_lead(), make_lead(t3=20)])
    assert len(result.inserted) == 1 and result.updated == result.inserted
    assert store.get(result.inserted[0]).records_by_tier == {"T3": 20}


def _column_evidence(column: str, type_zh: str, file_hash: str = "sha256:f1",
                     source: str = "员工.csv") -> Evidence:
    """A pi_inventory-like item: one column of one file, its type named in excerpt and detail."""
    return Evidence(source, f"列“{column}”：{type_zh} 12 处", file_hash, column=column,
                    detail={"type_zh": type_zh, "rows": 12})


def _evidence_rows(store: LeadStore, lead_id: int) -> list[tuple[str | None, str, str, str]]:
    """(column, excerpt, type_zh, run) of every stored evidence row of a lead."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(metadata.tables["evidence"]).where(
            metadata.tables["evidence"].c.lead_id == lead_id)
            .order_by(metadata.tables["evidence"].c.id)).mappings().all()
    return [(r["column_name"], r["masked_excerpt"], r["detail"]["type_zh"], r["run_id"])
            for r in rows]


def test_a_rerun_over_the_same_inputs_replaces_the_evidence(store: LeadStore) -> None:
    """The same file screened again with other rules: the lead's evidence is what the second
    run saw (the column's new type name, nothing of a column it no longer reports), while
    status and comments stay."""
    staff = [{"input": "sources", "path": "/data/员工.csv", "content_hash": "sha256:f1"}]
    run1 = store.start_run("pi_inventory", params={"rules": "a.yaml"}, inputs=staff)
    lead_id, = store.upsert_leads(run1, [make_lead(
        "pi_inventory", "tok:dataset", "dataset_pi", summary_zh="敏感个人信息：工号",
        evidence=(_column_evidence("工号", "工号"), _column_evidence("手机", "手机号码")))]).ids
    store.set_status(lead_id, "reviewing", by="analyst-a")
    store.add_comment(lead_id, "analyst-a", "核对工号列")

    run2 = store.start_run("pi_inventory", params={"rules": "b.yaml"}, inputs=staff)
    latest = (_column_evidence("工号", "员工编号"), _column_evidence("部门", "部门名称"))
    assert store.upsert_leads(run2, [make_lead(
        "pi_inventory", "tok:dataset", "dataset_pi", summary_zh="员工编号",
        evidence=latest)]).updated == (lead_id,)

    got = store.get(lead_id)
    assert got.summary_zh == "员工编号" and got.last_run == run2
    assert {(e.column, e.excerpt, e.detail["type_zh"]) for e in got.evidence} == {
        (e.column, e.excerpt, e.detail["type_zh"]) for e in latest}
    assert sorted(_evidence_rows(store, lead_id)) == sorted([
        ("工号", "列“工号”：员工编号 12 处", "员工编号", run2),
        ("部门", "列“部门”：部门名称 12 处", "部门名称", run2)])
    assert got.status is LeadStatus.REVIEWING and [c.text for c in got.comments] == ["核对工号列"]
    # The first run again (resumed, say): its account is the current one once more.
    store.upsert_leads(run1, [make_lead("pi_inventory", "tok:dataset", "dataset_pi",
                                        evidence=(_column_evidence("工号", "工号"),))])
    assert _evidence_rows(store, lead_id) == [("工号", "列“工号”：工号 12 处", "工号", run1)]


def test_evidence_from_other_inputs_accumulates_until_they_are_read_again(
        store: LeadStore) -> None:
    """Evidence of a run over other data stays beside the new run's; a run that read both
    files again replaces both accounts."""
    def inputs(*hashes: str) -> list[dict[str, str]]:
        return [{"input": "sources", "path": f"/data/{h}.csv", "content_hash": h} for h in hashes]

    march = store.start_run("pi_inventory", inputs=inputs("sha256:f1"))
    lead_id, = store.upsert_leads(march, [make_lead(
        "pi_inventory", "tok:dataset", "dataset_pi",
        evidence=(_column_evidence("工号", "工号", "sha256:f1", "三月.csv"),))]).ids
    april = store.start_run("pi_inventory", inputs=inputs("sha256:f2"))
    store.upsert_leads(april, [make_lead(
        "pi_inventory", "tok:dataset", "dataset_pi",
        evidence=(_column_evidence("工号", "员工编号", "sha256:f2", "四月.csv"),))])
    assert [(c, run) for c, _x, _t, run in _evidence_rows(store, lead_id)] == [
        ("工号", march), ("工号", april)]

    both = store.start_run("pi_inventory", inputs=inputs("sha256:f2", "sha256:f1"))
    store.upsert_leads(both, [make_lead(
        "pi_inventory", "tok:dataset", "dataset_pi",
        evidence=(_column_evidence("手机", "手机号码", "sha256:f1", "三月.csv"),))])
    assert _evidence_rows(store, lead_id) == [("手机", "列“手机”：手机号码 12 处", "手机号码", both)]

    # A run recorded without inputs (a tip, an imported bundle) supersedes nothing, and is
    # superseded by nothing.
    bare = store.start_run("pi_inventory")
    store.upsert_leads(bare, [make_lead(
        "pi_inventory", "tok:dataset", "dataset_pi",
        evidence=(_column_evidence("邮箱", "电子邮箱", "sha256:x", "举报"),))])
    again = store.start_run("pi_inventory", inputs=inputs("sha256:f2", "sha256:f1"))
    store.upsert_leads(again, [make_lead(
        "pi_inventory", "tok:dataset", "dataset_pi",
        evidence=(_column_evidence("手机", "手机号码", "sha256:f1", "三月.csv"),))])
    assert [(c, run) for c, _x, _t, run in _evidence_rows(store, lead_id)] == [
        ("手机", again), ("邮箱", bare)]


def _table_counts(store: LeadStore) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in metadata.tables.items()}


# --- the raw-identifier guard -------------------------------------------------------------


def test_guard_finds_valid_ids_and_mobiles_only() -> None:
    pid = synthetic_id("11010119900307123")
    assert [h.kind for h in find_raw_identifiers(f"身份证{pid}，")] == ["CN_ID_CARD"]
    wrong = pid[:-1] + ("0" if pid[-1] != "0" else "1")
    assert find_raw_identifiers(f"身份证{wrong}") == []
    for phone in ("13800138000", "138 0013 8000", "138-0013-8000", "１３８００１３８０００"):
        assert [h.kind for h in find_raw_identifiers(f"电话{phone}。")] == ["PHONE_NUMBER"]
    for masked in ("138****8000", "110101********1234", "12345678901", "213800138000"):
        assert find_raw_identifiers(masked) == [], masked


@pytest.mark.parametrize("where", ["summary_zh", "subject", "excerpt", "detail"])
def test_upsert_refuses_leads_with_raw_identifiers(store: LeadStore, where: str) -> None:
    raw_id = synthetic_id("44010619851111002")
    raw_phone = "13912345678"
    run = store.start_run("doxxing")
    ok = make_lead("doxxing", "tok:ok", "bundled_identifiers")
    if where == "summary_zh":
        bad = make_lead("doxxing", "tok:bad", summary_zh=f"身份证号 {raw_id}")
    elif where == "subject":
        bad = replace(make_lead("doxxing", "tok:bad"),
                      subject=Subject("phone", "tok:bad", raw_phone))
    elif where == "excerpt":
        bad = make_lead("doxxing", "tok:bad", evidence=(
            Evidence("posts.csv", f"电话 {raw_phone}", "sha256:x", row=7),))
    else:
        bad = make_lead("doxxing", "tok:bad", evidence=(
            Evidence("posts.csv", "电话 139****5678", "sha256:x", detail={"n": int(raw_phone)}),))
    with pytest.raises(UnmaskedIdentifierError) as info:
        store.upsert_leads(run, [ok, bad])
    message = str(info.value)
    assert raw_id not in message and raw_phone not in message
    assert "未脱敏" in message and "unmasked" in message
    assert store.query().total == 0  # the whole batch is refused


def test_comments_and_reasons_are_guarded_too(store: LeadStore) -> None:
    run = store.start_run("fake_recruitment")
    (lead_id,) = store.upsert_leads(run, [make_lead()]).ids
    with pytest.raises(UnmaskedIdentifierError):
        store.add_comment(lead_id, "analyst", "回拨 13800138000 核实")
    store.set_status(lead_id, "reviewing", by="a")
    with pytest.raises(UnmaskedIdentifierError):
        store.set_status(lead_id, "dismissed", by="a", reason="号码 13800138000 是公司座机")
    assert store.comments(lead_id) == []
    assert store.get(lead_id).status is LeadStatus.REVIEWING


# --- links, workflow, comments, query -----------------------------------------------------


def test_leads_of_different_models_link_through_a_shared_token(store: LeadStore) -> None:
    phone = "tok:phone:shared"
    r1 = store.start_run("fake_recruitment")
    (job,) = store.upsert_leads(r1, [make_lead("fake_recruitment", phone)]).ids
    r2 = store.start_run("doxxing")
    (dox,) = store.upsert_leads(r2, [make_lead("doxxing", "tok:victim:7",
                                               "bundled_identifiers",
                                               linked=((phone, "phone"),))]).ids
    (other,) = store.upsert_leads(r2, [make_lead("doxxing", "tok:victim:8",
                                                 "bundled_identifiers")]).ids
    from_job = store.linked_leads(job)
    assert [(ll.lead.id, ll.lead.model, ll.shared_tokens) for ll in from_job] == [
        (dox, "doxxing", (phone,))]
    assert [ll.lead.id for ll in store.linked_leads(dox)] == [job]
    assert store.linked_leads(other) == []
    assert store.get(dox).linked_tokens == ((phone, "phone"),)
    with pytest.raises(UnknownLead):
        store.linked_leads(10_000)


def test_status_workflow_history_and_audit(store: LeadStore) -> None:
    run = store.start_run("deceased_info")
    (lead_id,) = store.upsert_leads(run, [make_lead("deceased_info", "tok:staff:1")]).ids
    with pytest.raises(InvalidTransition):
        store.set_status(lead_id, "filed", by="a")
    store.set_status(lead_id, LeadStatus.REVIEWING, by="a")
    with pytest.raises(InvalidTransition):
        store.set_status(lead_id, "dismissed", by="a")  # reason required
    store.set_status(lead_id, "dismissed", by="a", reason="系统测试账号")
    store.set_status(lead_id, "reviewing", by="b", reason="新证据")
    store.set_status(lead_id, "confirmed", by="b")
    store.set_status(lead_id, "filed", by="c")
    with pytest.raises(InvalidTransition):
        store.set_status(lead_id, "reviewing", by="c", reason="想改")
    history = store.status_history(lead_id)
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, LeadStatus.NEW), (LeadStatus.NEW, LeadStatus.REVIEWING),
        (LeadStatus.REVIEWING, LeadStatus.DISMISSED), (LeadStatus.DISMISSED, LeadStatus.REVIEWING),
        (LeadStatus.REVIEWING, LeadStatus.CONFIRMED), (LeadStatus.CONFIRMED, LeadStatus.FILED)]
    assert history[2].reason == "系统测试账号" and history[3].by == "b"
    entries = store.audit_entries(object_type="lead", object_id=str(lead_id))
    assert [e.detail["to"] for e in entries] == [
        "reviewing", "dismissed", "reviewing", "confirmed", "filed"]
    assert store.get(lead_id).status is LeadStatus.FILED
    with pytest.raises(UnknownLead):
        store.set_status(999_999, "reviewing", by="a")


def test_audit_log_is_append_only(store: LeadStore) -> None:
    entry = store.audit("analyst", "lead.reveal", "lead", "1", reason="核对原始记录",
                        detail={"field": "subject"})
    assert store.audit_entries()[-1].id == entry
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), \
                store.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert [e.actor for e in store.audit_entries()] == ["analyst"]


def test_comments_are_kept_in_order(store: LeadStore) -> None:
    run = store.start_run("fake_recruitment")
    (lead_id,) = store.upsert_leads(run, [make_lead()]).ids
    store.add_comment(lead_id, "a", "第一条")
    store.add_comment(lead_id, "b", "second")
    assert [(c.author, c.text) for c in store.comments(lead_id)] == [("a", "第一条"),
                                                                     ("b", "second")]
    with pytest.raises(ValueError):
        store.add_comment(lead_id, "a", "  ")
    with pytest.raises(UnknownLead):
        store.add_comment(424242, "a", "x")


def test_query_filters_and_pages(store: LeadStore) -> None:
    r1 = store.start_run("fake_recruitment")
    store.upsert_leads(r1, [make_lead(token=f"tok:p{i}", t3=1000 * i) for i in range(1, 8)])
    r2 = store.start_run("doxxing")
    store.upsert_leads(r2, [make_lead("doxxing", "tok:v1", "bundled_identifiers", t3=60_000)])

    everything = store.query(limit=3)
    assert everything.total == 8 and len(everything.items) == 3 and everything.has_more
    assert everything.items[0].severity.level is SeverityLevel.ESPECIALLY_SERIOUS
    ratios = [lead.severity.ratio for lead in store.query(limit=100).items]
    assert ratios == sorted(ratios, reverse=True)
    pages = [store.query(limit=3, offset=o).items for o in (0, 3, 6)]
    ids = [lead.id for page in pages for lead in page]
    assert len(ids) == len(set(ids)) == 8
    assert not store.query(limit=3, offset=6).has_more

    assert store.query(model="doxxing").total == 1
    assert store.query(severity="serious").total == 3  # 5000, 6000, 7000
    assert store.query(severity=["general", SeverityLevel.ESPECIALLY_SERIOUS]).total == 5
    assert store.query(status="new").total == 8
    first = store.query(model="fake_recruitment", limit=1).items[0]
    assert first.id is not None
    store.set_status(first.id, "reviewing", by="a")
    assert store.query(status=["reviewing"]).total == 1
    assert store.query(since=datetime.now(UTC) + timedelta(days=1)).total == 0
    assert store.query(since=datetime.now(UTC) - timedelta(days=1)).total == 8
    with pytest.raises(ValueError):
        store.query(limit=0)
    with pytest.raises(ValueError):
        store.query(severity="catastrophic")


def test_since_keeps_leads_seen_again_by_a_later_run(store: LeadStore) -> None:
    r1 = store.start_run("fake_recruitment")
    store.upsert_leads(r1, [make_lead(token="tok:a"), make_lead(token="tok:b")])
    mark = datetime.now(UTC)
    r2 = store.start_run("fake_recruitment")
    store.upsert_leads(r2, [make_lead(token="tok:b")])
    recent = store.query(since=mark)
    assert [lead.subject.token for lead in recent.items] == ["tok:b"]


# --- transactions -------------------------------------------------------------------------


def test_a_failure_mid_batch_leaves_the_store_as_it_was(store: LeadStore) -> None:
    run = store.start_run("fake_recruitment")
    store.upsert_leads(run, [make_lead(token="tok:kept")])
    before = _table_counts(store)

    inserts = {"n": 0}

    def fail_on_second_evidence_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVIDENCE"):
            inserts["n"] += 1
            if inserts["n"] == 2:
                raise RuntimeError("disk full (injected)")

    sa.event.listen(store.engine, "before_cursor_execute", fail_on_second_evidence_insert)
    try:
        with pytest.raises(RuntimeError, match="injected"):
            store.upsert_leads(run, [make_lead(token="tok:n1"), make_lead(token="tok:n2"),
                                     make_lead(token="tok:kept", t3=99)])
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", fail_on_second_evidence_insert)
    assert inserts["n"] == 2
    assert _table_counts(store) == before
    assert [lead.subject.token for lead in store.query().items] == ["tok:kept"]


CRASHING_WRITER = textwrap.dedent("""
    import os, sys
    import sqlalchemy as sa
    sys.path.insert(0, {tests_dir!r})
    from test_leads_store import make_lead
    from pisentinel.leads import LeadStore

    store = LeadStore(sys.argv[1])
    run = store.start_run("fake_recruitment", run_id="crash-run")
    seen = {{"n": 0}}

    def die(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO EVIDENCE"):
            seen["n"] += 1
            if seen["n"] == 3:
                os._exit(17)  # the process dies mid-transaction, nothing is cleaned up

    sa.event.listen(store.engine, "before_cursor_execute", die)
    store.upsert_leads(run, [make_lead(token=f"tok:c{{i}}") for i in range(5)])
""")


def test_a_crash_mid_batch_leaves_the_store_consistent(store_url: str, tmp_path: Path) -> None:
    with LeadStore(store_url) as s:
        s.upsert_leads(s.start_run("fake_recruitment"), [make_lead(token="tok:before")])
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_WRITER.format(tests_dir=str(Path(__file__).parent)))
    done = subprocess.run([sys.executable, str(script), store_url], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 17, done.stderr
    with LeadStore(store_url) as s:
        assert [lead.subject.token for lead in s.query().items] == ["tok:before"]
        assert s.get_run("crash-run").status == "running"  # committed before the batch
        counts = _table_counts(s)
        assert counts["leads"] == counts["evidence"] == 1
        # the store still takes writes after the crash
        s.upsert_leads("crash-run", [make_lead(token="tok:after")])
        assert s.query().total == 2


def test_leads_must_cite_provisions_the_knowledge_base_has(store: LeadStore) -> None:
    run = store.start_run("fake_recruitment")
    with pytest.raises(ValueError, match="PIPL-999"):
        store.upsert_leads(run, [make_lead(provisions=("PIPL-10", "PIPL-999"))])
    (lead_id,) = store.upsert_leads(run, [make_lead()]).ids
    cited = store.get(lead_id).resolved_provisions()
    assert [p.id for p in cited] == ["PIPL-10", "SPC-SPP-2017-5"]
    assert "非法买卖" in (cited[0].text or "")


OPENER = textwrap.dedent("""
    import sys
    from pisentinel.leads import LeadStore
    with LeadStore(sys.argv[1]) as s:
        s.start_run("pi_inventory")
        print(s.schema_revision())
""")


def test_two_processes_opening_a_fresh_store_migrate_it_once(store_url: str,
                                                             tmp_path: Path) -> None:
    script = tmp_path / "open.py"
    script.write_text(OPENER)
    procs = [subprocess.Popen([sys.executable, str(script), store_url], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == [migration_head()] * 2
