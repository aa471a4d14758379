"""The timeline's lane headers: a click chooses the lane the code keys mark, the eye hides or shows it, a
right-click offers rename, reorder and a new track, a double-click renames. Someone else's lane is read-only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QInputDialog, QMenu

from vigtool.domain.model import Track, TrackKind
from vigtool.domain.timeline_geometry import HEADER_W
from vigtool.services.lanes import ReadOnlyLaneError

if TYPE_CHECKING:
    from ui.qt_timeline import TimelineWidget

EYE_W = 24  # the eye at a header's right end


class TrackHeaders:
    def __init__(self, widget: TimelineWidget) -> None:
        self.w = widget

    def pressed(self, track: Track, pos: QPointF, event: QMouseEvent) -> None:
        ws = self.w.workspace
        assert ws is not None
        if event.button() == Qt.MouseButton.LeftButton and pos.x() >= HEADER_W - EYE_W:
            ws.tracks.set_visible(track.id, not track.visible)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.choose_lane(track)
        elif event.button() == Qt.MouseButton.RightButton:
            self.track_menu(track).popup(event.globalPosition().toPoint())

    def double_clicked(self, track: Track, pos: QPointF) -> bool:
        """A double-click on a lane's name renames it (True: it was one)."""
        if pos.x() >= HEADER_W - EYE_W or track.read_only:
            return False
        self.rename_track(track)
        return True

    def choose_lane(self, track: Track) -> None:
        """Make the lane the one code keys mark (again: each code to its own lane); not someone else's."""
        ws = self.w.workspace
        assert ws is not None
        try:
            ws.lanes.choose(None if ws.lanes.current == track.id else track.id)
        except ReadOnlyLaneError as exc:
            self.w.problem.emit(str(exc))
            return
        current = ws.lanes.current
        self.w.notice.emit(f"The code keys mark '{ws.lanes.label(current)}'." if current is not None else
                           "The code keys mark each code on its own lane (initiatives on Baby, the rest on "
                           "Parent).")
        self.w.refresh()

    def lane_tooltip(self, track: Track) -> str:
        ws = self.w.workspace
        assert ws is not None
        label = ws.lanes.label(track.id)
        if track.read_only:
            who = ws.lanes.people.name_of(track.owner)
            return f"{label}\n{who}'s marks, as {who} sent them: read-only."
        if track.id == ws.lanes.current:
            return f"{label}\nThe code keys mark this lane (click again: each code to its own lane)."
        return f"{label}\nClick to make the code keys mark this lane."

    def track_menu(self, track: Track) -> QMenu:
        ws = self.w.workspace
        assert ws is not None
        menu = QMenu(self.w)
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
        name, ok = QInputDialog.getText(self.w, "Rename track", "Name of the track:", text=track.name)
        if ok and name.strip() and self.w.workspace is not None:
            self.w.workspace.tracks.rename(track.id, name)

    def add_track(self) -> None:
        name, ok = QInputDialog.getText(self.w, "Add a track", "Name of the new track (e.g. “Sibling”):")
        if ok and name.strip() and self.w.workspace is not None:
            self.w.workspace.tracks.add(name.strip(), TrackKind.CUSTOM)
