"""Public tips and cross-region collaboration: the tip intake record, the bundle import log.

``tips`` keeps what a public tip needs beyond its lead: the receipt code's SHA-256 (never the
code), the reporter's contact sealed with ``encrypt_value`` (never in clear), the uploaded
files' names, types, sizes and digests (the files themselves are sealed on disk).
``federation_imports`` logs each signed bundle imported from another region, so an imported
lead's region is known (its first run is the import's run) and a replayed bundle is recognised.

Revision ID: 0003_tips
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_tips"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("receipt_hash", sa.String(64), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(32), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_token", sa.String(128), nullable=False),
        sa.Column("contact_ciphertext", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("additions", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_tips_lead_id_leads",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_tips"),
        sa.UniqueConstraint("receipt_hash", name="uq_tips_receipt_hash"),
    )
    op.create_index("ix_tips_subject_token", "tips", ["subject_token"])
    op.create_table(
        "federation_imports",
        sa.Column("bundle_id", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(128), nullable=False),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        _ts("bundle_created_at"),
        _ts("imported_at"),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_federation_imports_run_id_runs"),
        sa.PrimaryKeyConstraint("bundle_id", name="pk_federation_imports"),
    )


def downgrade() -> None:
    op.drop_table("federation_imports")
    op.drop_index("ix_tips_subject_token", table_name="tips")
    op.drop_table("tips")
