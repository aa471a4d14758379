"""The main window: case browser, video view, moments and codebook, as dockable panels."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QWidget

from ui.qt_frame_view import FrameView
from ui.qt_import import ImportRunner
from ui.qt_panels import CaseBrowser, CodebookPalette, MomentsPanel
from vigtool.domain.model import Recording
from vigtool.media.errors import MediaError
from vigtool.services.frames import open_frames
from vigtool.services.previews import PreviewBuilder
from vigtool.services.vault import Vault

SHORTCUTS = (
    ("← / →", "Previous / next frame"),
    ("Ctrl+I", "Import a film"),
    ("F1", "This list of shortcuts"),
)


class MainWindow(QMainWindow):
    def __init__(self, vault: Vault, *, restore_state: bool = True) -> None:
        super().__init__()
        self.vault = vault
        self.recording: Recording | None = None
        self.previews = PreviewBuilder(vault)  # filmstrips and sound waves, on their own worker thread
        self.importer = ImportRunner(vault, self.previews, self)
        self.importer.all_done.connect(self._imported)
        self.setWindowTitle(f"vigtool — {vault.path}")
        self.resize(1440, 860)
        self.video = FrameView()
        self.setCentralWidget(self.video)
        self.cases = CaseBrowser()
        self.moments = MomentsPanel()
        self.codebook = CodebookPalette()
        self._dock("Families", self.cases, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Moments", self.moments, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Codebook", self.codebook, Qt.DockWidgetArea.RightDockWidgetArea)
        docks = self.findChildren(QDockWidget)
        self.resizeDocks(docks, [240, 400, 400], Qt.Orientation.Horizontal)
        self.cases.recording_chosen.connect(self.open_recording)
        self.moments.frame_chosen.connect(self.video.show_frame)
        self._build_menus()
        self.statusBar().showMessage("Everything you do is kept in the vault as you go.")
        self.codebook.show_codebook(vault.repo.load_codebook())
        self.refresh_cases()
        if restore_state:
            self._restore_state()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        import_action = QAction("&Import film…", self, shortcut=QKeySequence("Ctrl+I"))
        import_action.triggered.connect(self.import_dialog)
        file_menu.addAction(import_action)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.findChildren(QDockWidget):
            view_menu.addAction(dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        keys = QAction("&Keyboard shortcuts", self, shortcut=QKeySequence("F1"))
        keys.triggered.connect(self.show_shortcuts)
        help_menu.addAction(keys)

    # -- actions ---------------------------------------------------------------------------------
    def refresh_cases(self) -> None:
        repo = self.vault.repo
        self.cases.show_cases([(case, repo.list_recordings(case.id)) for case in repo.list_cases()])

    def open_recording(self, recording_id: int) -> None:
        recording = self.vault.repo.get_recording(recording_id)
        try:
            reader = open_frames(self.vault, recording)
        except MediaError as exc:
            QMessageBox.warning(self, "Cannot open this film", str(exc))
            return
        self.recording = recording
        self.previews.ensure(recording)  # missing after a crash, or never built (the demo): made in the background
        self.video.set_recording(recording, reader)
        self.cases.select_recording(recording_id)
        self.moments.show_annotations(recording, self.vault.repo.list_tracks(recording_id),
                                      self.vault.repo.list_annotations(recording_id),
                                      self.vault.repo.load_codebook(),
                                      self.vault.repo.list_turn_chains(recording_id))
        self.setWindowTitle(f"vigtool — {self.vault.repo.get_case(recording.case_id).label} — "
                            f"{recording.source_name}")
        self.video.setFocus()

    def import_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import films", str(Path.home()),
                                                "Videos (*.mp4 *.mov *.m4v *.mkv *.3gp);;All files (*)")
        if names:
            case = self.recording and self.vault.repo.get_case(self.recording.case_id)
            self.import_files([Path(n) for n in names], case.label if case else "New family")

    def import_files(self, paths: list[Path], case_label: str) -> None:
        """Import films one after another on a worker thread, with a progress dialog that can stop."""
        if not self.importer.start(paths, case_label):
            self.statusBar().showMessage("An import is still running; start the next one when it is done.")

    def _imported(self, problems: list[str]) -> None:
        self.refresh_cases()
        if problems:  # shown without blocking: the window goes on working behind it
            box = QMessageBox(QMessageBox.Icon.Warning, "Not imported", "\n\n".join(problems),
                              QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;{v}</td></tr>" for k, v in SHORTCUTS)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{rows}</table>")

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Left:
            self.video.step(-1)
        elif event.key() == Qt.Key.Key_Right:
            self.video.step(1)
        else:
            super().keyPressEvent(event)

    # -- window state ----------------------------------------------------------------------------
    def _restore_state(self) -> None:
        settings = QSettings("vigtool", "vigtool")
        geometry, state = settings.value("main/geometry"), settings.value("main/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        settings = QSettings("vigtool", "vigtool")
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        self.importer.stop()
        self.importer.wait()
        self.previews.close()
        self.video.close_reader()
        super().closeEvent(event)
