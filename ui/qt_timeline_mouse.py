"""The mouse on the timeline: scrub on the ruler, filmstrip and sound; in a lane, press to select, drag to
move a mark (onto another lane too) or its edge, drag in an empty part to draw a mark of the chosen code;
the wheel zooms at the pointer, Shift+wheel (or a sideways wheel) moves along the film.

An event filter on the widget, so the widget itself only holds state and paints. What is under the pointer
comes from the Qt-free geometry; the drag is a plain `MarkDrag` whose release is one workspace operation.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QToolTip

from vigtool.domain.timeline_drag import Create, DragKind, MarkDrag, Move, Resize
from vigtool.domain.timeline_geometry import HEADER_W, MarkHit, MarkPart

if TYPE_CHECKING:
    from ui.qt_timeline import TimelineWidget

WHEEL_NOTCH = 120  # Qt's angle delta of one notch
ZOOM_PER_NOTCH = 1.25
SCROLL_PER_NOTCH = 0.1  # of the visible width


class TimelineMouse(QObject):
    def __init__(self, widget: TimelineWidget) -> None:
        super().__init__(widget)
        self.w = widget
        self.drag: MarkDrag | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if watched is not self.w or self.w.workspace is None:
            return False
        if isinstance(event, QMouseEvent):
            if kind == QEvent.Type.MouseButtonPress:
                self.pressed(event)
            elif kind == QEvent.Type.MouseMove:
                self.moved(event)
            elif kind == QEvent.Type.MouseButtonRelease:
                self.released(event)
            elif kind == QEvent.Type.MouseButtonDblClick and not self.double_clicked(event):
                self.pressed(event)  # as QWidget does: a double-click elsewhere is a second press
            return True
        if kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            self.wheel(event)
            return True
        if kind == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            self.tooltip(event)
            return True
        return False

    def hit(self, track_id: int, x: float) -> MarkHit | None:
        index = self.w.index
        return None if index is None else self.w.geometry_.hit(index.track(track_id), x)

    def pressed(self, event: QMouseEvent) -> None:
        w, pos = self.w, event.position()
        row = w.geometry_.row_at(w.tracks(), pos.y())
        if pos.x() < HEADER_W:
            if row is not None:
                w.headers.pressed(row.track, pos, event)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        frame = w.frame_at_x(pos.x())
        if row is None or not row.track.visible:  # ruler, filmstrip, sound: scrub
            self.drag = MarkDrag(DragKind.SCRUB, frame)
            w.seek_requested.emit(frame)
            return
        track, hit = row.track, self.hit(row.track.id, pos.x())
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if hit is None:
            if not ctrl:
                w.select(set())
            w.seek_requested.emit(frame)
            if not track.read_only:  # someone else's lane is to look at (and copy from), never to draw on
                self.drag = MarkDrag(DragKind.CREATE, frame, track.id, current=frame, current_track=track.id)
        elif ctrl:
            w.select(w.selected ^ {hit.annotation.id})
        elif track.read_only:  # chosen to read in the inspector, not dragged
            w.select({hit.annotation.id})
        else:
            self._start_drag(hit, track.id, frame)

    def _start_drag(self, hit: MarkHit, track_id: int, frame: int) -> None:
        mark = hit.annotation
        if mark.id not in self.w.selected:
            self.w.select({mark.id})
        kind = DragKind(hit.part.value)
        ids = sorted(self.w.selected) if hit.part is MarkPart.BODY else [mark.id]
        if hit.part is MarkPart.START:  # an edge follows the frame boundary nearest the mouse
            frame = mark.start
        elif hit.part is MarkPart.END:
            frame = mark.end
        self.drag = MarkDrag(kind, frame, track_id, ids, current=frame, current_track=track_id)

    def moved(self, event: QMouseEvent) -> None:
        w, pos, drag = self.w, event.position(), self.drag
        if drag is None:
            self._hover_cursor(pos)
            return
        frame = w.geometry_.snapped(pos.x(), w.playhead, edge=drag.is_edge)
        if drag.kind is DragKind.SCRUB:
            w.seek_requested.emit(frame)
            return
        row = w.geometry_.row_at(w.tracks(), pos.y())
        takes = row is not None and row.track.visible and not row.track.read_only
        if drag.follow(frame, row.track.id if row is not None else None, track_takes_marks=takes):
            w.refresh()

    def released(self, event: QMouseEvent) -> None:
        try:
            self._released(event)
        except (ValueError, LookupError, OSError) as exc:
            # An exception escaping a Qt virtual takes the whole app down; say it and carry on instead.
            traceback.print_exc()
            self.w.problem.emit(f"That change was not made: {exc}")

    def _released(self, event: QMouseEvent) -> None:
        w, drag, ws = self.w, self.drag, self.w.workspace
        self.drag = None
        if drag is None or ws is None or drag.kind is DragKind.SCRUB:
            return
        x = event.position().x()
        drag.current = w.geometry_.snapped(x, w.playhead, edge=drag.is_edge)
        edit = drag.edit(ws.layer, ws.recording.frame_count, w.current_code,
                         moved_px=abs(x - w.x_of_frame(drag.frame + 0.5)))
        if isinstance(edit, Create):
            w.select({ws.marks.add(edit.code_id, edit.range, edit.track_id).id})
        elif isinstance(edit, Move):
            ws.marks.move(edit.ids, edit.delta, edit.target_track)
        elif isinstance(edit, Resize):
            ws.marks.resize(edit.annotation_id, edit.range)
        w.refresh()

    def _hover_cursor(self, pos: QPointF) -> None:
        row = self.w.geometry_.row_at(self.w.tracks(), pos.y())
        cursor = Qt.CursorShape.ArrowCursor
        if row is not None and row.track.visible:
            hit = self.hit(row.track.id, pos.x())
            if hit is not None:
                cursor = Qt.CursorShape.OpenHandCursor if hit.part is MarkPart.BODY else Qt.CursorShape.SizeHorCursor
        self.w.setCursor(cursor)

    def double_clicked(self, event: QMouseEvent) -> bool:
        pos = event.position()
        row = self.w.geometry_.row_at(self.w.tracks(), pos.y())
        return row is not None and self.w.headers.double_clicked(row.track, pos)

    def wheel(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        steps = delta.y() / WHEEL_NOTCH or delta.x() / WHEEL_NOTCH
        sideways = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier) or not delta.y()
        if not sideways:  # the plain wheel zooms at the pointer (it did nothing at whole-film zoom)
            self.w.zoom_by(ZOOM_PER_NOTCH ** steps, event.position().x() - HEADER_W)
        else:  # Shift+wheel, or a sideways wheel or touchpad, moves along the film
            self.w.scroll_by(-steps * SCROLL_PER_NOTCH * self.w.geometry_.lane_width / self.w.zoom.px_per_frame)

    def tooltip(self, event: QHelpEvent) -> None:
        row = self.w.geometry_.row_at(self.w.tracks(), event.pos().y())
        if row is not None and event.pos().x() < HEADER_W:
            QToolTip.showText(event.globalPos(), self.w.headers.lane_tooltip(row.track), self.w)
        else:
            QToolTip.hideText()
            event.ignore()
