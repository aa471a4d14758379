"""The export log, and a key frame per clip (where the shared review pauses)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_frame", sa.Integer(), nullable=True))
    op.create_table(
        "export_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_export_log_recording_id_recordings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_log")),
    )
    with op.batch_alter_table("export_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_log_recording_id"), ["recording_id"], unique=False)


def downgrade() -> None:
    op.drop_table("export_log")
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_column("key_frame")
