"""Consent by purpose, per recording and per person filmed

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.LargeBinary(), nullable=False),
        sa.Column("purposes", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.LargeBinary(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("form_reference", sa.LargeBinary(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("withdrawn", sa.String(length=64), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name=op.f("fk_consents_recording_id_recordings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_recording_id"), ["recording_id"], unique=False)


def downgrade() -> None:
    op.drop_table("consents")
