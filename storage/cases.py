"""Cases (families, by their pseudonymous label and helping question)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CaseRow
from storage.store import NotFoundError, SealedStore, now
from vigtool.domain.model import Case


class CaseStore(SealedStore):
    def _case(self, row: CaseRow) -> Case:
        return Case(row.id, self._open(row.label, "cases", "label", row.id),
                    self._open(row.helping_question, "cases", "helping_question", row.id), row.created_at)

    def create(self, label: str, helping_question: str = "") -> Case:
        label = label.strip()
        if not label:
            raise ValueError("a case needs a label (a pseudonym such as 'Family A')")
        with self.db.write() as s:
            row = CaseRow(created_at=now())
            self._insert(s, row, label=label, helping_question=helping_question)
            return self._case(row)

    def find(self, label: str) -> Case | None:
        """The case with this label. Labels are sealed, so this compares after opening them."""
        wanted = label.strip().casefold()
        return next((c for c in self.list() if c.label.casefold() == wanted), None)

    def get(self, case_id: int) -> Case:
        with self.db.read() as s:
            row = s.get(CaseRow, case_id)
            if row is None:
                raise NotFoundError(f"there is no case {case_id}")
            return self._case(row)

    def list(self) -> list[Case]:
        with self.db.read() as s:
            return [self._case(r) for r in s.scalars(select(CaseRow).order_by(CaseRow.id))]
