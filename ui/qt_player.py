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

import math
from collections.abc import Callable
from fractions import Fraction

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
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

from ui.qt_sealed_device import SealedMediaDevice
from vigtool.domain.model import Recording
from vigtool.domain.time import timecode
from vigtool.media.errors import MediaError
from vigtool.media.frame_server import FrameServer
from vigtool.media.frames import RGBImage
from vigtool.media.playback import PicturePlayback, PlaybackClock, PlaybackStats
from vigtool.media.probe import FrameIndex
from vigtool.services.frames import open_frame_server
from vigtool.services.vault import Vault
from vigtool.services.working_copy import ViewingSource, viewing_source

SPEEDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
SOUND_DRIFT_S = 0.08  # the picture's clock follows the sound when they are further apart than this
HEAVY_AFTER_FRAMES = 60  # frames played before telling whether frames had to be skipped
HEAVY_SHARE = 0.1
HEAVY_NOTE = ("Some frames are skipped so that the picture keeps time with the sound: this film is heavy for "
              "this computer. Smooth playback needs the lighter working copy, which vigtool makes in the "
              "background after an import.")
SLOW_NOTE = "Some frames are skipped so that the picture keeps time with the sound."


def to_qimage(image: RGBImage) -> QImage:
    height, width, _ = image.shape
    # QImage borrows the buffer; copy() detaches it before the array goes away.
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    return button


class FrameCanvas(QWidget):
    """Paints the exact frame from the frame server, centred and scaled to fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.empty_text = "Choose a film under Families to start watching."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)

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
    """Video, transport and position of one recording. `frame` is always the frame on screen."""

    frame_changed = Signal(int)
    playing_changed = Signal(bool)
    problem = Signal(str)
    _served = Signal(int, object)  # from the frame server's thread to the GUI thread
    _played = Signal(object, int, object)  # (run, frame, image) from the playback thread
    _run_ended = Signal(object)
    _run_started = Signal(object)
    _run_failed = Signal(object, object)
    _copy_progress = Signal(int, int)  # (recording id, percent) from the working copy's thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording: Recording | None = None
        self.server: FrameServer | None = None
        self._index: FrameIndex | None = None
        self._device: SealedMediaDevice | None = None
        self._source: ViewingSource | None = None
        self._run: PicturePlayback | None = None
        self._told_heavy: set[int] = set()  # recordings whose skipped frames the practitioner was told of
        self.frame = 0
        self._wanted = 0
        self.loop_range: tuple[int, int] | None = None  # [in, out] while looping
        self.stop_at: int | None = None  # playing forward pauses exactly here (the presenter's key frame)
        self.speed = 1.0
        self.reverse = False
        self.canvas = FrameCanvas()
        self.media = QMediaPlayer(self)  # the sound only: no video output, so it decodes no pictures
        self.audio: QAudioOutput | None = None
        if QMediaDevices.audioOutputs():
            self.audio = QAudioOutput(self)
            self.media.setAudioOutput(self.audio)
        if self.media.pitchCompensationAvailability() != QMediaPlayer.PitchCompensationAvailability.Unavailable:
            self.media.setPitchCompensation(True)  # slowed speech stays speech, not a growl
        self.media.errorOccurred.connect(lambda _e, text: self.problem.emit(f"Playback stopped: {text}"))
        self.media.positionChanged.connect(self._sound_position)
        self._served.connect(self._frame_served)
        self._played.connect(self._frame_played)
        self._run_ended.connect(self._played_to_the_end)
        self._run_started.connect(self._start_sound)
        self._run_failed.connect(self._playback_failed)
        self._copy_progress.connect(self._show_copy_progress)
        self._vault: Vault | None = None
        self._copy_waiting = False  # a working copy became ready while playing: used from the next pause
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
        self.sound_note = QLabel("" if self.audio else "No sound device: playing without sound")
        self.sound_note.setStyleSheet("color: #9aa0a8;")
        self.heavy_note = QLabel("")  # told once per film, gently, when frames had to be skipped
        self.heavy_note.setWordWrap(True)
        self.heavy_note.setStyleSheet("color: #9aa0a8;")
        self.heavy_note.hide()
        self.copy_note = QLabel("")
        self.copy_note.setStyleSheet("color: #9aa0a8;")
        self.copy_note.hide()
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
        layout.addWidget(self.heavy_note)
        layout.addWidget(self.copy_note)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(960, 560)

    # -- opening ---------------------------------------------------------------------------------
    def open(self, vault: Vault, recording: Recording, frame: int = 0) -> None:
        self.close_film()
        box = self._box()
        self._vault = vault
        self._source = viewing_source(vault, recording)
        self.server = open_frame_server(vault, recording, box=box, source=self._source)
        self.recording, self._index = recording, vault.repo.frame_index(recording.id)
        self._device = SealedMediaDevice(vault.open_film(recording))
        self.media.setSourceDevice(self._device, QUrl(f"film.{recording.container.split(',')[0] or 'mp4'}"))
        self.show_frame(min(max(frame, 0), recording.frame_count - 1))

    def working_copy_progress(self, recording_id: int) -> Callable[[int, int], None]:
        """A progress callback for making the working copy of `recording_id` (called on its thread)."""
        last = [-1]

        def progress(done: int, total: int) -> None:
            percent = done * 100 // max(total, 1)
            if percent != last[0]:
                last[0] = percent
                self._copy_progress.emit(recording_id, percent)
        return progress

    def _show_copy_progress(self, recording_id: int, percent: int) -> None:
        if self.recording is not None and self.recording.id == recording_id and percent < 100:
            self.copy_note.setText(f"Making a lighter copy for smooth playback: {percent} %")
            self.copy_note.show()
        else:
            self.copy_note.hide()

    def use_working_copy(self, recording_id: int) -> None:
        """The working copy of `recording_id` is ready: watch it from now on (from the next pause if playing)."""
        if self.recording is None or self.recording.id != recording_id or self._vault is None:
            return
        self.copy_note.hide()
        if self.playing:
            self._copy_waiting = True
            return
        self._copy_waiting = False
        self.open(self._vault, self.recording, self.frame)

    def close_film(self) -> None:
        self._stop_run()
        self._reverse_timer.stop()
        self.heavy_note.hide()
        self.copy_note.hide()
        self.media.stop()
        self.media.setSource(QUrl())
        if self._device is not None:
            self._device.close()
            self._device = None
        if self.server is not None:
            self.server.close()
            self.server = None
        self.recording = None
        self._source = None
        self.canvas.show_image(None)
        self.stack.setCurrentWidget(self.canvas)

    def _box(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        # Frames are cached at the size they are shown (within reason: 1280×720 at most, 480×270 at least).
        width = min(max(int(self.canvas.width() * ratio), 480), 1280)
        height = min(max(int(self.canvas.height() * ratio), 270), 720)
        return width, height

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.server is not None and not self.playing:
            self.server.set_box(self._box())
            self.show_frame(self.frame)

    # -- time ------------------------------------------------------------------------------------
    def frame_at_us(self, microseconds: int) -> int:
        """The frame shown at a player time (µs from the first frame), by the film's own timestamps."""
        assert self._index is not None
        ticks = Fraction(microseconds, 1_000_000) / self._index.time_base
        # Nearest tick, not floor: a frame starting at 1/3 s is reported as 333333 µs, a hair early.
        return self._index.frame_at_pts(int(self._index.pts[0]) + round(ticks))

    def ms_of_frame(self, frame: int) -> int:
        """A player time in the middle of `frame`: a seek exactly on its start would show the one before."""
        assert self._index is not None
        pts = self._index.pts
        start = int(pts[frame])
        end = int(pts[frame + 1]) if frame + 1 < len(pts) else start + (start - int(pts[max(frame - 1, 0)]) or 1)
        middle = Fraction(start + end, 2) - int(pts[0])
        return math.floor(middle * self._index.time_base * 1000)

    # -- showing frames --------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._run is not None or self._reverse_timer.isActive()

    @property
    def playback_stats(self) -> PlaybackStats | None:
        """What the current (or last) forward playback showed and dropped."""
        return self._last_stats if self._run is None else self._run.stats

    def show_frame(self, number: int) -> None:
        """Pause (if playing) and show the exact frame `number`."""
        if self.server is None or self.recording is None:
            return
        if self.playing:
            self.pause()
        number = min(max(number, 0), self.recording.frame_count - 1)
        self._wanted = number
        self._set_frame(number)
        self.server.request(number, lambda n, image, error: self._served.emit(n, image if error is None else error))

    def _frame_served(self, number: int, result: object) -> None:
        if isinstance(result, Exception):
            self.problem.emit(str(result))
            return
        if number == self._wanted and result is not None:
            self.canvas.show_image(to_qimage(result))  # type: ignore[arg-type]

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
        self.reverse = False
        start = self.frame
        if self.loop_range is not None and not self.loop_range[0] <= start <= self.loop_range[1]:
            start = self.loop_range[0]
        elif start >= self.recording.frame_count - 1:
            start = 0
        self._start_run(start)
        self.play_button.setText("⏸")
        self.playing_changed.emit(True)

    def _start_run(self, start: int) -> None:
        """Play the picture from `start` on the playback thread; the sound starts with its first frame."""
        assert self._source is not None and self.server is not None and self._index is not None
        self._stop_run()
        self.server.set_playing(True)  # the frame server's prefetch yields the cores to playback
        source = self._source
        clock = PlaybackClock(Fraction(0), self.speed)
        holder: list[PicturePlayback] = []
        run = PicturePlayback(
            source.open_handle, source.index, source.size, source.rotation, source.name, self._box(), start, clock,
            lambda n, image: self._played.emit(holder[0] if holder else None, n, image),
            ended=lambda: self._run_ended.emit(holder[0] if holder else None),
            failed=lambda exc: self._run_failed.emit(holder[0] if holder else None, exc),
            started=lambda: self._run_started.emit(holder[0] if holder else None),
            rough=source.heavy and not source.working_copy)  # frames only glimpsed: no deblocking on 4K
        holder.append(run)
        self._run = run
        self._run_start = start

    def _stop_run(self) -> None:
        if self._run is not None:
            run, self._run = self._run, None
            run.stop()
            self._last_stats = run.stats
            self.media.pause()
            if self.server is not None:
                self.server.set_playing(False)

    _last_stats: PlaybackStats | None = None
    _run_start = 0

    def _start_sound(self, run: object) -> None:
        if run is not self._run or self._run is None or self.audio is None or self.recording is None:
            return
        if not self.recording.has_audio:
            return
        self.media.setPlaybackRate(self.speed)
        self.media.setPosition(self.ms_of_frame(self._run_start))
        self.media.play()

    def _sound_position(self, ms: int) -> None:
        """The picture follows the sound: its clock is moved when they drift apart."""
        run = self._run
        if run is None or self.media.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
            return
        if abs(run.clock.film_time() - ms / 1000) > SOUND_DRIFT_S:
            run.clock.sync(ms / 1000)

    def _frame_played(self, run: object, number: int, image: RGBImage) -> None:
        if run is not self._run or self._run is None or self.recording is None:
            return  # a frame of a run already stopped
        self.canvas.show_image(to_qimage(image))
        if self.stop_at is not None and number >= self.stop_at:
            stop, self.stop_at = self.stop_at, None
            self._stop_run()
            self.play_button.setText("▶")
            self.playing_changed.emit(False)
            self.show_frame(stop)  # exactly the frame asked for, from the frame server
            return
        self._set_frame(number)
        self._tell_if_heavy(self._run.stats)
        if self.loop_box.isChecked() and self.loop_range is not None and number >= self.loop_range[1]:
            self._start_run(self.loop_range[0])

    def _tell_if_heavy(self, stats: PlaybackStats) -> None:
        """Once per film: frames are being skipped to keep time, and what would make playback smooth."""
        assert self.recording is not None and self._source is not None
        if self.recording.id in self._told_heavy or stats.shown + stats.dropped < HEAVY_AFTER_FRAMES:
            return
        if stats.dropped_share >= HEAVY_SHARE:
            self._told_heavy.add(self.recording.id)
            self.heavy_note.setText(SLOW_NOTE if self._source.working_copy else HEAVY_NOTE)
            self.heavy_note.show()

    def _played_to_the_end(self, run: object) -> None:
        if run is self._run:
            self.pause()

    def _playback_failed(self, run: object, exc: object) -> None:
        if run is self._run:
            self.pause()
            self.problem.emit(str(exc) if isinstance(exc, MediaError) else f"Playback stopped: {exc}")

    def play_reverse(self) -> None:
        """Backwards, without sound, from the frame server (QMediaPlayer only plays forwards)."""
        if self.recording is None:
            return
        if self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.pause()
        self.reverse = True
        self._reverse_timer.start(max(1, round(1000 / (float(self.recording.rate) * self.speed))))
        self.play_button.setText("⏸")
        self.playing_changed.emit(True)

    def _reverse_tick(self) -> None:
        if self.server is None or self.frame <= (self.loop_range[0] if self.loop_range else 0):
            if self.loop_range is not None and self.server is not None:
                self._jump_in_reverse(self.loop_range[1])
                return
            self.pause()
            return
        self._jump_in_reverse(self.frame - 1)

    def _jump_in_reverse(self, number: int) -> None:
        assert self.server is not None
        self._wanted = number
        self._set_frame(number)
        self.server.request(number, lambda n, image, error: self._served.emit(n, image if error is None else error))

    def pause(self) -> None:
        was_forward = self._run is not None
        self._stop_run()
        self._reverse_timer.stop()
        self.play_button.setText("▶")
        self.playing_changed.emit(False)
        if was_forward and self._copy_waiting and self.recording is not None:
            self.use_working_copy(self.recording.id)
        elif was_forward:
            self.show_frame(self.frame)  # hand over: the exact frame the video showed last

    def set_speed(self, speed: float) -> None:
        self.speed = min(max(speed, SPEEDS[0]), SPEEDS[-1])
        self.media.setPlaybackRate(self.speed)
        if self._run is not None:
            self._run.clock.set_rate(self.speed)
        if self._reverse_timer.isActive() and self.recording is not None:
            self._reverse_timer.setInterval(max(1, round(1000 / (float(self.recording.rate) * self.speed))))
        nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        if self.speed_box.currentIndex() != nearest:
            self.speed_box.blockSignals(True)
            self.speed_box.setCurrentIndex(nearest)
            self.speed_box.blockSignals(False)

    def shuttle(self, key: str) -> None:
        """J/K/L as editors use them: L plays (again: faster), J plays backwards (again: faster), K stops."""
        if key == "K":
            self.pause()
            return
        forward = key == "L"
        moving_that_way = self.playing and self.reverse != forward
        faster = [s for s in SPEEDS if s > self.speed]
        self.set_speed(faster[0] if moving_that_way and faster else self.speed if moving_that_way else 1.0)
        if forward and not moving_that_way:
            self.play()
        elif not forward and not moving_that_way:
            self.play_reverse()

    def set_loop(self, in_mark: int | None, out_mark: int | None) -> None:
        self.loop_range = (in_mark, out_mark) if in_mark is not None and out_mark is not None else None
        self.loop_box.setEnabled(self.loop_range is not None)

    def set_controls_visible(self, visible: bool) -> None:
        """Hide the buttons and the frame counter (the family's screen shows the picture only)."""
        for widget in self.controls:
            widget.setVisible(visible)

    def play_range(self, first: int, stop: int) -> None:
        """Play from `first` and pause exactly on `stop`."""
        self.show_frame(first)
        self.frame = first
        self.stop_at = stop
        self.play()

    def problem_text(self) -> str:
        return self.media.errorString()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.close_film()
        super().closeEvent(event)

