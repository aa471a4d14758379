"""The video view: shows the exact frame the core decodes, with a transport bar for frame stepping."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget

from vigtool.domain.model import Recording
from vigtool.domain.time import timecode
from vigtool.media.frames import FrameReader, RGBImage


def to_qimage(image: RGBImage) -> QImage:
    height, width, _ = image.shape
    # QImage borrows the buffer; copy() detaches it before the array goes away.
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class FrameView(QWidget):
    """Shows frame N of a recording; ←/→ step one frame, the slider scrubs."""

    frame_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reader: FrameReader | None = None
        self._recording: Recording | None = None
        self._frame = 0
        self._pixmap = QPixmap()
        self.picture = QLabel("Choose a recording on the left to start watching.")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setMinimumSize(320, 180)
        self.picture.setStyleSheet("background: #1e1e1e; color: #c8c8c8; font-size: 14px;")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self.show_frame)
        self.back = QToolButton()
        self.back.setText("◀")
        self.back.setToolTip("Previous frame (←)")
        self.back.clicked.connect(lambda: self.step(-1))
        self.forward = QToolButton()
        self.forward.setText("▶")
        self.forward.setToolTip("Next frame (→)")
        self.forward.clicked.connect(lambda: self.step(1))
        self.position = QLabel("–")
        self.position.setMinimumWidth(240)
        self.position.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar = QHBoxLayout()
        for widget in (self.back, self.forward, self.slider, self.position):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 1)
        layout.addLayout(bar)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    @property
    def frame(self) -> int:
        return self._frame

    def set_recording(self, recording: Recording, reader: FrameReader) -> None:
        if self._reader is not None:
            self._reader.close()
        self._recording, self._reader = recording, reader
        self.slider.blockSignals(True)
        self.slider.setRange(0, recording.frame_count - 1)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self.show_frame(0)

    def step(self, delta: int) -> None:
        if self._recording is not None:
            self.show_frame(min(max(self._frame + delta, 0), self._recording.frame_count - 1))

    def show_frame(self, number: int) -> None:
        if self._reader is None or self._recording is None:
            return
        self._frame = number
        self._pixmap = QPixmap.fromImage(to_qimage(self._reader.frame(number)))
        self._rescale()
        if self.slider.value() != number:
            self.slider.blockSignals(True)
            self.slider.setValue(number)
            self.slider.blockSignals(False)
        last = self._recording.frame_count - 1
        self.position.setText(f"Frame {number} / {last}   {timecode(number, self._recording.rate)}")
        self.frame_changed.emit(number)

    def _rescale(self) -> None:
        if not self._pixmap.isNull():
            self.picture.setPixmap(self._pixmap.scaled(self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._rescale()

    def close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
