"""The main window: families, player, timeline, inspector, codebook and clip bin, as dockable panels.

The window only connects things: the workspace (core) does every change as an undoable operation that is
in the vault when it returns, so the title never needs an "unsaved" marker.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QWidget,
)

from ui.qt_actions import WindowActions
from ui.qt_codebook_files import CodebookFiles
from ui.qt_families import FamiliesAdapter
from ui.qt_film_previews import FilmPreviews
from ui.qt_import import ImportRunner
from ui.qt_importing import ImportControls
from ui.qt_inspector import Inspector
from ui.qt_marking import MarkingControls
from ui.qt_panels import CaseBrowser, ClipBin, CodebookPalette
from ui.qt_player import PlayerView
from ui.qt_review_panel import ReviewPanel
from ui.qt_save import app_settings
from ui.qt_sharing import SharingControls
from ui.qt_timeline import TimelineWidget
from ui.qt_typing_guard import install as install_typing_guard
from vigtool.domain.events import Event
from vigtool.domain.model import ReviewSession
from vigtool.media.errors import MediaError
from vigtool.services import library, sharing
from vigtool.services.families import Families
from vigtool.services.jobs import JobList, close_question
from vigtool.services.marking import InOutMarks
from vigtool.services.previews import PreviewBuilder
from vigtool.services.review_editing import ReviewEditor
from vigtool.services.session import SessionState
from vigtool.services.vault import Vault
from vigtool.services.working_copy import WorkingCopyBuilder
from vigtool.services.workspace import Workspace

NO_FILM_TITLE = "vigtool"  # no film open: nothing else (the vault's folder may carry a family's name)


class MainWindow(QMainWindow):
    vault_switch_requested = Signal(str)

    def __init__(self, vault: Vault, *, restore_state: bool = True) -> None:
        super().__init__()
        install_typing_guard()  # one-key shortcuts never fire while a text field has the focus
        self.vault = vault
        self.workspace: Workspace | None = None
        self.answer_stop_question: Callable[[list[str]], bool] | None = None
        self.marks = InOutMarks()  # in, out and the chosen clip: plain state, the views follow its events
        self.copies = WorkingCopyBuilder(vault)  # lighter copies of heavy films, made niced one at a time
        # filmstrips and sound waves, on their own worker thread; the second pass of a long-GOP film's
        # filmstrip yields to the player as the copies do
        self.previews = PreviewBuilder(vault, self.copies.activity)
        self.jobs = JobList()  # every long job of this window: closing it stops them (after asking)
        self.jobs.events.connect(self._job_event)
        self.importer = ImportRunner(vault, self.previews, self, self.jobs)
        self._place_timer = QTimer(self, singleShot=True, interval=400)
        self._place_timer.timeout.connect(self.remember_place)
        self.setWindowTitle(NO_FILM_TITLE)
        self.setAcceptDrops(True)
        room = self.screen().availableGeometry()  # a laptop's 1366×768 too: never taller than the screen
        self.resize(min(1500, int(room.width() * 0.96)), min(920, int(room.height() * 0.93)))
        self._build_views()
        self.player.activity = self.copies.activity  # the copy's worker yields to playing and stepping
        self.film_previews = FilmPreviews(self)
        self._connect()
        self.families = FamiliesAdapter(self, Families(vault))
        self.marking = MarkingControls(self)
        self.codebook_files = CodebookFiles(self)
        self.sharing = SharingControls(self)
        self.importing = ImportControls(self)
        self.actions_ = WindowActions(self)
        book = library.codebook(vault)  # once: the palette and the key actions both follow it
        self.codebook_panel.show_codebook(book)
        self.actions_.rebuild_code_actions(book)
        self.actions_.refresh_film_state()
        self.statusBar().showMessage("Everything you do is kept in the vault as you go.")
        self.refresh_cases()
        if restore_state:
            self._restore_state()

    def _build_views(self) -> None:
        self.player = PlayerView()
        self.timeline = TimelineWidget()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.player)
        splitter.addWidget(self.timeline)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.setCentralWidget(splitter)
        self.cases = CaseBrowser()
        self.inspector = Inspector()
        self.codebook_panel = CodebookPalette()
        self.clip_bin = ClipBin()
        self.review_panel = ReviewPanel()
        self._dock("Families", self.cases, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Clips and stills", self.clip_bin, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Codebook", self.codebook_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        inspector = self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.review_dock = self._dock("Shared review", self.review_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(inspector, self.review_dock)  # one tab each: coding, then preparing the review
        inspector.raise_()
        self.resizeDocks(self.findChildren(QDockWidget), [260, 260, 360, 360, 360], Qt.Orientation.Horizontal)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        self.cases.recording_chosen.connect(self.open_recording)
        self.player.frame_changed.connect(self._frame_changed)
        self.player.problem.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.timeline.seek_requested.connect(self.player.show_frame)
        self.timeline.problem.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.timeline.notice.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.timeline.selection_changed.connect(self._selection_changed)
        self.inspector.jump_requested.connect(self.player.show_frame)
        self.codebook_panel.code_chosen.connect(self._code_chosen)
        self.clip_bin.still_chosen.connect(self.player.show_frame)

    # -- opening ---------------------------------------------------------------------------------
    def refresh_cases(self) -> None:
        cases = library.families_and_films(self.vault)
        self.cases.show_cases(cases, {r.id: sharing.shown_name(self.vault, r) for _case, films in cases for r in films})
        if self.workspace is not None:  # the open film stays the one chosen (an import refills the panel)
            self.cases.select_recording(self.workspace.recording.id)

    def open_recording(self, recording_id: int, frame: int = 0) -> None:
        recording = library.film(self.vault, recording_id)
        try:
            self.player.open(self.vault, recording, frame)
        except MediaError as exc:
            QMessageBox.warning(self, "Cannot open this film", str(exc))
            return
        workspace = library.open_workspace(self.vault, recording)
        self.workspace = workspace
        self.timeline.set_workspace(workspace)  # first: the window's listeners read the timeline's selection
        workspace.events.connect(self._workspace_changed)
        workspace.layer.events.connect(self._layer_changed)
        workspace.undo_stack.events.connect(lambda _e: self.actions_.refresh_undo(workspace.undo_stack))
        self.timeline.current_code = self.codebook_panel.current_code()
        self.timeline.set_playhead(self.player.frame)
        self.inspector.set_workspace(workspace)
        self.marks.clear()
        self.film_previews.open(recording.id)
        self.cases.select_recording(recording_id)
        self.codebook_panel.show_codebook(workspace.codebook)
        self._refresh_bin()
        self.review_panel.set_editor(ReviewEditor(self.vault, workspace))  # it follows the workspace's review
        self._refresh_summary()
        self.actions_.rebuild_code_actions(workspace.codebook)
        self.actions_.refresh_undo(workspace.undo_stack)
        self.actions_.refresh_film_state()
        self.show_title()
        self.remember_place()
        self.player.setFocus()

    def show_title(self) -> None:
        ws = self.workspace
        # The title is seen outside the window (taskbar, switcher, screen sharing): the film's pseudonym only,
        # and never the vault's folder, which a practitioner may have named after the family.
        if ws is None:
            self.setWindowTitle(NO_FILM_TITLE)
            return
        self.setWindowTitle(f"vigtool — {self.families.families.label_of(ws.recording.case_id)} — "
                            f"{sharing.shown_name(self.vault, ws.recording)}")

    def show_first_moment(self) -> None:
        """Select the first mark after the playhead (the demo opens on a moment, with the inspector filled)."""
        ws = self.workspace
        if ws is not None:
            after = sorted((a for a in ws.layer if a.start >= self.player.frame and a.code_id), key=lambda a: a.start)
            if after:
                self.timeline.select({after[0].id})

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.importing.import_dropped(paths)

    # -- following the model ---------------------------------------------------------------------
    def _frame_changed(self, frame: int) -> None:
        self.timeline.set_playhead(frame, follow=True)
        self._place_timer.start()

    def _layer_changed(self, event: Event) -> None:
        if event.kind.startswith("annotation"):
            self._selection_changed()
            self._refresh_summary()

    def _workspace_changed(self, event: Event) -> None:
        ws = self.workspace
        if ws is None:
            return
        if event.kind == "clips_changed":
            self._refresh_bin()
        elif event.kind == "chains_changed":
            self._refresh_summary()
        elif event.kind == "codebook_changed":
            self.codebook_panel.show_codebook(ws.codebook)
            self.actions_.rebuild_code_actions(ws.codebook)

    def _selection_changed(self) -> None:
        self.inspector.show_annotations(self.timeline.selected_annotations())

    def _refresh_summary(self) -> None:
        if self.workspace is not None:
            self.codebook_panel.summary.setText(self.workspace.chains.summary().text())

    def _refresh_bin(self) -> None:
        ws = self.workspace
        if ws is not None:
            self.clip_bin.show_items(list(ws.clips.values()), list(ws.stills.values()), ws.recording.rate)

    def _code_chosen(self, code_id: str | None) -> None:
        self.timeline.current_code = code_id

    # -- exports and the shared review ----------------------------------------------------------

    def review_session(self) -> ReviewSession | None:
        """The case's review session (made from its clips and stills the first time), reused at every meeting."""
        return self.workspace.review.session() if self.workspace is not None else None

    # -- editing ---------------------------------------------------------------------------------
    def undo(self) -> None:
        if self.families.undo():  # in the Families panel, Ctrl+Z takes back a rename or a merge
            return
        if self.workspace is not None and self.workspace.undo_stack.can_undo:
            text = self.workspace.undo_stack.undo_text
            self.workspace.undo()
            self.statusBar().showMessage(f"Undone: {text}", 4000)

    def redo(self) -> None:
        if self.families.redo():
            return
        if self.workspace is not None and self.workspace.undo_stack.can_redo:
            text = self.workspace.undo_stack.redo_text
            self.workspace.redo()
            self.statusBar().showMessage(f"Redone: {text}", 4000)

    # -- vaults and window state -----------------------------------------------------------------
    def remember_place(self) -> None:
        ws = self.workspace
        session_state().remember(self.vault.path, ws.recording.id if ws is not None else None, self.player.frame)

    def reopen_last_place(self) -> bool:
        place = session_state().last_place(self.vault.path, (r.id for r in library.films_of(self.vault)))
        if place is not None:
            self.open_recording(*place)
        return place is not None

    def _restore_state(self) -> None:
        settings = app_settings()
        geometry, state = settings.value("main/geometry"), settings.value("main/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def _job_event(self, event: Event) -> None:
        if event.kind == "job_ended":  # a notice, even when the job's dialog is out of sight
            self.statusBar().showMessage(str(event.payload["notice"]), 10000)

    def confirm_stopping(self, titles: list[str]) -> bool:
        """Ask before closing stops running jobs (tests answer through `answer_stop_question`)."""
        if self.answer_stop_question is not None:
            return self.answer_stop_question(titles)
        answer = QMessageBox.question(self, "Stop and close?", close_question(titles),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.jobs and not self.confirm_stopping(self.jobs.titles()):
            event.ignore()
            return
        if self.sharing.presenter is not None:  # the family's screen never outlives the window (or the vault)
            self.sharing.presenter.end()
        self.importer.stop()  # then every job is stopped, and each one's clean-up has run
        self.jobs.stop_all()
        settings = app_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        settings.sync()  # on the disk now: the process may end without tearing Qt down (ui.app.leave)
        self.remember_place()
        self.importer.wait()
        self.previews.close()
        self.copies.close()
        self.player.close_film()
        self.timeline.set_workspace(None)
        super().closeEvent(event)


def session_state() -> SessionState:
    return SessionState(app_settings())


def add_recent_vault(path: Path) -> list[str]:
    return session_state().add_recent_vault(path)


def recent_vaults() -> list[str]:
    return session_state().recent_vaults()
