"""Review sessions: a case's ordered clips and stills, a prompt for the parent at each, and the handout's ticks."""

from __future__ import annotations

from sqlalchemy import delete, select

from storage.models import ReviewItemRow, ReviewSessionRow
from storage.store import NotFoundError, SealedStore
from vigtool.domain.model import ReviewItem, ReviewItemKind, ReviewSession


class ReviewStore(SealedStore):
    def add(self, case_id: int, title: str) -> ReviewSession:
        with self.db.write() as s:
            row = ReviewSessionRow(case_id=case_id)
            self._insert(s, row, title=title)
            return ReviewSession(row.id, case_id, title)

    def save(self, session: ReviewSession) -> None:
        """Store a session's title and the order and prompts of its items."""
        with self.db.write() as s:
            row = s.get(ReviewSessionRow, session.id)
            if row is None:
                raise NotFoundError(f"there is no review session {session.id}")
            row.title = self._seal(session.title, "review_sessions", "title", row.id)
            s.execute(delete(ReviewItemRow).where(ReviewItemRow.session_id == session.id))
            for position, item in enumerate(session.items):
                s.add(ReviewItemRow(session_id=session.id, position=position, kind=item.kind.value,
                                    ref_id=item.ref_id,
                                    prompt=self._seal(item.prompt, "review_items", "prompt",
                                                      f"{session.id}/{position}"),
                                    in_handout=item.in_handout))

    def delete(self, session_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ReviewSessionRow).where(ReviewSessionRow.id == session_id))

    def get(self, session_id: int) -> ReviewSession:
        with self.db.read() as s:
            row = s.get(ReviewSessionRow, session_id)
            if row is None:
                raise NotFoundError(f"there is no review session {session_id}")
            case_id = row.case_id
        return next(r for r in self.list(case_id) if r.id == session_id)

    def list(self, case_id: int) -> list[ReviewSession]:
        with self.db.read() as s:
            sessions = s.scalars(select(ReviewSessionRow).where(ReviewSessionRow.case_id == case_id)
                                 .order_by(ReviewSessionRow.id)).all()
            result = []
            for row in sessions:
                items = s.scalars(select(ReviewItemRow).where(ReviewItemRow.session_id == row.id)
                                  .order_by(ReviewItemRow.position))
                result.append(ReviewSession(
                    row.id, case_id, self._open(row.title, "review_sessions", "title", row.id),
                    tuple(ReviewItem(ReviewItemKind(i.kind), i.ref_id,
                                     self._open(i.prompt, "review_items", "prompt", f"{row.id}/{i.position}"),
                                     i.in_handout)
                          for i in items)))
            return result
