"""The timeline's content: everything but the playhead, rendered into one pixmap that is kept until the
model, the zoom, the selection or the size change (a playback tick only repaints the playhead's strips).

Only what is in view is looked at: the marks of the visible frames (from the track indices), the chains
that reach into view, the thumbnail nearest each tile of the strip in view (found by bisection), and the
sound wave through its peak pyramid. So the time to render does not grow with the film's length or with
marks out of view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap

from ui.qt_timeline_paint import (
    DIM_TEXT,
    LANE_FILL,
    LANE_FILL_ALT,
    TEXT,
    TrackPainter,
    elided_lane_name,
    paint_chains,
    paint_filmstrip,
    paint_ruler,
    paint_wave,
)
from vigtool.domain.model import Annotation, Track, TrackKind, TurnChain
from vigtool.domain.peak_pyramid import PeakPyramid
from vigtool.domain.timeline_geometry import HEADER_W, RULER_H, STRIP_H, WAVE_H, LaneRow
from vigtool.media.previews import AudioEnvelope, Filmstrip

if TYPE_CHECKING:
    from ui.qt_timeline import TimelineWidget

CURRENT_LANE = QColor("#4da3ff")  # the lane the code keys mark: a bar beside its name, a tint over it
BACKGROUND = QColor("#1b1d21")
HEADER_FILL = QColor("#202328")
HEADER_LINE = QColor("#33373d")
THUMB_SHOWN_H = STRIP_H - 4  # as paint_filmstrip draws them


class TimelinePreviews:
    """The filmstrip's thumbnails (as pixmaps, in frame order) and the sound wave, as far as they are built."""

    def __init__(self) -> None:
        self.thumbs: list[tuple[int, QPixmap]] = []
        self.envelope: AudioEnvelope | None = None
        self.pyramid: PeakPyramid | None = None
        self.shown = 0  # counts the parts shown, for the painting cache
        self._frames: set[int] = set()

    def clear(self) -> None:
        self.thumbs, self._frames, self.envelope, self.pyramid = [], set(), None, None
        self.shown += 1

    def set_envelope(self, envelope: AudioEnvelope | None) -> None:
        self.envelope = envelope
        if envelope is None or not len(envelope.peaks):
            self.pyramid = None
        else:  # a wave filling in grows its pyramid; a new one is made from scratch
            self.pyramid = self.pyramid.grown(envelope.peaks) if self.pyramid else PeakPyramid(envelope.peaks)
        self.shown += 1

    def add_thumbnails(self, filmstrip: Filmstrip) -> None:
        for position, frame in enumerate(filmstrip.frames):
            if frame in self._frames:
                continue  # made into a pixmap when an earlier part arrived
            image = filmstrip.image(position)
            height, width, _ = image.shape
            qimage = QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888)
            # Scaled once, smoothly, to the height the strip shows: painting then copies pixels only.
            shown = qimage.scaledToHeight(THUMB_SHOWN_H, Qt.TransformationMode.SmoothTransformation)
            self.thumbs.append((frame, QPixmap.fromImage(shown)))
            self._frames.add(frame)
        self.thumbs.sort(key=lambda thumb: thumb[0])
        self.shown += 1


class TimelineContent:
    """Renders a TimelineWidget's content; holds the caches that depend on the codebook and the index."""

    def __init__(self, widget: TimelineWidget) -> None:
        self.w = widget
        self.painter: TrackPainter | None = None
        self._colours: dict[tuple[int, int], npt.NDArray[np.int64]] = {}

    def new_codebook(self) -> None:
        ws = self.w.workspace
        assert ws is not None
        book = ws.codebook
        self.painter = TrackPainter({c.id: book.colour_of(c.id) for c in book.codes},
                                    {c.id: c.label for c in book.codes})
        self._colours.clear()

    def render(self) -> QPixmap:
        w, ws = self.w, self.w.workspace
        pixmap = QPixmap(w.size())
        pixmap.fill(BACKGROUND)
        p = QPainter(pixmap)
        if ws is None or w.index is None:
            p.setPen(DIM_TEXT)
            p.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "The timeline appears when you open a film.")
            p.end()
            return pixmap
        zoom, rate, width = w.zoom, ws.recording.rate, w.geometry_.lane_width
        previews = w.previews
        paint_ruler(p, QRectF(HEADER_W, 0, width, RULER_H), zoom, rate)
        paint_filmstrip(p, QRectF(HEADER_W, RULER_H, width, STRIP_H), zoom, previews.thumbs)
        paint_wave(p, QRectF(HEADER_W, RULER_H + STRIP_H, width, WAVE_H), zoom, rate, previews.envelope,
                   has_sound=ws.recording.has_audio, pyramid=previews.pyramid)
        self.header(p, QRectF(0, 0, HEADER_W, RULER_H), "", dim=True)
        self.header(p, QRectF(0, RULER_H, HEADER_W, STRIP_H), "Film", dim=True)
        self.header(p, QRectF(0, RULER_H + STRIP_H, HEADER_W, WAVE_H), "Sound", dim=True)
        labels, current = ws.lanes.labels(), ws.lanes.current
        rows = w.lane_rows()
        for number, row in enumerate(rows):
            track, rect = row.track, _rect(row)
            self.header(p, QRectF(0, rect.top(), HEADER_W, rect.height()), labels[track.id],
                        dim=not track.visible, eye=True, visible=track.visible)
            p.fillRect(rect, LANE_FILL if number % 2 == 0 else LANE_FILL_ALT)
            self.lane_state(p, track, rect, current=track.id == current)
        # In and out under the marks: a mark on the in or the out frame (a one-frame mark is a pin 3 px wide)
        # would be hidden under the marker's line.
        self._in_out(p)
        for row in rows:
            track, rect = row.track, _rect(row)
            if not track.visible:
                continue
            p.save()
            p.setClipRect(rect)
            self._track(p, track, rect)
            if track.kind is TrackKind.TURN_TAKING:
                chains, marks = self._chains_in_view()
                paint_chains(p, rect, zoom, rate, chains, marks)
            p.restore()
        self._drag(p, rows)
        p.end()
        return pixmap

    def header(self, p: QPainter, rect: QRectF, text: str, *, dim: bool, eye: bool = False,
               visible: bool = True) -> None:
        p.fillRect(rect, HEADER_FILL)
        p.setPen(HEADER_LINE)
        p.drawLine(rect.bottomLeft(), rect.bottomRight())
        p.setPen(DIM_TEXT if dim else TEXT)
        room = rect.adjusted(8, 0, -24, 0)
        if eye:  # a lane's name: never clipped (the whole of it is the tooltip), room left for a lock
            room.setLeft(room.left() + 14)
        p.drawText(room, Qt.AlignmentFlag.AlignVCenter, elided_lane_name(p.fontMetrics(), text, int(room.width())))
        if eye:
            p.setPen(TEXT if visible else DIM_TEXT)
            p.drawText(QRectF(rect.right() - 22, rect.top(), 18, rect.height()), Qt.AlignmentFlag.AlignCenter,
                       "◉" if visible else "○")

    @staticmethod
    def lane_state(p: QPainter, track: Track, rect: QRectF, *, current: bool) -> None:
        """The current lane: a bar beside its name and a tint. Someone else's: a lock and a faint hatching."""
        if current:
            p.fillRect(QRectF(0, rect.top(), 4, rect.height()), CURRENT_LANE)
            p.fillRect(rect, QColor(77, 163, 255, 30))
        if track.read_only:
            p.fillRect(rect, QBrush(QColor(255, 255, 255, 18), Qt.BrushStyle.BDiagPattern))
            cx, cy = 12.0, rect.center().y()
            p.setPen(QPen(DIM_TEXT, 1.4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(cx - 3, cy - 7, 6, 8), 0, 180 * 16)  # the shackle
            p.fillRect(QRectF(cx - 4.5, cy - 2, 9, 7), DIM_TEXT)  # the body

    def _track(self, p: QPainter, track: Track, rect: QRectF) -> None:
        index, painter = self.w.index, self.painter
        assert index is not None and painter is not None
        marks = index.track(track.id)
        key = (track.id, index.version)
        colours = self._colours.get(key)
        if colours is None:
            self._colours = {k: v for k, v in self._colours.items() if k[1] == index.version}
            colours = self._colours[key] = painter.colour_indices(marks)
        painter.paint(p, rect, self.w.zoom, marks, colours, self.w.selected)

    def _chains_in_view(self) -> tuple[list[TurnChain], dict[int, Annotation]]:
        """The chains with a turn in view or spanning it, and their marks (not every mark of the film)."""
        ws = self.w.workspace
        assert ws is not None
        first, last = self.w.zoom.visible_frames()
        layer, shown = ws.layer, []
        marks: dict[int, Annotation] = {}
        for chain in ws.chains.values():
            links = [layer.get(link.annotation_id) for link in chain.links if link.annotation_id in layer]
            if not links or links[-1].start < first or links[0].start > last:
                continue
            shown.append(chain)
            marks.update((a.id, a) for a in links)
        return shown, marks

    def _in_out(self, p: QPainter) -> None:
        w = self.w
        if w.in_mark is None and w.out_mark is None:
            return
        top, bottom = 0.0, float(w.height())
        start = w.x_of_frame(w.in_mark if w.in_mark is not None else 0)
        end = w.x_of_frame((w.out_mark if w.out_mark is not None else w.zoom.frame_count - 1) + 1)
        start, end = max(start, HEADER_W), max(end, HEADER_W)
        p.fillRect(QRectF(start, top, end - start, bottom), QColor(255, 214, 102, 28))
        p.setPen(QPen(QColor("#ffd666"), 2))
        for x, tick in ((start, 6), (end, -6)):
            if x > HEADER_W:
                p.drawLine(QPointF(x, top), QPointF(x, bottom))
                p.drawLine(QPointF(x, top + 1), QPointF(x + tick, top + 1))

    def _drag(self, p: QPainter, rows: list[LaneRow]) -> None:
        if self.painter is None:
            return
        by_track = {row.track.id: row for row in rows}
        for annotation in self.w.drag_preview():
            row = by_track.get(annotation.track_id)
            if row is not None:
                p.save()
                p.setClipRect(_rect(row))
                self.painter.ghost(p, _rect(row), self.w.zoom, annotation)
                p.restore()


def _rect(row: LaneRow) -> QRectF:
    return QRectF(row.left, row.top, row.width, row.height)
