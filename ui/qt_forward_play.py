"""Forward playback of one film: the picture from the core's `PicturePlayback`, the sound from QtMultimedia.

The picture is decoded on its own thread against a clock and frames that would come late are dropped;
QMediaPlayer plays the film's sound, with no video output (so it decodes no pictures), and starts when
the first picture is ready. The picture's clock follows the sound when the two drift apart.

The sound is read from a copy of the film's sound track in memory (`vigtool.media.sound_track`, made on
a thread as the film opens, in a moment), through a C++ QBuffer: QtMultimedia's FFmpeg threads then
never call into Python. Read through the decrypting Python QIODevice, each of their reads needs the GIL,
which PySide6 holds through QMediaPlayer's stop(), pause() and setPosition() on the GUI thread: when one
of those waited for a read, the window hung (seen once in the UI tests). Only a sound too long to hold
(`SOUND_IN_MEMORY_BYTES`) is still read through the QIODevice. Without a sound device the picture keeps
to the wall clock and the sound is not played; `sound_without_device` plays it anyway (QtMultimedia
then runs the sound's clock silently, its position moving at the speed asked for), for the tests and
the bench of picture against sound.

Frames are handed to the window through a mailbox of one: when the window is busy (a slow paint, a
busy machine) the frame waiting is replaced by a newer one and counted as dropped, so the window never
works through a queue of frames already late.

`PlaybackNotes` tells the practitioner, once per film and gently, that frames are being skipped, and
how far the lighter working copy has got.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.qt_sealed_device import SealedMediaDevice
from vigtool.media.errors import MediaError
from vigtool.media.frames import RGBImage
from vigtool.media.playback import PicturePlayback, PlaybackClock, PlaybackStats
from vigtool.media.probe import SeekableFile
from vigtool.media.raw_reader import PositionedRawReader
from vigtool.media.sound_track import sound_track
from vigtool.services.working_copy import ViewingSource

SOUND_DRIFT_S = 0.08  # the picture's clock follows the sound when they are further apart than this
SOUND_START_MS = 700  # the picture waits this long at most for the sound to start moving
HEAVY_AFTER_FRAMES = 60  # frames played before telling whether frames had to be skipped
HEAVY_SHARE = 0.1
HEAVY_NOTE = ("Some frames are skipped so that the picture keeps time with the sound: this film is heavy for "
              "this computer. Smooth playback needs the lighter working copy, which vigtool makes in the "
              "background after an import.")
SLOW_NOTE = "Some frames are skipped so that the picture keeps time with the sound."


class ForwardPlay(QObject):
    """Plays one film forwards; `frame_played(number, image)` comes on the GUI thread for the current run."""

    frame_played = Signal(int, object)
    ended = Signal()
    failed = Signal(str)
    _played = Signal()  # a frame is in the mailbox (from the playback thread)
    _run_ended = Signal(object)
    _run_started = Signal(object)
    _run_failed = Signal(object, object)
    _sound_made = Signal(int, object)  # (film opened, its sound track or None) from the sound track's thread

    sound_without_device = False  # play the sound (silently) with no device: its clock is then what the picture follows

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.media = QMediaPlayer(self)  # the sound only
        self.sound_device = bool(QMediaDevices.audioOutputs())
        self.audio = QAudioOutput(self)  # with no device: silent, but the sound's clock runs if it plays
        self.media.setAudioOutput(self.audio)
        if self.media.pitchCompensationAvailability() != QMediaPlayer.PitchCompensationAvailability.Unavailable:
            self.media.setPitchCompensation(True)  # slowed speech stays speech, not a growl
        self.media.errorOccurred.connect(lambda _e, text: self.failed.emit(f"Playback stopped: {text}"))
        self.media.positionChanged.connect(self._sound_position)
        self.media.tracksChanged.connect(self._no_pictures)
        self._played.connect(self._frame)
        self._run_ended.connect(self._ended)
        self._run_started.connect(self._start_sound)
        self._run_failed.connect(self._failed)
        self._sound_made.connect(self._use_sound)
        self.source: ViewingSource | None = None
        self.run: PicturePlayback | None = None
        self.last_stats: PlaybackStats | None = None
        self._has_sound = False
        self._sound_from_ms = 0
        self._mailbox: tuple[PicturePlayback, int, RGBImage] | None = None
        self._mailbox_lock = threading.Lock()
        self._opened = 0  # films opened so far: a sound track made for an earlier one is not used
        self._open_film: Callable[[], PositionedRawReader] | None = None
        self._sound_ready = False
        self._sound_thread: threading.Thread | None = None
        self._sound_cancel = threading.Event()
        self._sound_source: QIODevice | None = None  # the QBuffer (or, for a very long sound, the film's device)

    def _no_pictures(self) -> None:
        """The sound only: with no video track QMediaPlayer decodes no pictures beside the picture's own run."""
        if self.media.activeVideoTrack() != -1:
            self.media.setActiveVideoTrack(-1)

    def set_film(self, open_film: Callable[[], PositionedRawReader], source: ViewingSource, has_sound: bool) -> None:
        """The film to play: its picture from `source`, its sound from the film itself (`open_film()`), copied
        into memory on a thread once `prepare_sound()` is called (the sound joins the picture once it is
        there, in a moment)."""
        self._forget_sound()
        self.source, self._has_sound, self._open_film = source, has_sound, open_film
        self._opened += 1

    def prepare_sound(self) -> None:
        """Copy the film's sound into memory on a thread, unless under way or done. Called once the first
        frame is on the screen (or play is pressed): reading the sound takes the demuxer through the whole
        film (0.2 CPU-s a minute of 4K film), which must not slow the film's first frame."""
        has_sound, open_film = self._has_sound, self._open_film
        if self._sound_thread is not None or self._sound_ready or open_film is None or self.source is None:
            return
        if has_sound and (self.sound_device or self.sound_without_device):
            opened, cancel, name = self._opened, self._sound_cancel, self.source.name

            def make() -> None:
                data: bytes | None = None
                try:
                    handle: SeekableFile = open_film()
                    try:
                        data = sound_track(handle, name, cancelled=cancel.is_set)
                    finally:
                        handle.close()
                except MediaError:
                    data = b""  # no sound to play: the picture plays alone
                if not cancel.is_set():
                    self._sound_made.emit(opened, data)

            self._sound_thread = threading.Thread(target=make, name="vigtool-sound-track")
            self._sound_thread.start()

    def _use_sound(self, opened: int, data: bytes | None) -> None:
        """On the GUI thread: play the sound from the copy in memory (None: too long to hold, from the film)."""
        if opened != self._opened or self._open_film is None or data == b"":
            return
        if data is None:
            device: QIODevice = SealedMediaDevice(self._open_film())
            url = QUrl("film.mp4")
        else:
            device = QBuffer(self)
            device.setData(QByteArray(data))
            device.open(QIODevice.OpenModeFlag.ReadOnly)
            url = QUrl("sound.mp4")
        self._sound_source = device
        self.media.setSourceDevice(device, url)
        self._sound_ready = True
        run = self.run
        if run is not None and run.running and run.started:  # the picture started alone: the sound joins it
            self._sound_from_ms += int((run.clock.film_time() - run.due(run.first_frame)) * 1000)
            self._start_sound(run)

    def _forget_sound(self) -> None:
        if self._sound_thread is not None:
            self._sound_cancel.set()
            self._sound_thread.join()
            self._sound_thread, self._sound_cancel = None, threading.Event()
        self._sound_ready = False
        self.media.stop()
        self.media.setSource(QUrl())
        if self._sound_source is not None:
            self._sound_source.close()
            self._sound_source.deleteLater()
            self._sound_source = None

    def clear(self) -> None:
        self.stop()
        self._forget_sound()
        self._open_film = None
        self.source = None

    @property
    def stats(self) -> PlaybackStats | None:
        """What the current (or last) run showed and dropped."""
        return self.last_stats if self.run is None else self.run.stats

    def start(self, start: int, speed: float, box: tuple[int, int], sound_from_ms: int) -> None:
        """Play from frame `start`; the sound starts at `sound_from_ms` with the first picture."""
        assert self.source is not None
        self.stop()
        self.prepare_sound()
        source = self.source
        holder: list[PicturePlayback] = []

        def this_run() -> PicturePlayback | None:
            return holder[0] if holder else None

        self.run = PicturePlayback(
            source.open_handle, source.index, source.size, source.rotation, source.name, box, start,
            PlaybackClock(Fraction(0), speed), lambda n, image: self._post(this_run(), n, image),
            ended=lambda: self._run_ended.emit(this_run()),
            failed=lambda exc: self._run_failed.emit(this_run(), exc),
            started=lambda: self._picture_started(this_run()),
            rough=source.heavy and not source.working_copy)  # frames only glimpsed: no deblocking on 4K
        holder.append(self.run)
        self._sound_from_ms = sound_from_ms

    def stop(self) -> None:
        if self.run is not None:
            run, self.run = self.run, None
            run.stop()
            self.last_stats = run.stats
            self.media.pause()

    def set_speed(self, speed: float) -> None:
        self.media.setPlaybackRate(speed)
        if self.run is not None:
            self.run.clock.set_rate(speed)

    @property
    def _plays_sound(self) -> bool:
        return self._has_sound and self._sound_ready and (self.sound_device or self.sound_without_device)

    def _picture_started(self, run: PicturePlayback | None) -> None:
        """On the playback thread, with the first picture: its clock waits for the sound to start moving."""
        if run is not None and self._plays_sound:
            run.clock.hold()
        self._run_started.emit(run)

    def _start_sound(self, run: object) -> None:
        if run is self.run and self.run is not None and self._plays_sound:
            self.media.setPlaybackRate(self.run.clock.rate)
            self.media.setPosition(self._sound_from_ms)
            self.media.play()
            QTimer.singleShot(SOUND_START_MS, lambda: self._sound_late(run))

    def _sound_late(self, run: object) -> None:
        """The sound has not started: the picture goes on alone rather than stand still."""
        if run is self.run and self.run is not None and self.run.clock.held:
            self.run.clock.sync(self.run.clock.film_time())

    def _sound_position(self, ms: int) -> None:
        """The picture follows the sound: its clock runs on from the sound's start, and is moved when they
        drift apart."""
        run = self.run
        if run is None or self.media.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
            return
        if run.clock.held:
            if ms > self._sound_from_ms:  # the sound is moving
                run.clock.sync(ms / 1000)
        elif abs(run.clock.film_time() - ms / 1000) > SOUND_DRIFT_S:
            run.clock.sync(ms / 1000)

    def _post(self, run: PicturePlayback | None, number: int, image: RGBImage) -> None:
        """On the playback thread: put the frame in the mailbox; one the window has not taken yet is dropped."""
        if run is None:
            return
        with self._mailbox_lock:
            waiting, self._mailbox = self._mailbox, (run, number, image)
        if waiting is None:
            self._played.emit()
        elif waiting[0] is run:
            run.stats.shown -= 1  # handed over, but never on the screen: a newer one took its place
            run.stats.dropped += 1

    def _frame(self) -> None:
        with self._mailbox_lock:
            posted, self._mailbox = self._mailbox, None
        if posted is not None and posted[0] is self.run and self.run is not None:  # not of a run already stopped
            self.frame_played.emit(posted[1], posted[2])

    def _ended(self, run: object) -> None:
        if run is self.run:
            self.ended.emit()

    def _failed(self, run: object, exc: object) -> None:
        if run is self.run:
            self.failed.emit(str(exc) if isinstance(exc, MediaError) else f"Playback stopped: {exc}")


class PlaybackNotes(QWidget):
    """Gentle notes under the player: frames skipped to keep time (once per film), the copy's progress."""

    _progress = Signal(int, int)  # (recording id, percent) from the working copy's thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heavy_note = QLabel("")
        self.heavy_note.setWordWrap(True)
        self.copy_note = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label in (self.heavy_note, self.copy_note):
            label.setStyleSheet("color: #9aa0a8;")
            label.hide()
            layout.addWidget(label)
        self._told: set[int] = set()  # recordings whose skipped frames the practitioner was told of
        self.recording_id: int | None = None  # the film on screen
        self._progress.connect(self._show_progress)

    def tell_if_skipping(self, stats: PlaybackStats, working_copy: bool) -> None:
        """Once per film: frames are being skipped to keep time, and what would make playback smooth."""
        rid = self.recording_id
        if rid is None or rid in self._told or stats.shown + stats.dropped < HEAVY_AFTER_FRAMES:
            return
        if stats.dropped_share >= HEAVY_SHARE:
            self._told.add(rid)
            self.heavy_note.setText(SLOW_NOTE if working_copy else HEAVY_NOTE)
            self.heavy_note.show()

    def progress_callback(self, recording_id: int) -> Callable[[int, int], None]:
        """A progress callback for making the working copy of `recording_id` (called on its thread)."""
        last = [-1]

        def progress(done: int, total: int) -> None:
            percent = done * 100 // max(total, 1)
            if percent != last[0]:
                last[0] = percent
                self._progress.emit(recording_id, percent)
        return progress

    def _show_progress(self, recording_id: int, percent: int) -> None:
        if self.recording_id == recording_id and percent < 100:
            self.copy_note.setText(f"Making a lighter copy for smooth playback: {percent} % "
                                   "(it goes on while the film is paused)")
            self.copy_note.show()
        else:
            self.copy_note.hide()

    def clear(self) -> None:
        self.heavy_note.hide()
        self.copy_note.hide()
        self.recording_id = None
