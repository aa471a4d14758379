"""Families' labels and merging two families into one, with what it takes to undo either.

Labels are sealed as every other label (the same field key, bound to the table, column and row). Every change
goes through the ORM's rows, never a bulk UPDATE, so each flush writes the rows' seals (storage.integrity):
a film moved to another family is as vigtool wrote it, not a change made outside it.
A merge moves the films and review sessions of one family into another and removes the emptied family; the
`Merge` it returns holds what the undo needs to put the family back with its own id, label and films.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage.database import Database
from storage.models import CaseRow, RecordingRow, ReviewSessionRow
from storage.sealing import FieldSealer, where


class FamilyError(ValueError):
    """A rename or merge that cannot be done; the message says why in plain words."""


@dataclass(frozen=True)
class Merge:
    """One family folded into another: enough to undo it exactly."""

    into_id: int
    removed_id: int
    removed_label: bytes  # still sealed: restored as it was
    removed_question: bytes
    recording_ids: tuple[int, ...]
    session_ids: tuple[int, ...]
    removed_created_at: datetime


class FamilyStore:
    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db, self._sealer = db, sealer

    def _labels(self) -> dict[int, str]:
        with self.db.read() as s:
            return {row.id: self._sealer.open(row.label, where("cases", "label", row.id))
                    for row in s.scalars(select(CaseRow))}

    def rename(self, case_id: int, label: str) -> None:
        """Give the family a new pseudonym (unique among the vault's families, ignoring case)."""
        label = label.strip()
        if not label:
            raise FamilyError("a family needs a name (a pseudonym such as 'Family A')")
        labels = self._labels()
        if case_id not in labels:
            raise FamilyError(f"there is no family {case_id}")
        if any(other.casefold() == label.casefold() for cid, other in labels.items() if cid != case_id):
            raise FamilyError(f"there is a family called '{label}' already; choose another name, or merge them")
        with self.db.write() as s:
            row = s.get(CaseRow, case_id)
            assert row is not None
            row.label = self._sealer.seal(label, where("cases", "label", case_id))

    def merge(self, removed_id: int, into_id: int) -> Merge:
        """Move every film and review session of family `removed_id` into `into_id`, then remove it."""
        if removed_id == into_id:
            raise FamilyError("a family cannot be merged into itself")
        with self.db.write() as s:
            removed, into = s.get(CaseRow, removed_id), s.get(CaseRow, into_id)
            if removed is None or into is None:
                raise FamilyError("one of these families is no longer in the vault")
            recordings = tuple(s.scalars(select(RecordingRow.id).where(RecordingRow.case_id == removed_id)))
            sessions = tuple(s.scalars(select(ReviewSessionRow.id).where(ReviewSessionRow.case_id == removed_id)))
            merge = Merge(into_id, removed_id, removed.label, removed.helping_question, recordings, sessions,
                          removed.created_at)
            for moved in (*s.scalars(select(RecordingRow).where(RecordingRow.case_id == removed_id)),
                          *s.scalars(select(ReviewSessionRow).where(ReviewSessionRow.case_id == removed_id))):
                moved.case_id = into_id
            s.flush()
            s.delete(removed)
        return merge

    def unmerge(self, merge: Merge) -> None:
        """Put the removed family back, with its own id, label, films and review sessions."""
        with self.db.write() as s:
            s.add(CaseRow(id=merge.removed_id, label=merge.removed_label, helping_question=merge.removed_question,
                          created_at=merge.removed_created_at))
            s.flush()
            for moved in (*s.scalars(select(RecordingRow).where(RecordingRow.id.in_(merge.recording_ids))),
                          *s.scalars(select(ReviewSessionRow).where(ReviewSessionRow.id.in_(merge.session_ids)))):
                moved.case_id = merge.removed_id
