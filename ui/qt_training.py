"""Make a training pack from a clip: find the faces, look at the frames the finder cannot vouch for, settle
each (draw a box over a face still showing, or confirm no face is left uncovered), then write.

The faces are found on a worker thread; the preview keeps small copies of the frames only. A box drawn
here covers its place from the frame shown to the end of the clip and settles the frame shown; a click on a
blurred patch leaves it clear (the later frames it clears then need their own look). "Write the pack" is
enabled only when no frame waits. Blurred whole but for the outline of the scene, every frame waits for her
look (training.WHOLE_NOT_ENOUGH). The frames that wait can be played through (F4) and those shown settled
at once (Shift+F4): never a frame she was not shown.
The rules are the core's (vigtool.analysis.face_cover): the dialog shows them, the service enforces them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QMouseEvent, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ui.qt_export import JobDialog, Work
from ui.qt_refusal import replace_asked
from vigtool.analysis.faces import Box, Find, blur, outline_only
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.services import sharing, training
from vigtool.services.session import unused_name
from vigtool.services.training_review import FaceReview
from vigtool.services.vault import Vault

PREVIEW_SIDE = 480
PLAY_MS = 80  # a frame shown for 80 ms when the frames that wait are played through: 12.5 a second


class _Canvas(QLabel):
    """The preview picture; reports a drag (or a click) in its own coordinates."""

    dragged = Signal(QPoint, QPoint)

    def __init__(self) -> None:
        super().__init__(alignment=Qt.AlignmentFlag.AlignCenter)
        self._from: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        self._from = event.position().toPoint()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._from is not None:
            self.dragged.emit(self._from, event.position().toPoint())
        self._from = None


class TrainingDialog(JobDialog):
    """A thin view over `FaceReview` (vigtool.services.training_review): the preview, the buttons, the keys."""

    save_kind = "training"
    for_the_family = False

    def __init__(self, vault: Vault, recording: Recording, frames: FrameRange, folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.recording, self.frames = vault, recording, frames
        self.setWindowTitle("Training pack")
        self.review = FaceReview(frames)
        self.small: list[np.ndarray] = []
        self.scale = 1.0
        self.written: Path | None = None
        self.find_again = False  # the search was stopped: the action button searches again
        self.ready = False  # the frames are here to be looked at (searched for faces, or not: finder_missing)
        self.finder_missing: str | None = None
        self.caption = QLineEdit(placeholderText="a pseudonym, e.g. Parent and baby (4 months)")
        self.voice = QComboBox()
        for label, value in (("Voice disguised", "disguise"), ("No sound", "mute"), ("Voice as recorded", "keep")):
            self.voice.addItem(label, value)
        # A folder of its own (made when the pack is written), so that a pack never replaces another's files.
        self.folder = QLineEdit(str(unused_name(folder / "training pack")))
        self.whole = QCheckBox("Blur everything but the outline of the scene")
        self.whole.setToolTip("The whole picture in blocks of colour with soft outlines. Every frame still needs "
                              "your look: a face that fills much of the picture can be known through the blur")
        self.whole.toggled.connect(self._whole_toggled)
        form = QFormLayout()
        form.addRow(QLabel(f"Frames {frames.start}–{frames.end - 1} of {sharing.shown_name(vault, recording)}. "
                           "Look at every frame marked below before writing."))
        form.addRow("Caption", self.caption)
        form.addRow("Sound", self.voice)
        form.addRow("Folder", self.folder)
        form.addRow("", self.whole)
        self.picture = _Canvas()
        width, height = recording.display_size  # room for the whole preview frame, the slider under it
        fit = min(1.0, PREVIEW_SIDE / max(width, height))
        self.picture.setMinimumSize(max(1, round(width * fit)), max(1, round(height * fit)))
        self.picture.setToolTip("Drag to cover a face still showing; click a blurred patch to leave it clear")
        self.picture.dragged.connect(self._dragged)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self.show_frame)
        self.frame_note = QLabel()
        self.frame_note.setWordWrap(True)
        row = self._settle_row()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.slider)
        layout.addWidget(self.frame_note)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        self.write_button = self._controls(layout, "Finding the faces…", "Write the pack", self.write)
        self.write_button.setEnabled(False)
        self._find()

    def _whole_toggled(self, on: bool) -> None:
        self._player.stop()
        self.review.forget_played()
        self.review.whole = on
        self.refresh()

    def _settle_row(self) -> QHBoxLayout:
        """Next frame to look at, No face left uncovered here, Undo (all off until the faces are found)."""
        # Keys that work while the caption field has focus (a bare letter would be typed into it).
        self.next_button = QPushButton("Next frame to look at")
        self.next_button.setShortcut(QKeySequence("F3"))
        self.next_button.setToolTip("Show the next frame that still needs a look (F3)")
        self.next_button.clicked.connect(lambda _checked=False: self.go_to_next())
        self.confirm_button = QPushButton("No face left uncovered here")
        self.confirm_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.confirm_button.setToolTip("You looked at this frame and every face in it is blurred: settle it and go on "
                                       "to the next frame that needs a look (Ctrl+Enter)")
        self.confirm_button.clicked.connect(lambda _checked=False: self.confirm())
        self.play_button = QPushButton("Play the frames that wait")
        # QShortcuts, not the buttons' own: a button's shortcut goes when its text is set (as these change).
        QShortcut(QKeySequence("F4"), self, self.toggle_play)
        self.play_button.setToolTip("Show every frame that still needs a look, one after another, from the frame "
                                    "shown on (F4; again to pause). Then you can settle all you watched at once")
        self.play_button.clicked.connect(lambda _checked=False: self.toggle_play())
        self.confirm_played_button = QPushButton("No face left uncovered in the frames played")
        QShortcut(QKeySequence("Shift+F4"), self, self.confirm_played)
        self._played_tip = "You watched these frames as they will be written and saw no face left uncovered (Shift+F4)"
        self.confirm_played_button.setToolTip(self._played_tip)
        self.confirm_played_button.clicked.connect(lambda _checked=False: self.confirm_played())
        self._player = QTimer(self, interval=PLAY_MS)
        self._player.timeout.connect(self._play_next)
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(lambda _checked=False: self.undo())
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)
        row = QHBoxLayout()
        for button in (self.next_button, self.confirm_button, self.play_button, self.confirm_played_button,
                       self.undo_button):
            button.setEnabled(False)
            row.addWidget(button)
        row.addStretch(1)
        return row

    # -- finding --------------------------------------------------------------------------------------------
    def _find(self) -> None:
        vault, recording, frames = self.vault, self.recording, self.frames
        width, height = recording.display_size
        self.scale = min(1.0, PREVIEW_SIDE / max(width, height))
        size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        small: list[np.ndarray] = []
        self.small = small

        def keep(_k: int, picture: np.ndarray) -> None:
            small.append(np.ascontiguousarray(cv2.resize(picture, size, interpolation=cv2.INTER_AREA)))

        self._start(lambda progress, cancelled: training.faces_or_pictures(
            vault, recording, frames, keep, progress=progress, cancelled=cancelled), self._found)

    def _start(self, work: Work, done: Callable[[Any], None]) -> None:
        job = self._run(work)
        job.finished.connect(done)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._stopped)
        job.start()

    def _found(self, found: list[list[Find]] | training.FinderMissingError) -> None:
        self._ended("")
        if isinstance(found, training.FinderMissingError):  # only the whole picture can go, after her look
            self.finder_missing = f"This film {found.problem}"  # found names the film by its file name
            self.whole.setChecked(True)
            self.whole.setEnabled(False)
        else:
            self.review.found = found
        self.ready = True
        self.slider.setRange(0, max(len(self.small) - 1, 0))
        self.slider.setEnabled(True)
        for button in (self.next_button, self.confirm_button, self.play_button):
            button.setEnabled(True)
        waiting = self.review.waiting()
        if waiting:
            self.slider.setValue(waiting[0] - self.frames.start)
        self.refresh()
        if self.finder_missing is not None:
            self.status.setText(f"{self.finder_missing}. Only the whole picture, blurred but for its outline, can "
                                "be written, once you have looked at every frame (F4 plays them).")

    # -- what the review says -------------------------------------------------------------------------------
    @property
    def shown(self) -> int:
        """The frame shown (absolute)."""
        return self.frames.start + self.slider.value()

    def refresh(self) -> None:
        """The summary, the status and the Write button from the review: the same counts about.txt gives."""
        if not self.ready:  # still finding, or stopped: no frame can be shown to her
            again = self.find_again and not self.whole.isChecked()
            self.write_button.setText("Find the faces" if again else "Write the pack")
            self.write_button.setEnabled(self.job is None and again)
            return
        self.summary.setText(self.review.summary())
        self.status.setText(self.review.status())
        self.write_button.setEnabled(self.job is None and not self.review.waiting())
        self.undo_button.setEnabled(self.review.can_undo)
        self._say_played()
        self.show_frame(self.slider.value())

    def show_frame(self, k: int) -> None:
        if not 0 <= k < len(self.small):
            return
        s, frame = self.scale, self.frames.start + k
        if self.whole.isChecked():
            shown = outline_only(self.small[k])
        else:
            shown = blur(self.small[k], [(round(x * s), round(y * s), round(w * s), round(h * s))
                                         for x, y, w, h in self.review.boxes_at(frame)])
        self.frame_note.setText(self.review.frame_note(frame))
        image = QImage(shown.data, shown.shape[1], shown.shape[0], shown.strides[0], QImage.Format.Format_RGB888)
        self.picture.setPixmap(QPixmap.fromImage(image.copy()))

    # -- settling and corrections ----------------------------------------------------------------------------
    def go_to_next(self) -> None:
        """Show the next frame that still needs a look (after the one shown, else the first)."""
        frame = self.review.next_to_look(self.shown)
        if frame is not None:
            self.slider.setValue(frame - self.frames.start)

    def confirm(self) -> None:
        """The frame shown was looked at: no face in it is left uncovered. Then on to the next one."""
        if self.ready:
            self.review.confirm(self.shown)
            self.go_to_next()
            self.refresh()

    def toggle_play(self) -> None:
        """Play the frames that wait from the one shown on (each shown once, as it will be written); pause."""
        if self._player.isActive():
            self._player.stop()
            self._say_played()
            return
        if not self.ready:
            return
        self.review.start_playing(self.shown)
        self.play_button.setText("Pause")
        self._player.start()
        self._play_next()

    def _play_next(self) -> None:
        frame = self.review.next_to_play()
        if frame is None:
            self._player.stop()
            self._say_played()
            return
        self.slider.setValue(frame - self.frames.start)  # shows it (as the same frame would be shown by hand)
        self.show_frame(frame - self.frames.start)
        self.picture.repaint()  # on the screen now, not at the next idle moment

    def _say_played(self) -> None:
        playing = self._player.isActive()
        if not playing:
            self.play_button.setText("Play the frames that wait")
        self.confirm_played_button.setEnabled(bool(self.review.played_waiting()) and not playing)
        self.confirm_played_button.setText(self.review.played_button_text())
        self.confirm_played_button.setToolTip(self.review.played_frames_text() or self._played_tip)

    def confirm_played(self) -> None:
        """She watched these frames (each shown to her, as it will be written): no face in them is uncovered."""
        if not self._player.isActive() and self.ready and self.review.confirm_played():
            self.go_to_next()
            self.refresh()

    def _dragged(self, start: QPoint, end: QPoint) -> None:
        if self.review.found is None or self.whole.isChecked():
            return
        pixmap = self.picture.pixmap()
        left = (self.picture.width() - pixmap.width()) // 2
        top = (self.picture.height() - pixmap.height()) // 2
        rect = QRect(start, end).normalized()
        x0, y0 = round((rect.left() - left) / self.scale), round((rect.top() - top) / self.scale)
        x1, y1 = round((rect.right() - left) / self.scale), round((rect.bottom() - top) / self.scale)
        if rect.width() < 6 and rect.height() < 6:  # a click: leave that patch clear
            self.correct((x0 - 2, y0 - 2, 4, 4), remove=True)
        else:
            self.correct((x0, y0, x1 - x0, y1 - y0), remove=False)

    def correct(self, box: Box, *, remove: bool) -> None:
        """Cover `box` (or leave clear what lies under it) from the frame shown to the end of the clip."""
        self._player.stop()
        self.review.correct(self.shown, box, remove=remove)
        self.refresh()

    def undo(self) -> None:
        if self.review.undo():
            self._player.stop()
            self.refresh()

    # -- writing -------------------------------------------------------------------------------------------
    def write(self) -> None:
        if self.job is not None:
            return
        if not self.ready and self.find_again and not self.whole.isChecked():  # stopped while finding
            self.find_again = False
            self.write_button.setEnabled(False)
            self.status.setText("Finding the faces…")
            self._find()
            return
        folder = Path(self.folder.text())
        if not folder.exists() and folder.parent.is_dir():
            folder.mkdir()  # the pack's own folder, as proposed
        if replace_asked(self, folder / training.PACK_NAME) is None:
            self.status.setText(f"The pack in {folder} was left as it is; choose another folder.")
            return
        self._player.stop()
        self.review.forget_played()
        options = self.review.options(self.caption.text().strip(), self.voice.currentData())
        vault, recording, frames, found = self.vault, self.recording, self.frames, self.review.found
        self.write_button.setEnabled(False)
        self.status.setText("Writing the pack…")
        self._start(lambda progress, cancelled: training.training_pack(
            vault, recording, frames, folder, options, found=found, progress=progress, cancelled=cancelled),
            self._written)

    def _written(self, path: Path) -> None:
        self.written = path
        self._saved(path.parent.parent)  # the folder the packs' folders go in
        self._ended(f"Wrote {path.name} and about.txt in {path.parent}, watermarked, no metadata. about.txt says "
                    "what was blurred and what was looked at by hand.")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")

    def _failed(self, message: str) -> None:
        self._ended(f"Not written: {message}")
        self.refresh()

    def _stopped(self) -> None:
        """Stopped by the practitioner: nothing was written, and the pack can be written again from here."""
        finding = not self.ready
        self._end_job()
        self.refresh()
        if finding:
            self.find_again = True
            self.refresh()
        self.status.setText("Stopped finding the faces; nothing was written. \u201cFind the faces\u201d starts "
                            "again." if finding else "Stopped; nothing was written.")

    def _ended(self, message: str) -> None:
        self._end_job()
        if message:
            self.status.setText(message)
