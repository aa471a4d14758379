"""Side panels: the case browser, the moments of a recording, and the codebook palette."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Actor, Annotation, Case, Recording, Track, TurnChain
from vigtool.domain.time import timecode

RECORDING_ROLE = Qt.ItemDataRole.UserRole + 1
FRAME_ROLE = Qt.ItemDataRole.UserRole + 2


class CaseBrowser(QTreeWidget):
    """Families (by pseudonym) and their recordings."""

    recording_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Families and films"])
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)

    def show_cases(self, cases: list[tuple[Case, list[Recording]]]) -> None:
        self.clear()
        if not cases:
            empty = QTreeWidgetItem(["No families yet — import a film (File ▸ Import)"])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addTopLevelItem(empty)
            return
        for case, recordings in cases:
            top = QTreeWidgetItem([case.label])
            for recording in recordings:
                w, h = recording.display_size
                seconds = float(recording.duration)
                child = QTreeWidgetItem([f"{recording.source_name}  ·  {int(seconds // 60)}:{seconds % 60:04.1f}"
                                         f"  ·  {w}×{h}"])
                child.setData(0, RECORDING_ROLE, recording.id)
                top.addChild(child)
            self.addTopLevelItem(top)
            top.setExpanded(True)

    def select_recording(self, recording_id: int) -> None:
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            children = [top.child(j) for j in range(top.childCount())] if top is not None else []
            for child in children:
                if child is not None and child.data(0, RECORDING_ROLE) == recording_id:
                    self.setCurrentItem(child)

    def _activated(self, item: QTreeWidgetItem) -> None:
        recording_id = item.data(0, RECORDING_ROLE)
        if recording_id is not None:
            self.recording_chosen.emit(int(recording_id))


class MomentsPanel(QTreeWidget):
    """The annotations of a recording, track by track; choosing one jumps the video to it."""

    frame_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Moment", "At", "Note"])
        self.setColumnWidth(0, 200)
        self.setColumnWidth(2, 260)
        self.setColumnWidth(1, 90)
        self.setRootIsDecorated(True)
        self.itemClicked.connect(self._clicked)

    def show_annotations(self, recording: Recording, tracks: list[Track], annotations: list[Annotation],
                         codebook: Codebook, chains: list[TurnChain]) -> None:
        self.clear()
        summary = QTreeWidgetItem([turn_summary(annotations, chains)])
        self.addTopLevelItem(summary)
        summary.setFirstColumnSpanned(True)  # only takes effect once the item is in the tree
        for track in tracks:
            mine = [a for a in annotations if a.track_id == track.id]
            top = QTreeWidgetItem([f"{track.name} ({len(mine)})"])
            for annotation in mine:
                label = codebook.code(annotation.code_id).label if annotation.code_id else "Note"
                child = QTreeWidgetItem([label, timecode(annotation.start, recording.rate)[3:], annotation.note])
                child.setData(0, FRAME_ROLE, annotation.start)
                if annotation.code_id:
                    child.setForeground(0, QBrush(QColor(codebook.colour_of(annotation.code_id))))
                child.setToolTip(2, annotation.note)
                top.addChild(child)
            self.addTopLevelItem(top)
            top.setExpanded(True)

    def _clicked(self, item: QTreeWidgetItem) -> None:
        frame = item.data(0, FRAME_ROLE)
        if frame is not None:
            self.frame_chosen.emit(int(frame))


def turn_summary(annotations: list[Annotation], chains: list[TurnChain]) -> str:
    """Strengths language: how many of the baby's initiatives were received."""
    by_id = {a.id: a for a in annotations}
    from_baby = sum(1 for a in annotations if a.actor is Actor.INFANT)
    received = sum(1 for c in chains if len(c.links) > 1 and by_id[c.links[0].annotation_id].actor is Actor.INFANT)
    def count(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    return (f"{count(len(chains), 'turn-taking exchange', 'turn-taking exchanges')} · "
            f"{count(from_baby, 'sound', 'sounds')} from baby · "
            f"{count(received, 'exchange', 'exchanges')} started by baby and received")


class CodebookPalette(QTreeWidget):
    """The VIG principles and their sub-items, with the key bound to each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Principle", "Key"])
        self.setColumnWidth(0, 300)

    def show_codebook(self, codebook: Codebook) -> None:
        self.clear()
        for principle in codebook.principles:
            codes = codebook.codes_of(principle.id)
            whole = next((c for c in codes if c.id == principle.id), None)
            title = f"{principle.number}. {principle.name}" if principle.number else principle.name
            top = QTreeWidgetItem([title, whole.key or "" if whole else ""])
            top.setForeground(0, QBrush(QColor(principle.colour)))
            for code in codes:
                if code.id != principle.id:
                    top.addChild(QTreeWidgetItem([code.label, code.key or ""]))
            self.addTopLevelItem(top)
