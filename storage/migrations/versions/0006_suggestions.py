"""Turn-taking suggested from the sound, remembered as open, accepted or dismissed

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("start_frame", sa.Integer(), nullable=False),
        sa.Column("end_frame", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("chain_id", sa.Integer(), nullable=True),
        sa.Column("turns", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("start_frame >= 0 AND end_frame > start_frame", name=op.f("ck_suggestions_range")),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotations.id"],
                                name=op.f("fk_suggestions_annotation_id_annotations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["chain_id"], ["turn_chains.id"],
                                name=op.f("fk_suggestions_chain_id_turn_chains"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name=op.f("fk_suggestions_recording_id_recordings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
    )
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestions_recording_id"), ["recording_id"], unique=False)


def downgrade() -> None:
    op.drop_table("suggestions")
