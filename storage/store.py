"""What every store of a vault's database shares: the one Database and the vault's FieldSealer.

The Repository is made of one store per aggregate (cases, recordings, tracks, annotations, chains, clips,
stills, review sessions, the codebook, suggestions). They share the Database, whose `write()` is the unit of
work: one transaction at a time, BEGIN IMMEDIATE, each flush writing its rows' seals (storage.integrity).
Every personal text passes through the vault's FieldSealer, bound to its table, column and row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from storage.database import Database
from storage.models import Base, RecordingRow
from storage.sealing import FieldSealer, where
from vigtool.domain.time import FrameRange


class NotFoundError(LookupError):
    """What was asked for is not in this vault."""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SealedStore:
    """The base of the stores: the shared Database and the sealing of their personal texts."""

    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db = db
        self._sealer = sealer

    def _seal(self, text: str, table: str, column: str, row: object) -> bytes:
        return self._sealer.seal(text, where(table, column, row))

    def _open(self, sealed: bytes, table: str, column: str, row: object) -> str:
        return self._sealer.open(sealed, where(table, column, row))

    def _insert(self, s: Session, row: Base, **texts: str) -> None:
        """Add a new row whose `texts` are sealed bound to it: it is written first, for its id."""
        for column in texts:
            setattr(row, column, b"")
        s.add(row)
        s.flush()
        table = row.__table__.name  # type: ignore[attr-defined]
        for column, text in texts.items():
            setattr(row, column, self._seal(text, table, column, row.id))  # type: ignore[attr-defined]


def recording_row(s: Session, recording_id: int) -> RecordingRow:
    """The recording's row in this transaction (NotFoundError if there is none)."""
    row = s.get(RecordingRow, recording_id)
    if row is None:
        raise NotFoundError(f"there is no recording {recording_id}")
    return row


def check_range(s: Session, recording_id: int, frames: FrameRange) -> None:
    if frames.end > recording_row(s, recording_id).frame_count:
        raise ValueError(f"frames {frames.start}–{frames.end} run past the end of the recording")
