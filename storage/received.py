"""What arrived in packages: which packages were taken in, and which recordings came for supervision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from storage.database import Database
from storage.models import ReceivedPackageRow, SupervisionLinkRow


@dataclass(frozen=True)
class Received:
    package_id: str
    sender: str
    kind: str
    subject: str
    sequence: int
    received_at: datetime


class ReceivedStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, package_id: str) -> Received | None:
        with self.db.read() as s:
            row = s.scalars(select(ReceivedPackageRow).where(ReceivedPackageRow.package_id == package_id)).first()
            return None if row is None else _received(row)

    def latest(self, sender: str, kind: str, subject: str) -> Received | None:
        """The newest package taken in from `sender` of this kind about `subject`."""
        with self.db.read() as s:
            row = s.scalars(select(ReceivedPackageRow).where(
                ReceivedPackageRow.sender == sender, ReceivedPackageRow.kind == kind,
                ReceivedPackageRow.subject == subject).order_by(ReceivedPackageRow.sequence.desc())).first()
            return None if row is None else _received(row)

    def add(self, package_id: str, sender: str, kind: str, subject: str, sequence: int) -> None:
        with self.db.write() as s:
            s.add(ReceivedPackageRow(package_id=package_id, sender=sender, kind=kind, subject=subject,
                                     sequence=sequence, received_at=datetime.now(UTC).replace(tzinfo=None)))

    def link(self, recording_id: int, origin: str, origin_recording_id: int) -> None:
        with self.db.write() as s:
            s.add(SupervisionLinkRow(recording_id=recording_id, origin=origin, origin_recording_id=origin_recording_id))

    def origin_of(self, recording_id: int) -> tuple[str, int] | None:
        """Whose recording this is and its id in their vault (None: it is this vault's own)."""
        with self.db.read() as s:
            row = s.get(SupervisionLinkRow, recording_id)
            return None if row is None else (row.origin, row.origin_recording_id)


def _received(row: ReceivedPackageRow) -> Received:
    return Received(row.package_id, row.sender, row.kind, row.subject, row.sequence, row.received_at)
