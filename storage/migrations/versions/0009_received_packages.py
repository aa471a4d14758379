"""Packages received (replays refused) and recordings that came for supervision

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "received_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_packages")),
        sa.UniqueConstraint("package_id", name=op.f("uq_received_packages_package_id")),
    )
    op.create_table(
        "supervision_links",
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("origin_recording_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name=op.f("fk_supervision_links_recording_id_recordings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("recording_id", name=op.f("pk_supervision_links")),
    )


def downgrade() -> None:
    op.drop_table("supervision_links")
    op.drop_table("received_packages")
