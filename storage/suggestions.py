"""Suggested turn-taking, kept per recording with its state (the workspace's undo writes through here)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import delete, select

from storage.database import Database
from storage.models import SuggestionRow
from storage.sealing import FieldSealer, where
from vigtool.domain.model import Actor
from vigtool.domain.suggestions import SuggestedTurn, Suggestion, SuggestionState
from vigtool.domain.time import FrameRange


class SuggestionStore:
    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db = db
        self._sealer = sealer

    def _row(self, s: Suggestion) -> SuggestionRow:
        return SuggestionRow(id=s.id or None, recording_id=s.recording_id, start_frame=s.frames.start,
                             end_frame=s.frames.end, state=s.state.value, annotation_id=s.annotation_id,
                             chain_id=s.chain_id, turns=b"")  # sealed once the row has its id

    @staticmethod
    def _turns(s: Suggestion) -> str:
        return json.dumps([[t.actor.value, t.frames.start, t.frames.end] for t in s.turns])

    def _suggestion(self, r: SuggestionRow) -> Suggestion:
        turns = tuple(SuggestedTurn(Actor(a), FrameRange(start, end))
                      for a, start, end in json.loads(self._sealer.open(r.turns, where("suggestions", "turns", r.id))))
        return Suggestion(r.id, r.recording_id, FrameRange(r.start_frame, r.end_frame), turns,
                          SuggestionState(r.state), r.annotation_id, r.chain_id)

    def put(self, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
        """Store new suggestions (id 0) or replace stored ones (same id), in one transaction."""
        with self.db.write() as s:
            rows, wanted = [], list(suggestions)
            for suggestion in wanted:
                if suggestion.id:
                    s.execute(delete(SuggestionRow).where(SuggestionRow.id == suggestion.id))
                    s.flush()
                rows.append(self._row(suggestion))
            s.add_all(rows)
            s.flush()
            for row, suggestion in zip(rows, wanted, strict=True):
                row.turns = self._sealer.seal(self._turns(suggestion), where("suggestions", "turns", row.id))
            return [self._suggestion(r) for r in rows]

    def delete(self, ids: Iterable[int]) -> None:
        with self.db.write() as s:
            s.execute(delete(SuggestionRow).where(SuggestionRow.id.in_(list(ids))))

    def list(self, recording_id: int) -> list[Suggestion]:
        with self.db.read() as s:
            rows = s.scalars(select(SuggestionRow).where(SuggestionRow.recording_id == recording_id)
                             .order_by(SuggestionRow.start_frame, SuggestionRow.id))
            return [self._suggestion(r) for r in rows]
