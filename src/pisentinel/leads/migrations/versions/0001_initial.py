"""Initial lead store: runs, leads, evidence, lead tokens, comments, status history, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_token", sa.String(128), nullable=False),
        sa.Column("subject_display", sa.Text(), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("summary_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("severity_level", sa.String(24), nullable=False),
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
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("first_run_id", sa.String(64), nullable=False),
        sa.Column("last_run_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_leads"),
        sa.UniqueConstraint("fingerprint", name="uq_leads_fingerprint"),
        sa.ForeignKeyConstraint(["first_run_id"], ["runs.id"],
                                name="fk_leads_first_run_id_runs"),
        sa.ForeignKeyConstraint(["last_run_id"], ["runs.id"], name="fk_leads_last_run_id_runs"),
    )
    for column in ("model", "subject_token", "severity_level", "status", "updated_at"):
        op.create_index(f"ix_leads_{column}", "leads", [column])

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("row_index", sa.BigInteger(), nullable=True),
        sa.Column("column_name", sa.Text(), nullable=True),
        sa.Column("masked_excerpt", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("evidence_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_evidence_lead_id_leads",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_evidence_run_id_runs"),
        sa.UniqueConstraint("lead_id", "evidence_key", name="uq_evidence_lead_id_key"),
    )
    op.create_index("ix_evidence_lead_id", "evidence", ["lead_id"])

    op.create_table(
        "lead_tokens",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", "token", name="pk_lead_tokens"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_lead_tokens_lead_id_leads",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_lead_tokens_token", "lead_tokens", ["token"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_comments_lead_id_leads",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_comments_lead_id", "comments", ["lead_id"])

    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _ts("changed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_status_history"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"],
                                name="fk_status_history_lead_id_leads", ondelete="CASCADE"),
    )
    op.create_index("ix_status_history_lead_id", "status_history", ["lead_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _ts("at"),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    _audit_append_only()


def _audit_append_only() -> None:
    """The audit log only grows: updates and deletes are refused by the database itself."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("audit_log", "status_history", "comments", "lead_tokens", "evidence", "leads",
                  "runs"):
        op.drop_table(table)
