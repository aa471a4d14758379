"""The shared review being prepared: its moments in the order the family will see them, a prompt for the
parent at each, and a tick for those that go into the family's handout.

A thin view over `vigtool.services.review_editing.ReviewEditor`: the editor holds the moments and which one
is being worked on, and every change here is one of its operations (one undo step, in the vault at once);
the panel redraws from the editor's "rows_changed" and "current_changed" events.
"""

from __future__ import annotations

from collections.abc import Callable

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

from vigtool.domain.events import Event
from vigtool.services.review_editing import ReviewEditor, ReviewRow

__all__ = ["ReviewPanel", "ReviewRow"]

POSITION_ROLE = Qt.ItemDataRole.UserRole + 10


class ReviewPanel(QWidget):
    show_requested = Signal(int, int)  # first and last frame of an item on the open film
    add_requested = Signal()  # put the clip or still chosen under "Clips and stills" into the review
    present_requested = Signal()
    handout_requested = Signal()
    package_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor: ReviewEditor | None = None
        self._stop_following: Callable[[], None] | None = None
        self._shown: list[ReviewRow] = []
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
        self.sharing_buttons = (present, handout, package)  # with moments in the review only
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
        self.set_editor(None)

    # -- showing ---------------------------------------------------------------------------------
    def set_editor(self, editor: ReviewEditor | None) -> None:
        """Show the review being edited (None: no film is open), and follow it."""
        if self._stop_following is not None:
            self._stop_following()
            self._stop_following = None
        if self.editor is not None and self.editor is not editor:
            self.editor.close()
        self.editor = editor
        if editor is not None:
            self._stop_following = editor.events.connect(self._editor_changed)
        self._rebuild()

    def _editor_changed(self, event: Event) -> None:
        if event.kind == "rows_changed":
            if event.payload["same_moments"] and self._shown:
                self._update_in_place()
            else:
                self._rebuild()
        elif event.kind == "current_changed":
            self._show_current()

    def _rows(self) -> list[ReviewRow]:
        return self.editor.rows if self.editor is not None else []

    def _rebuild(self) -> None:
        """Fill the list again (the moments or their order changed)."""
        rows = self._rows()
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
        finally:
            self._filling = False
        self._shown = list(rows)
        for button in self.sharing_buttons:
            button.setEnabled(bool(rows))
        self._show_current()

    def _update_in_place(self) -> None:
        """Only prompts or ticks changed: the list is never cleared under the practitioner's hands, so the
        prompt field keeps its focus."""
        rows = self._rows()
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
        self._shown = list(rows)
        if not self.prompt.hasFocus():  # an undo while elsewhere shows the prompt as it now is
            self._show_current()

    @staticmethod
    def _title(number: int, row: ReviewRow) -> str:
        return f"{number}. {row.label}" + ("" if row.on_this_film else "  (another film)")

    def _show_current(self) -> None:
        row = self.editor.current_row if self.editor is not None else None
        index = self.editor.current if self.editor is not None and row is not None else -1
        if self.items.currentRow() != index:
            self._filling = True
            try:
                self.items.setCurrentRow(index)
            finally:
                self._filling = False
        self.prompt.setEnabled(row is not None)
        for button in (self.up, self.down, self.remove):
            button.setEnabled(row is not None)
        text = row.prompt if row is not None else ""
        if self.prompt.text() != text:  # never reset what is being typed (and its cursor)
            self.prompt.setText(text)

    # -- editing: each one operation of the editor -----------------------------------------------------
    def _current_row_changed(self, index: int) -> None:
        if not self._filling and self.editor is not None:
            # while the list is refilled its rows come and go; the current moment stays as it is
            self.editor.choose(index)

    def _prompt_edited(self, text: str) -> None:
        if self.editor is not None:
            self.editor.set_prompt(text)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._filling or self.editor is None:
            return
        self.editor.set_in_handout(self.items.row(item), item.checkState() == Qt.CheckState.Checked)

    def _rows_moved(self, _parent: QModelIndex | QPersistentModelIndex, start: int, _end: int,
                    _destination: QModelIndex | QPersistentModelIndex, target: int) -> None:
        if self._filling or self.editor is None:
            return
        editor, new = self.editor, target if target < start else target - 1

        def move_dropped() -> None:  # the moment dragged is the one worked on, wherever it lands
            editor.choose(start)
            editor.move(start, new)

        # After the drop has finished: the redraw that follows the change rebuilds this list.
        QTimer.singleShot(0, move_dropped)

    def _move(self, step: int) -> None:
        if self.editor is not None:
            self.editor.move_current(step)

    def _remove(self) -> None:
        if self.editor is not None:
            self.editor.remove_current()

    def _activated(self, item: QListWidgetItem) -> None:
        index = self.items.row(item)
        rows = self._rows()
        if 0 <= index < len(rows) and rows[index].on_this_film:
            self.show_requested.emit(rows[index].first, rows[index].last)
