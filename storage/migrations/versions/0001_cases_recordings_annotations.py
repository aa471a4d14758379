"""Cases, recordings, tracks, annotations and the codebook

Revision ID: 0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.LargeBinary(), nullable=False),
        sa.Column("helping_question", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_table(
        "codebooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebooks")),
    )
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.LargeBinary(), nullable=False),
        sa.Column("source_path", sa.LargeBinary(), nullable=False),
        sa.Column("container", sa.String(length=32), nullable=False),
        sa.Column("video_codec", sa.String(length=32), nullable=False),
        sa.Column("audio_codec", sa.String(length=32), nullable=True),
        sa.Column("rate_num", sa.Integer(), nullable=False),
        sa.Column("rate_den", sa.Integer(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("duration_num", sa.BigInteger(), nullable=False),
        sa.Column("duration_den", sa.BigInteger(), nullable=False),
        sa.Column("variable_frame_rate", sa.Boolean(), nullable=False),
        sa.Column("time_base_num", sa.Integer(), nullable=False),
        sa.Column("time_base_den", sa.Integer(), nullable=False),
        sa.Column("frame_pts", sa.LargeBinary(), nullable=False),
        sa.Column("keyframes", sa.LargeBinary(), nullable=False),
        sa.Column("media_metadata", sa.LargeBinary(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("frame_count > 0", name=op.f("ck_recordings_frames")),
        sa.CheckConstraint("rotation IN (0, 90, 180, 270)", name=op.f("ck_recordings_rotation")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_recordings_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("sha256", name=op.f("uq_recordings_sha256")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_case_id"), ["case_id"], unique=False)
    op.create_table(
        "tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_tracks_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
    )
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tracks_recording_id"), ["recording_id"], unique=False)
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("start_frame", sa.Integer(), nullable=False),
        sa.Column("end_frame", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=16), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("start_frame >= 0 AND end_frame > start_frame", name=op.f("ck_annotations_range")),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_annotations_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotations")),
    )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annotations_track_id_start_frame"), ["track_id", "start_frame"], unique=False
        )


def downgrade() -> None:
    op.drop_table("annotations")
    op.drop_table("tracks")
    op.drop_table("recordings")
    op.drop_table("codebooks")
    op.drop_table("cases")
