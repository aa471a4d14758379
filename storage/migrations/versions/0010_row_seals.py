"""Row seals (every row's clear columns) and sealed values bound to their row

Revision ID: 0010
Revises: 0009

The vault's keys are needed: vigtool hands them over (Database.migration_keys) after the passphrase has
unlocked them. Sealed values are opened as the previous version bound them (table and column) and sealed
again bound to their row too (storage.sealing); then every row is sealed (storage.integrity).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from storage.integrity import EXEMPT, RowSeals, TableShape
from storage.sealing import reseal_rows

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "row_seals",
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("seal", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "row_key", name=op.f("pk_row_seals")),
    )
    connection = op.get_bind()
    every = [name for name in sa.inspect(connection).get_table_names() if name not in {"row_seals", "alembic_version"}]
    tables = [name for name in every if name not in EXEMPT]
    field_key = context.config.attributes.get("field_key")
    seal_key = context.config.attributes.get("row_seal_key")
    if not isinstance(field_key, bytes) or not isinstance(seal_key, bytes):
        holding = [t for t in tables if connection.exec_driver_sql(f'SELECT 1 FROM "{t}" LIMIT 1').first()]  # noqa: S608
        if holding:
            raise RuntimeError("this vault must be upgraded by vigtool itself, after unlocking it "
                               f"(revision 0010 seals its rows; {', '.join(holding)} hold data)")
        return
    reseal_rows(connection, field_key, [TableShape.reflected(connection, name) for name in every])
    seals = RowSeals(seal_key)
    for name in tables:
        seals.seal(connection, TableShape.reflected(connection, name))
    # (Database.migrate seals the schema once the upgrade is done.)


def downgrade() -> None:
    op.drop_table("row_seals")
