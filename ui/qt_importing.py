"""Importing from the window: films chosen or dropped (a folder stands for its films), the family they are
of asked once for all of them, then sealed into the vault one after another by the ImportRunner's jobs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ui.qt_save import remember, save_folders
from vigtool.services import sharing
from vigtool.services.dropping import films_in, screen_films

if TYPE_CHECKING:
    from ui.main_window import MainWindow

VIDEO_FILTER = "Videos (*.mp4 *.mov *.m4v *.mkv *.3gp);;All files (*)"


class ImportControls(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        window.importer.all_done.connect(self._imported)

    def import_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self.w, "Import films", str(save_folders().folder("import")),
                                                VIDEO_FILTER)
        if names:
            remember("import", Path(names[0]), saved=False)  # the phone's or the card's folder, again next time
            self.import_asking([Path(n) for n in names])

    def import_asking(self, paths: list[Path]) -> None:
        """Ask which family the films are of (offering the open or last one), then import them there. What
        is plainly no film (a photo, an empty file) is said at once, and not counted in the question."""
        films, problems = screen_films(paths)
        if problems:
            self._imported_problems(problems)
        if not films:
            return
        label = self.w.families.ask_family(len(films))
        if label is not None:
            self.import_files(films, label)

    def import_files(self, paths: list[Path], case_label: str | None = None) -> None:
        """Import films one after another on a worker thread, with a progress dialog that can stop."""
        if case_label is None:
            ws = self.w.workspace
            case_label = self.w.families.families.offered_label(ws.recording.case_id if ws is not None else None)
        if not self.w.importer.start(paths, case_label):
            self.w.statusBar().showMessage("An import is still running; start the next one when it is done.")
            return
        self.w.families.families.imported_into(case_label)

    def _imported(self, problems: list[str]) -> None:
        self.w.refresh_cases()
        self.w.film_previews.ensure_working_copies()
        if self.w.importer.imported:  # the window calls each film by its pseudonym from now on: say which is which
            names = [f"{name} is {sharing.shown_name(self.w.vault, result.recording)}"
                     + (" (it was in the vault already)" if result.duplicate else "")
                     for name, result in self.w.importer.imported]
            self.w.statusBar().showMessage(f"Imported: {'; '.join(names)}. The window names films so; each "
                                           "one's own file name is in its tooltip under Families.", 20000)
        if problems:
            self._imported_problems(problems)

    def _imported_problems(self, problems: list[str]) -> None:
        if problems:  # shown without blocking: the window goes on working behind it
            box = QMessageBox(QMessageBox.Icon.Warning, "Not imported", "\n\n".join(problems),
                              QMessageBox.StandardButton.Ok, self.w)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.setWindowModality(Qt.WindowModality.NonModal)  # open() would be window-modal
            box.show()

    def import_dropped(self, paths: list[Path]) -> None:
        """A folder dropped stands for the films in it (the import asks the family for all of them)."""
        films, notes = films_in(paths)
        if notes:
            self.w.statusBar().showMessage("; ".join(notes) + ".", 8000)
        if films:
            self.import_asking(films)
