"""The main window: families, player, timeline, inspector, codebook and clip bin, as dockable panels.

The window only connects things: the workspace (core) does every change as an undoable operation that is
in the vault when it returns, so the title never needs an "unsaved" marker.
"""

from __future__ import annotations

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
    QProgressDialog,
    QSplitter,
    QWidget,
)

from storage.package import SUFFIX as PACKAGE_SUFFIX
from storage.package import is_for_person
from ui.handout_pdf import handout_pdf
from ui.qt_actions import WindowActions
from ui.qt_consent import ConsentDialog
from ui.qt_export import ExportDialog
from ui.qt_import import ImportRunner
from ui.qt_inspector import Inspector
from ui.qt_jobs import BackgroundJob
from ui.qt_package import PackageReviewDialog, PackageViewer
from ui.qt_panels import CaseBrowser, ClipBin, CodebookPalette
from ui.qt_player import PlayerView
from ui.qt_presenter import Presenter, start_presenting
from ui.qt_review_panel import ReviewPanel, ReviewRow
from ui.qt_timeline import TimelineWidget
from ui.qt_training import TrainingDialog
from vigtool.domain.codebook import Codebook, CodebookError
from vigtool.domain.events import Event
from vigtool.domain.model import Actor, Annotation, Clip, ReviewItemKind, ReviewSession
from vigtool.domain.suggestions import Suggestion
from vigtool.domain.time import FrameRange, timecode
from vigtool.media.errors import MediaError
from vigtool.services import consent, review, supervision
from vigtool.services.analysis import AnalysisCancelledError, AnalysisResult, suggest_turn_taking
from vigtool.services.consent import Purpose
from vigtool.services.exporting import export_still
from vigtool.services.packaging import open_package
from vigtool.services.previews import PreviewBuilder, load_audio_envelope, load_filmstrip
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
        self.vault = vault
        self.workspace: Workspace | None = None
        self.clipboard: list[Annotation] = []  # copied marks stay in this window: notes never reach the OS
        self.turn_mode = False
        self.presenter: Presenter | None = None
        self.package_viewer: PackageViewer | None = None
        self.suggest_job: BackgroundJob | None = None
        self.in_mark: int | None = None
        self.out_mark: int | None = None
        self.previews = PreviewBuilder(vault)  # filmstrips and sound waves, on their own worker thread
        self.importer = ImportRunner(vault, self.previews, self)
        self.importer.all_done.connect(self._imported)
        self._previews_ready.connect(self._reload_previews)
        self._place_timer = QTimer(self, singleShot=True, interval=400)
        self._place_timer.timeout.connect(self.remember_place)
        self.setWindowTitle(f"vigtool — {vault.path}")
        self.setAcceptDrops(True)
        self.resize(1500, 920)
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
        self._connect()
        self.actions_ = WindowActions(self)
        book = vault.repo.load_codebook()  # once: the palette and the key actions both follow it
        self.codebook_panel.show_codebook(book)
        self.actions_.rebuild_code_actions(book)
        self.statusBar().showMessage("Everything you do is kept in the vault as you go.")
        self.refresh_cases()
        if restore_state:
            self._restore_state()

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
        self.codebook_panel.rebind_requested.connect(self.rebind_key)
        self.codebook_panel.import_requested.connect(self.import_codebook)
        self.codebook_panel.export_requested.connect(self.export_codebook)
        self.clip_bin.clip_chosen.connect(self._clip_chosen)
        self.clip_bin.still_chosen.connect(self.player.show_frame)
        self.clip_bin.delete_requested.connect(self._delete_from_bin)
        self.review_panel.show_requested.connect(self._clip_chosen)
        self.review_panel.add_requested.connect(self.add_to_review)
        self.review_panel.present_requested.connect(self.present_review)
        self.review_panel.handout_requested.connect(self.handout_dialog)
        self.review_panel.package_requested.connect(self.package_review_dialog)

    # -- opening ---------------------------------------------------------------------------------
    def refresh_cases(self) -> None:
        repo = self.vault.repo
        self.cases.show_cases([(case, repo.list_recordings(case.id)) for case in repo.list_cases()])

    def open_recording(self, recording_id: int, frame: int = 0) -> None:
        recording = self.vault.repo.get_recording(recording_id)
        try:
            self.player.open(self.vault, recording, frame)
        except MediaError as exc:
            QMessageBox.warning(self, "Cannot open this film", str(exc))
            return
        workspace = Workspace(self.vault.repo, recording)
        self.workspace = workspace
        self.timeline.set_workspace(workspace)  # first: the window's listeners read the timeline's selection
        workspace.events.connect(self._workspace_changed)
        workspace.layer.events.connect(self._layer_changed)
        workspace.undo_stack.events.connect(lambda _e: self.actions_.refresh_undo(workspace.undo_stack))
        self.timeline.current_code = self.codebook_panel.current_code()
        self.timeline.set_playhead(self.player.frame)
        self.inspector.set_workspace(workspace)
        self.in_mark = self.out_mark = None
        self._marks_changed()
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
        self.setWindowTitle(f"vigtool — {self.vault.repo.get_case(recording.case_id).label} — "
                            f"{recording.source_name}")
        self.remember_place()
        self.player.setFocus()

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
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path], case_label: str | None = None) -> None:
        """Import films one after another on a worker thread, with a progress dialog that can stop."""
        if case_label is None:
            case = self.workspace and self.vault.repo.get_case(self.workspace.recording.case_id)
            case_label = case.label if case else "New family"
        if not self.importer.start(paths, case_label):
            self.statusBar().showMessage("An import is still running; start the next one when it is done.")

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
            self.import_files(paths)

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
    def mark_code(self, code_id: str, *, over_marks: bool = False) -> None:
        """Mark the moment at the playhead with a code (or, with Shift, the stretch between in and out)."""
        ws = self.workspace
        if ws is None:
            return
        frame = self.player.frame
        frames = FrameRange.point(frame)
        if over_marks and self.in_mark is not None and self.out_mark is not None:
            frames = FrameRange(self.in_mark, self.out_mark + 1)
        made = ws.mark(code_id, frames)
        self.timeline.select({made.id})
        label = ws.codebook.code(code_id).label
        self.statusBar().showMessage(f"Marked “{label}” at {timecode(made.start, ws.recording.rate)} "
                                     "— Ctrl+Z takes it back.", 6000)

    def mark_turn(self, actor: Actor) -> None:
        ws = self.workspace
        if ws is None:
            return
        if not self.turn_mode:
            self.statusBar().showMessage("Press T for turn-taking mode first.", 4000)
            return
        made = ws.mark_turn(actor, self.player.frame)
        chain = ws.chain_of(made.id)
        who = "baby" if actor is Actor.INFANT else "parent"
        if chain is not None and len(chain.links) > 1:
            latency = chain.latency_seconds({a.id: a for a in ws.layer}, ws.recording.rate)[-1]
            self.statusBar().showMessage(f"The {who} answered after {float(latency):.2f} s.", 6000)
        else:
            self.statusBar().showMessage(f"An initiative by the {who}. Now mark the answer "
                                         f"({'P' if actor is Actor.INFANT else 'B'}), or Esc to end.", 6000)

    def set_turn_mode(self, on: bool) -> None:
        self.turn_mode = on
        if self.workspace is not None:
            self.workspace.close_chain()
        self.statusBar().showMessage(
            "Turn-taking mode: B marks a turn by the baby, P by the parent; Esc ends a chain." if on
            else "Turn-taking mode is off.", 8000)

    def end_chain(self) -> None:
        if self.workspace is not None:
            self.workspace.close_chain()
            self.statusBar().showMessage("Chain ended; the next turn starts a new one.", 4000)

    def set_in(self) -> None:
        self.in_mark = self.player.frame
        if self.out_mark is not None and self.out_mark < self.in_mark:
            self.out_mark = None
        self._marks_changed()

    def set_out(self) -> None:
        self.out_mark = self.player.frame
        if self.in_mark is not None and self.in_mark > self.out_mark:
            self.in_mark = None
        self._marks_changed()

    def clear_marks(self) -> None:
        self.in_mark = self.out_mark = None
        self._marks_changed()

    def _marks_changed(self) -> None:
        self.timeline.set_marks(self.in_mark, self.out_mark)
        self.player.set_loop(self.in_mark, self.out_mark)

    def make_clip(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        if self.in_mark is None or self.out_mark is None:
            self.statusBar().showMessage("Mark in (I) and out (O) around the moment first.", 5000)
            return
        ws.add_clip(FrameRange(self.in_mark, self.out_mark + 1))
        self.statusBar().showMessage("Clip added to Clips and stills.", 4000)

    def make_still(self) -> None:
        if self.workspace is not None:
            self.workspace.add_still(self.player.frame)
            self.statusBar().showMessage("Still added to Clips and stills.", 4000)

    def _clip_chosen(self, first: int, last: int) -> None:
        self.in_mark, self.out_mark = first, last
        self._marks_changed()
        self.player.show_frame(first)

    # -- exports and the shared review ----------------------------------------------------------
    def _chosen_clip(self) -> Clip | None:
        ws = self.workspace
        if ws is None:
            return None
        item = self.clip_bin.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if data and data[0] == "clip":
            return ws.clips[data[1]]
        if self.in_mark is not None and self.out_mark is not None:
            return Clip(0, ws.recording.id, FrameRange(self.in_mark, self.out_mark + 1))
        return None

    def export_clip_dialog(self) -> ExportDialog | None:
        clip = self._chosen_clip()
        if clip is None or self.workspace is None:
            self.statusBar().showMessage("Choose a clip under Clips and stills (or mark in and out) first.", 5000)
            return None
        dialog = ExportDialog(self.vault, self.workspace.recording, clip, Path.home(), self)
        dialog.show()
        return dialog

    def training_dialog(self) -> TrainingDialog | None:
        clip = self._chosen_clip()
        if clip is None or self.workspace is None:
            self.statusBar().showMessage("Choose a clip under Clips and stills (or mark in and out) first.", 5000)
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
            self.setWindowTitle(f"vigtool — {self.vault.path}")
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
                message = (f"Merged {taken.marks} comment(s) on the lane '{taken.track_name}' of "
                           f"{taken.recording.source_name}; your own marks are as they were." if taken.changed
                           else "These comments were merged before; nothing changed.")
                reopen = taken.recording.id
            else:
                message = (f"Opened {len(taken)} film(s) for supervision: the practitioner's marks are on the "
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

    def present_review(self) -> Presenter | None:
        if self.presenter is not None and not self.presenter.over:
            self.presenter.arrange()  # F5 again while presenting: the review comes to the front, once
            return self.presenter
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
        self.presenter = start_presenting(self.vault, session, home=self.screen())
        self.presenter.ended.connect(self._back_from_presenting)
        return self.presenter

    def _back_from_presenting(self, row: int, recording_id: int, frame: int) -> None:
        """The workspace again, on the moment and the frame the family saw last."""
        if self.workspace is None or self.workspace.recording.id != recording_id:
            self.open_recording(recording_id, frame)
        self.player.show_frame(frame)
        self.review_dock.raise_()
        self.review_panel.items.setCurrentRow(row)
        self.activateWindow()
        self.player.setFocus()

    def handout_dialog(self) -> None:
        session = self.review_session()
        if session is None or not session.items:
            self.statusBar().showMessage("Make a clip (C) or a still (S) of a moment first.", 5000)
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save the handout as", str(Path.home() / "moments.pdf"),
                                              "PDF (*.pdf);;Web page (*.html)")
        if not name:
            return
        out = Path(name)
        try:
            review.save_handout(self.vault, session, out,
                                render=None if out.suffix.lower() == ".html" else handout_pdf)
        except (MediaError, OSError) as exc:
            QMessageBox.warning(self, "Handout not saved", str(exc))
            return
        self.statusBar().showMessage(f"Saved the handout {out.name}.", 5000)

    def _delete_from_bin(self, kind: str, item_id: int) -> None:
        if self.workspace is not None:
            (self.workspace.delete_clip if kind == "clip" else self.workspace.delete_still)(item_id)

    # -- editing ---------------------------------------------------------------------------------
    def undo(self) -> None:
        if self.workspace is not None and self.workspace.undo_stack.can_undo:
            text = self.workspace.undo_stack.undo_text
            self.workspace.undo()
            self.statusBar().showMessage(f"Undone: {text}", 4000)

    def redo(self) -> None:
        if self.workspace is not None and self.workspace.undo_stack.can_redo:
            text = self.workspace.undo_stack.redo_text
            self.workspace.redo()
            self.statusBar().showMessage(f"Redone: {text}", 4000)

    def delete_selected(self) -> None:
        """Delete what is selected where the focus is: a clip or still in the bin, else the marks (a
        suggestion is dismissed, and remembered as dismissed)."""
        if self.clip_bin.hasFocus() and self.clip_bin.delete_current():
            return
        ws = self.workspace
        if ws is None or not self.timeline.selected:
            return
        suggested = [s for s in map(ws.suggestion_at, sorted(self.timeline.selected)) if s is not None]
        for suggestion in suggested:
            ws.dismiss_suggestion(suggestion.id)
        marks = [a for a in sorted(self.timeline.selected) if a in ws.layer]
        if marks:
            ws.delete_annotations(marks)

    # -- turn-taking suggested from the sound ------------------------------------------------------
    def suggest_turns(self) -> BackgroundJob | None:
        """Listen for turn-taking in the background; the moments found go on the Suggestions lane."""
        ws = self.workspace
        if ws is None or self.suggest_job is not None:
            return self.suggest_job
        vault, recording = self.vault, ws.recording
        job = BackgroundJob(lambda progress, cancelled: suggest_turn_taking(
            vault, recording, progress=progress, cancelled=cancelled), self)
        dialog = QProgressDialog("Listening for turn-taking in the sound…", "Stop", 0, 100, self)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(400)
        job.progressed.connect(lambda done, total: dialog.setValue(int(done * 100 // max(total, 1))))
        dialog.canceled.connect(job.requestInterruption)
        job.succeeded.connect(lambda found: self._suggested(ws, found))
        job.failed.connect(self._suggest_failed)
        job.finished.connect(dialog.reset)
        job.finished.connect(lambda: setattr(self, "suggest_job", None))
        self.suggest_job = job
        job.start()
        return job

    def _suggested(self, ws: Workspace, found: tuple[list[Suggestion], AnalysisResult]) -> None:
        proposals, result = found
        if ws is not self.workspace:  # another film was opened meanwhile
            return
        made = ws.suggest(proposals)
        if made:
            self.statusBar().showMessage(
                f"On the Suggestions lane: {result.summary.text()} Enter accepts one, Delete dismisses it.", 15000)
        else:
            self.statusBar().showMessage(result.note or "No new turn-taking found in the sound.", 10000)

    def _suggest_failed(self, error: BaseException) -> None:
        if isinstance(error, AnalysisCancelledError):
            self.statusBar().showMessage("Stopped listening; nothing was suggested.", 5000)
        else:
            self.statusBar().showMessage(f"Could not listen for turn-taking: {error}", 10000)

    def accept_suggestions(self) -> None:
        ws = self.workspace
        chosen = [s for s in map(ws.suggestion_at, sorted(self.timeline.selected)) if s is not None] if ws else []
        if ws is None or not chosen:
            self.statusBar().showMessage("Choose a suggestion on the Suggestions lane first.", 5000)
            return
        for suggestion in chosen:
            ws.accept_suggestion(suggestion.id)
        self.statusBar().showMessage("Added to your turn-taking — Ctrl+Z takes it back.", 5000)

    def copy_selected(self) -> None:
        self.clipboard = self.timeline.selected_annotations()
        if self.clipboard:
            self.statusBar().showMessage(f"Copied {len(self.clipboard)} mark(s); Ctrl+V pastes at the playhead.",
                                         4000)

    def paste(self) -> None:
        if self.workspace is not None and self.clipboard:
            pasted = self.workspace.paste(self.clipboard, self.player.frame)
            self.timeline.select({a.id for a in pasted})

    # -- codebook --------------------------------------------------------------------------------
    def rebind_key(self, code_id: str) -> None:
        ws = self.workspace
        if ws is None:
            return
        from ui.qt_key_dialog import ask_key  # noqa: PLC0415 - a dialog used rarely

        key = ask_key(self, ws.codebook.code(code_id).label)
        if key is None:
            return
        book = ws.codebook.copy()
        try:
            book.bind_key(code_id, key or None)
        except CodebookError as exc:
            QMessageBox.information(self, "Key not changed", str(exc))
            return
        ws.replace_codebook(book, f"Bind {key or 'no key'}")

    def import_codebook(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import a codebook", str(Path.home()), "Codebook (*.json)")
        if not name or self.workspace is None:
            return
        try:
            book = Codebook.from_json(Path(name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, CodebookError) as exc:
            QMessageBox.warning(self, "Codebook not imported", f"{name}: {exc}")
            return
        self.workspace.replace_codebook(book, "Import codebook")

    def export_codebook(self) -> None:
        book = self.workspace.codebook if self.workspace else self.vault.repo.load_codebook()
        name, _ = QFileDialog.getSaveFileName(self, "Export the codebook", str(Path.home() / "codebook.json"),
                                              "Codebook (*.json)")
        if name:
            try:
                Path(name).write_text(book.to_json(), encoding="utf-8")
            except OSError as exc:
                QMessageBox.warning(self, "Codebook not exported", f"{name}: {exc.strerror}")

    # -- vaults and window state -----------------------------------------------------------------
    def remember_place(self) -> None:
        """Where the practitioner is, so that after a crash the app reopens there."""
        settings = app_settings()
        settings.setValue("session/vault", str(self.vault.path))
        if self.workspace is not None:
            settings.setValue("session/recording", self.workspace.recording.id)
            settings.setValue("session/frame", self.player.frame)
        settings.sync()

    def reopen_last_place(self) -> bool:
        settings = app_settings()
        if settings.value("session/vault") != str(self.vault.path):
            return False
        try:
            recording_id = int(str(settings.value("session/recording")))
            frame = int(str(settings.value("session/frame", 0)))
        except ValueError:
            return False
        if recording_id not in {r.id for r in self.vault.repo.list_recordings()}:
            return False
        self.open_recording(recording_id, frame)
        return True

    def _restore_state(self) -> None:
        settings = app_settings()
        geometry, state = settings.value("main/geometry"), settings.value("main/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.presenter is not None:  # the family's screen never outlives the window (or the vault)
            self.presenter.end()
        settings = app_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        self.remember_place()
        self.importer.stop()
        self.importer.wait()
        if self.suggest_job is not None:  # never leave a thread listening behind a closed window
            self.suggest_job.requestInterruption()
            self.suggest_job.wait()
        self.previews.close()
        self.player.close_film()
        self.timeline.set_workspace(None)
        super().closeEvent(event)


def add_recent_vault(path: Path) -> list[str]:
    settings = app_settings()
    recent = [str(path), *[p for p in (settings.value("recent/vaults") or []) if p != str(path)]]
    settings.setValue("recent/vaults", recent[:8])
    return recent[:8]


def recent_vaults() -> list[str]:
    value = app_settings().value("recent/vaults") or []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]

