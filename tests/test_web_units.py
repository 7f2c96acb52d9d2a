"""Pieces of the web layer on their own: safe upload names, region terms, the i18n table, the
reveal store (the ``reveal_sink`` hook and post-run indexing), account lockout expiry, and the
``pisentinel serve`` / ``users`` commands."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t
from pisentinel.protect import pseudonym_token
from pisentinel.web.accounts import Accounts
from pisentinel.web.errors import ApiError
from pisentinel.web.i18n import STRINGS, text
from pisentinel.web.queries import region_terms
from pisentinel.web.reveal import RevealStore, index_run
from pisentinel.web.sources import safe_filename

KEY = b"k" * 32
TEMPLATES = Path(__file__).parent.parent / "src" / "pisentinel" / "web" / "templates"


@given(st.text(max_size=300))
def test_safe_filenames_never_climb_or_hide(name: str) -> None:
    try:
        safe = safe_filename(name + ".csv")
    except ApiError as e:
        assert e.code == "unsupported_file"
        return
    assert "/" not in safe and "\\" not in safe and ".." not in safe.split(".csv")[0][:2]
    assert not safe.startswith(".") and safe.endswith(".csv") and len(safe) <= 120


def test_safe_filenames_keep_chinese_and_drop_paths() -> None:
    assert safe_filename("../../报表/预约记录 2026.csv") == "预约记录_2026.csv"
    assert safe_filename("C:\\Users\\x\\data.xlsx") == "data.xlsx"
    with pytest.raises(ApiError):
        safe_filename("evil.sh")


def test_region_terms_from_codes_and_names() -> None:
    assert region_terms("500000") == ["重庆市", "重庆"]
    assert region_terms("渝北区") == ["渝北区"]
    assert region_terms(" ") == []
    with pytest.raises(ApiError):
        region_terms("999999")


def test_every_string_has_both_languages_and_every_template_key_exists() -> None:
    assert all(zh and en for zh, en in STRINGS.values())
    used = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_0-9]+)'[,)]", path.read_text("utf-8")))
    missing = {k for k in used if k not in STRINGS}
    assert not missing, missing
    assert text("showing", "en", a=1, b=2, n=3) == "1–2 of 3"


def test_reveal_sink_and_index_run(tmp_path: Path) -> None:
    store = LeadStore(f"sqlite:///{tmp_path / 'leads.db'}")
    reveals = RevealStore(store, KEY)
    phone = "13912345678"
    token = pseudonym_token("PHONE_NUMBER", phone, KEY)
    reveals.sink("PHONE_NUMBER", phone, token)
    assert reveals.flush("run1") == 1 and reveals.flush("run1") == 0
    assert reveals.reveal(token) == phone
    with store.engine.connect() as conn:
        sealed = conn.execute(sa.select(t.reveal_values.c.ciphertext)).scalar_one()
    assert phone not in sealed

    # post-run indexing: a lead token found again in the input file's cells
    from pisentinel.leads import Lead, Subject, severity_for

    uscc = "91500000MA5U7XXX4K"
    org_token = pseudonym_token("USCC", uscc, KEY)
    run = store.start_run("face_recognition", run_id="run2")
    store.upsert_leads(run, [Lead(model="face_recognition", kind="k",
                                  subject=Subject("operator", org_token, "某公司"),
                                  title_zh="标题", summary_zh="摘要",
                                  severity=severity_for({"T3": 1}), affected_people=1)])
    data = tmp_path / "d.csv"
    data.write_text(f"运营方,统一社会信用代码\n某公司,{uscc}\n", "utf-8")
    counts = index_run(reveals, run, [data])
    assert counts["wanted"] == 1 and counts["found"] == 1
    assert reveals.reveal(org_token) == uscc
    store.close()


def test_a_lock_expires(tmp_path: Path) -> None:
    store = LeadStore(f"sqlite:///{tmp_path / 'leads.db'}")
    accounts = Accounts(store, max_failed_logins=2, lockout_minutes=10)
    user = accounts.add_user("alice", "long-enough-password", "viewer")
    for _ in range(2):
        with pytest.raises(ApiError):
            accounts.authenticate("alice", "wrong")
    with pytest.raises(ApiError) as locked:
        accounts.authenticate("alice", "long-enough-password")
    assert locked.value.code == "account_locked"
    with store.engine.begin() as conn:  # the lock ran out
        conn.execute(t.users.update().values(locked_until=datetime.now(UTC) - timedelta(1)))
    assert accounts.authenticate("alice", "long-enough-password").id == user.id
    with pytest.raises(ApiError) as weak:
        accounts.add_user("bob", "short", "viewer")
    assert weak.value.code == "weak_password"
    store.close()


def test_users_commands(tmp_path: Path) -> None:
    from pisentinel.cli.serve import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    ws = ["--workspace", str(tmp_path)]
    r = runner.invoke(app, ["users", "add", "carol", "--role", "reviewer", "--password",
                            "long-enough-password", *ws])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "list", *ws])
    assert r.exit_code == 0 and "carol" in r.output and "reviewer" in r.output
    r = runner.invoke(app, ["users", "add", "dave", "--role", "boss", "--password", "x" * 12, *ws])
    assert r.exit_code != 0
    assert "serve" in runner.invoke(app, ["--help"]).output


def test_a_failed_jobs_message_quotes_no_path_the_user_typed(tmp_path: Path) -> None:
    """A rules file gone between the job's check and its run fails the job: the CLI's message
    names the file (its user typed it), the job's (shown on its page and by the API) does not,
    yet still says which parameter and what is wrong."""
    from pisentinel.models import get_model
    from pisentinel.models.runner import RunError, load_param_rules
    from pisentinel.web.jobs import _job_error

    gone = tmp_path / "某人的规则.yaml"
    with pytest.raises(RunError) as err:
        load_param_rules(get_model("pi_inventory"), {"rules": str(gone)})
    assert str(gone) in err.value.message("zh") and str(gone) in err.value.message("en")
    zh, en = _job_error(err.value)
    assert "某人的规则" not in zh + en and str(tmp_path) not in zh + en
    assert "rules" in zh and "无法读取（FileNotFoundError）" in zh
    assert "rules" in en and "cannot be read (FileNotFoundError)" in en
    assert _job_error(ApiError(400, "x", "中文", "english")) == ("中文", "english")
