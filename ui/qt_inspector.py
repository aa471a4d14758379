"""The annotation inspector: what the selected mark says, and a place to change it (each change one step)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.qt_choice import chosen_or_none
from vigtool.domain.model import Actor, Annotation
from vigtool.domain.time import FrameRange, timecode
from vigtool.services.workspace import Workspace

EMPTY = ("Select a mark on the timeline to see and change it.\n\n"
         "Press a code key (1–6 for the principles, Q–R for the baby's initiatives) to mark the moment at the "
         "playhead, or drag in a lane.")


class Inspector(QWidget):
    jump_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        self.annotation: Annotation | None = None
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.empty.setStyleSheet("color: #9aa0a8; padding: 8px;")
        self.code = QComboBox()
        self.actor = QComboBox()
        for label, actor in (("—", None), ("Baby", Actor.INFANT), ("Parent", Actor.PARENT),
                             ("Practitioner", Actor.PRACTITIONER), ("Someone else", Actor.OTHER)):
            self.actor.addItem(label, actor)
        self.start = QSpinBox()
        self.last = QSpinBox()
        self.when = QLabel()
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What went well here, in kind words (kept encrypted in the vault)")
        self.jump = QPushButton("Go to this moment")
        form = QFormLayout()
        form.addRow("Code", self.code)
        form.addRow("Who", self.actor)
        form.addRow("First frame", self.start)
        form.addRow("Last frame", self.last)
        form.addRow("", self.when)
        form.addRow("Note", self.note)
        form.addRow("", self.jump)
        self.form = QWidget()
        self.form.setLayout(form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.form, 1)
        self.code.activated.connect(lambda _i: self._commit("Change code"))
        self.actor.activated.connect(lambda _i: self._commit("Change who"))
        self.start.editingFinished.connect(lambda: self._commit("Move start"))
        self.last.editingFinished.connect(lambda: self._commit("Move end"))
        self.note.textChanged.connect(self._note_changed)
        self.jump.clicked.connect(self._jump)
        self.show_annotations([])

    def _jump(self) -> None:
        if self.annotation is not None:
            self.jump_requested.emit(self.annotation.start)

    def set_workspace(self, workspace: Workspace | None) -> None:
        self.workspace = workspace
        self.show_annotations([])

    def show_annotations(self, annotations: list[Annotation]) -> None:
        ws = self.workspace
        self.annotation = annotations[0] if len(annotations) == 1 else None
        self.form.setVisible(self.annotation is not None and ws is not None)
        self.empty.setVisible(self.annotation is None)
        if len(annotations) > 1:
            self.empty.setText(f"{len(annotations)} marks selected. Drag one to move them together, "
                               "or press Delete to remove them (Ctrl+Z brings them back).")
        else:
            self.empty.setText(EMPTY)
        if self.annotation is None or ws is None:
            return
        a = self.annotation
        for widget in (self.code, self.actor, self.start, self.last, self.note):
            widget.blockSignals(True)
        self.code.clear()
        self.code.addItem("A note (no code)", None)
        for code in ws.codebook.codes:
            sub_item = code.id.startswith("init") or "." in code.id
            self.code.addItem(f"    {code.label}" if sub_item else code.label, code.id)  # never in capitals
        self.code.setCurrentIndex(max(self.code.findData(a.code_id), 0))
        self.actor.setCurrentIndex(max(self.actor.findData(a.actor), 0))
        last = ws.recording.frame_count - 1
        self.start.setRange(0, last)
        self.last.setRange(0, last)
        self.start.setValue(a.start)
        self.last.setValue(a.end - 1)
        rate = ws.recording.rate
        length = float(a.range.duration(rate))
        self.when.setText(f"{timecode(a.start, rate)} · {length:.2f} s" if a.end - a.start > 1
                          else f"{timecode(a.start, rate)} · a single frame")
        if self.note.toPlainText() != a.note:
            self.note.setPlainText(a.note)
        for widget in (self.code, self.actor, self.start, self.last, self.note):
            widget.blockSignals(False)
        self._show_whose(ws, a)

    def _show_whose(self, ws: Workspace, a: Annotation) -> None:
        """Someone else's mark is shown as it is, and cannot be edited here (the workspace refuses it too)."""
        track = ws.layer.track(a.track_id)
        for widget in (self.code, self.actor, self.start, self.last):
            widget.setEnabled(not track.read_only)
        self.note.setReadOnly(track.read_only)
        if track.read_only:
            who = ws.lanes.people.name_of(track.owner)
            self.when.setText(f"{self.when.text()}\n{who}'s mark, as {who} sent it: read-only")

    def _commit(self, text: str) -> None:
        ws, a = self.workspace, self.annotation
        if ws is None or a is None:
            return
        start = self.start.value()
        end = max(self.last.value() + 1, start + 1)
        new = replace(a, code_id=self.code.currentData(), actor=chosen_or_none(self.actor, Actor),
                      range=FrameRange(start, end))
        if new != a:
            ws.marks.change([new], text)

    def _note_changed(self) -> None:
        if self.workspace is not None and self.annotation is not None:
            self.workspace.marks.set_note(self.annotation.id, self.note.toPlainText())
