"""The folder chooser of File ▸ Open vault: an existing vault's folder, or a new one from a typed name.

Qt's folder chooser only accepts folders that exist: a practitioner who types the name of a new vault's
folder ("Family B") got "Directory not found" and a greyed Choose button. Here a typed name that is not a
folder yet is made (vigtool.services.folders), or a message says which folder could not be made and why.
Folders made for a vault that was then not created (Cancel at the passphrase) are taken away again if empty.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLineEdit, QMessageBox, QWidget

from vigtool.services.folders import FolderError, make_folder, remove_if_empty

CAPTION = "Open a vault, or type a name for a new one"
_made: set[Path] = set()  # folders made here this session, not yet holding a vault


class VaultFolderDialog(QFileDialog):
    """Qt's own chooser (the same on every desktop, and testable), folders only, starting in `start`."""

    def __init__(self, parent: QWidget | None, start: Path) -> None:
        super().__init__(parent, CAPTION, str(start))
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setOption(QFileDialog.Option.ShowDirsOnly, True)
        self.setLabelText(QFileDialog.DialogLabel.FileName, "Folder:")
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Open")
        self.chosen: Path | None = None
        self.problem: str | None = None  # the last message shown (tests read it)
        self.answer_problem = self._show_problem  # tests replace it: no message box is left open
        name = self.name_field()
        # After Qt's own check (connected first), which greys Choose for a name that is not a folder yet.
        name.textChanged.connect(self._allow_new_name)

    def name_field(self) -> QLineEdit:
        field = self.findChild(QLineEdit, "fileNameEdit")
        assert field is not None, "Qt's file dialog has no name field"
        return field

    def _open_button(self) -> QWidget | None:
        box = self.findChild(QDialogButtonBox, "buttonBox")
        return None if box is None else box.button(QDialogButtonBox.StandardButton.Open)

    def _allow_new_name(self, text: str) -> None:
        button = self._open_button()
        if button is not None and text.strip():
            button.setEnabled(True)

    def typed_folder(self) -> Path:
        text = self.name_field().text().strip()
        shown = Path(self.directory().absolutePath())
        if not text:
            return shown
        typed = Path(text).expanduser()
        return typed if typed.is_absolute() else shown / typed

    def accept(self) -> None:
        if '"' in self.name_field().text():  # Qt's way of listing several chosen names: one folder only
            self.problem = "Choose one folder, or type one name for a new folder (without quotation marks)."
            self.answer_problem(self.problem)
            return
        folder = self.typed_folder()  # nothing typed: the folder shown is the one chosen
        try:
            if make_folder(folder):
                _made.add(folder)
        except FolderError as exc:
            self.problem = str(exc)
            self.answer_problem(self.problem)
            return
        self.chosen = folder
        self.done(QFileDialog.DialogCode.Accepted)

    def _show_problem(self, text: str) -> None:
        QMessageBox.warning(self, "The folder was not made", text)


def ask_vault_folder(parent: QWidget, start: Path) -> Path | None:
    dialog = VaultFolderDialog(parent, start)
    try:
        return dialog.chosen if dialog.exec() == QFileDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def forget_new_folder(folder: Path, *, vault_made: bool) -> None:
    """After the passphrase dialog: a folder made here stays if its vault was created, else goes if empty."""
    if folder in _made:
        _made.discard(folder)
        if not vault_made:
            remove_if_empty(folder)
