"""Tables of the lead store, as SQLAlchemy Core metadata.

The migrations under ``migrations/versions`` create these tables; this module describes the
head revision for queries, and a test checks the two agree on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

__all__ = ["UTCDateTime", "metadata"]


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timestamps stored in UTC and returned timezone-aware on every backend (SQLite drops the
    offset, so values are converted to UTC before they are written)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass timezone-aware timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime()),
    sa.Column("params", sa.JSON(), nullable=False),
    sa.Column("inputs", sa.JSON(), nullable=False),
    sa.Column("versions", sa.JSON(), nullable=False),
    sa.Column("counts", sa.JSON(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
)

leads = sa.Table(
    "leads", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("model", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_token", sa.String(128), nullable=False, index=True),
    sa.Column("subject_display", sa.Text(), nullable=False),
    sa.Column("title_zh", sa.Text(), nullable=False),
    sa.Column("summary_zh", sa.Text(), nullable=False),
    sa.Column("title_en", sa.Text(), nullable=False),
    sa.Column("summary_en", sa.Text(), nullable=False),
    sa.Column("severity_level", sa.String(24), nullable=False, index=True),
    sa.Column("severity_ratio", sa.Float(), nullable=False),
    sa.Column("severity_rule", sa.Text(), nullable=False),
    sa.Column("severity", sa.JSON(), nullable=False),
    sa.Column("affected_people", sa.Integer(), nullable=False),
    sa.Column("records_by_tier", sa.JSON(), nullable=False),
    sa.Column("counts", sa.JSON(), nullable=False),
    sa.Column("standing", sa.Boolean(), nullable=False),
    sa.Column("standing_threshold", sa.Integer(), nullable=False),
    sa.Column("provisions", sa.JSON(), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("first_run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("last_run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False),
)

evidence = sa.Table(
    "evidence", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("source", sa.Text(), nullable=False),
    sa.Column("row_index", sa.BigInteger()),
    sa.Column("column_name", sa.Text()),
    sa.Column("masked_excerpt", sa.Text(), nullable=False),
    sa.Column("content_hash", sa.String(128), nullable=False),
    sa.Column("detail", sa.JSON(), nullable=False),
    sa.Column("evidence_key", sa.String(64), nullable=False),
    sa.UniqueConstraint("lead_id", "evidence_key", name="uq_evidence_lead_id_key"),
)

lead_tokens = sa.Table(
    "lead_tokens", metadata,
    sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("token", sa.String(128), primary_key=True, index=True),
    sa.Column("role", sa.String(32), nullable=False),
)

comments = sa.Table(
    "comments", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("author", sa.String(128), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

status_history = sa.Table(
    "status_history", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("changed_by", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text()),
    sa.Column("changed_at", UTCDateTime(), nullable=False),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime(), nullable=False, index=True),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("object_type", sa.String(32), nullable=False),
    sa.Column("object_id", sa.String(128)),
    sa.Column("reason", sa.Text()),
    sa.Column("detail", sa.JSON(), nullable=False),
)

# --- web console (migration 0002): users, sessions, API tokens, sources, run jobs, reveal store

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128), nullable=False),
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("disabled", sa.Boolean(), nullable=False),
    sa.Column("failed_logins", sa.Integer(), nullable=False),
    sa.Column("locked_until", UTCDateTime()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_login_at", UTCDateTime()),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_used_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
)

sources = sa.Table(
    "sources", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("path", sa.Text(), nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("content_hash", sa.String(80), nullable=False),
    sa.Column("columns", sa.JSON(), nullable=False),
    sa.Column("mappings", sa.JSON(), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

run_jobs = sa.Table(
    "run_jobs", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("params", sa.JSON(), nullable=False),
    sa.Column("inputs", sa.JSON(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("events", sa.JSON(), nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("error_zh", sa.Text()),
    sa.Column("error_en", sa.Text()),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime()),
)

reveal_values = sa.Table(
    "reveal_values", metadata,
    sa.Column("token", sa.String(128), primary_key=True),
    sa.Column("ciphertext", sa.Text(), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

# --- public tips and cross-region collaboration (migration 0003_tips) ---------------------

tips = sa.Table(
    "tips", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("receipt_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("scenario", sa.String(32), nullable=False),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_token", sa.String(128), nullable=False, index=True),
    sa.Column("contact_ciphertext", sa.Text()),
    sa.Column("attachments", sa.JSON(), nullable=False),
    sa.Column("additions", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

federation_imports = sa.Table(
    "federation_imports", metadata,
    sa.Column("bundle_id", sa.String(64), primary_key=True),
    sa.Column("sender", sa.String(128), nullable=False),
    sa.Column("sender_key", sa.String(64), nullable=False),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("bundle_created_at", UTCDateTime(), nullable=False),
    sa.Column("imported_at", UTCDateTime(), nullable=False),
    sa.Column("leads", sa.Integer(), nullable=False),
    sa.Column("inserted", sa.Integer(), nullable=False),
    sa.Column("updated", sa.Integer(), nullable=False),
)
