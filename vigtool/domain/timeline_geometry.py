"""Where things are on the timeline, in pixels, with no painting in it: lanes from the top, frames from the
left, and which mark (or which edge of it) lies under the pointer.

The widget (ui/qt_timeline.py) paints and takes the mouse; every question of "what is at this pixel" or
"where does this frame go" is answered here, so it is tested without Qt and the painting, the mouse and the
bench all agree on the same arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from vigtool.domain.model import Annotation, Track
from vigtool.domain.timeline import TrackIndex, Zoom

HEADER_W = 156  # the lane names, left of the frames
RULER_H = 20
STRIP_H = 46
WAVE_H = 34
TRACK_H = 32
HIDDEN_H = 14  # a hidden track keeps a thin row (its header shows it again)
EDGE_PX = 5  # this close to a stretch's edge, a drag resizes it
SNAP_PX = 6  # this close to the playhead, a drag snaps to it
LANES_TOP = RULER_H + STRIP_H + WAVE_H


@dataclass(frozen=True)
class LaneRow:
    """One track's lane: from `top`, `height` pixels high, from the header's right edge to the widget's."""

    track: Track
    top: float
    height: float
    left: float
    width: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def holds(self, y: float) -> bool:
        return self.top <= y < self.bottom


class MarkPart(Enum):
    """What a press on a mark takes hold of."""

    BODY = "move"
    START = "start"
    END = "end"


@dataclass(frozen=True)
class MarkHit:
    annotation: Annotation
    part: MarkPart


class TimelineGeometry:
    """The zoom and the lanes of a timeline `width` pixels wide (the header included)."""

    def __init__(self, frame_count: int = 1, width: int = HEADER_W + 100) -> None:
        self.width = width
        self.zoom = Zoom(frame_count, self.lane_width)
        self.zoom.fit()

    @property
    def lane_width(self) -> int:
        return max(self.width - HEADER_W, 1)

    def resize(self, width: int) -> None:
        self.width = width
        self.zoom.resize(self.lane_width)

    # -- lanes from the top ------------------------------------------------------------------------
    def rows(self, tracks: Sequence[Track]) -> list[LaneRow]:
        """Each track's lane, in order (hidden tracks get a thin row)."""
        result, y = [], float(LANES_TOP)
        for track in tracks:
            height = TRACK_H if track.visible else HIDDEN_H
            result.append(LaneRow(track, y, height, HEADER_W, self.lane_width))
            y += height
        return result

    def row_at(self, tracks: Sequence[Track], y: float) -> LaneRow | None:
        return next((row for row in self.rows(tracks) if row.holds(y)), None)

    def height_for(self, tracks: Sequence[Track]) -> int:
        """Every lane visible, and a little room under the last one."""
        rows = self.rows(tracks)
        return int(rows[-1].bottom if rows else LANES_TOP + TRACK_H) + 4

    # -- frames from the left ----------------------------------------------------------------------
    def x_of_frame(self, frame: float) -> float:
        """The left edge of `frame`'s slot (a fractional frame: a point inside it)."""
        return HEADER_W + self.zoom.x_of(frame)

    def frame_at_x(self, x: float) -> int:
        """The frame whose slot holds `x`, kept within the film."""
        frame = math.floor(self.zoom.frame_at(x - HEADER_W))
        return min(max(frame, 0), max(self.zoom.frame_count - 1, 0))

    def boundary_at_x(self, x: float) -> int:
        """The frame boundary nearest `x` (0 … frame_count): where a stretch's edge goes."""
        return min(max(round(self.zoom.frame_at(x - HEADER_W)), 0), self.zoom.frame_count)

    def snapped(self, x: float, playhead: int, *, edge: bool = False) -> int:
        """The frame under `x` (for an edge: the nearest boundary), or the playhead when it is close."""
        if edge:
            return playhead if abs(x - self.x_of_frame(playhead)) <= SNAP_PX else self.boundary_at_x(x)
        return playhead if abs(x - self.x_of_frame(playhead + 0.5)) <= SNAP_PX else self.frame_at_x(x)

    def playhead_span(self, frame: int) -> tuple[int, int]:
        """The pixel columns a playhead at `frame` covers (its line, its frame's tint, a little margin):
        what a playback tick repaints."""
        x = self.x_of_frame(frame)
        return int(x) - 8, int(self.zoom.px_per_frame) + 18

    # -- marks under the pointer -------------------------------------------------------------------
    @property
    def slack_frames(self) -> int:
        """How many frames either side a press still catches a point mark (EDGE_PX pixels, at least 1)."""
        return max(1, math.ceil(EDGE_PX / self.zoom.px_per_frame))

    def hit(self, index: TrackIndex, x: float) -> MarkHit | None:
        """The mark under `x` in a lane (the shortest of several), and whether an edge of it is held."""
        if x < HEADER_W:
            return None
        found = index.hit(self.frame_at_x(x), self.slack_frames)
        if found is None:
            return None
        part = MarkPart.BODY
        if found.end - found.start > 1:
            if abs(x - self.x_of_frame(found.start)) <= EDGE_PX:
                part = MarkPart.START
            elif abs(x - self.x_of_frame(found.end)) <= EDGE_PX:
                part = MarkPart.END
        return MarkHit(found, part)
