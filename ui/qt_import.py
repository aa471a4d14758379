"""Importing films from the window: one worker thread per film, a progress dialog, a stop button.

The dialog is not modal on purpose: a modal QProgressDialog runs the event loop inside setValue(), so
a film that finishes while the bar moves would start the next one from inside the previous one's
progress call. Here each step runs from the event loop, one after the other.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ui.qt_jobs import BackgroundJob
from vigtool.services import importing
from vigtool.services.importing import ImportResult
from vigtool.services.jobs import JobList
from vigtool.services.previews import PreviewBuilder
from vigtool.services.vault import Vault


class ImportRunner(QObject):
    """Imports a list of films in turn; `all_done(problems)` when the list is through or stopped."""

    all_done = Signal(list)

    def __init__(self, vault: Vault, previews: PreviewBuilder, parent: QWidget, jobs: JobList | None = None) -> None:
        super().__init__(parent)
        self._vault, self._previews, self._window, self._jobs = vault, previews, parent, jobs
        self.job: BackgroundJob | None = None
        self.running = False
        self._queue: list[Path] = []
        self._problems: list[str] = []
        self.imported: list[tuple[str, ImportResult]] = []  # this run's films: the file's name, what it became
        self._stopped = False
        self._case_label = ""
        self._dialog: QProgressDialog | None = None

    def start(self, paths: list[Path], case_label: str) -> bool:
        """Begin importing; False (nothing done) while another import is still running."""
        if self.running:
            return False
        self.running, self._stopped = True, False
        self._queue, self._problems, self._case_label = list(paths), [], case_label
        self.imported = []
        self._dialog = QProgressDialog("", "Stop importing", 0, 1000, self._window)
        self._dialog.setWindowTitle("Importing into the vault")
        self._dialog.setMinimumDuration(300)
        self._dialog.setAutoClose(False)
        self._dialog.setAutoReset(False)
        self._dialog.canceled.connect(self.stop)
        self._next()
        return True

    def stop(self) -> None:
        """Stop after cleaning up the film being sealed (nothing of it is kept) and skip the rest."""
        self._stopped = True
        if self.job is not None:
            self.job.requestInterruption()

    def wait(self) -> None:
        if self.job is not None:
            self.job.wait()

    def _next(self) -> None:
        assert self._dialog is not None
        if not self._queue or self._stopped:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
            self.running = False
            self.all_done.emit(self._problems)
            return
        path = self._queue.pop(0)
        self._dialog.setLabelText(f"Sealing {path.name} into the vault…")
        self._dialog.setValue(0)
        vault, label = self._vault, self._case_label
        job = BackgroundJob(lambda progress, cancelled: importing.import_recording(
            vault, path, label, progress, cancelled), self, title=f"Importing {path.name}", jobs=self._jobs)
        job.progressed.connect(self._progressed)
        job.succeeded.connect(lambda result, name=path.name: self._imported(name, result))
        job.failed.connect(self._failed)
        job.ended.connect(self._finished)
        self.job = job
        job.start()

    def _progressed(self, done: int, total: int) -> None:
        if self._dialog is not None:
            self._dialog.setValue(int(done * 1000 // max(total, 1)))

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, importing.ImportCancelledError):  # a stop the user asked for is no problem
            self._problems.append(str(error))

    def _imported(self, name: str, result: ImportResult) -> None:
        self.imported.append((name, result))
        if not result.duplicate:
            self._previews.submit(result.recording)

    def _finished(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.wait()
            job.deleteLater()
        self._next()
