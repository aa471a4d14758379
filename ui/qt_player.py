"""The player: the core's picture playback against a clock, QtMultimedia for the sound, the frame server
for every paused frame.

Playing, `PicturePlayback` decodes the film (its lighter working copy when there is one) on its own
thread and hands each frame over when it is due; a frame that would come late is dropped, never the
clock, so a 4K film on a slow laptop skips frames but keeps time with its sound (QMediaPlayer, playing
the film's sound from the decrypting QIODevice, showed every frame and fell further behind every second).
Every frame shown is known by its index. On pause, the frame server shows that same frame, decoded
exactly, and from then on ←/→, scrubbing and reverse play (J) are served from its cache. One time base
everywhere: the frame shown is the frame marked and exported.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.qt_forward_play import ForwardPlay, PlaybackNotes
from vigtool.domain.model import Recording
from vigtool.domain.time import timecode
from vigtool.media.frame_server import FrameServer
from vigtool.media.frames import RGBImage
from vigtool.media.probe import FrameIndex
from vigtool.services.frames import open_frame_server
from vigtool.services.transport import SPEEDS, Move, Transport, ms_of_frame
from vigtool.services.vault import Vault
from vigtool.services.working_copy import ViewerActivity, viewing_source


def to_qimage(image: RGBImage) -> QImage:
    height, width, _ = image.shape
    # QImage borrows the buffer; copy() detaches it before the array goes away.
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    return button


PAUSE_GLYPH = "❚❚"  # U+23F8 is missing from common fonts (a box was shown); U+275A is in DejaVu


class FrameCanvas(QWidget):
    """Paints the exact frame from the frame server, centred and scaled to fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.empty_text = "Choose a film under Families to start watching, or drop a film here to import it."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)

    def cache_box(self) -> tuple[int, int]:
        """The size frames are decoded and cached at: as shown, within reason (1280×720 at most, 480×270 at least)."""
        ratio = self.devicePixelRatioF()
        width = min(max(int(self.width() * ratio), 480), 1280)
        height = min(max(int(self.height() * ratio), 270), 720)
        return width, height

    def show_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802, ARG002 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#111214"))
        if self.image is None:
            p.setPen(QColor("#b8bcc4"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x, y = (self.width() - size.width()) / 2, (self.height() - size.height()) / 2
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(QRectF(x, y, size.width(), size.height()), self.image)


class PlayerView(QWidget):
    """Video, transport and position of one recording. `frame` is always the frame on screen.

    What plays next and how fast is decided by the Qt-free `Transport` (vigtool/services/transport.py);
    this view shows frames, runs the forward play and the reverse timer, and holds the buttons."""

    frame_changed = Signal(int)
    playing_changed = Signal(bool)
    problem = Signal(str)
    _served = Signal(int, object)  # from the frame server's thread to the GUI thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording: Recording | None = None
        self.server: FrameServer | None = None
        self._index: FrameIndex | None = None
        self.frame = 0
        self._wanted = 0
        self.transport = Transport()
        self.canvas = FrameCanvas()
        self.forward = ForwardPlay(self)  # the picture against a clock, the sound from QtMultimedia
        self.media, self.audio = self.forward.media, self.forward.audio
        self.forward.frame_played.connect(self._frame_played)
        self.forward.ended.connect(lambda: self.show_frame(self.frame_count - 1))  # ends on the last frame
        self.forward.failed.connect(self.pause)
        self.forward.failed.connect(self.problem)
        self.notes = PlaybackNotes()
        self._served.connect(self._frame_served)
        self._vault: Vault | None = None
        self._copy_waiting = False  # a working copy became ready while playing: used from the next pause
        self.activity = ViewerActivity()  # the working copy's worker yields to what the practitioner does here
        self._reverse_timer = QTimer(self)
        self._reverse_timer.timeout.connect(self._reverse_tick)
        self._build()

    def _build(self) -> None:
        self.stack = QStackedLayout()
        self.stack.addWidget(self.canvas)
        self.play_button = tool_button("▶")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        back = tool_button("◀|")
        back.setToolTip("Previous frame (←)")
        back.clicked.connect(lambda: self.step(-1))
        forward = tool_button("|▶")
        forward.setToolTip("Next frame (→)")
        forward.clicked.connect(lambda: self.step(1))
        self.speed_box = QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:g}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.setToolTip("Playback speed (J/K/L change it too); the voices keep their pitch")
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(SPEEDS[i]))
        self.loop_box = QCheckBox("Loop in–out")
        self.loop_box.setToolTip("Play the stretch between the in and out marks again and again")
        self.position = QLabel("–")
        self.position.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sound_note = QLabel("" if self.forward.sound_device else "No sound device: playing without sound")
        self.sound_note.setStyleSheet("color: #9aa0a8;")
        bar = QHBoxLayout()
        self.controls = [back, self.play_button, forward, self.speed_box, self.loop_box, self.sound_note, self.position]
        for widget in self.controls[:-1]:
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.position)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.stack, 1)
        layout.addLayout(bar)
        layout.addWidget(self.notes)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(960, 560)

    @property
    def speed(self) -> float:
        return self.transport.speed

    # -- opening ---------------------------------------------------------------------------------
    def open(self, vault: Vault, recording: Recording, frame: int = 0) -> None:
        self.close_film()
        self._vault = vault
        source = viewing_source(vault, recording)  # the lighter working copy when there is one
        self.server = open_frame_server(vault, recording, box=self.canvas.cache_box(), source=source)
        self.recording, self._index = recording, vault.repo.recordings.frame_index(recording.id)
        self.transport.frame_count, self.transport.rate = recording.frame_count, recording.rate
        self.forward.set_film(lambda: vault.open_film(recording), source, recording.has_audio)  # the film's own sound
        self.notes.recording_id = recording.id
        self.activity.touched()
        self.show_frame(frame)

    def working_copy_progress(self, recording_id: int) -> Callable[[int, int], None]:
        """A progress callback for making the working copy of `recording_id` (called on its thread)."""
        return self.notes.progress_callback(recording_id)

    def use_working_copy(self, recording_id: int) -> None:
        """The working copy of `recording_id` is ready: watch it from now on (from the next pause if playing)."""
        if self.recording is None or self.recording.id != recording_id or self._vault is None:
            return
        self.notes.copy_note.hide()
        if self.playing:
            self._copy_waiting = True
            return
        self._copy_waiting = False
        self.open(self._vault, self.recording, self.frame)

    def close_film(self) -> None:
        self.forward.clear()
        self._reverse_timer.stop()
        self.activity.playing(False)
        self.notes.clear()
        if self.server is not None:
            self.server.close()
            self.server = None
        self.recording = None
        self.canvas.show_image(None)
        self.stack.setCurrentWidget(self.canvas)

    @property
    def frame_count(self) -> int:
        return self.recording.frame_count if self.recording is not None else 0

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.server is not None and not self.playing:
            self.server.set_box(self.canvas.cache_box())
            self.show_frame(self.frame)

    # -- showing frames --------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.forward.run is not None or self._reverse_timer.isActive()

    def show_frame(self, number: int, *, pause: bool = True) -> None:
        """Show the exact frame `number` from the frame server (pausing first, unless reverse play asks)."""
        if self.server is None or self.recording is None:
            return
        if pause and self.playing:
            self.pause()
        number = self.transport.clamp(number)
        if pause:
            self.activity.touched()  # a step, a seek: the copy waits a moment, the frame comes first
        self._wanted = number
        self._set_frame(number)
        self.server.request(number, lambda n, image, error: self._served.emit(n, image if error is None else error))

    def _frame_served(self, number: int, result: object) -> None:
        if isinstance(result, Exception):
            self.problem.emit(str(result))
            return
        if number == self._wanted and result is not None:
            self.canvas.show_image(to_qimage(result))  # type: ignore[arg-type]
            self.forward.prepare_sound()  # the film's first frame is on the screen: its sound may be read now

    def step(self, delta: int) -> None:
        self.show_frame(self.frame + delta)

    def _set_frame(self, number: int) -> None:
        if self.recording is None:
            return
        changed = number != self.frame
        self.frame = number
        last = self.recording.frame_count - 1
        self.position.setText(f"Frame {number} / {last}   {timecode(number, self.recording.rate)}")
        if changed:
            self.frame_changed.emit(number)

    # -- playing ---------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.recording is None:
            return
        self._reverse_timer.stop()
        self.transport.reverse = False
        self.activity.playing(True)  # the working copy rests while the film plays
        self._start_run(self.transport.play_from(self.frame))
        self.play_button.setText(PAUSE_GLYPH)
        self.playing_changed.emit(True)

    def _start_run(self, start: int) -> None:
        assert self.server is not None and self._index is not None
        self.server.set_playing(True)  # the frame server's prefetch yields the cores to playback
        self.forward.start(start, self.speed, self.canvas.cache_box(), ms_of_frame(self._index, start))

    def _stop_run(self) -> None:
        if self.forward.run is not None:
            self.forward.stop()
            if self.server is not None:
                self.server.set_playing(False)

    def _frame_played(self, number: int, image: RGBImage) -> None:
        if self.recording is None:
            return
        self.canvas.show_image(to_qimage(image))
        move = self.transport.after_played(number, self.loop_box.isChecked())
        if move is Move.STOP_AT and self.transport.stopped_on is not None:
            self._stop_run()
            self.activity.playing(False)
            self.play_button.setText("▶")
            self.playing_changed.emit(False)
            self.show_frame(self.transport.stopped_on)  # exactly the frame asked for, from the frame server
            return
        self._set_frame(number)
        stats, source = self.forward.stats, self.forward.source
        if stats is not None and source is not None:
            self.notes.tell_if_skipping(stats, source.working_copy)
        if move is Move.LOOP and self.transport.loop_range is not None:
            self._start_run(self.transport.loop_range[0])

    def play_reverse(self) -> None:
        """Backwards, without sound, from the frame server (QMediaPlayer only plays forwards)."""
        if self.recording is None:
            return
        if self.forward.run is not None:
            self.pause()
        self.transport.reverse = True
        self.activity.playing(True)
        self._reverse_timer.start(self.transport.reverse_interval_ms())
        self.play_button.setText(PAUSE_GLYPH)
        self.playing_changed.emit(True)

    def _reverse_tick(self) -> None:
        following = self.transport.reverse_step(self.frame) if self.server is not None else None
        if following is None:
            self.pause()
        else:
            self.show_frame(following, pause=False)

    def pause(self) -> None:
        was_forward = self.forward.run is not None
        self._stop_run()
        self._reverse_timer.stop()
        self.activity.playing(False)
        self.play_button.setText("▶")
        self.playing_changed.emit(False)
        if was_forward and self._copy_waiting and self.recording is not None:
            self.use_working_copy(self.recording.id)
        elif was_forward:
            self.show_frame(self.frame)  # hand over: the exact frame the video showed last

    def set_speed(self, speed: float) -> None:
        nearest = self.transport.set_speed(speed)
        self.forward.set_speed(self.speed)
        if self._reverse_timer.isActive():
            self._reverse_timer.setInterval(self.transport.reverse_interval_ms())
        if self.speed_box.currentIndex() != nearest:
            self.speed_box.blockSignals(True)
            self.speed_box.setCurrentIndex(nearest)
            self.speed_box.blockSignals(False)

    def shuttle(self, key: str) -> None:
        """J/K/L as editors use them: L plays (again: faster), J plays backwards (again: faster), K stops."""
        move = self.transport.shuttle(key, self.playing)
        self.set_speed(self.transport.speed)
        if move is Move.PAUSE:
            self.pause()
        elif move is Move.PLAY:
            self.play()
        elif move is Move.PLAY_REVERSE:
            self.play_reverse()

    def set_loop(self, in_mark: int | None, out_mark: int | None) -> None:
        self.loop_box.setEnabled(self.transport.set_loop(in_mark, out_mark))

    def set_controls_visible(self, visible: bool) -> None:
        """Hide the buttons and the frame counter (the family's screen shows the picture only)."""
        for widget in self.controls:
            widget.setVisible(visible)

    def play_range(self, first: int, stop: int) -> None:
        """Play from `first` and pause exactly on `stop`."""
        self.show_frame(first)
        self.frame = first
        self.transport.stop_at = stop
        self.play()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.close_film()
        super().closeEvent(event)
