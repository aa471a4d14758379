"""Sharing from the window: exports, training packs, consent, packages, the shared review and its handout.

Every dialog here asks the services first (consent before any form, a clip at hand) and says plainly why
not; the work itself runs as jobs in the window's job list.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from ui.qt_consent import ConsentDialog
from ui.qt_export import ExportDialog, moment_name
from ui.qt_handout import HandoutDialog
from ui.qt_package import PackageReviewDialog, PackageViewer
from ui.qt_presenter import Presenter, start_presenting
from ui.qt_refusal import refused
from ui.qt_save import ask_open_name, ask_save_name, remember, save_folders
from ui.qt_training import TrainingDialog
from vigtool.domain.model import Recording, ReviewItemKind, ReviewSession
from vigtool.domain.wording import count
from vigtool.media.errors import MediaError
from vigtool.services import review, sharing, supervision
from vigtool.services.exporting import export_still
from vigtool.services.library import PACKAGE_SUFFIX, is_for_person
from vigtool.services.marking import ChosenClip
from vigtool.services.packaging import open_package

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class SharingControls(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.presenter: Presenter | None = None
        self.package_viewer: PackageViewer | None = None
        window.clip_bin.delete_requested.connect(self._delete_from_bin)
        window.review_panel.add_requested.connect(self.add_to_review)
        window.review_panel.present_requested.connect(self.present_review)
        window.review_panel.handout_requested.connect(self.handout_dialog)
        window.review_panel.package_requested.connect(self.package_review_dialog)

    def _chosen_clip(self) -> ChosenClip | None:
        ws = self.w.workspace
        return self.w.marks.chosen_clip(ws.clips.values(), self.w.player.frame) if ws is not None else None

    def export_clip_dialog(self) -> ExportDialog | None:
        clip = self._chosen_clip()
        if clip is None or self.w.workspace is None:
            self.w.statusBar().showMessage("Make a clip first: mark in (I) and out (O) around the moment, then C.",
                                         5000)
            return None
        if refused(self.w, self.w.vault, [self.w.workspace.recording], sharing.Use.EXPORT):
            return None  # said before the form is filled in, not after
        dialog = ExportDialog(self.w.vault, self.w.workspace.recording, clip, save_folders().folder("clip"), self.w)
        dialog.show()
        return dialog

    def training_dialog(self) -> TrainingDialog | None:
        clip = self._chosen_clip()
        if clip is None or self.w.workspace is None:
            self.w.statusBar().showMessage("Make a clip first: mark in (I) and out (O) around the moment, then C.",
                                         5000)
            return None
        if refused(self.w, self.w.vault, [self.w.workspace.recording], sharing.Use.TRAINING):
            return None  # said plainly before any work starts
        dialog = TrainingDialog(self.w.vault, self.w.workspace.recording, clip.range,
                                save_folders().folder("training"), self.w)
        dialog.show()
        return dialog

    def export_still_dialog(self) -> None:
        ws = self.w.workspace
        if ws is None or refused(self.w, self.w.vault, [ws.recording], sharing.Use.STILL):
            return
        suggested = f"still {moment_name(self.w.player.frame, ws.recording.rate).removeprefix('moment ')}.png"
        name, _ = ask_save_name(self.w, "still", "Export still as", suggested, "Pictures (*.png *.jpg)")
        if name is not None:
            try:
                # The file chooser asked before replacing a file of that name.
                export_still(self.w.vault, ws.recording, self.w.player.frame, name, overwrite=True)
            except (MediaError, OSError) as exc:
                QMessageBox.warning(self.w, "Still not exported", str(exc))
                return
            remember("still", name)
            self.w.statusBar().showMessage(f"Saved {name.name}.", 5000)

    def add_to_review(self) -> None:
        ws = self.w.workspace
        item = self.w.clip_bin.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if ws is None or not data:
            self.w.statusBar().showMessage("Choose a clip or still under Clips and stills first.", 5000)
            return
        kind = ReviewItemKind.CLIP if data[0] == "clip" else ReviewItemKind.STILL
        editor = self.w.review_panel.editor
        if editor is not None and editor.add(kind, data[1]):
            self.w.statusBar().showMessage("Added to the shared review — Ctrl+Z takes it back.", 5000)
        else:
            self.w.statusBar().showMessage("That moment is in the review already.", 5000)

    def consent_dialog(self) -> ConsentDialog | None:
        ws = self.w.workspace
        if ws is None:
            self.w.statusBar().showMessage("Open a film first (under Families and films).", 5000)
            return None
        dialog = ConsentDialog(self.w.vault, ws.recording, self.w)
        dialog.shredded.connect(self._recording_destroyed)
        dialog.show()
        return dialog

    def _recording_destroyed(self, recording_id: int) -> None:
        """The film was crypto-shredded: nothing of it may stay on screen."""
        if self.w.workspace is not None and self.w.workspace.recording.id == recording_id:
            self.w.player.close_film()
            self.w.timeline.set_workspace(None)
            self.w.inspector.set_workspace(None)
            self.w.workspace = None
            self.w.clip_bin.show_items([], [], Fraction(25))
            self.w.review_panel.set_editor(None)
            self.w.actions_.refresh_film_state()
            self.w.show_title()
        self.w.refresh_cases()
        self.w.statusBar().showMessage("The film is destroyed: its key first, then its files.", 8000)

    def package_review_dialog(self) -> PackageReviewDialog | None:
        session = self.w.review_session()
        if session is None or not session.items:
            self.w.statusBar().showMessage("Put a clip or still into the shared review first.", 5000)
            return None
        if refused(self.w, self.w.vault, self._review_films(session), sharing.Use.REVIEW_PACKAGE):
            return None
        dialog = PackageReviewDialog(self.w.vault, session, save_folders().folder("review package"), self.w)
        dialog.show()
        return dialog

    def _take_in_package(self, path: Path) -> None:
        """A package made for this vault's user: films for supervision are taken in, comments merged."""
        reopen: int | None
        try:
            taken = supervision.take_in(self.w.vault, path)
            if isinstance(taken, supervision.Merged):
                film = sharing.shown_name(self.w.vault, taken.recording)
                message = (f"Merged {count(taken.marks, 'comment')} on the lane '{taken.track_name}' of {film}; "
                           "your own marks are as they were." if taken.changed
                           else "These comments were merged before; nothing changed.")
                reopen = taken.recording.id
            else:
                message = (f"Opened {count(len(taken), 'film')} for supervision: the practitioner's marks are on "
                           "the lanes they sent, read-only; your code keys mark your 'Supervision' lane.")
                reopen = taken[0].id if taken else None
        except (MediaError, ValueError) as exc:
            QMessageBox.warning(self.w, "Package not opened", str(exc))
            return
        self.w.refresh_cases()
        if reopen is not None:
            self.w.open_recording(reopen)
        self.w.statusBar().showMessage(message, 15000)

    def open_package_dialog(self, path: Path | None = None, passphrase: str | None = None) -> PackageViewer | None:
        if path is None:
            opened = ask_open_name(self.w, "package in", "Open a package", f"Encrypted package (*{PACKAGE_SUFFIX})")
            if opened is None:
                return None
            path = opened
        if passphrase is None and path.exists() and is_for_person(path):
            self._take_in_package(path)
            return None
        if passphrase is None:
            passphrase, ok = QInputDialog.getText(self.w, "Open a package", f"Passphrase for {path.name}:",
                                                  QLineEdit.EchoMode.Password)
            if not ok:
                return None
        try:
            package = open_package(path, passphrase)
        except MediaError as exc:
            QMessageBox.warning(self.w, "Package not opened", str(exc))
            return None
        self.package_viewer = PackageViewer(package)
        self.package_viewer.show()
        return self.package_viewer

    def present_review(self) -> Presenter | None:
        if self.presenter is not None and not self.presenter.over:
            self.presenter.arrange()  # F5 again while presenting: the review comes to the front, once
            return self.presenter
        session = self.w.review_session()
        if session is None or not session.items:
            self.w.statusBar().showMessage("Make a clip (C) or a still (S) of a moment first.", 5000)
            return None
        # Nothing goes on the family's screen without their consent to the shared review.
        if refused(self.w, self.w.vault, self._review_films(session), sharing.Use.PRESENTER):
            return None
        self.w.player.pause()
        self.presenter = start_presenting(self.w.vault, session, home=self.w.screen())
        self.presenter.ended.connect(self._back_from_presenting)
        return self.presenter

    def _back_from_presenting(self, row: int, recording_id: int, frame: int) -> None:
        """The workspace again, on the moment and the frame the family saw last."""
        if self.w.workspace is None or self.w.workspace.recording.id != recording_id:
            self.w.open_recording(recording_id, frame)
        self.w.player.show_frame(frame)
        self.w.review_dock.raise_()
        self.w.review_panel.items.setCurrentRow(row)
        self.w.activateWindow()
        self.w.player.setFocus()

    def _review_films(self, session: ReviewSession) -> list[Recording]:
        return list({e.recording.id: e.recording for e in review.resolve(self.w.vault, session)}.values())

    def handout_dialog(self) -> HandoutDialog | None:
        session = self.w.review_session()
        ws = self.w.workspace
        if ws is None or session is None or not session.items:
            self.w.statusBar().showMessage("Make a clip (C) or a still (S) of a moment first.", 5000)
            return None
        if refused(self.w, self.w.vault, self._review_films(session), sharing.Use.HANDOUT):
            return None
        family = self.w.families.families.label_of(ws.recording.case_id)
        dialog = HandoutDialog(self.w.vault, ws, family, save_folders().folder("handout"), self.w)
        dialog.show()
        return dialog

    def _delete_from_bin(self, kind: str, item_id: int) -> None:
        if self.w.workspace is not None:
            (self.w.workspace.clips.delete if kind == "clip" else self.w.workspace.stills.delete)(item_id)
