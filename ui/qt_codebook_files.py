"""The codebook's keys and files: rebind a code's key, import or export the codebook as JSON (each change
an undoable workspace operation)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from ui.qt_save import ask_open_name, ask_save_name, remember
from vigtool.domain.codebook import Codebook, CodebookError
from vigtool.services import library

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class CodebookFiles(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        window.codebook_panel.rebind_requested.connect(self.rebind_key)
        window.codebook_panel.import_requested.connect(self.import_codebook)
        window.codebook_panel.export_requested.connect(self.export_codebook)

    def rebind_key(self, code_id: str) -> None:
        ws = self.w.workspace
        if ws is None:
            return
        from ui.qt_key_dialog import ask_key  # noqa: PLC0415 - a dialog used rarely

        key = ask_key(self.w, ws.codebook.code(code_id).label)
        if key is None:
            return
        book = ws.codebook.copy()
        try:
            book.bind_key(code_id, key or None)
        except CodebookError as exc:
            QMessageBox.information(self.w, "Key not changed", str(exc))
            return
        ws.replace_codebook(book, f"Bind {key or 'no key'}")

    def import_codebook(self) -> None:
        opened = ask_open_name(self.w, "codebook", "Import a codebook", "Codebook (*.json)")
        if opened is None or self.w.workspace is None:
            return
        name = str(opened)
        try:
            book = Codebook.from_json(Path(name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, CodebookError) as exc:
            QMessageBox.warning(self.w, "Codebook not imported", f"{name}: {exc}")
            return
        self.w.workspace.replace_codebook(book, "Import codebook")

    def export_codebook(self) -> None:
        book = self.w.workspace.codebook if self.w.workspace else library.codebook(self.w.vault)
        chosen, _ = ask_save_name(self.w, "codebook", "Export the codebook", "codebook.json", "Codebook (*.json)")
        if chosen is not None:
            name = str(chosen)
            try:
                chosen.write_text(book.to_json(), encoding="utf-8")
            except OSError as exc:
                QMessageBox.warning(self.w, "Codebook not exported", f"{name}: {exc.strerror}")
                return
            remember("codebook", chosen, saved=False)
