"""Open or create a vault: a folder holding the database (and, with encryption, the media segments)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.database import Database
from storage.paths import DATABASE_NAME
from storage.repository import Repository
from storage.sealing import PlainSealer


class VaultError(RuntimeError):
    """The vault cannot be opened or created; the message says which folder and why."""


@dataclass
class Vault:
    path: Path
    db: Database
    repo: Repository

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Vault:
        """Open the vault at `path`; with `create`, make it first if there is none."""
        db_path = path / DATABASE_NAME
        if not db_path.exists():
            if not create:
                raise VaultError(f"{path}: there is no vigtool vault here (run 'vigtool init' first)")
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise VaultError(f"{path}: cannot create the vault folder ({exc.strerror})") from exc
        elif not db_path.is_file():
            raise VaultError(f"{db_path}: is not a vault database file")
        db = Database(db_path)
        try:
            db.migrate()
        except Exception as exc:
            db.close()
            raise VaultError(f"{db_path}: cannot open the vault database ({exc})") from exc
        return cls(path, db, Repository(db, PlainSealer()))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
