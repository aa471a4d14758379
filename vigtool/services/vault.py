"""Open, create and unlock a vault: the key file, the database and the sealed media folder.

Nothing is touched before the passphrase has unlocked the key: a wrong passphrase leaves every file as it
was. While open, a vault holds a shared lock on `vault.lock`; the process that finds nobody else holding
it also removes what an interrupted import left behind (temp files, films whose row was never committed).
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from storage.atomic import is_temp_name
from storage.audit import AuditLog
from storage.consent import ConsentStore
from storage.database import Database
from storage.export_log import ExportLog
from storage.identity import Identity, IdentityStore
from storage.integrity import Integrity, RowSeals
from storage.keys import (
    KEY_FILE_NAME,
    KdfParams,
    VaultKeyError,
    VaultKeys,
    check_new_passphrase,
    create_key_file,
    rewrap_key_file,
    unlock_key_file,
)
from storage.keys import WrongPassphraseError as WrongKeyPassphraseError
from storage.media_store import MEDIA_FOLDER, MediaStore
from storage.models import Base
from storage.paths import DATABASE_NAME
from storage.received import ReceivedStore
from storage.repository import Repository
from storage.sealed_media import MediaKind, SealedMediaError, SealedMediaReader
from storage.sealing import AeadSealer, SealingError
from vigtool.domain.model import Recording

LOCK_NAME = "vault.lock"


class VaultError(RuntimeError):
    """The vault cannot be opened or created; the message says which folder and why."""


class WrongPassphraseError(VaultError):
    """The passphrase does not open this vault (nothing was changed)."""


def _lock(path: Path) -> tuple[int, bool]:
    """Take the vault's lock: (fd, True) if we are its only user (exclusive first, then shared)."""
    fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fcntl.flock(fd, fcntl.LOCK_SH)
        return fd, False
    return fd, True


@dataclass
class Vault:
    path: Path
    db: Database
    repo: Repository
    keys: VaultKeys
    media: MediaStore
    identity: Identity | None = None  # made at the first opening; signs the audit trail and packages
    cleaned: list[Path] = field(default_factory=list)  # leftovers removed at open
    _lock_fd: int = -1

    @property
    def audit(self) -> AuditLog:
        assert self.identity is not None
        return AuditLog(self.db, self.repo.sealer, self.identity)

    @property
    def exports(self) -> ExportLog:
        return ExportLog(self.db, self.repo.sealer, self.audit)

    @property
    def consents(self) -> ConsentStore:
        return ConsentStore(self.db, self.repo.sealer)

    @property
    def integrity(self) -> Integrity:
        """The row seals: what was changed in the database outside vigtool."""
        assert self.db.row_seals is not None
        return Integrity(self.db.engine, self.db.row_seals, Base.metadata)

    @property
    def received(self) -> ReceivedStore:
        return ReceivedStore(self.db)

    @property
    def identities(self) -> IdentityStore:
        return IdentityStore(self.db, self.repo.sealer)

    @staticmethod
    def exists(path: Path) -> bool:
        return (path / KEY_FILE_NAME).exists() or (path / DATABASE_NAME).exists()

    @classmethod
    def create(cls, path: Path, passphrase: str, kdf: KdfParams | None = None) -> Vault:
        """Make a new, empty vault at `path` (which must not hold one)."""
        if cls.exists(path):
            raise VaultError(f"{path}: there is already a vault here")
        check_new_passphrase(passphrase)  # before any folder is made
        try:
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o700)
            keys = create_key_file(path / KEY_FILE_NAME, passphrase, kdf)
        except OSError as exc:
            raise VaultError(f"{path}: cannot create the vault ({exc.strerror})") from exc
        return cls._open_unlocked(path, keys)  # the key is in hand: no second Argon2id

    @classmethod
    def open(cls, path: Path, passphrase: str, *, create: bool = False, kdf: KdfParams | None = None) -> Vault:
        """Unlock and open the vault at `path`; with `create`, make it first if there is none."""
        key_path, db_path = path / KEY_FILE_NAME, path / DATABASE_NAME
        if not key_path.exists():
            if db_path.exists():
                raise VaultError(f"{key_path}: the vault's key file is missing; without it nothing in this vault "
                                 "can be opened. Put it back from a backup of this folder")
            if not create:
                raise VaultError(f"{path}: there is no vigtool vault here (run 'vigtool init' first)")
            return cls.create(path, passphrase, kdf)
        try:
            keys = unlock_key_file(key_path, passphrase)
        except WrongKeyPassphraseError as exc:
            raise WrongPassphraseError(str(exc)) from exc
        except VaultKeyError as exc:
            raise VaultError(str(exc)) from exc
        return cls._open_unlocked(path, keys)

    @classmethod
    def _open_unlocked(cls, path: Path, keys: VaultKeys) -> Vault:
        db_path = path / DATABASE_NAME
        if db_path.exists() and not db_path.is_file():
            raise VaultError(f"{db_path}: is not a vault database file")
        lock_fd, alone = _lock(path)
        db = Database(db_path)
        db.row_seals = RowSeals(keys.row_seal_key)
        db.migration_keys = {"field_key": keys.field_key, "row_seal_key": keys.row_seal_key}
        try:
            db.migrate()
        except Exception as exc:
            db.close()
            os.close(lock_fd)
            raise VaultError(f"{db_path}: cannot open the vault database ({exc})") from exc
        vault = cls(path, db, Repository(db, AeadSealer(keys.field_key)), keys, MediaStore(path / MEDIA_FOLDER),
                    _lock_fd=lock_fd)
        try:
            vault._start(alone)
        except BaseException as exc:
            vault.close()  # the lock and every handle go, whatever happened: the next open must not wait
            if isinstance(exc, SealingError | ValueError):
                raise VaultError(f"{db_path}: {exc}; the vault's database was changed or damaged outside "
                                 "vigtool ('vigtool verify' says what)") from exc
            if isinstance(exc, SQLAlchemyError | sqlite3.Error):
                raise VaultError(f"{db_path}: the vault's database is damaged and cannot be read "
                                 f"({str(getattr(exc, 'orig', exc))[:120]})") from exc
            raise
        return vault

    def _start(self, alone: bool) -> None:
        """What opening does once the database is there: the identity, the audit entry, the leftovers."""
        try:
            self.identity = self.identities.load()
        except (SealingError, ValueError) as exc:
            raise SealingError(f"the vault's identity (its keys for packages and the audit trail) does not "
                               f"open: {exc}") from exc
        if self.identity is None:  # a new vault, or one from before identities
            given = os.environ.get("VIGTOOL_NAME", "").strip()  # a name given is her name; a login is a guess
            self.identity = self.identities.create(given or getpass.getuser(), named=bool(given))
            self.audit.append("identity", {"fingerprint": self.identity.public.fingerprint})
        self.audit.append("unlock", {"pid": os.getpid()})
        if alone:
            self.cleaned = self.remove_leftovers()
            fcntl.flock(self._lock_fd, fcntl.LOCK_SH)  # now others may open it too

    def remove_leftovers(self) -> list[Path]:
        """Delete temp files and films no row refers to (an import killed between its file and its row), and
        the half-written files of exports that were interrupted (in the folders the user chose)."""
        removed = self.media.remove_orphans(self.repo.recordings.media_ids())
        removed += self.exports.remove_abandoned()
        for path in self.path.iterdir():
            if is_temp_name(path) and path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        return removed

    # -- films ---------------------------------------------------------------------------------------
    def data_key(self, recording: Recording) -> bytes:
        wrapped = self.repo.recordings.wrapped_key(recording.id)
        if wrapped is None:
            raise SealedMediaError(recording.source_name, "was never stored in the vault (it was imported by a "
                                   "development build); import the film again")
        try:
            return self.keys.unwrap_data_key(wrapped, recording.media_id)
        except VaultKeyError as exc:
            raise SealedMediaError(recording.source_name, str(exc)) from exc

    def open_film(self, recording: Recording) -> SealedMediaReader:
        """A seekable, decrypting file object over the recording's film (close it when done)."""
        return self.media.open(recording.media_id, MediaKind.FILM, self.data_key(recording), recording.source_name)

    def delete_recording(self, recording: Recording) -> list[Path]:
        """Crypto-shred a recording: its wrapped key and row go first (committed), then its files."""
        media_id = self.repo.recordings.delete(recording.id)
        self.audit.append("delete", {"recording": recording.id, "source": recording.source_name})
        return self.media.delete(media_id)

    def change_passphrase(self, new_passphrase: str, kdf: KdfParams | None = None) -> None:
        """Rewrap the master key under a new passphrase; films, keys and notes stay as they are."""
        # Noted before the key file is swapped: a kill right after the swap still leaves the entry.
        self.audit.append("passphrase", {"state": "changing"})
        rewrap_key_file(self.path / KEY_FILE_NAME, self.keys, new_passphrase, kdf)
        self.audit.append("passphrase", {"state": "changed"})

    def close(self) -> None:
        self.db.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
