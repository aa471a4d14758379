"""What the timeline shows, as numbers: per-track sorted arrays and the zoom, with no painting in it.

A practitioner's film of 15 minutes can carry thousands of marks. The widget asks this index for the marks
of the visible frames only (`searchsorted` on starts, and on the running maximum of ends, as OpenShot's
geometry cache does), merges marks that fall on the same pixel, and hit-tests with the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigtool.domain.annotation_layer import AnnotationLayer
from vigtool.domain.events import Event
from vigtool.domain.model import Annotation

IntArray = npt.NDArray[np.int64]

MAX_PX_PER_FRAME = 20.0  # the closest zoom: one frame is 20 pixels wide


class TrackIndex:
    """One track's annotations as arrays sorted by start (ties by id)."""

    def __init__(self, annotations: list[Annotation]) -> None:
        ordered = sorted(annotations, key=lambda a: (a.start, a.id))
        self.annotations = ordered
        self.ids: IntArray = np.array([a.id for a in ordered], dtype=np.int64)
        self.starts: IntArray = np.array([a.start for a in ordered], dtype=np.int64)
        self.ends: IntArray = np.array([a.end for a in ordered], dtype=np.int64)
        # The running maximum of ends is sorted, so the first mark that can reach into a range is found by
        # bisection too, however long the marks before it are.
        self.max_end: IntArray = np.maximum.accumulate(self.ends) if ordered else self.ends

    def __len__(self) -> int:
        return len(self.annotations)

    def visible(self, first: int, last: int) -> IntArray:
        """Positions (into the arrays) of the marks overlapping frames [first, last)."""
        lo = int(np.searchsorted(self.max_end, first, side="right"))
        hi = int(np.searchsorted(self.starts, last, side="left"))
        if hi <= lo:
            return np.empty(0, dtype=np.int64)
        positions = np.arange(lo, hi, dtype=np.int64)
        return positions[self.ends[lo:hi] > first]

    def hit(self, frame: int, slack: int) -> Annotation | None:
        """The mark under `frame` (within `slack` frames for points), the shortest one if several."""
        found = self.visible(frame - slack, frame + slack + 1)
        if not found.size:
            return None
        lengths = self.ends[found] - self.starts[found]
        return self.annotations[int(found[int(np.argmin(lengths))])]


class TimelineIndex:
    """TrackIndex per track of a layer, rebuilt only for the tracks an edit touched."""

    def __init__(self, layer: AnnotationLayer) -> None:
        self.layer = layer
        self._tracks: dict[int, TrackIndex] = {}
        self._track_of: dict[int, int] = {a.id: a.track_id for a in layer}
        self.version = 0  # bumped on every change: painters cache against it
        self.disconnect = layer.events.connect(self._changed)

    def track(self, track_id: int) -> TrackIndex:
        index = self._tracks.get(track_id)
        if index is None:
            index = self._tracks[track_id] = TrackIndex(self.layer.on_track(track_id))
        return index

    def _changed(self, event: Event) -> None:
        self.version += 1
        annotation_id = event.payload.get("annotation_id")
        if annotation_id is None:
            self._tracks.pop(event.payload.get("track_id", -1), None)
            return
        old_track = self._track_of.pop(annotation_id, None)
        if old_track is not None:
            self._tracks.pop(old_track, None)
        if event.kind != "annotation_removed":
            track_id = self.layer.get(annotation_id).track_id
            self._track_of[annotation_id] = track_id
            self._tracks.pop(track_id, None)


@dataclass
class Zoom:
    """Which frames the timeline shows: the first one (may be fractional while panning) and the scale."""

    frame_count: int
    width_px: int
    px_per_frame: float = 1.0
    first: float = 0.0

    @property
    def min_px_per_frame(self) -> float:
        return self.width_px / max(self.frame_count, 1)  # the whole film fits

    def fit(self) -> None:
        self.px_per_frame, self.first = self.min_px_per_frame, 0.0

    def resize(self, width_px: int) -> None:
        whole = self.px_per_frame <= self.min_px_per_frame + 1e-9
        self.width_px = max(width_px, 1)
        if whole:
            self.fit()
        self.clamp()

    def clamp(self) -> None:
        self.px_per_frame = min(max(self.px_per_frame, self.min_px_per_frame), MAX_PX_PER_FRAME)
        visible = self.width_px / self.px_per_frame
        self.first = min(max(self.first, 0.0), max(self.frame_count - visible, 0.0))

    def zoom_at(self, factor: float, x: float) -> None:
        """Zoom by `factor` keeping the frame under pixel `x` where it is."""
        anchor = self.frame_at(x)
        self.px_per_frame *= factor
        self.first = anchor - x / min(max(self.px_per_frame, self.min_px_per_frame), MAX_PX_PER_FRAME)
        self.clamp()

    def frame_at(self, x: float) -> float:
        return self.first + x / self.px_per_frame

    def x_of(self, frame: float) -> float:
        return (frame - self.first) * self.px_per_frame

    def visible_frames(self) -> tuple[int, int]:
        first = int(self.first)
        return first, min(self.frame_count, int(np.ceil(self.first + self.width_px / self.px_per_frame)) + 1)

    def keep_visible(self, frame: int) -> None:
        """Scroll (a page at a time, as editors do) so that `frame` is on screen."""
        first, last = self.visible_frames()
        if not first <= frame < last - 1:
            self.first = frame - 0.1 * self.width_px / self.px_per_frame
            self.clamp()
