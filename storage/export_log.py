"""The export log: one row each time footage leaves the vault, with what, when and where (sealed).

Issue 7's consent withdrawal lists these rows so the practitioner can recall every copy; the rows stay
when a recording is deleted (its id becomes NULL, the sealed detail still names the film).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from storage.atomic import is_temp_name
from storage.audit import AuditLog
from storage.database import Database
from storage.models import ExportLogRow
from storage.sealing import FieldSealer, where


@dataclass(frozen=True)
class ExportEntry:
    id: int
    recording_id: int | None
    kind: str  # "clip", "still", "handout", "package" (and PENDING while one is being written)
    created_at: datetime
    detail: dict[str, Any]  # "file", "source", "frames", "options", "bytes", ...


PENDING = "pending"  # a temp file being written outside the vault; removed at the next open if still there


class ExportLog:
    def __init__(self, db: Database, sealer: FieldSealer, audit: AuditLog | None = None) -> None:
        self.db = db
        self._sealer = sealer
        self._audit = audit

    def add(self, kind: str, recording_id: int | None, detail: dict[str, Any]) -> ExportEntry:
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.db.write() as s:
            row = ExportLogRow(recording_id=recording_id, kind=kind, created_at=now, detail=b"")
            s.add(row)
            s.flush()
            row.detail = self._sealer.seal(json.dumps(detail, sort_keys=True), where("export_log", "detail", row.id))
            entry = ExportEntry(row.id, recording_id, kind, now, detail)
        if self._audit is not None and kind != PENDING:
            self._audit.append("export", {"kind": kind, "recording": recording_id, "file": detail.get("file"),
                                          "member": detail.get("member"), "encrypted": bool(detail.get("encrypted"))})
        return entry

    def begin(self, temp: Path) -> int:
        """Note a temp file about to be written outside the vault (plaintext, or a package being sealed)."""
        return self.add(PENDING, None, {"temp": str(temp)}).id

    def end(self, marker: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ExportLogRow).where(ExportLogRow.id == marker, ExportLogRow.kind == PENDING))

    def remove_abandoned(self) -> list[Path]:
        """Delete the temp files of exports a crash or kill interrupted, and their notes. Only the process
        that has the vault to itself calls this: no one else can be writing them."""
        removed = []
        with self.db.read() as s:
            rows = list(s.scalars(select(ExportLogRow).where(ExportLogRow.kind == PENDING)))
            pending = [(r.id, Path(json.loads(self._sealer.open(r.detail, where("export_log", "detail", r.id)))
                                   ["temp"]))
                       for r in rows]
        for marker, temp in pending:
            if not temp.parent.is_dir():
                continue  # a folder not reachable now (an unplugged stick): keep the note, try next time
            if is_temp_name(temp):  # never anything but our own temp names
                try:
                    temp.unlink()
                    removed.append(temp)
                except FileNotFoundError:
                    pass
                except OSError:
                    continue  # not removable now (permissions changed): keep the note, try next time
            self.end(marker)
        return removed

    def entries(self, recording_id: int | None = None) -> list[ExportEntry]:
        with self.db.read() as s:
            query = select(ExportLogRow).where(ExportLogRow.kind != PENDING).order_by(ExportLogRow.id)
            if recording_id is not None:
                query = query.where(ExportLogRow.recording_id == recording_id)
            return [ExportEntry(r.id, r.recording_id, r.kind, r.created_at,
                                json.loads(self._sealer.open(r.detail, where("export_log", "detail", r.id))))
                    for r in s.scalars(query)]
