"""The annotations of one recording as an observable, per-track sorted collection.

The timeline paints from this: each track keeps its annotations sorted by start frame, so the visible
range is found by bisection instead of walking thousands of marks. Every change emits one event that a
Qt adapter turns into a repaint of exactly what changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from vigtool.domain.events import EventEmitter
from vigtool.domain.model import Annotation, Track
from vigtool.domain.time import FrameRange


class AnnotationLayer:
    """Tracks and their annotations for one recording."""

    def __init__(self, tracks: Iterable[Track] = (), annotations: Iterable[Annotation] = ()) -> None:
        self.events = EventEmitter()
        self._tracks: dict[int, Track] = {}
        self._by_track: dict[int, list[Annotation]] = {}
        self._index: dict[int, Annotation] = {}
        for track in tracks:
            self._tracks[track.id] = track
            self._by_track[track.id] = []
        for annotation in annotations:
            self._insert(annotation)

    # -- tracks --------------------------------------------------------------------------------
    @property
    def tracks(self) -> list[Track]:
        return sorted(self._tracks.values(), key=lambda t: (t.position, t.id))

    def track(self, track_id: int) -> Track:
        return self._tracks[track_id]

    def put_track(self, track: Track) -> None:
        created = track.id not in self._tracks
        self._tracks[track.id] = track
        self._by_track.setdefault(track.id, [])
        self.events.emit("track_added" if created else "track_changed", self, track_id=track.id)

    def remove_track(self, track_id: int) -> None:
        """Forget a track (its annotations must be gone already)."""
        if self._by_track.get(track_id):
            raise ValueError("a track with annotations cannot be removed")
        self._tracks.pop(track_id)
        self._by_track.pop(track_id, None)
        self.events.emit("track_removed", self, track_id=track_id)

    # -- annotations ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[Annotation]:
        for track in self.tracks:
            yield from self._by_track[track.id]

    def __contains__(self, annotation_id: object) -> bool:
        return annotation_id in self._index

    def get(self, annotation_id: int) -> Annotation:
        return self._index[annotation_id]

    def on_track(self, track_id: int) -> list[Annotation]:
        return list(self._by_track[track_id])

    def in_range(self, track_id: int, frames: FrameRange) -> list[Annotation]:
        """Annotations of a track that overlap `frames`, in start order."""
        items = self._by_track[track_id]
        # Everything starting before frames.end may overlap; the ones ending before frames.start don't.
        stop = bisect.bisect_left(items, frames.end, key=lambda a: a.start)
        return [a for a in items[:stop] if a.end > frames.start]

    def put(self, annotation: Annotation) -> None:
        """Add or replace an annotation (by id)."""
        if annotation.track_id not in self._tracks:
            raise KeyError(f"no track {annotation.track_id}")
        old = self._index.get(annotation.id)
        if old is not None:
            self._remove(old)
        self._insert(annotation)
        kind = "annotation_added" if old is None else "annotation_changed"
        self.events.emit(kind, self, annotation_id=annotation.id)

    def remove(self, annotation_id: int) -> Annotation:
        annotation = self._index[annotation_id]
        self._remove(annotation)
        self.events.emit("annotation_removed", self, annotation_id=annotation_id)
        return annotation

    def _insert(self, annotation: Annotation) -> None:
        items = self._by_track.setdefault(annotation.track_id, [])
        bisect.insort(items, annotation, key=lambda a: (a.start, a.id))
        self._index[annotation.id] = annotation

    def _remove(self, annotation: Annotation) -> None:
        self._by_track[annotation.track_id].remove(annotation)
        del self._index[annotation.id]
