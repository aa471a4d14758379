"""Make a training pack from a clip: find the faces, look at every frame blurred before anything is
written, draw a box over a face the detector missed (or click one it got wrong to leave it), then write.

The faces are found on a worker thread; the preview keeps small copies of the frames only. Boxes drawn
here cover the face from the frame shown to the end of the clip, as `ManualBox`es in the options.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ui.qt_export import JobDialog, Work
from vigtool.analysis.faces import Box, ManualBox, blur, track
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.services import training
from vigtool.services.vault import Vault

PREVIEW_SIDE = 480


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
    def __init__(self, vault: Vault, recording: Recording, frames: FrameRange, folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.recording, self.frames = vault, recording, frames
        self.setWindowTitle("Training pack")
        self.found: list[list[Box]] | None = None
        self.small: list[np.ndarray] = []
        self.scale = 1.0
        self.manual: list[ManualBox] = []
        self.written: Path | None = None
        self.caption = QLineEdit(placeholderText="a pseudonym, e.g. Parent and baby (4 months)")
        self.voice = QComboBox()
        for label, value in (("Voice disguised", "disguise"), ("No sound", "mute"), ("Voice as recorded", "keep")):
            self.voice.addItem(label, value)
        self.folder = QLineEdit(str(folder))
        form = QFormLayout()
        form.addRow(QLabel(f"Frames {frames.start}–{frames.end - 1} of {recording.source_name}. Faces are blurred "
                           "in every frame; check them below before writing."))
        form.addRow("Caption", self.caption)
        form.addRow("Sound", self.voice)
        form.addRow("Folder", self.folder)
        self.picture = _Canvas()
        self.picture.setMinimumSize(PREVIEW_SIDE, PREVIEW_SIDE * 9 // 16)
        self.picture.setToolTip("Drag to cover a face that was missed; click a blurred patch to leave it clear")
        self.picture.dragged.connect(self._dragged)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self.show_frame)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.slider)
        self.write_button = self._controls(layout, "Finding the faces…", "Write the pack", self.write)
        self.write_button.setEnabled(False)
        self._find()

    # -- finding and previewing ------------------------------------------------------------------
    def _find(self) -> None:
        vault, recording, frames = self.vault, self.recording, self.frames
        width, height = recording.display_size
        self.scale = min(1.0, PREVIEW_SIDE / max(width, height))
        size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        small: list[np.ndarray] = []
        self.small = small

        def keep(_k: int, picture: np.ndarray) -> None:
            small.append(np.ascontiguousarray(cv2.resize(picture, size, interpolation=cv2.INTER_AREA)))

        self._start(lambda progress, cancelled: training.find_faces(
            vault, recording, frames, training.TrainingOptions(), progress=progress, cancelled=cancelled,
            keep=keep), self._found)

    def _start(self, work: Work, done: Callable[[Any], None]) -> None:
        job = self._run(work)
        job.finished.connect(done)
        job.failed.connect(self._failed)
        job.cancelled.connect(lambda: self._ended("Stopped; nothing was written."))
        job.start()

    def _found(self, found: list[list[Box]]) -> None:
        self._ended("")
        self.found = found
        self.slider.setRange(0, max(len(self.small) - 1, 0))
        self.slider.setEnabled(True)
        self.write_button.setEnabled(True)
        faces = sum(1 for boxes in self.boxes() if boxes)
        self.status.setText(f"Faces covered in {faces} of {len(self.small)} frames. Step through them; drag over "
                            "any face still visible.")
        self.show_frame(self.slider.value())

    def boxes(self) -> list[list[Box]]:
        """What will be blurred, frame by frame (found, tracked, and corrected here)."""
        return track(self.found or [], self.manual, self.frames.start)

    def show_frame(self, k: int) -> None:
        if not 0 <= k < len(self.small):
            return
        s = self.scale
        shown = blur(self.small[k], [(round(x * s), round(y * s), round(w * s), round(h * s))
                                     for x, y, w, h in self.boxes()[k]])
        image = QImage(shown.data, shown.shape[1], shown.shape[0], shown.strides[0], QImage.Format.Format_RGB888)
        self.picture.setPixmap(QPixmap.fromImage(image.copy()))

    # -- corrections ----------------------------------------------------------------------------------
    def _to_picture(self, point: QPoint) -> tuple[int, int]:
        pixmap = self.picture.pixmap()
        left = (self.picture.width() - pixmap.width()) // 2
        top = (self.picture.height() - pixmap.height()) // 2
        return round((point.x() - left) / self.scale), round((point.y() - top) / self.scale)

    def _dragged(self, start: QPoint, end: QPoint) -> None:
        if self.found is None:
            return
        rect = QRect(start, end).normalized()
        x0, y0 = self._to_picture(rect.topLeft())
        x1, y1 = self._to_picture(rect.bottomRight())
        if rect.width() < 6 and rect.height() < 6:  # a click: leave that patch clear
            self.correct((x0 - 2, y0 - 2, 4, 4), remove=True)
        else:
            self.correct((x0, y0, x1 - x0, y1 - y0), remove=False)

    def correct(self, box: Box, *, remove: bool) -> None:
        """Cover `box` (or leave clear what lies under it) from the frame shown to the end of the clip."""
        first = self.frames.start + self.slider.value()
        self.manual.append(ManualBox(first, self.frames.end, box, remove))
        self.show_frame(self.slider.value())

    # -- writing ----------------------------------------------------------------------------------------
    def write(self) -> None:
        if self.job is not None:
            return
        options = training.TrainingOptions(caption=self.caption.text().strip(), voice=self.voice.currentData(),
                                           manual=tuple(self.manual))
        vault, recording, frames, folder = self.vault, self.recording, self.frames, Path(self.folder.text())
        found = self.found  # searched once already, for the preview
        self.write_button.setEnabled(False)
        self.status.setText("Writing the pack…")
        self._start(lambda progress, cancelled: training.training_pack(
            vault, recording, frames, folder, options, found=found, progress=progress, cancelled=cancelled),
            self._written)

    def _written(self, path: Path) -> None:
        self.written = path
        self._ended(f"Wrote {path.name} and about.txt in {path.parent}: faces blurred, watermarked, no metadata.")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")

    def _failed(self, message: str) -> None:
        self._ended(f"Not written: {message}")
        self.write_button.setEnabled(self.found is not None)

    def _ended(self, message: str) -> None:
        self._end_job()
        if message:
            self.status.setText(message)
