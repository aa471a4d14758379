"""Row seals: a change made to the database outside vigtool shows, naming the table, row and column.

Sealed text (storage.sealing) cannot be read or forged without the key, but most of what decides meaning
and access is in the clear so that it can be queried: consent purposes, expiry and withdrawal, the film a
consent belongs to, the frame index, where a film came from, annotation frames. Each row of every table
(but the audit trail, which has its own signed chain) therefore has a *row seal* in `row_seals`: one
16-byte HMAC-SHA256 tag per column, over the table, the row's key, the column and the raw value SQLite
stores, and a head tag over the list of columns. So a value edited, a row copied under another key, a
consent moved to another film or a seal copied from another row all fail, and `verify` can say which
column of which row changed. A row added outside vigtool has no seal and shows too.

A recording's seal also covers its supervision link (the row that says whose film it is): deleting that
row, to make a received film look like one's own, breaks the recording's seal.

Seals are written by vigtool itself after every flush of a write transaction (`install`), from the values
read back from the file, so they always describe exactly what was stored. What a seal cannot show: a
whole row deleted (its seal is left without a row, as after vigtool's own deletions), and an old copy of
the entire database put back. Someone with the passphrase has the key and can re-seal anything.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, MetaData, Table, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

SEALS_TABLE = "row_seals"
# The audit trail is hash-chained and signed on its own (storage.audit); Alembic's own table names only
# the schema revision.
EXEMPT = frozenset({SEALS_TABLE, "audit_log", "audit_head", "alembic_version"})
SCHEMA = "schema"  # the seal of the tables' definitions (sqlite_master), under this table and row name
LINK_COLUMN = "supervision_link"  # the virtual column of a recording: its row in supervision_links
# What a practitioner would call the columns that matter most (a refusal names them so).
PLAIN = {"frame_pts": "frame index", "keyframes": "key frames", LINK_COLUMN: "record of who sent it",
         "purposes": "consented purposes", "expires_on": "expiry date", "withdrawn": "withdrawals",
         "withdrawn_on": "date of withdrawal", "recording_id": "film it belongs to"}
_TAG = 16
_VERSION = b"vigtool/row-seal/v1"


@dataclass(frozen=True)
class Change:
    """A row whose stored values are not as vigtool wrote them."""

    table: str
    row: str
    columns: tuple[str, ...] = ()  # empty: the row has no seal at all, or its seal itself was changed

    def __str__(self) -> str:
        if self.table == SCHEMA:
            what = f" ({', '.join(self.columns)})" if self.columns else ""
            return f"the database's table definitions{what} changed outside vigtool"
        if not self.columns:
            return f"{self.table} row {self.row} was added or its seal changed outside vigtool"
        named = ", ".join(f"{c} ({PLAIN[c]})" if c in PLAIN else c for c in self.columns)
        return f"{named} of {self.table} row {self.row} changed outside vigtool"


def _encode(value: object) -> bytes:
    """The raw SQLite value, typed: an integer 1 and a text '1' differ."""
    if value is None:
        return b"n"
    if isinstance(value, bool | int):
        return b"i" + str(int(value)).encode()
    if isinstance(value, float):
        return b"f" + value.hex().encode()
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes | memoryview):
        return b"b" + bytes(value)
    raise TypeError(f"cannot seal a {type(value).__name__}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class TableShape:
    """What is sealed of one table: its key columns and every column (as the file has them)."""

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]

    @classmethod
    def of(cls, table: Table) -> TableShape:
        return cls(table.name, tuple(c.name for c in table.primary_key.columns), tuple(c.name for c in table.columns))

    @classmethod
    def reflected(cls, connection: Connection, name: str) -> TableShape:
        found = inspect(connection)
        key = tuple(found.get_pk_constraint(name)["constrained_columns"])
        return cls(name, key, tuple(c["name"] for c in found.get_columns(name)))

    def select(self, where: str = "") -> str:
        return f"SELECT {', '.join(map(_quote, self.columns))} FROM {_quote(self.name)} {where}"  # noqa: S608


class RowSeals:
    """Makes and checks row seals with one vault's key (derived from its master key; never printed)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "RowSeals(<key hidden>)"

    def _tag(self, *parts: bytes) -> bytes:
        return hmac.new(self._key, b"\0".join((_VERSION, *parts)), hashlib.sha256).digest()[:_TAG]

    def _tags(self, table: str, row: str, values: dict[str, object]) -> tuple[str, bytes]:
        names = sorted(values)
        listed = ",".join(names)
        head = self._tag(b"head", table.encode(), row.encode(), listed.encode())
        return listed, head + b"".join(self._tag(table.encode(), row.encode(), n.encode(), _encode(values[n]))
                                       for n in names)

    @staticmethod
    def _with_link(connection: Connection, shape: TableShape, row: dict[str, object]) -> dict[str, object]:
        if shape.name != "recordings":
            return row
        link = connection.exec_driver_sql("SELECT origin, origin_recording_id FROM supervision_links "
                                          "WHERE recording_id = ?", (row["id"],)).first()
        return {**row, LINK_COLUMN: None if link is None else f"{link[0]}/{link[1]}"}

    # -- writing ------------------------------------------------------------------------------------
    def seal(self, connection: Connection, shape: TableShape, keys: Iterable[Sequence[object]] | None = None) -> int:
        """(Re)seal the rows of `shape` with these keys (all rows when None) as they are stored now."""
        if shape.name in EXEMPT:
            return 0
        if keys is None:
            rows = list(_rows_where(connection, shape, "", ()))
        else:
            wanted = [tuple(k) for k in keys]
            where = "WHERE " + " AND ".join(f"{_quote(k)} = ?" for k in shape.key)
            rows = []
            for key in wanted:
                rows += list(_rows_where(connection, shape, where, key))
        for row_key, values in rows:
            listed, seal = self._tags(shape.name, row_key, self._with_link(connection, shape, values))
            connection.exec_driver_sql("INSERT OR REPLACE INTO row_seals (tbl, row_key, columns, seal) "
                                       "VALUES (?, ?, ?, ?)", (shape.name, row_key, listed, seal))
        return len(rows)

    # -- the schema itself ---------------------------------------------------------------------------
    @staticmethod
    def _schema(connection: Connection) -> dict[str, object]:
        return {f"{kind} {name}": f"{table}|{sql}" for kind, name, table, sql in connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}

    def seal_schema(self, connection: Connection) -> None:
        """Seal the tables' and indexes' definitions (after a migration: only vigtool changes them)."""
        listed, seal = self._tags(SCHEMA, SCHEMA, self._schema(connection))
        connection.exec_driver_sql("INSERT OR REPLACE INTO row_seals (tbl, row_key, columns, seal) "
                                   "VALUES (?, ?, ?, ?)", (SCHEMA, SCHEMA, listed, seal))

    def check_schema(self, connection: Connection) -> list[Change]:
        stored = connection.exec_driver_sql("SELECT columns, seal FROM row_seals WHERE tbl = ? AND row_key = ?",
                                            (SCHEMA, SCHEMA)).first()
        shape = TableShape(SCHEMA, (), ())
        if stored is None:
            return [Change(SCHEMA, SCHEMA)]
        now = self._schema(connection)
        changes = self._compare(connection, shape, SCHEMA, now, (stored[0], bytes(stored[1])))
        added = tuple(sorted(set(now) - set(stored[0].split(","))))  # a table, index or trigger slipped in
        if added:
            changed = changes[0].columns if changes else ()
            changes = [Change(SCHEMA, SCHEMA, (*changed, *added))]
        return changes

    # -- checking -----------------------------------------------------------------------------------
    def check(self, connection: Connection, shape: TableShape, where: str = "",
              params: tuple[object, ...] = ()) -> list[Change]:
        """The rows of `shape` (those `where` picks) that are not as vigtool sealed them."""
        if shape.name in EXEMPT:
            return []
        seals = {r[0]: (r[1], bytes(r[2])) for r in connection.exec_driver_sql(
            "SELECT row_key, columns, seal FROM row_seals WHERE tbl = ?", (shape.name,))}
        changes = []
        for row_key, values in _rows_where(connection, shape, where, params):
            stored = seals.get(row_key)
            if stored is None:
                changes.append(Change(shape.name, row_key))
                continue
            changes += self._compare(connection, shape, row_key, values, stored)
        return changes

    def _compare(self, connection: Connection, shape: TableShape, row_key: str, values: dict[str, object],
                 stored: tuple[str, bytes]) -> list[Change]:
        listed, seal = stored
        names = listed.split(",") if listed else []
        head = self._tag(b"head", shape.name.encode(), row_key.encode(), listed.encode())
        if not hmac.compare_digest(seal[:_TAG], head) or len(seal) != _TAG * (1 + len(names)):
            return [Change(shape.name, row_key)]
        values = self._with_link(connection, shape, values)
        # Columns added by a later revision are not in an older seal; the next write of the row covers them.
        changed = tuple(name for k, name in enumerate(names)
                        if name not in values or not hmac.compare_digest(
                            seal[_TAG * (k + 1):_TAG * (k + 2)],
                            self._tag(shape.name.encode(), row_key.encode(), name.encode(), _encode(values[name]))))
        return [Change(shape.name, row_key, changed)] if changed else []


def _rows_where(connection: Connection, shape: TableShape, where: str,
                params: tuple[object, ...]) -> Iterable[tuple[str, dict[str, object]]]:
    for values in connection.exec_driver_sql(shape.select(where), params):
        row = dict(zip(shape.columns, values, strict=True))
        yield "/".join(str(row[k]) for k in shape.key), row


# -- sealing as vigtool writes ---------------------------------------------------------------------
SESSION_KEY = "vigtool_row_seals"


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    seals: RowSeals | None = session.info.get(SESSION_KEY)
    if seals is None:
        return
    touched: dict[str, tuple[Table, set[tuple[object, ...]]]] = {}

    def touch(table: Table, key: tuple[object, ...]) -> None:
        touched.setdefault(table.name, (table, set()))[1].add(key)

    for obj in (*session.new, *session.dirty, *session.deleted):
        state = inspect(obj)
        table = state.mapper.local_table
        assert isinstance(table, Table)
        if table.name == "supervision_links":  # part of the recording's seal
            recordings = table.metadata.tables["recordings"]
            touch(recordings, (obj.recording_id,))
        if obj in session.deleted or table.name in EXEMPT:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        touch(table, tuple(state.mapper.primary_key_from_instance(obj)))
    if not touched:
        return
    connection = session.connection()
    for table, keys in touched.values():
        seals.seal(connection, TableShape.of(table), keys)


def install(session: Session, seals: RowSeals | None) -> None:
    """Have every flush of `session` seal the rows it wrote."""
    if seals is not None:
        session.info[SESSION_KEY] = seals
        if not event.contains(Session, "after_flush", _after_flush):
            event.listen(Session, "after_flush", _after_flush)


class Integrity:
    """The row seals of one vault's database, checked: for one film before it is used, or all (verify)."""

    def __init__(self, engine: Engine, seals: RowSeals, metadata: MetaData) -> None:
        self._engine, self._seals = engine, seals
        self._shapes = {name: TableShape.of(table) for name, table in metadata.tables.items() if name not in EXEMPT}

    def recording_problems(self, recording_id: int) -> list[str]:
        """What of this film's record (its row, its consents, whose film it is) changed outside vigtool."""
        with self._engine.connect() as connection:
            changes = self._seals.check(connection, self._shapes["recordings"], "WHERE id = ?", (recording_id,))
            for name in ("consents", "supervision_links"):
                changes += self._seals.check(connection, self._shapes[name], "WHERE recording_id = ?",
                                             (recording_id,))
        return [str(c) for c in changes]

    def changes(self) -> list[Change]:
        """Every row of every table that is not as vigtool sealed it."""
        with self._engine.connect() as connection:
            return [*self._seals.check_schema(connection),
                    *(c for shape in self._shapes.values() for c in self._seals.check(connection, shape))]
