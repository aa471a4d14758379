"""The export log: one row each time footage leaves the vault, with what, when and where (sealed).

Issue 7's consent withdrawal lists these rows so the practitioner can recall every copy; the rows stay
when a recording is deleted (its id becomes NULL, the sealed detail still names the film).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.database import Database
from storage.models import ExportLogRow
from storage.sealing import FieldSealer


@dataclass(frozen=True)
class ExportEntry:
    id: int
    recording_id: int | None
    kind: str  # "clip", "still", "handout", "package"
    created_at: datetime
    detail: dict[str, Any]  # "file", "source", "frames", "options", "bytes", ...


class ExportLog:
    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db = db
        self._sealer = sealer

    def add(self, kind: str, recording_id: int | None, detail: dict[str, Any]) -> ExportEntry:
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.db.write() as s:
            row = ExportLogRow(recording_id=recording_id, kind=kind, created_at=now,
                               detail=self._sealer.seal(json.dumps(detail, sort_keys=True),
                                                        b"export_log.detail"))
            s.add(row)
            s.flush()
            return ExportEntry(row.id, recording_id, kind, now, detail)

    def entries(self, recording_id: int | None = None) -> list[ExportEntry]:
        with self.db.read() as s:
            query = select(ExportLogRow).order_by(ExportLogRow.id)
            if recording_id is not None:
                query = query.where(ExportLogRow.recording_id == recording_id)
            return [ExportEntry(r.id, r.recording_id, r.kind, r.created_at,
                                json.loads(self._sealer.open(r.detail, b"export_log.detail")))
                    for r in s.scalars(query)]
