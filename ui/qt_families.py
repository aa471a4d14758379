"""The Families panel's actions: the family an import goes into, renaming and merging (each undoable).

A thin adapter between the CaseBrowser view and the Qt-free `Families` controller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMessageBox

from vigtool.domain.events import Event
from vigtool.services.families import Families, FamilyError

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class FamiliesAdapter(QObject):
    def __init__(self, window: MainWindow, families: Families) -> None:
        super().__init__(window)
        self.w, self.families = window, families
        window.cases.rename_requested.connect(self.rename)
        window.cases.merge_requested.connect(self.merge)
        families.events.connect(self._changed)

    def family_dialog(self, count: int) -> QInputDialog:
        """Which family the films go into: the open film's (or the last one's) offered, any other chosen,
        or a new pseudonym typed."""
        ws = self.w.workspace
        offered = self.families.offered_label(ws.recording.case_id if ws is not None else None)
        labels = self.families.labels()
        dialog = QInputDialog(self.w)
        dialog.setWindowTitle("Import films")
        dialog.setLabelText(f"Which family {'is this film' if count == 1 else f'are these {count} films'} of?\n"
                            "Choose one, or type a new name (a pseudonym such as “Family C”, never a real name).")
        dialog.setComboBoxItems(labels if offered in labels else [offered, *labels])
        dialog.setComboBoxEditable(True)
        dialog.setTextValue(offered)
        dialog.setOkButtonText("Import")
        return dialog

    def ask_family(self, count: int) -> str | None:
        dialog = self.family_dialog(count)
        if dialog.exec() != QInputDialog.DialogCode.Accepted:
            return None
        label = dialog.textValue().strip()
        return label or None

    def rename(self, case_id: int, label: str) -> None:
        try:
            self.families.rename(case_id, label)
        except FamilyError as exc:
            QMessageBox.information(self.w, "Family not renamed", str(exc).capitalize() + ".")
            return
        self.w.statusBar().showMessage(f"Renamed the family to {label.strip()} — Ctrl+Z (in Families) takes it "
                                       "back.", 6000)

    def merge(self, removed_id: int, into_id: int) -> None:
        removed, into = self.families.label_of(removed_id), self.families.label_of(into_id)
        try:
            self.families.merge(removed_id, into_id)
        except FamilyError as exc:
            QMessageBox.information(self.w, "Families not merged", str(exc).capitalize() + ".")
            return
        self.w.statusBar().showMessage(f"{removed}'s films are now {into}'s — Ctrl+Z (in Families) takes it back.",
                                       8000)

    def undo(self) -> bool:
        """Undo the last family change if the Families panel has the focus (False: not this panel's)."""
        if not (self.w.cases.hasFocus() and self.families.undo_stack.can_undo):
            return False
        self.w.statusBar().showMessage(f"Undone: {self.families.undo()}", 4000)
        return True

    def redo(self) -> bool:
        if not (self.w.cases.hasFocus() and self.families.undo_stack.can_redo):
            return False
        self.w.statusBar().showMessage(f"Redone: {self.families.redo()}", 4000)
        return True

    def _changed(self, _event: Event) -> None:
        self.w.refresh_cases()
        self.w.actions_.refresh_undo()
        ws = self.w.workspace
        if ws is None:
            return
        if self.families.family_of(ws.recording.id) != ws.recording.case_id:  # merged: its review moved too
            here = self.w.cases.hasFocus()
            self.w.open_recording(ws.recording.id, self.w.player.frame)
            if here:  # the practitioner is still in the Families panel (Ctrl+Z again goes on there)
                self.w.cases.setFocus()
        self.w.cases.select_recording(ws.recording.id)
        self.w.show_title()
