"""The main window: families, player, timeline, inspector, codebook and clip bin, as dockable panels.

The window only connects things: the workspace (core) does every change as an undoable operation that is
in the vault when it returns, so the title never needs an "unsaved" marker.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QWidget,
)

from ui.qt_actions import WindowActions
from ui.qt_codebook_files import CodebookFiles
from ui.qt_consent import ConsentDialog
from ui.qt_export import ExportDialog
from ui.qt_families import FamiliesAdapter
from ui.qt_handout import HandoutDialog
from ui.qt_import import ImportRunner
from ui.qt_inspector import Inspector
from ui.qt_marking import MarkingControls
from ui.qt_package import PackageReviewDialog, PackageViewer
from ui.qt_panels import CaseBrowser, ClipBin, CodebookPalette
from ui.qt_player import PlayerView
from ui.qt_presenter import PresenterControls, start_presenting
from ui.qt_review_panel import ReviewPanel, ReviewRow
from ui.qt_timeline import TimelineWidget
from ui.qt_training import TrainingDialog
from ui.qt_typing_guard import install as install_typing_guard
from vigtool.domain.events import Event
from vigtool.domain.model import ReviewItemKind, ReviewSession
from vigtool.domain.time import timecode
from vigtool.domain.wording import count
from vigtool.media.errors import MediaError
from vigtool.services import consent, library, review, supervision
from vigtool.services.consent import Purpose
from vigtool.services.dropping import films_in
from vigtool.services.exporting import export_still
from vigtool.services.families import Families
from vigtool.services.jobs import JobList, close_question
from vigtool.services.library import PACKAGE_SUFFIX, is_for_person
from vigtool.services.marking import ChosenClip, InOutMarks
from vigtool.services.packaging import open_package
from vigtool.services.previews import PreviewBuilder, load_audio_envelope, load_filmstrip
from vigtool.services.session import SessionState
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace

VIDEO_FILTER = "Videos (*.mp4 *.mov *.m4v *.mkv *.3gp);;All files (*)"


def app_settings() -> QSettings:
    return QSettings("vigtool", "vigtool")


class MainWindow(QMainWindow):
    vault_switch_requested = Signal(str)
    _previews_ready = Signal(int)

    def __init__(self, vault: Vault, *, restore_state: bool = True) -> None:
        super().__init__()
        install_typing_guard()  # one-key shortcuts never fire while a text field has the focus
        self.vault = vault
        self.workspace: Workspace | None = None
        self.presenter: PresenterControls | None = None
        self.package_viewer: PackageViewer | None = None
        self.answer_stop_question: Callable[[list[str]], bool] | None = None
        self.marks = InOutMarks()  # in, out and the chosen clip: plain state, the views follow its events
        self.previews = PreviewBuilder(vault)  # filmstrips and sound waves, on their own worker thread
        self.jobs = JobList()  # every long job of this window: closing it stops them (after asking)
        self.jobs.events.connect(self._job_event)
        self.importer = ImportRunner(vault, self.previews, self, self.jobs)
        self.importer.all_done.connect(self._imported)
        self._previews_ready.connect(self._reload_previews)
        self._place_timer = QTimer(self, singleShot=True, interval=400)
        self._place_timer.timeout.connect(self.remember_place)
        self.setWindowTitle(f"vigtool — {vault.path}")
        self.setAcceptDrops(True)
        self.resize(1500, 920)
        self._build_views()
        self._connect()
        self.families = FamiliesAdapter(self, Families(vault))
        self.marking = MarkingControls(self)
        self.codebook_files = CodebookFiles(self)
        self.actions_ = WindowActions(self)
        book = library.codebook(vault)  # once: the palette and the key actions both follow it
        self.codebook_panel.show_codebook(book)
        self.actions_.rebuild_code_actions(book)
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
        self.timeline.selection_changed.connect(self._selection_changed)
        self.inspector.jump_requested.connect(self.player.show_frame)
        self.codebook_panel.code_chosen.connect(self._code_chosen)
        self.clip_bin.still_chosen.connect(self.player.show_frame)
        self.clip_bin.delete_requested.connect(self._delete_from_bin)
        self.review_panel.add_requested.connect(self.add_to_review)
        self.review_panel.present_requested.connect(self.present_review)
        self.review_panel.handout_requested.connect(self.handout_dialog)
        self.review_panel.package_requested.connect(self.package_review_dialog)

    # -- opening ---------------------------------------------------------------------------------
    def refresh_cases(self) -> None:
        self.cases.show_cases(library.families_and_films(self.vault))

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
        self._reload_previews(recording.id)
        future = self.previews.ensure(recording)  # missing after a crash, or never built: made in the background
        if future is not None:
            future.add_done_callback(lambda _f: self._previews_ready.emit(recording.id))
        self.cases.select_recording(recording_id)
        self.codebook_panel.show_codebook(workspace.codebook)
        self._refresh_bin()
        self._refresh_review()
        self._refresh_summary()
        self.actions_.rebuild_code_actions(workspace.codebook)
        self.actions_.refresh_undo(workspace.undo_stack)
        self.show_title()
        self.remember_place()
        self.player.setFocus()

    def show_title(self) -> None:
        ws = self.workspace
        if ws is None:
            self.setWindowTitle(f"vigtool — {self.vault.path}")
            return
        self.setWindowTitle(f"vigtool — {self.families.families.label_of(ws.recording.case_id)} — "
                            f"{ws.recording.source_name}")

    def show_first_moment(self) -> None:
        """Select the first mark after the playhead (the demo opens on a moment, with the inspector filled)."""
        ws = self.workspace
        if ws is not None:
            after = sorted((a for a in ws.layer if a.start >= self.player.frame and a.code_id), key=lambda a: a.start)
            if after:
                self.timeline.select({after[0].id})

    def _reload_previews(self, recording_id: int) -> None:
        ws = self.workspace
        if ws is not None and ws.recording.id == recording_id:
            self.timeline.set_previews(load_filmstrip(self.vault, ws.recording),
                                       load_audio_envelope(self.vault, ws.recording))

    def import_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import films", str(Path.home()), VIDEO_FILTER)
        if names:
            self.import_asking([Path(n) for n in names])

    def import_asking(self, paths: list[Path]) -> None:
        """Ask which family the films are of (offering the open or last one), then import them there."""
        label = self.families.ask_family(len(paths))
        if label is not None:
            self.import_files(paths, label)

    def import_files(self, paths: list[Path], case_label: str | None = None) -> None:
        """Import films one after another on a worker thread, with a progress dialog that can stop."""
        if case_label is None:
            ws = self.workspace
            case_label = self.families.families.offered_label(ws.recording.case_id if ws is not None else None)
        if not self.importer.start(paths, case_label):
            self.statusBar().showMessage("An import is still running; start the next one when it is done.")
            return
        self.families.families.imported_into(case_label)

    def _imported(self, problems: list[str]) -> None:
        self.refresh_cases()
        if problems:  # shown without blocking: the window goes on working behind it
            box = QMessageBox(QMessageBox.Icon.Warning, "Not imported", "\n\n".join(problems),
                              QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_dropped(paths)

    def import_dropped(self, paths: list[Path]) -> None:
        """A folder dropped stands for the films in it (the import asks the family for all of them)."""
        films, notes = films_in(paths)
        if notes:
            self.statusBar().showMessage("; ".join(notes) + ".", 8000)
        if films:
            self.import_asking(films)

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
            self._refresh_review()
        elif event.kind == "review_changed":
            self._refresh_review()
        elif event.kind == "chains_changed":
            self._refresh_summary()
        elif event.kind == "codebook_changed":
            self.codebook_panel.show_codebook(ws.codebook)
            self.actions_.rebuild_code_actions(ws.codebook)

    def _selection_changed(self) -> None:
        self.inspector.show_annotations(self.timeline.selected_annotations())

    def _refresh_summary(self) -> None:
        if self.workspace is not None:
            self.codebook_panel.summary.setText(self.workspace.summary().text())

    def _refresh_bin(self) -> None:
        ws = self.workspace
        if ws is not None:
            self.clip_bin.show_items(list(ws.clips.values()), list(ws.stills.values()), ws.recording.rate)

    def _code_chosen(self, code_id: str | None) -> None:
        self.timeline.current_code = code_id

    # -- marking ---------------------------------------------------------------------------------

    # -- exports and the shared review ----------------------------------------------------------
    def _chosen_clip(self) -> ChosenClip | None:
        ws = self.workspace
        return self.marks.chosen_clip(ws.clips.values(), self.player.frame) if ws is not None else None

    def export_clip_dialog(self) -> ExportDialog | None:
        clip = self._chosen_clip()
        if clip is None or self.workspace is None:
            self.statusBar().showMessage("Make a clip first: mark in (I) and out (O) around the moment, then C.",
                                         5000)
            return None
        try:  # said before the form is filled in, not after
            consent.check(self.vault, self.workspace.recording, Purpose.REVIEW)
        except MediaError as exc:
            self.statusBar().showMessage(f"No export: {exc} (File ▸ Consent for this film)", 10000)
            return None
        dialog = ExportDialog(self.vault, self.workspace.recording, clip, Path.home(), self)
        dialog.show()
        return dialog

    def training_dialog(self) -> TrainingDialog | None:
        clip = self._chosen_clip()
        if clip is None or self.workspace is None:
            self.statusBar().showMessage("Make a clip first: mark in (I) and out (O) around the moment, then C.",
                                         5000)
            return None
        try:  # say it plainly before any work starts
            consent.check(self.vault, self.workspace.recording, Purpose.TRAINING)
        except MediaError as exc:
            self.statusBar().showMessage(f"No training pack: {exc} (File ▸ Consent for this film)", 10000)
            return None
        dialog = TrainingDialog(self.vault, self.workspace.recording, clip.range, Path.home(), self)
        dialog.show()
        return dialog

    def export_still_dialog(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        suggested = str(Path.home() / f"still-{self.player.frame}.png")
        name, _ = QFileDialog.getSaveFileName(self, "Export still as", suggested, "Pictures (*.png *.jpg)")
        if name:
            try:
                export_still(self.vault, ws.recording, self.player.frame, Path(name))
            except (MediaError, OSError) as exc:
                QMessageBox.warning(self, "Still not exported", str(exc))
                return
            self.statusBar().showMessage(f"Saved {Path(name).name}.", 5000)

    def review_session(self) -> ReviewSession | None:
        """The case's review session (made from its clips and stills the first time), reused at every meeting."""
        return self.workspace.review() if self.workspace is not None else None

    def _refresh_review(self) -> None:
        ws = self.workspace
        if ws is None:
            self.review_panel.show_rows(None, [])
            return
        rows = []
        for entry in review.resolve(self.vault, ws.review(create=False)):
            rate = entry.recording.rate
            if entry.clip is not None:
                span = entry.clip.range
                label = (f"Clip {timecode(span.start, rate)[3:]} ({float(span.duration(rate)):.1f} s)  "
                         f"{entry.clip.title or entry.caption}")
                first, last = span.start, span.end - 1
            else:
                assert entry.still is not None
                label, first = f"Still {timecode(entry.still.frame, rate)[3:]}  {entry.caption}", entry.still.frame
                last = first
            rows.append(ReviewRow(entry.position, entry.item.kind, entry.item.ref_id, label.strip(),
                                  entry.item.prompt, entry.item.in_handout, first, last,
                                  entry.recording.id == ws.recording.id))
        self.review_panel.show_rows(ws, rows)

    def add_to_review(self) -> None:
        ws = self.workspace
        item = self.clip_bin.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if ws is None or not data:
            self.statusBar().showMessage("Choose a clip or still under Clips and stills first.", 5000)
            return
        kind = ReviewItemKind.CLIP if data[0] == "clip" else ReviewItemKind.STILL
        if ws.add_to_review(kind, data[1]):
            self.statusBar().showMessage("Added to the shared review — Ctrl+Z takes it back.", 5000)
        else:
            self.statusBar().showMessage("That moment is in the review already.", 5000)

    def consent_dialog(self) -> ConsentDialog | None:
        ws = self.workspace
        if ws is None:
            self.statusBar().showMessage("Open a film first (under Families and films).", 5000)
            return None
        dialog = ConsentDialog(self.vault, ws.recording, self)
        dialog.shredded.connect(self._recording_destroyed)
        dialog.show()
        return dialog

    def _recording_destroyed(self, recording_id: int) -> None:
        """The film was crypto-shredded: nothing of it may stay on screen."""
        if self.workspace is not None and self.workspace.recording.id == recording_id:
            self.player.close_film()
            self.timeline.set_workspace(None)
            self.inspector.set_workspace(None)
            self.workspace = None
            self.clip_bin.show_items([], [], Fraction(25))
            self.review_panel.show_rows(None, [])
            self.show_title()
        self.refresh_cases()
        self.statusBar().showMessage("The film is destroyed: its key first, then its files.", 8000)

    def package_review_dialog(self) -> PackageReviewDialog | None:
        session = self.review_session()
        if session is None or not session.items:
            self.statusBar().showMessage("Put a clip or still into the shared review first.", 5000)
            return None
        dialog = PackageReviewDialog(self.vault, session, Path.home(), self)
        dialog.show()
        return dialog

    def _take_in_package(self, path: Path) -> None:
        """A package made for this vault's user: films for supervision are taken in, comments merged."""
        reopen: int | None
        try:
            taken = supervision.take_in(self.vault, path)
            if isinstance(taken, supervision.Merged):
                message = (f"Merged {count(taken.marks, 'comment')} on the lane '{taken.track_name}' of "
                           f"{taken.recording.source_name}; your own marks are as they were." if taken.changed
                           else "These comments were merged before; nothing changed.")
                reopen = taken.recording.id
            else:
                message = (f"Opened {count(len(taken), 'film')} for supervision: the practitioner's marks are on the "
                           "'Practitioner:' lanes; add yours on 'Supervision'.")
                reopen = taken[0].id if taken else None
        except (MediaError, ValueError) as exc:
            QMessageBox.warning(self, "Package not opened", str(exc))
            return
        self.refresh_cases()
        if reopen is not None:
            self.open_recording(reopen)
        self.statusBar().showMessage(message, 15000)

    def open_package_dialog(self, path: Path | None = None, passphrase: str | None = None) -> PackageViewer | None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, "Open a package", str(Path.home()),
                                                  f"Encrypted package (*{PACKAGE_SUFFIX})")
            if not name:
                return None
            path = Path(name)
        if passphrase is None and path.exists() and is_for_person(path):
            self._take_in_package(path)
            return None
        if passphrase is None:
            passphrase, ok = QInputDialog.getText(self, "Open a package", f"Passphrase for {path.name}:",
                                                  QLineEdit.EchoMode.Password)
            if not ok:
                return None
        try:
            package = open_package(path, passphrase)
        except MediaError as exc:
            QMessageBox.warning(self, "Package not opened", str(exc))
            return None
        self.package_viewer = PackageViewer(package)
        self.package_viewer.show()
        return self.package_viewer

    def present_review(self) -> PresenterControls | None:
        session = self.review_session()
        if session is None or not session.items:
            self.statusBar().showMessage("Make a clip (C) or a still (S) of a moment first.", 5000)
            return None
        try:  # nothing goes on the family's screen without their consent to the shared review
            review.check_consent(self.vault, session)
        except MediaError as exc:
            self.statusBar().showMessage(f"Not presenting: {exc} (File ▸ Consent for this film)", 10000)
            return None
        self.player.pause()
        self.presenter = start_presenting(self.vault, session)
        return self.presenter

    def handout_dialog(self) -> HandoutDialog | None:
        session = self.review_session()
        ws = self.workspace
        if ws is None or session is None or not session.items:
            self.statusBar().showMessage("Make a clip (C) or a still (S) of a moment first.", 5000)
            return None
        dialog = HandoutDialog(self.vault, ws, self.families.families.label_of(ws.recording.case_id), Path.home(),
                               self)
        dialog.show()
        return dialog

    def _delete_from_bin(self, kind: str, item_id: int) -> None:
        if self.workspace is not None:
            (self.workspace.delete_clip if kind == "clip" else self.workspace.delete_still)(item_id)

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

    # -- turn-taking suggested from the sound ------------------------------------------------------

    # -- codebook --------------------------------------------------------------------------------

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
        self.importer.stop()  # then every job is stopped, and each one's clean-up has run
        self.jobs.stop_all()
        settings = app_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        self.remember_place()
        self.importer.wait()
        self.previews.close()
        self.player.close_film()
        self.timeline.set_workspace(None)
        super().closeEvent(event)


def session_state() -> SessionState:
    return SessionState(app_settings())


def add_recent_vault(path: Path) -> list[str]:
    return session_state().add_recent_vault(path)


def recent_vaults() -> list[str]:
    return session_state().recent_vaults()
