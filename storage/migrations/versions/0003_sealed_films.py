"""Films stored in the vault: media id, wrapped data key, keyed fingerprint, sealed SHA-256

Revision ID: 0003
Revises: 0002

Recordings imported before this revision were referenced by their path and have no film in the vault:
they get a fresh media id, no data key (NULL) and keep their old digest as the fingerprint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.alter_column("sha256", new_column_name="fingerprint", existing_type=sa.String(length=64),
                              existing_nullable=False)
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("media_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("wrapped_key", sa.LargeBinary(), nullable=True))
    op.execute("UPDATE recordings SET media_id = lower(hex(randomblob(16))) WHERE media_id IS NULL")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.alter_column("media_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint("uq_recordings_sha256", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_recordings_fingerprint"), ["fingerprint"])
        batch_op.create_unique_constraint(batch_op.f("uq_recordings_media_id"), ["media_id"])


def downgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_recordings_media_id", type_="unique")
        batch_op.drop_constraint("uq_recordings_fingerprint", type_="unique")
        batch_op.drop_column("wrapped_key")
        batch_op.drop_column("media_id")
        batch_op.drop_column("sha256")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.alter_column("fingerprint", new_column_name="sha256", existing_type=sa.String(length=64),
                              existing_nullable=False)
        batch_op.create_unique_constraint("uq_recordings_sha256", ["sha256"])
