"""Clips (a stretch of a film with a title, caption and key frame) and stills (one frame with a caption)."""

from __future__ import annotations

from sqlalchemy import delete, select

from storage.models import ClipRow, ReviewItemRow, StillRow
from storage.store import NotFoundError, SealedStore, check_range, recording_row
from vigtool.domain.model import Clip, ReviewItemKind, Still
from vigtool.domain.time import FrameRange


class ClipStore(SealedStore):
    def _clip(self, r: ClipRow) -> Clip:
        return Clip(r.id, r.recording_id, FrameRange(r.start_frame, r.end_frame),
                    self._open(r.title, "clips", "title", r.id), self._open(r.caption, "clips", "caption", r.id),
                    r.key_frame)

    def add(self, recording_id: int, frames: FrameRange, title: str = "", caption: str = "", *,
            clip_id: int | None = None, key_frame: int | None = None) -> Clip:
        with self.db.write() as s:
            check_range(s, recording_id, frames)
            row = ClipRow(id=clip_id, recording_id=recording_id, start_frame=frames.start, end_frame=frames.end,
                          key_frame=key_frame)
            self._insert(s, row, title=title, caption=caption)
            return Clip(row.id, recording_id, frames, title, caption, key_frame)

    def get(self, clip_id: int) -> Clip:
        with self.db.read() as s:
            row = s.get(ClipRow, clip_id)
            if row is None:
                raise NotFoundError(f"there is no clip {clip_id}")
            return self._clip(row)

    def update(self, clip: Clip) -> None:
        """Store a clip's title, caption and key frame (its frames stay as they are)."""
        with self.db.write() as s:
            row = s.get(ClipRow, clip.id)
            if row is None:
                raise NotFoundError(f"there is no clip {clip.id}")
            row.title = self._seal(clip.title, "clips", "title", row.id)
            row.caption = self._seal(clip.caption, "clips", "caption", row.id)
            row.key_frame = clip.key_frame

    def delete(self, clip_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ReviewItemRow).where(ReviewItemRow.kind == ReviewItemKind.CLIP.value,
                                                  ReviewItemRow.ref_id == clip_id))
            s.execute(delete(ClipRow).where(ClipRow.id == clip_id))

    def list(self, recording_id: int) -> list[Clip]:
        with self.db.read() as s:
            rows = s.scalars(select(ClipRow).where(ClipRow.recording_id == recording_id).order_by(ClipRow.id))
            return [self._clip(r) for r in rows]


class StillStore(SealedStore):
    def _still(self, r: StillRow) -> Still:
        return Still(r.id, r.recording_id, r.frame, self._open(r.caption, "stills", "caption", r.id))

    def add(self, recording_id: int, frame: int, caption: str = "", *, still_id: int | None = None) -> Still:
        with self.db.write() as s:
            if not 0 <= frame < recording_row(s, recording_id).frame_count:
                raise ValueError(f"frame {frame} is not in the recording")
            row = StillRow(id=still_id, recording_id=recording_id, frame=frame)
            self._insert(s, row, caption=caption)
            return Still(row.id, recording_id, frame, caption)

    def get(self, still_id: int) -> Still:
        with self.db.read() as s:
            row = s.get(StillRow, still_id)
            if row is None:
                raise NotFoundError(f"there is no still {still_id}")
            return self._still(row)

    def update(self, still: Still) -> None:
        with self.db.write() as s:
            row = s.get(StillRow, still.id)
            if row is None:
                raise NotFoundError(f"there is no still {still.id}")
            row.caption = self._seal(still.caption, "stills", "caption", row.id)

    def delete(self, still_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ReviewItemRow).where(ReviewItemRow.kind == ReviewItemKind.STILL.value,
                                                  ReviewItemRow.ref_id == still_id))
            s.execute(delete(StillRow).where(StillRow.id == still_id))

    def list(self, recording_id: int) -> list[Still]:
        with self.db.read() as s:
            rows = s.scalars(select(StillRow).where(StillRow.recording_id == recording_id).order_by(StillRow.id))
            return [self._still(r) for r in rows]
