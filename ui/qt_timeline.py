"""The timeline: a custom-painted widget over the workspace (no item per mark, no table).

Lanes from the top: time ruler, filmstrip, sound wave, then one lane per track. Marks are made by codebook
keys at the playhead (the window does that) or by dragging in a lane; dragging a mark moves it (onto
another lane too), dragging its edge resizes it, always snapped to whole frames (and to the playhead when
near). While dragging, nothing is written; on release the change becomes one operation, one undo step.
Everything but the playhead is painted into a cached pixmap, so playback only repaints a thin strip.

The parts: where things are (vigtool.domain.timeline_geometry, Qt-free), what a drag does
(vigtool.domain.timeline_drag, Qt-free), the mouse (qt_timeline_mouse), the lane headers
(qt_timeline_headers), the cached content (qt_timeline_content) and the painting of lanes
(qt_timeline_paint). This widget holds the state they share and paints the playhead.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.qt_timeline_content import TimelineContent, TimelinePreviews
from ui.qt_timeline_headers import TrackHeaders
from ui.qt_timeline_mouse import TimelineMouse
from ui.qt_timeline_paint import elided_lane_name
from vigtool.domain.events import Event
from vigtool.domain.model import Annotation, Track
from vigtool.domain.timeline import TimelineIndex
from vigtool.domain.timeline_geometry import HEADER_W, LANES_TOP, TRACK_H, LaneRow, TimelineGeometry
from vigtool.media.previews import AudioEnvelope, Filmstrip
from vigtool.services.workspace import Workspace

__all__ = ["HEADER_W", "TimelineWidget", "elided_lane_name"]

PLAYHEAD_TINT = QColor(255, 64, 64, 60)
PLAYHEAD_LINE = QColor("#ff4b4b")


class TimelineWidget(QWidget):
    seek_requested = Signal(int)
    selection_changed = Signal()
    problem = Signal(str)
    notice = Signal(str)  # what a click did (the current lane chosen), for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        self.index: TimelineIndex | None = None
        self.geometry_ = TimelineGeometry()
        self.zoom = self.geometry_.zoom  # the same object for the widget's life: tests and actions use it
        self.playhead = 0
        self.in_mark: int | None = None
        self.out_mark: int | None = None
        self.selected: set[int] = set()
        self.current_code: str | None = None  # what dragging in a lane creates (the palette's choice)
        self.previews = TimelinePreviews()
        self.content = TimelineContent(self)
        self.headers = TrackHeaders(self)
        self.mouse = TimelineMouse(self)
        self._cache: QPixmap | None = None
        self._cache_key: tuple[object, ...] | None = None
        self._disconnects: list[object] = []
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(LANES_TOP + 2 * TRACK_H)

    # -- model -----------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace | None) -> None:
        for disconnect in self._disconnects:
            disconnect()  # type: ignore[operator]
        self._disconnects = []
        if self.index is not None:
            self.index.disconnect()
        self.workspace, self.selected = workspace, set()
        self.previews.clear()
        self.index = TimelineIndex(workspace.layer) if workspace is not None else None
        if workspace is not None:
            self._disconnects = [workspace.layer.events.connect(self._model_changed),
                                 workspace.events.connect(self._model_changed)]
            self.zoom.frame_count = workspace.recording.frame_count
            self.geometry_.resize(self.width())
            self.zoom.fit()
            self.content.new_codebook()
        self.mouse.drag = None
        self.playhead, self.in_mark, self.out_mark = 0, None, None
        self._fit_height()
        self.refresh()

    def set_previews(self, filmstrip: Filmstrip | None, envelope: AudioEnvelope | None) -> None:
        self.previews.clear()
        self.previews.set_envelope(envelope)
        if filmstrip is not None:
            self.previews.add_thumbnails(filmstrip)
        self.refresh()

    def show_preview(self, preview: Filmstrip | AudioEnvelope) -> None:
        """A preview as far as it is built (or whole): new thumbnails are added, the sound wave replaced."""
        if isinstance(preview, AudioEnvelope):
            self.previews.set_envelope(preview)
        else:
            self.previews.add_thumbnails(preview)
        self.refresh()

    @property
    def thumbs(self) -> list[tuple[int, QPixmap]]:
        return self.previews.thumbs

    @property
    def envelope(self) -> AudioEnvelope | None:
        return self.previews.envelope

    def _model_changed(self, event: Event) -> None:
        if event.kind == "codebook_changed":
            self.content.new_codebook()
        if event.kind == "annotation_removed":
            self.selected.discard(event.payload["annotation_id"])
        if event.kind.startswith("track"):
            self._fit_height()
        self.refresh()

    def _fit_height(self) -> None:
        self.setMinimumHeight(self.sizeHint().height())  # every lane visible, whatever the splitter says
        self.updateGeometry()

    def refresh(self) -> None:
        """Something shown changed (a mark, a lane's name, the zoom, a drag): render the content again."""
        self._cache_key = None
        self.update()

    update_labels = refresh  # lane names changed outside the model (a person renamed)

    # -- geometry (public: tests and the window use it) -------------------------------------------
    def tracks(self) -> list[Track]:
        return self.workspace.layer.tracks if self.workspace is not None else []

    def lane_rows(self) -> list[LaneRow]:
        return self.geometry_.rows(self.tracks())

    def rows(self) -> list[tuple[Track, QRectF]]:
        """Each track with the rectangle of its lane (hidden tracks get a thin row)."""
        return [(row.track, QRectF(row.left, row.top, row.width, row.height)) for row in self.lane_rows()]

    def lane_rect(self, track_id: int) -> QRectF:
        return next(rect for track, rect in self.rows() if track.id == track_id)

    def x_of_frame(self, frame: float) -> float:
        return self.geometry_.x_of_frame(frame)

    def frame_at_x(self, x: float) -> int:
        return self.geometry_.frame_at_x(x) if self.workspace is not None else 0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(900, self.geometry_.height_for(self.tracks()))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.geometry_.resize(self.width())
        self.refresh()

    # -- playhead, marks, zoom -------------------------------------------------------------------
    def set_playhead(self, frame: int, *, follow: bool = True) -> None:
        if frame == self.playhead:
            return
        old = self.playhead
        self.playhead = frame
        if follow:
            before = self.zoom.first
            self.zoom.keep_visible(frame)
            if self.zoom.first != before:
                self.refresh()
                return
        for shown in (old, frame):  # only the strips the playhead leaves and enters are painted again
            left, width = self.geometry_.playhead_span(shown)
            self.update(QRect(left, 0, width, self.height()))

    def set_marks(self, in_mark: int | None, out_mark: int | None) -> None:
        self.in_mark, self.out_mark = in_mark, out_mark
        self.refresh()

    def zoom_by(self, factor: float, around_x: float | None = None) -> None:
        x = self.x_of_frame(self.playhead) - HEADER_W if around_x is None else around_x
        self.zoom.zoom_at(factor, x)
        self.refresh()

    def zoom_fit(self) -> None:
        self.zoom.fit()
        self.refresh()

    def zoom_frames(self) -> None:
        """The closest zoom: every frame 20 pixels wide, around the playhead."""
        self.zoom_by(1e9)

    def scroll_by(self, frames: float) -> None:
        self.zoom.first += frames
        self.zoom.clamp()
        self.refresh()

    def select(self, ids: set[int]) -> None:
        self.selected = set(ids)
        self.selection_changed.emit()
        self.refresh()

    def selected_annotations(self) -> list[Annotation]:
        if self.workspace is None:
            return []
        layer = self.workspace.layer
        return sorted((layer.get(i) for i in self.selected if i in layer), key=lambda a: (a.start, a.id))

    def drag_preview(self) -> list[Annotation]:
        """Where the marks being dragged would land if the mouse were released now."""
        drag, ws = self.mouse.drag, self.workspace
        if drag is None or ws is None:
            return []
        return drag.preview(ws.layer, ws.recording.frame_count, self.current_code)

    # -- painting --------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        drag = self.mouse.drag
        key = (self.size().toTuple(), self.zoom.first, self.zoom.px_per_frame, self.index and self.index.version,
               frozenset(self.selected), self.in_mark, self.out_mark, self.previews.shown,
               drag and (drag.kind, drag.current, drag.current_track))
        if self._cache is None or self._cache_key != key or self._cache.size() != self.size():
            self._cache = self.render_content()
            self._cache_key = key
        p = QPainter(self)
        p.drawPixmap(event.rect(), self._cache, event.rect())
        if self.workspace is not None:
            x = self.x_of_frame(self.playhead)
            p.fillRect(QRectF(x, 0, max(self.zoom.px_per_frame, 1.0), self.height()), PLAYHEAD_TINT)
            p.setPen(QPen(PLAYHEAD_LINE, 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    def render_content(self) -> QPixmap:
        """Everything but the playhead (cached until the model, zoom, selection or size change)."""
        return self.content.render()
