"""The SQLite database of a vault: WAL, foreign keys on, migrations at open, and one writer at a time.

Writes go through `Database.write()`, which holds a process-wide lock and starts SQLite's transaction with
BEGIN IMMEDIATE, so two writers never race to upgrade a read lock (and never deadlock); readers use plain
deferred transactions and, thanks to WAL, are never blocked by the writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from storage.integrity import RowSeals, install

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """The vault's database cannot be used (unreadable, locked, or from a newer vigtool)."""


def _configure(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transactions into our own hands (pysqlite's implicit BEGIN would hide BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")  # a crash never loses a committed edit
        cursor.execute("PRAGMA busy_timeout = 10000")
        # Freed pages are overwritten (a deleted note or key does not linger in the file), and SQLite's
        # own temp files (big sorts) stay in memory.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("vigtool_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


class Database:
    """One vault database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.engine = create_engine(self.url)
        _configure(self.engine)
        self._writer = self.engine.execution_options(vigtool_write=True)
        self._write_lock = threading.Lock()
        # Set once the vault is unlocked: every write transaction then seals the rows it wrote.
        self.row_seals: RowSeals | None = None
        self.migration_keys: dict[str, object] = {}  # what revisions that re-seal need (the vault's keys)

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema up to `revision` (Alembic); a fresh file gets every table."""
        config = alembic_config(self.url)
        config.attributes.update(self.migration_keys)
        with self.engine.connect() as connection:
            # SQLite rebuilds a table to alter it (Alembic's batch mode): with foreign keys on, dropping the
            # old copy would cascade and delete every track and annotation of every recording. So keys are
            # off while migrating (it only works outside a transaction) and checked before the commit.
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                with connection.begin():
                    config.attributes["connection"] = connection
                    before = MigrationContext.configure(connection).get_current_revision()
                    command.upgrade(config, revision)
                    after = MigrationContext.configure(connection).get_current_revision()
                    if self.row_seals is not None and after != before and after is not None and after >= "0010":
                        self.row_seals.seal_schema(connection)  # only vigtool's own migrations change it
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseError(f"migrating would leave {len(broken)} broken references; not done")
            finally:
                raw.execute("PRAGMA foreign_keys = ON")

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with self._write_lock, Session(self._writer, expire_on_commit=False) as session, session.begin():
            install(session, self.row_seals)
            yield session

    def checkpoint(self) -> None:
        """Move the WAL into the database file and truncate it (after deletions: no old pages linger)."""
        with self._write_lock, self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_problems(self) -> list[str]:
        """What SQLite's own checks find wrong (empty when the file is sound)."""
        with self.engine.connect() as connection:
            problems = [str(r[0]) for r in connection.exec_driver_sql("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"row {r[1]} of {r[0]} points to a missing {r[2]} row"
                         for r in connection.exec_driver_sql("PRAGMA foreign_key_check")]
        return problems

    def close(self) -> None:
        self.engine.dispose()
