"""A drag on the timeline as plain state: what is held, where the pointer is now, and the one edit a release
makes. While dragging nothing is written (the lanes show `preview`); on release `edit` says the single
operation (one undo step) the window asks the workspace for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from vigtool.domain.annotation_layer import AnnotationLayer
from vigtool.domain.model import Annotation
from vigtool.domain.time import FrameRange

CLICK_PX = 4  # a press and release closer than this make no new mark (a click seeks, it does not draw)


class DragKind(Enum):
    SCRUB = "scrub"  # over the ruler, filmstrip or sound: the playhead follows
    MOVE = "move"
    START = "start"  # a stretch's first frame
    END = "end"  # a stretch's end boundary
    CREATE = "create"  # in an empty part of a lane: a new mark of the chosen code


@dataclass(frozen=True)
class Create:
    range: FrameRange
    track_id: int
    code_id: str | None


@dataclass(frozen=True)
class Move:
    ids: list[int]
    delta: int
    target_track: int | None  # one mark dragged onto another lane; None: each stays on its own


@dataclass(frozen=True)
class Resize:
    annotation_id: int
    range: FrameRange


Edit = Create | Move | Resize


@dataclass
class MarkDrag:
    kind: DragKind
    frame: int  # where the press was (for an edge: the edge's boundary)
    track_id: int | None = None
    ids: list[int] = field(default_factory=list)
    current: int = 0
    current_track: int | None = None

    @property
    def is_edge(self) -> bool:
        return self.kind in (DragKind.START, DragKind.END)

    def follow(self, frame: int, track_id: int | None, *, track_takes_marks: bool) -> bool:
        """The pointer is over `frame` (and `track_id`'s lane); True if what the lanes show changes."""
        if (frame, track_id) == (self.current, self.current_track):
            return False
        self.current = frame
        if track_takes_marks and self.kind in (DragKind.MOVE, DragKind.CREATE):
            self.current_track = track_id if self.kind is DragKind.MOVE else self.track_id
        return True

    def preview(self, layer: AnnotationLayer, frame_count: int, code_id: str | None) -> list[Annotation]:
        """Where the marks being dragged would land if the pointer were released now."""
        delta = self.current - self.frame
        if self.kind is DragKind.SCRUB:
            return []
        if self.kind is DragKind.CREATE:
            if self.track_id is None:
                return []
            lo, hi = sorted((self.frame, self.current))
            return [Annotation(0, self.current_track or self.track_id, FrameRange(lo, hi + 1), code_id)]
        if self.kind is DragKind.MOVE:
            moved = []
            for a in (layer.get(i) for i in self.ids):
                track = self.current_track if self.current_track is not None and len(self.ids) == 1 else a.track_id
                moved.append(Annotation(a.id, track, a.range.shifted(delta).clamped(frame_count), a.code_id,
                                        a.actor, a.note))
            return moved
        a = layer.get(self.ids[0])
        if self.kind is DragKind.START:
            start = min(a.start + delta, a.end - 1)
            return [Annotation(a.id, a.track_id, FrameRange(max(start, 0), a.end), a.code_id, a.actor, a.note)]
        end = max(a.end + delta, a.start + 1)
        return [Annotation(a.id, a.track_id, FrameRange(a.start, min(end, frame_count)), a.code_id, a.actor,
                           a.note)]

    def edit(self, layer: AnnotationLayer, frame_count: int, code_id: str | None, *,
             moved_px: float) -> Edit | None:
        """The one change a release makes (None: nothing changes). `moved_px` is how far the pointer went
        from the middle of the pressed frame: a click in an empty lane draws nothing."""
        preview = self.preview(layer, frame_count, code_id)
        if self.kind is DragKind.CREATE:
            if moved_px < CLICK_PX or not preview or self.track_id is None:
                return None
            return Create(preview[0].range, self.track_id, code_id)
        if self.kind is DragKind.MOVE:
            if self.current == self.frame and self.current_track == self.track_id:
                return None
            single_elsewhere = len(self.ids) == 1 and self.current_track != self.track_id
            return Move(list(self.ids), self.current - self.frame, self.current_track if single_elsewhere else None)
        if self.is_edge and self.current != self.frame:
            return Resize(self.ids[0], preview[0].range)
        return None
