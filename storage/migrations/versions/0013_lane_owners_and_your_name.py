"""Whose marks a lane holds (someone else's are read-only), and whether the vault's user has said her name

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=32), nullable=True))
    with op.batch_alter_table("identity") as batch:
        batch.add_column(sa.Column("named", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("identity") as batch:
        batch.drop_column("named")
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("owner")
