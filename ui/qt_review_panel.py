"""The shared review being prepared: its moments in the order the family will see them, a prompt for the
parent at each, and a tick for those that go into the family's handout.

A thin view over Workspace.review(): every change here is a workspace operation (one undo step, in the
vault at once); the window redraws the panel from the workspace's "review_changed" event.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vigtool.domain.model import ReviewItemKind
from vigtool.services.workspace import Workspace

POSITION_ROLE = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True)
class ReviewRow:
    """What the panel shows for one item (the window resolves clips and stills into these)."""

    position: int  # in the session
    kind: ReviewItemKind
    ref_id: int
    label: str  # "Clip 00:12.4 – 00:15.0 (2.6 s)  Looking up"
    prompt: str
    in_handout: bool
    first: int  # frames on its film, to show it in the player
    last: int
    on_this_film: bool


class ReviewPanel(QWidget):
    show_requested = Signal(int, int)  # first and last frame of an item on the open film
    add_requested = Signal()  # put the clip or still chosen under "Clips and stills" into the review
    present_requested = Signal()
    handout_requested = Signal()
    package_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        self._rows: list[ReviewRow] = []
        self._filling = False
        self.items = QListWidget()
        self.items.setWordWrap(True)
        self.items.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.items.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.items.setToolTip("Drag to change the order the family sees. Ticked moments go into the handout.")
        self.items.model().rowsMoved.connect(self._rows_moved)
        self.items.itemChanged.connect(self._item_changed)
        self.items.currentRowChanged.connect(self._current_row_changed)
        self.items.itemActivated.connect(self._activated)
        self.prompt = QLineEdit(placeholderText="A question for the parent at this moment")
        self.prompt.textEdited.connect(self._prompt_edited)
        self.prompt.setEnabled(False)
        add = QPushButton("Add chosen clip or still")
        add.setToolTip("Puts the clip or still chosen under Clips and stills at the end of the review.")
        add.clicked.connect(self.add_requested)
        self.up, self.down, self.remove = QPushButton("Earlier"), QPushButton("Later"), QPushButton("Take out")
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.remove.clicked.connect(self._remove)
        present, handout, package = QPushButton("Present…"), QPushButton("Handout…"), QPushButton("Package…")
        present.setToolTip("Shared review with the family (F5)")
        handout.setToolTip("The ticked moments as a PDF or web page for the family to keep")
        package.setToolTip("The whole review in one encrypted file, to take to the family's home")
        present.clicked.connect(self.present_requested)
        handout.clicked.connect(self.handout_requested)
        package.clicked.connect(self.package_requested)
        edit_row, share_row = QHBoxLayout(), QHBoxLayout()
        for button in (self.up, self.down, self.remove):
            edit_row.addWidget(button)
        for button in (present, handout, package):
            share_row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.items, 1)
        layout.addWidget(QLabel("Prompt for the parent"))
        layout.addWidget(self.prompt)
        layout.addWidget(add)
        layout.addLayout(edit_row)
        layout.addLayout(share_row)
        self.show_rows(None, [])

    # -- showing ---------------------------------------------------------------------------------
    def show_rows(self, workspace: Workspace | None, rows: list[ReviewRow]) -> None:
        """Redraw from the workspace's review, keeping the chosen row and the prompt being typed.

        A change that leaves the same moments in the same order (a prompt typed, a tick) is shown in place:
        the list is never cleared under the practitioner's hands, so the prompt field keeps its focus.
        """
        same_moments = workspace is self.workspace and [self._identity(r) for r in rows] == [
            self._identity(r) for r in self._rows]
        self.workspace, self._rows = workspace, rows
        if same_moments and rows:
            self._update_in_place(rows)
            return
        current = self.items.currentRow()
        self._filling = True
        try:
            self.items.clear()
            if not rows:
                empty = QListWidgetItem("No moments in the review yet. Choose a clip or still under Clips and "
                                        "stills, then press Add.")
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                self.items.addItem(empty)
            for number, row in enumerate(rows, 1):
                item = QListWidgetItem(self._title(number, row))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
                item.setCheckState(Qt.CheckState.Checked if row.in_handout else Qt.CheckState.Unchecked)
                item.setData(POSITION_ROLE, row.position)
                item.setToolTip(row.prompt)
                self.items.addItem(item)
            if rows:
                self.items.setCurrentRow(min(max(current, 0), len(rows) - 1))
        finally:
            self._filling = False
        self._current_changed(self.items.currentRow())

    @staticmethod
    def _identity(row: ReviewRow) -> tuple[object, ...]:
        return row.position, row.kind, row.ref_id, row.label, row.on_this_film

    @staticmethod
    def _title(number: int, row: ReviewRow) -> str:
        return f"{number}. {row.label}" + ("" if row.on_this_film else "  (another film)")

    def _update_in_place(self, rows: list[ReviewRow]) -> None:
        self._filling = True
        try:
            for index, row in enumerate(rows):
                item = self.items.item(index)  # the rows are there: the same moments are shown
                item.setToolTip(row.prompt)
                state = Qt.CheckState.Checked if row.in_handout else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)
        finally:
            self._filling = False
        if not self.prompt.hasFocus():  # an undo while elsewhere shows the prompt as it now is
            self._current_changed(self.items.currentRow())

    def _row(self, index: int) -> ReviewRow | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def _current_row_changed(self, index: int) -> None:
        if not self._filling:  # while the list is refilled its rows come and go; the prompt stays as it is
            self._current_changed(index)

    def _current_changed(self, index: int) -> None:
        row = self._row(index)
        self.prompt.setEnabled(row is not None)
        for button in (self.up, self.down, self.remove):
            button.setEnabled(row is not None)
        text = row.prompt if row is not None else ""
        if self.prompt.text() != text:  # never reset what is being typed (and its cursor)
            self.prompt.setText(text)

    # -- editing (each one workspace operation) ----------------------------------------------------
    def _prompt_edited(self, text: str) -> None:
        row = self._row(self.items.currentRow())
        if row is not None and self.workspace is not None:
            self.workspace.review.set_prompt(row.position, text)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._filling or self.workspace is None:
            return
        row = self._row(self.items.row(item))
        chosen = item.checkState() == Qt.CheckState.Checked
        if row is not None and row.in_handout != chosen:
            self.workspace.review.set_in_handout(row.position, chosen)

    def _rows_moved(self, _parent: QModelIndex | QPersistentModelIndex, start: int, _end: int,
                    _destination: QModelIndex | QPersistentModelIndex, target: int) -> None:
        if self._filling or self.workspace is None:
            return
        new = target if target < start else target - 1
        old_row, new_row = self._row(start), self._row(new)
        if old_row is not None and new_row is not None:
            workspace = self.workspace
            # After the drop has finished: the redraw that follows the change rebuilds this list.
            QTimer.singleShot(0, lambda: workspace.review.move(old_row.position, new_row.position))

    def _move(self, step: int) -> None:
        index = self.items.currentRow()
        row, other = self._row(index), self._row(index + step)
        if row is not None and other is not None and self.workspace is not None:
            self.items.setCurrentRow(index + step)  # the chosen row follows the moment
            self.workspace.review.move(row.position, other.position)

    def _remove(self) -> None:
        row = self._row(self.items.currentRow())
        if row is not None and self.workspace is not None:
            self.workspace.review.remove(row.position)

    def _activated(self, item: QListWidgetItem) -> None:
        row = self._row(self.items.row(item))
        if row is not None and row.on_this_film:
            self.show_requested.emit(row.first, row.last)
