"""Side panels: the case browser, the codebook palette and the clip bin."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Case, Clip, Recording, Still
from vigtool.domain.time import timecode

RECORDING_ROLE = Qt.ItemDataRole.UserRole + 1
CASE_ROLE = Qt.ItemDataRole.UserRole + 3
CODE_ROLE = Qt.ItemDataRole.UserRole + 2


def film_length(seconds: float) -> str:
    """A film's length as a clock shows it: 0:24, 12:05, 1:02:10."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class CaseBrowser(QTreeWidget):
    """Families (by pseudonym) and their recordings. A family's name is edited in place (F2, a double-click,
    or Rename in its context menu); Merge into moves its films into another family."""

    recording_chosen = Signal(int)
    rename_requested = Signal(int, str)  # a family's id, its new name
    merge_requested = Signal(int, int)  # the family to fold in, the family it goes into

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Families and films"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.DoubleClicked)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)
        self.itemChanged.connect(self._renamed)
        self._names: dict[int, str] = {}

    def show_cases(self, cases: list[tuple[Case, list[Recording]]], names: dict[int, str] | None = None) -> None:
        """`names`: what each film is called here (vigtool.services.sharing.shown_name: its pseudonym); its
        own file name is only in its tooltip, for the practitioner who points at it."""
        self.blockSignals(True)  # filling is not renaming
        try:
            self._fill(cases, names or {})
        finally:
            self.blockSignals(False)

    def _fill(self, cases: list[tuple[Case, list[Recording]]], names: dict[int, str]) -> None:
        self.clear()
        self._names = {case.id: case.label for case, _recordings in cases}
        if not cases:
            # On lines of their own: the dock is narrow, and a clipped hint says nothing.
            empty = QTreeWidgetItem(["No families yet.\nTo begin, import a film:\nFile ▸ Import films…"])
            empty.setToolTip(0, "No families yet: import a film with File ▸ Import films… (Ctrl+I)")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addTopLevelItem(empty)
            return
        for case, recordings in cases:
            top = QTreeWidgetItem([case.label])
            top.setData(0, CASE_ROLE, case.id)
            top.setFlags(top.flags() | Qt.ItemFlag.ItemIsEditable)
            top.setToolTip(0, "F2 or a double-click renames the family; right-click to merge it into another")
            for recording in recordings:
                w, h = recording.display_size
                name = names.get(recording.id, recording.source_name)
                length = film_length(float(recording.duration))
                # The name and the length fit the narrow dock; the picture size is in the tooltip.
                child = QTreeWidgetItem([f"{name}  ·  {length}"])
                child.setData(0, RECORDING_ROLE, recording.id)
                when = f" on {recording.imported_at:%-d %B %Y}" if recording.imported_at is not None else ""
                origin = f" from {recording.source_name}" if recording.source_name != name else ""
                child.setToolTip(0, f"{name}: {length}, {w}×{h}, imported{origin}{when}")
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

    def family_item(self, case_id: int) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            if top is not None and top.data(0, CASE_ROLE) == case_id:
                return top
        return None

    def _renamed(self, item: QTreeWidgetItem, _column: int) -> None:
        case_id = item.data(0, CASE_ROLE)
        if case_id is None:
            return
        text, old = item.text(0).strip(), self._names.get(int(case_id), "")
        if text != old:
            self.blockSignals(True)
            item.setText(0, old)  # the name shown is the vault's until the rename is made (and refreshed)
            self.blockSignals(False)
            if text:
                self.rename_requested.emit(int(case_id), text)

    def _merger(self, case_id: int, into_id: int) -> Callable[[], None]:
        return lambda: self.merge_requested.emit(case_id, into_id)

    def _context_menu(self, point: QPoint) -> None:
        item = self.itemAt(point)
        case_id = item.data(0, CASE_ROLE) if item is not None else None
        if item is None or case_id is None:
            return
        menu = self.family_menu(item, int(case_id))
        menu.exec(self.viewport().mapToGlobal(point))

    def family_menu(self, item: QTreeWidgetItem, case_id: int) -> QMenu:
        """Rename, and Merge into each other family (what the right-click shows)."""
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.editItem(item, 0))
        into = menu.addMenu("Merge into")
        for other_id, name in self._names.items():
            if other_id != case_id:
                into.addAction(name, self._merger(case_id, other_id))
        into.setEnabled(len(self._names) > 1)
        return menu


class CodebookPalette(QWidget):
    """The VIG principles and their sub-items with their keys; choose one to mark by dragging, rebind keys,
    import or export the codebook as JSON. Edits go to the workspace as undoable operations."""

    code_chosen = Signal(object)  # a code id, or None for a plain note
    rebind_requested = Signal(str)
    import_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Open a film to see its turn-taking.")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("padding: 6px; background: #23262b; color: #e8e8e8; border-radius: 4px;")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Principle", "Key"])
        # The names take the room left by the keys (elided, with no sideways scrolling: a click on a key
        # used to scroll the names half out of sight).
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.setToolTip("Choose a code, then drag in a lane to mark a stretch with it. "
                             "Double-click a key to change it.")
        buttons = QHBoxLayout()
        for text, signal in (("Import…", self.import_requested), ("Export…", self.export_requested)):
            button = QPushButton(text)
            button.clicked.connect(signal.emit)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    def show_codebook(self, codebook: Codebook) -> None:
        current = self.current_code()
        self.tree.blockSignals(True)
        self.tree.clear()
        for principle in codebook.principles:
            codes = codebook.codes_of(principle.id)
            whole = next((c for c in codes if c.id == principle.id), None)
            title = f"{principle.number}. {principle.name}" if principle.number else principle.name
            top = QTreeWidgetItem([title, whole.key or "" if whole else ""])
            top.setForeground(0, QBrush(QColor(principle.colour)))
            top.setData(0, CODE_ROLE, whole.id if whole else None)
            for code in codes:
                if code.id != principle.id:
                    child = QTreeWidgetItem([code.label, code.key or ""])
                    child.setData(0, CODE_ROLE, code.id)
                    top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        self.tree.blockSignals(False)
        if current is not None:
            self.select_code(current)

    def select_code(self, code_id: str) -> None:
        for item in self._items():
            if item.data(0, CODE_ROLE) == code_id:
                self.tree.setCurrentItem(item)

    def _items(self) -> list[QTreeWidgetItem]:
        items = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is not None:
                items.append(top)
                items += [c for c in (top.child(j) for j in range(top.childCount())) if c is not None]
        return items

    def current_code(self) -> str | None:
        item = self.tree.currentItem()
        value = item.data(0, CODE_ROLE) if item is not None else None
        return str(value) if value else None

    def _current(self, item: QTreeWidgetItem | None) -> None:
        value = item.data(0, CODE_ROLE) if item is not None else None
        self.code_chosen.emit(str(value) if value else None)

    def _double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        value = item.data(0, CODE_ROLE)
        if value and column == 1:
            self.rebind_requested.emit(str(value))


class ClipBin(QListWidget):
    """The clips and stills chosen for the shared review; double-click to go there, Delete removes."""

    clip_chosen = Signal(int, int)  # first and last frame
    clip_picked = Signal(object)  # a clip's id (its row became the current one), or None
    still_chosen = Signal(int)
    delete_requested = Signal(str, int)  # "clip" or "still", id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.itemActivated.connect(self._activated)
        self.currentItemChanged.connect(self._current_changed)
        self.setToolTip("Set in and out (I, O) and press C for a clip; press S for a still of this frame.")
        self.show_items([], [], Fraction(25))

    def show_items(self, clips: list[Clip], stills: list[Still], rate: Fraction) -> None:
        self.clear()
        if not clips and not stills:
            empty = QListWidgetItem("No clips yet. Mark in (I) and out (O) around a moment that went well, "
                                    "then press C. Press S for a still of the frame you see.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.setWordWrap(True)
            self.addItem(empty)
            return
        for clip in sorted(clips, key=lambda c: c.range.start):
            seconds = float(clip.range.duration(rate))
            item = QListWidgetItem(f"Clip  {timecode(clip.range.start, rate)[3:]} – "
                                   f"{timecode(clip.range.end - 1, rate)[3:]}  ({seconds:.1f} s)  {clip.title}")
            item.setData(Qt.ItemDataRole.UserRole, ("clip", clip.id, clip.range.start, clip.range.end - 1))
            item.setToolTip(f"The review pauses at {timecode(clip.pause_frame, rate)[3:]} "
                            "(Shift+K at another frame of the clip changes it)")
            self.addItem(item)
        for still in sorted(stills, key=lambda s: s.frame):
            item = QListWidgetItem(f"Still  {timecode(still.frame, rate)[3:]}  {still.caption}")
            item.setData(Qt.ItemDataRole.UserRole, ("still", still.id, still.frame, still.frame))
            self.addItem(item)

    def _current_changed(self, item: QListWidgetItem | None) -> None:
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.clip_picked.emit(data[1] if data and data[0] == "clip" else None)

    def _activated(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            kind, _id, first, last = data
            if kind == "clip":
                self.clip_chosen.emit(first, last)
            else:
                self.still_chosen.emit(first)

    def delete_current(self) -> bool:
        item = self.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if data:
            self.delete_requested.emit(data[0], data[1])
        return bool(data)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if not (event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.delete_current()):
            super().keyPressEvent(event)
