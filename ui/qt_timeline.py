"""The timeline: a custom-painted widget over the workspace (no item per mark, no table).

Lanes from the top: time ruler, filmstrip, sound wave, then one lane per track. Marks are made by codebook
keys at the playhead (the window does that) or by dragging in a lane; dragging a mark moves it (onto
another lane too), dragging its edge resizes it, always snapped to whole frames (and to the playhead when
near). While dragging, nothing is written; on release the change becomes one operation, one undo step.
Everything but the playhead is painted into a cached pixmap, so playback only repaints a thin strip.
"""

from __future__ import annotations

import math
import traceback
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QInputDialog, QMenu, QSizePolicy, QToolTip, QWidget

from ui.qt_timeline_paint import (
    DIM_TEXT,
    LANE_FILL,
    LANE_FILL_ALT,
    TEXT,
    TrackPainter,
    paint_chains,
    paint_filmstrip,
    paint_ruler,
    paint_wave,
)
from vigtool.domain.events import Event
from vigtool.domain.model import Annotation, Track, TrackKind
from vigtool.domain.time import FrameRange
from vigtool.domain.timeline import TimelineIndex, Zoom
from vigtool.media.previews import AudioEnvelope, Filmstrip
from vigtool.services.lanes import ReadOnlyLaneError
from vigtool.services.workspace import Workspace

HEADER_W = 156
RULER_H = 20
STRIP_H = 46
WAVE_H = 34
TRACK_H = 32
HIDDEN_H = 14
EDGE_PX = 5
SNAP_PX = 6
CURRENT_LANE = QColor("#4da3ff")  # the lane the code keys mark: a bar beside its name, a tint over it


def elided_lane_name(metrics: QFontMetrics, label: str, width: int) -> str:
    """A lane's label in `width` pixels: "Person: lane" shortens the person's name first, so the lane
    stays readable ("Anna Lin…: Parent"), then the lane's own name."""
    if metrics.horizontalAdvance(label) <= width or ": " not in label:
        return metrics.elidedText(label, Qt.TextElideMode.ElideRight, width)
    person, lane = label.split(": ", 1)
    room = width - metrics.horizontalAdvance(f": {lane}")
    if room >= metrics.horizontalAdvance("Wi…"):
        return f"{metrics.elidedText(person, Qt.TextElideMode.ElideRight, room)}: {lane}"
    return metrics.elidedText(label, Qt.TextElideMode.ElideRight, width)


@dataclass
class _Drag:
    kind: str  # "scrub", "move", "start", "end", "create"
    frame: int  # where the press was
    track_id: int | None = None
    ids: list[int] = field(default_factory=list)
    current: int = 0
    current_track: int | None = None


class TimelineWidget(QWidget):
    seek_requested = Signal(int)
    selection_changed = Signal()
    problem = Signal(str)
    notice = Signal(str)  # what a click did (the current lane chosen), for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        self.index: TimelineIndex | None = None
        self.zoom = Zoom(1, 100)
        self.playhead = 0
        self.in_mark: int | None = None
        self.out_mark: int | None = None
        self.selected: set[int] = set()
        self.current_code: str | None = None  # what dragging in a lane creates (the palette's choice)
        self.thumbs: list[tuple[int, QPixmap]] = []
        self.envelope: AudioEnvelope | None = None
        self._thumb_frames: set[int] = set()
        self._previews_shown = 0  # counts the parts shown, for the painting cache
        self._drag: _Drag | None = None
        self._content: QPixmap | None = None
        self._content_key: tuple[object, ...] | None = None
        self._painter: TrackPainter | None = None
        self._colours: dict[tuple[int, int], npt.NDArray[np.int64]] = {}
        self._disconnects: list[object] = []
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(RULER_H + STRIP_H + WAVE_H + 2 * TRACK_H)

    # -- model -----------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace | None) -> None:
        for disconnect in self._disconnects:
            disconnect()  # type: ignore[operator]
        self._disconnects = []
        if self.index is not None:
            self.index.disconnect()
        self.workspace, self.selected, self.thumbs, self.envelope = workspace, set(), [], None
        self._thumb_frames = set()
        self.index = TimelineIndex(workspace.layer) if workspace is not None else None
        if workspace is not None:
            self._disconnects = [workspace.layer.events.connect(self._model_changed),
                                 workspace.events.connect(self._model_changed)]
            self.zoom = Zoom(workspace.recording.frame_count, self._lane_width())
            self.zoom.fit()
            self._new_painter()
        self.playhead, self.in_mark, self.out_mark = 0, None, None
        self._fit_height()
        self._invalidate()

    def set_previews(self, filmstrip: Filmstrip | None, envelope: AudioEnvelope | None) -> None:
        self.thumbs, self._thumb_frames = [], set()
        self.envelope = envelope
        if filmstrip is not None:
            self._add_thumbnails(filmstrip)
        self._previews_shown += 1
        self._invalidate()

    def show_preview(self, preview: Filmstrip | AudioEnvelope) -> None:
        """A preview as far as it is built (or whole): new thumbnails are added, the sound wave replaced."""
        if isinstance(preview, AudioEnvelope):
            self.envelope = preview
        else:
            self._add_thumbnails(preview)
        self._previews_shown += 1
        self._invalidate()

    def _add_thumbnails(self, filmstrip: Filmstrip) -> None:
        for position, frame in enumerate(filmstrip.frames):
            if frame in self._thumb_frames:
                continue  # made into a pixmap when an earlier part arrived
            image = filmstrip.image(position)
            height, width, _ = image.shape
            qimage = QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
            self.thumbs.append((frame, QPixmap.fromImage(qimage)))
            self._thumb_frames.add(frame)
        self.thumbs.sort(key=lambda thumb: thumb[0])

    def _new_painter(self) -> None:
        assert self.workspace is not None
        book = self.workspace.codebook
        self._painter = TrackPainter({c.id: book.colour_of(c.id) for c in book.codes},
                                     {c.id: c.label for c in book.codes})
        self._colours.clear()

    def _model_changed(self, event: Event) -> None:
        if event.kind == "codebook_changed":
            self._new_painter()
        if event.kind == "annotation_removed":
            self.selected.discard(event.payload["annotation_id"])
        if event.kind.startswith("track"):
            self._fit_height()
        self._invalidate()

    def _fit_height(self) -> None:
        self.setMinimumHeight(self.sizeHint().height())  # every lane visible, whatever the splitter says
        self.updateGeometry()

    def update_labels(self) -> None:
        """Lane names changed outside the model (a person renamed): paint them again."""
        self._invalidate()

    def _invalidate(self) -> None:
        self._content_key = None
        self.update()

    # -- geometry (public: tests and the window use it) -------------------------------------------
    def _lane_width(self) -> int:
        return max(self.width() - HEADER_W, 1)

    def rows(self) -> list[tuple[Track, QRectF]]:
        """Each track with the rectangle of its lane (hidden tracks get a thin row)."""
        result = []
        y = float(RULER_H + STRIP_H + WAVE_H)
        tracks = self.workspace.layer.tracks if self.workspace is not None else []
        for track in tracks:
            height = TRACK_H if track.visible else HIDDEN_H
            result.append((track, QRectF(HEADER_W, y, self._lane_width(), height)))
            y += height
        return result

    def lane_rect(self, track_id: int) -> QRectF:
        return next(rect for track, rect in self.rows() if track.id == track_id)

    def x_of_frame(self, frame: float) -> float:
        return HEADER_W + self.zoom.x_of(frame)

    def frame_at_x(self, x: float) -> int:
        frame = math.floor(self.zoom.frame_at(x - HEADER_W))  # the frame whose slot holds x
        if self.workspace is None:
            return 0
        return min(max(frame, 0), self.workspace.recording.frame_count - 1)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        rows = self.rows()
        bottom = rows[-1][1].bottom() if rows else RULER_H + STRIP_H + WAVE_H + TRACK_H
        return QSize(900, int(bottom) + 4)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.zoom.resize(self._lane_width())
        self._invalidate()

    # -- playhead, marks, zoom -------------------------------------------------------------------
    def set_playhead(self, frame: int, *, follow: bool = True) -> None:
        if frame == self.playhead:
            return
        old_x = self.x_of_frame(self.playhead)
        self.playhead = frame
        if follow:
            before = self.zoom.first
            self.zoom.keep_visible(frame)
            if self.zoom.first != before:
                self._invalidate()
                return
        for x in (old_x, self.x_of_frame(frame)):
            self.update(QRect(int(x) - 8, 0, int(self.zoom.px_per_frame) + 18, self.height()))

    def set_marks(self, in_mark: int | None, out_mark: int | None) -> None:
        self.in_mark, self.out_mark = in_mark, out_mark
        self._invalidate()

    def zoom_by(self, factor: float, around_x: float | None = None) -> None:
        x = self.x_of_frame(self.playhead) - HEADER_W if around_x is None else around_x
        self.zoom.zoom_at(factor, x)
        self._invalidate()

    def zoom_fit(self) -> None:
        self.zoom.fit()
        self._invalidate()

    def zoom_frames(self) -> None:
        """The closest zoom: every frame 20 pixels wide, around the playhead."""
        self.zoom_by(1e9)

    def select(self, ids: set[int]) -> None:
        self.selected = set(ids)
        self.selection_changed.emit()
        self._invalidate()

    def selected_annotations(self) -> list[Annotation]:
        if self.workspace is None:
            return []
        layer = self.workspace.layer
        return sorted((layer.get(i) for i in self.selected if i in layer), key=lambda a: (a.start, a.id))

    # -- painting --------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        key = (self.size().toTuple(), self.zoom.first, self.zoom.px_per_frame, self.index and self.index.version,
               frozenset(self.selected), self.in_mark, self.out_mark, self._previews_shown,
               self._drag and (self._drag.kind, self._drag.current, self._drag.current_track))
        if self._content is None or self._content_key != key or self._content.size() != self.size():
            self._content = self.render_content()
            self._content_key = key
        p = QPainter(self)
        p.drawPixmap(event.rect(), self._content, event.rect())
        if self.workspace is not None:
            x = self.x_of_frame(self.playhead)
            width = max(self.zoom.px_per_frame, 1.0)
            p.fillRect(QRectF(x, 0, width, self.height()), QColor(255, 64, 64, 60))
            p.setPen(QPen(QColor("#ff4b4b"), 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    def render_content(self) -> QPixmap:
        """Everything but the playhead (cached until the model, zoom, selection or size change)."""
        pixmap = QPixmap(self.size())
        pixmap.fill(QColor("#1b1d21"))
        p = QPainter(pixmap)
        if self.workspace is None or self.index is None:
            p.setPen(DIM_TEXT)
            p.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter,
                       "The timeline appears when you open a film.")
            p.end()
            return pixmap
        rate = self.workspace.recording.rate
        width = self._lane_width()
        paint_ruler(p, QRectF(HEADER_W, 0, width, RULER_H), self.zoom, rate)
        paint_filmstrip(p, QRectF(HEADER_W, RULER_H, width, STRIP_H), self.zoom, self.thumbs)
        paint_wave(p, QRectF(HEADER_W, RULER_H + STRIP_H, width, WAVE_H), self.zoom, rate, self.envelope,
                   has_sound=self.workspace.recording.has_audio)
        self._paint_header(p, QRectF(0, 0, HEADER_W, RULER_H), "", dim=True)
        self._paint_header(p, QRectF(0, RULER_H, HEADER_W, STRIP_H), "Film", dim=True)
        self._paint_header(p, QRectF(0, RULER_H + STRIP_H, HEADER_W, WAVE_H), "Sound", dim=True)
        annotations = {a.id: a for a in self.workspace.layer}
        labels, current = self.workspace.lanes.labels(), self.workspace.lanes.current
        for number, (track, rect) in enumerate(self.rows()):
            self._paint_header(p, QRectF(0, rect.top(), HEADER_W, rect.height()), labels[track.id],
                               dim=not track.visible, eye=True, visible=track.visible)
            p.fillRect(rect, LANE_FILL if number % 2 == 0 else LANE_FILL_ALT)
            self._paint_lane_state(p, track, rect, current=track.id == current)
            if not track.visible:
                continue
            p.save()
            p.setClipRect(rect)
            self._paint_track(p, track, rect)
            if track.kind is TrackKind.TURN_TAKING:
                paint_chains(p, rect, self.zoom, rate, list(self.workspace.chains.values()), annotations)
            p.restore()
        self._paint_marks(p)
        self._paint_drag(p)
        p.end()
        return pixmap

    def _paint_header(self, p: QPainter, rect: QRectF, text: str, *, dim: bool, eye: bool = False,
                      visible: bool = True) -> None:
        p.fillRect(rect, QColor("#202328"))
        p.setPen(QColor("#33373d"))
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

    def _paint_lane_state(self, p: QPainter, track: Track, rect: QRectF, *, current: bool) -> None:
        """The current lane: a bar beside its name and a tint. Someone else's: a lock and a faint hatching."""
        header = QRectF(0, rect.top(), HEADER_W, rect.height())
        if current:
            p.fillRect(QRectF(0, rect.top(), 4, rect.height()), CURRENT_LANE)
            p.fillRect(rect, QColor(77, 163, 255, 30))
        if track.read_only:
            p.fillRect(rect, QBrush(QColor(255, 255, 255, 18), Qt.BrushStyle.BDiagPattern))
            cx, cy = 12.0, header.center().y()
            p.setPen(QPen(DIM_TEXT, 1.4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(cx - 3, cy - 7, 6, 8), 0, 180 * 16)  # the shackle
            p.fillRect(QRectF(cx - 4.5, cy - 2, 9, 7), DIM_TEXT)  # the body

    def lane_tooltip(self, track: Track) -> str:
        ws = self.workspace
        assert ws is not None
        label = ws.lanes.label(track.id)
        if track.read_only:
            who = ws.lanes.people.name_of(track.owner)
            return f"{label}\n{who}'s marks, as {who} sent them: read-only."
        if track.id == ws.lanes.current:
            return f"{label}\nThe code keys mark this lane (click again: each code to its own lane)."
        return f"{label}\nClick to make the code keys mark this lane."

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent) and self.workspace is not None:
            row = self._track_at(event.pos().y())
            if row is not None and event.pos().x() < HEADER_W:
                QToolTip.showText(event.globalPos(), self.lane_tooltip(row[0]), self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _paint_track(self, p: QPainter, track: Track, rect: QRectF) -> None:
        assert self.index is not None and self._painter is not None
        index = self.index.track(track.id)
        key = (track.id, self.index.version)
        colours = self._colours.get(key)
        if colours is None:
            self._colours = {k: v for k, v in self._colours.items() if k[1] == self.index.version}
            colours = self._colours[key] = self._painter.colour_indices(index)
        self._painter.paint(p, rect, self.zoom, index, colours, self.selected)

    def _paint_marks(self, p: QPainter) -> None:
        if self.in_mark is None and self.out_mark is None:
            return
        top, bottom = 0.0, float(self.height())
        start = self.x_of_frame(self.in_mark if self.in_mark is not None else 0)
        end = self.x_of_frame((self.out_mark if self.out_mark is not None else self.zoom.frame_count - 1) + 1)
        start, end = max(start, HEADER_W), max(end, HEADER_W)
        p.fillRect(QRectF(start, top, end - start, bottom), QColor(255, 214, 102, 28))
        p.setPen(QPen(QColor("#ffd666"), 2))
        for x, tick in ((start, 6), (end, -6)):
            if x > HEADER_W:
                p.drawLine(QPointF(x, top), QPointF(x, bottom))
                p.drawLine(QPointF(x, top + 1), QPointF(x + tick, top + 1))

    def _paint_drag(self, p: QPainter) -> None:
        drag = self._drag
        if drag is None or self.workspace is None or self._painter is None or drag.kind == "scrub":
            return
        for annotation in self.drag_preview():
            if annotation.track_id in {t.id for t, _ in self.rows()}:
                rect = self.lane_rect(annotation.track_id)
                p.save()
                p.setClipRect(rect)
                self._painter.ghost(p, rect, self.zoom, annotation)
                p.restore()

    def drag_preview(self) -> list[Annotation]:
        """Where the marks being dragged would land if the mouse were released now."""
        drag, ws = self._drag, self.workspace
        if drag is None or ws is None:
            return []
        delta = drag.current - drag.frame
        if drag.kind == "create" and drag.track_id is not None:
            lo, hi = sorted((drag.frame, drag.current))
            return [Annotation(0, drag.current_track or drag.track_id, FrameRange(lo, hi + 1), self.current_code)]
        if drag.kind == "move":
            moved = []
            for a in (ws.layer.get(i) for i in drag.ids):
                track = drag.current_track if drag.current_track is not None and len(drag.ids) == 1 else a.track_id
                moved.append(Annotation(a.id, track, a.range.shifted(delta).clamped(ws.recording.frame_count),
                                        a.code_id, a.actor, a.note))
            return moved
        a = ws.layer.get(drag.ids[0])
        if drag.kind == "start":
            start = min(a.start + delta, a.end - 1)
            return [Annotation(a.id, a.track_id, FrameRange(max(start, 0), a.end), a.code_id, a.actor, a.note)]
        end = max(a.end + delta, a.start + 1)
        return [Annotation(a.id, a.track_id, FrameRange(a.start, min(end, ws.recording.frame_count)),
                           a.code_id, a.actor, a.note)]

    # -- mouse -----------------------------------------------------------------------------------
    def _track_at(self, y: float) -> tuple[Track, QRectF] | None:
        return next(((t, r) for t, r in self.rows() if r.top() <= y < r.bottom()), None)

    def _snapped(self, x: float, *, edge: bool = False) -> int:
        """The frame under x (for an edge: the nearest frame boundary), or the playhead when close to it."""
        if edge:
            if abs(x - self.x_of_frame(self.playhead)) <= SNAP_PX:
                return self.playhead
            return min(max(round(self.zoom.frame_at(x - HEADER_W)), 0), self.zoom.frame_count)
        if abs(x - self.x_of_frame(self.playhead + 0.5)) <= SNAP_PX:
            return self.playhead
        return self.frame_at_x(x)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        ws, pos = self.workspace, event.position()
        if ws is None or self.index is None:
            return
        row = self._track_at(pos.y())
        if pos.x() < HEADER_W:
            if row is not None:
                self._header_pressed(row[0], pos, event)
            return
        frame = self.frame_at_x(pos.x())
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if row is None or not row[0].visible:  # ruler, filmstrip, sound: scrub
            self._drag = _Drag("scrub", frame)
            self.seek_requested.emit(frame)
            return
        track, _rect = row
        slack = max(1, int(np.ceil(EDGE_PX / self.zoom.px_per_frame)))
        hit = self.index.track(track.id).hit(frame, slack)
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if hit is None:
            if not ctrl:
                self.select(set())
            self.seek_requested.emit(frame)
            if not track.read_only:  # someone else's lane is to look at (and copy from), never to draw on
                self._drag = _Drag("create", frame, track.id, current=frame, current_track=track.id)
        elif ctrl:
            self.select(self.selected ^ {hit.id})
        elif track.read_only:  # chosen to read in the inspector, not dragged
            self.select({hit.id})
        else:
            self._start_drag(hit, track, frame, pos)

    def _start_drag(self, hit: Annotation, track: Track, frame: int, pos: QPointF) -> None:
        if hit.id not in self.selected:
            self.select({hit.id})
        kind = "move"
        if hit.end - hit.start > 1:
            if abs(pos.x() - self.x_of_frame(hit.start)) <= EDGE_PX:
                kind = "start"
            elif abs(pos.x() - self.x_of_frame(hit.end)) <= EDGE_PX:
                kind = "end"
        ids = [hit.id] if kind != "move" else sorted(self.selected)
        if kind != "move":  # an edge follows the frame boundary nearest the mouse
            frame = hit.start if kind == "start" else hit.end
        self._drag = _Drag(kind, frame, track.id, ids, current=frame, current_track=track.id)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos, drag = event.position(), self._drag
        if drag is None:
            self._hover_cursor(pos)
            return
        frame = self._snapped(pos.x(), edge=drag.kind in ("start", "end"))
        if drag.kind == "scrub":
            self.seek_requested.emit(frame)
            return
        row = self._track_at(pos.y())
        if (frame, row and row[0].id) != (drag.current, drag.current_track):
            drag.current = frame
            if row is not None and row[0].visible and not row[0].read_only and drag.kind in ("move", "create"):
                drag.current_track = row[0].id if drag.kind == "move" else drag.track_id
            self._invalidate()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        try:
            self._released(event)
        except (ValueError, LookupError, OSError) as exc:
            # An exception escaping a Qt virtual takes the whole app down; say it and carry on instead.
            traceback.print_exc()
            self.problem.emit(f"That change was not made: {exc}")

    def _released(self, event: QMouseEvent) -> None:
        drag, ws = self._drag, self.workspace
        if drag is None or ws is None or drag.kind == "scrub":
            self._drag = None
            return
        drag.current = self._snapped(event.position().x(), edge=drag.kind in ("start", "end"))
        preview = self.drag_preview()
        self._drag = None
        if drag.kind == "create":
            if abs(event.position().x() - self.x_of_frame(drag.frame + 0.5)) >= 4 and preview:
                made = ws.marks.add(self.current_code, preview[0].range, drag.track_id)
                self.select({made.id})
        elif drag.kind == "move" and (drag.current != drag.frame or drag.current_track != drag.track_id):
            delta = drag.current - drag.frame
            target = drag.current_track if len(drag.ids) == 1 and drag.current_track != drag.track_id else None
            ws.marks.move(drag.ids, delta, target)
        elif drag.kind in ("start", "end") and drag.current != drag.frame:
            ws.marks.resize(drag.ids[0], preview[0].range)
        self._invalidate()

    def _hover_cursor(self, pos: QPointF) -> None:
        row = self._track_at(pos.y())
        cursor = Qt.CursorShape.ArrowCursor
        if row is not None and pos.x() >= HEADER_W and self.index is not None and row[0].visible:
            hit = self.index.track(row[0].id).hit(self.frame_at_x(pos.x()),
                                                  max(1, int(np.ceil(EDGE_PX / self.zoom.px_per_frame))))
            if hit is not None:
                near_edge = hit.end - hit.start > 1 and min(abs(pos.x() - self.x_of_frame(hit.start)),
                                                            abs(pos.x() - self.x_of_frame(hit.end))) <= EDGE_PX
                cursor = Qt.CursorShape.SizeHorCursor if near_edge else Qt.CursorShape.OpenHandCursor
        self.setCursor(cursor)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        steps = event.angleDelta().y() / 120 or event.angleDelta().x() / 120
        sideways = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier) or not event.angleDelta().y()
        if not sideways:  # the plain wheel zooms at the pointer (it did nothing at whole-film zoom)
            self.zoom_by(1.25 ** steps, event.position().x() - HEADER_W)
        else:  # Shift+wheel, or a sideways wheel or touchpad, moves along the film
            self.zoom.first -= steps * 0.1 * self._lane_width() / self.zoom.px_per_frame
            self.zoom.clamp()
            self._invalidate()

    # -- track headers ---------------------------------------------------------------------------
    def _header_pressed(self, track: Track, pos: QPointF, event: QMouseEvent) -> None:
        ws = self.workspace
        assert ws is not None
        if event.button() == Qt.MouseButton.LeftButton and pos.x() >= HEADER_W - 24:
            ws.tracks.set_visible(track.id, not track.visible)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.choose_lane(track)
        elif event.button() == Qt.MouseButton.RightButton:
            self.track_menu(track).popup(event.globalPosition().toPoint())

    def choose_lane(self, track: Track) -> None:
        """Make the lane the one code keys mark (again: each code to its own lane); not someone else's."""
        ws = self.workspace
        assert ws is not None
        try:
            ws.lanes.choose(None if ws.lanes.current == track.id else track.id)
        except ReadOnlyLaneError as exc:
            self.problem.emit(str(exc))
            return
        current = ws.lanes.current
        self.notice.emit(f"The code keys mark '{ws.lanes.label(current)}'." if current is not None else
                         "The code keys mark each code on its own lane (initiatives on Baby, the rest on Parent).")
        self._invalidate()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        row = self._track_at(event.position().y())
        if row is not None and event.position().x() < HEADER_W - 24 and not row[0].read_only:
            self.rename_track(row[0])
        else:
            super().mouseDoubleClickEvent(event)

    def track_menu(self, track: Track) -> QMenu:
        ws = self.workspace
        assert ws is not None
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.rename_track(track)).setEnabled(not track.read_only)
        if not track.read_only:
            menu.addAction("Mark here with the code keys", lambda: self.choose_lane(track))
        menu.addAction("Hide" if track.visible else "Show", lambda: ws.tracks.set_visible(track.id, not track.visible))
        position = [t.id for t in ws.layer.tracks].index(track.id)
        menu.addAction("Move up", lambda: ws.tracks.move(track.id, position - 1)).setEnabled(position > 0)
        menu.addAction("Move down", lambda: ws.tracks.move(track.id, position + 1)).setEnabled(
            position < len(ws.layer.tracks) - 1)
        menu.addSeparator()
        menu.addAction("Add a track…", self.add_track)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return menu

    def rename_track(self, track: Track) -> None:
        name, ok = QInputDialog.getText(self, "Rename track", "Name of the track:", text=track.name)
        if ok and name.strip() and self.workspace is not None:
            self.workspace.tracks.rename(track.id, name)

    def add_track(self) -> None:
        name, ok = QInputDialog.getText(self, "Add a track", "Name of the new track (e.g. “Sibling”):")
        if ok and name.strip() and self.workspace is not None:
            self.workspace.tracks.add(name.strip(), TrackKind.CUSTOM)
