"""Playing a film's picture against a clock: frames that would come late are dropped, never the clock.

A 4K HEVC film can take longer to decode than to watch. A player that shows every frame then falls
behind its own sound and the clock, further every second. This one keeps time the way mpv does: the
decoding thread looks at the clock before each frame; a frame already late is not converted nor shown;
when it falls further behind, the decoder stops decoding pictures nobody refers to; and when it is more
than a moment behind, it goes on with keyframes alone, each the next one still ahead of the clock once
decoded, decoded by itself (drained: a decoder otherwise holds a picture back until it has decoded two to
four more, which would come late and be thrown away) and shown on time; every frame is tried again when
a keyframe is ready well ahead of its time. Sound (played by the window from the same film) and picture
stay together, and `PlaybackStats` says what was dropped.

Frame numbers are the film's own (presentation order, by the probe's timestamps), so the frame on
screen is always known exactly; a paused frame is served exactly by the frame server, never from here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import av
import numpy as np

from vigtool.media.errors import MediaError
from vigtool.media.frame_server import fit_in_box
from vigtool.media.frames import FrameDecoder, RGBImage, to_display
from vigtool.media.probe import FrameIndex, SeekableFile

LATE_S = 0.05  # film seconds: a frame due further back than this is dropped (sound and picture stay together)
SKIP_NONREF_BEHIND = 2  # frames dropped in a row before pictures nobody refers to go undecoded
JUMP_BEHIND_S = 0.25  # further behind than this: on to the next keyframe still ahead of the clock
MAX_WAIT_S = 0.02  # wall seconds: the longest a frame's wait goes without looking at the clock again
SHOW_AT_LEAST_S = 0.5  # film seconds: a picture this long without a new one is shown even if late
KEYS_BACK_TO_ALL_S = 0.5  # film seconds: a keyframe ready this early says every frame may keep up again
KEEPS_UP_FRAMES = 60  # frames played in full without a jump: every frame kept up (the keyframes' backoff resets)

FrameShown = Callable[[int, RGBImage], None]


class PlaybackClock:
    """Film time (seconds from the first frame) running at `rate` from where it was started.

    The window may `sync` it to the sound's own position, so picture follows sound, and `hold` it still
    until the sound has started. Thread-safe.
    """

    def __init__(self, start: Fraction, rate: float, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._anchor_film = float(start)
        self._anchor_wall = now()
        self._held = False
        self.rate = rate

    def film_time(self) -> float:
        with self._lock:
            if self._held:
                return self._anchor_film
            return self._anchor_film + (self._now() - self._anchor_wall) * self.rate

    def hold(self) -> None:
        """Stand still where it is until the next `sync` (the sound takes a moment to start)."""
        with self._lock:
            if not self._held:
                self._anchor_film += (self._now() - self._anchor_wall) * self.rate
                self._held = True

    @property
    def held(self) -> bool:
        return self._held

    def set_rate(self, rate: float) -> None:
        """Change speed from now on (film time so far is kept)."""
        with self._lock:
            now = self._now()
            if not self._held:
                self._anchor_film += (now - self._anchor_wall) * self.rate
            self._anchor_wall, self.rate = now, rate

    def sync(self, film_seconds: float) -> None:
        """Re-anchor the clock on the sound's position (and run on, if it was held)."""
        with self._lock:
            self._anchor_film, self._anchor_wall, self._held = film_seconds, self._now(), False


@dataclass
class PlaybackStats:
    shown: int = 0
    dropped: int = 0
    jumps: int = 0
    lateness_s: list[float] = field(default_factory=list)  # clock minus due time of each frame shown

    @property
    def dropped_share(self) -> float:
        total = self.shown + self.dropped
        return self.dropped / total if total else 0.0


class PicturePlayback:
    """One run of playback from `start` on a decoding thread; `frame_shown(number, image)` is called on
    that thread when each frame is due. `stop()` ends it (and waits for the thread)."""

    def __init__(self, open_handle: Callable[[], SeekableFile], index: FrameIndex, size: tuple[int, int],
                 rotation: int, name: str, box: tuple[int, int], start: int, clock: PlaybackClock,
                 frame_shown: FrameShown, ended: Callable[[], None] | None = None,
                 failed: Callable[[MediaError], None] | None = None, *, rough: bool = False,
                 started: Callable[[], None] | None = None) -> None:
        self._open_handle = open_handle
        self._index = index
        self._rotation = rotation
        self._name = name
        self._scaled = fit_in_box(size[0], size[1], rotation, box)
        self._start = start
        self.clock = clock
        self._frame_shown = frame_shown
        self._ended = ended
        self._failed = failed
        self._rough = rough
        self._stop = threading.Event()
        self.stats = PlaybackStats()
        self._pts0 = int(index.pts[0])
        self._behind = 0  # frames dropped in a row
        self._next: int | None = None  # the frame expected from the decoder next
        self._decoded_at = 0.0
        self._decode_s = 0.0  # wall time one decoded frame takes, on average lately
        self._keyframe_s = 0.0  # wall time a keyframe decoded alone takes, lately
        self._keys_before_trying = 1  # keyframes shown alone before every frame is tried again (doubles)
        self._full_from: int | None = None  # where every frame was last tried again from
        self._started = False
        self._shown_due: float | None = None  # when the last picture shown was due
        self._on_start = started
        self._thread = threading.Thread(target=self._run, name="vigtool-playback")
        self._thread.start()

    def due(self, number: int) -> float:
        """When frame `number` is due, in film seconds from the first frame."""
        return float((int(self._index.pts[number]) - self._pts0) * self._index.time_base)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def first_frame(self) -> int:
        """The frame this run started from."""
        return self._start

    @property
    def started(self) -> bool:
        """Its first picture is decoded and its clock has started."""
        return self._started

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def _run(self) -> None:
        try:
            decoder = FrameDecoder(self._open_handle(), self._index, self._name, rough=self._rough)
        except MediaError as exc:
            if self._failed is not None:
                self._failed(exc)
            return
        try:
            self._play(decoder)
        except MediaError as exc:
            if self._failed is not None and not self._stop.is_set():
                self._failed(exc)
        finally:
            decoder.close()

    def _play(self, decoder: FrameDecoder) -> None:
        number = self._start
        while not self._stop.is_set():
            for at, picture in self._frames_from(decoder, number):
                if self._stop.is_set():
                    return
                now = time.monotonic()
                if self._next is not None:
                    self.stats.dropped += max(at - self._next, 0)  # pictures left undecoded or jumped over
                    self._decode_s += (min(now - self._decoded_at, 1.0) - self._decode_s) / 8
                self._next, self._decoded_at = at + 1, now
                due_anyway = self._shown_due is None or self.due(at) - self._shown_due >= SHOW_AT_LEAST_S
                jump = None if due_anyway else self._jump_target(at)
                if jump is not None:
                    went_on = self._jump(decoder, at, jump)
                    if went_on is None:
                        return
                    number = went_on
                    break  # every frame again, from there
                if self._late(at) and not due_anyway:
                    self.stats.dropped += 1
                    self._behind += 1
                    if self._behind >= SKIP_NONREF_BEHIND:
                        decoder.skip_nonref_before(self._frame_due_in(0.1))
                    continue
                self._behind = 0
                if not self._show(at, picture, anyway=due_anyway):
                    return
            else:
                if self._ended is not None and not self._stop.is_set():
                    self._ended()
                return

    def _jump(self, decoder: FrameDecoder, at: int, key: int) -> int | None:
        """Far behind at frame `at`: on with keyframes alone from `key` (see `_keyframes_only`)."""
        self.stats.dropped += 1
        self.stats.jumps += 1
        if self._full_from is not None and at - self._full_from < KEEPS_UP_FRAMES:
            self._keys_before_trying = min(self._keys_before_trying * 2, 16)  # every frame did not keep up
        else:
            self._keys_before_trying = 1
        return self._keyframes_only(decoder, key)

    def _keyframes_only(self, decoder: FrameDecoder, key: int) -> int | None:
        """Far behind: keyframes alone, each decoded by itself (drained: none of the pictures after it that
        a decoder waits for, which would come late and be thrown away) and shown when due, the next one
        chosen by what a keyframe takes; until one is ready well ahead of its time. The frame to decode every
        frame from again, or None when stopped or at the end. After every frame was tried and fell behind
        again at once, more keyframes go alone before the next try (1, 2, 4 ... 16)."""
        alone = 0
        while not self._stop.is_set():
            started = time.monotonic()
            *_, (at, picture) = decoder.decode_to(key, skip_unneeded=True, drain=True)  # the keyframe comes last
            self._keyframe_s += (time.monotonic() - started - self._keyframe_s) / (2 if self._keyframe_s else 1)
            if self._next is not None:
                self.stats.dropped += max(at - self._next, 0)
            self._next, self._decoded_at = at + 1, time.monotonic()
            early = self.due(at) - self.clock.film_time()
            if not self._show(at, picture, anyway=True):
                return None
            following = self._keyframe_due_after(at, self._keyframe_s * 1.5)
            if at + 1 >= len(self._index):
                if self._ended is not None and not self._stop.is_set():
                    self._ended()
                return None
            alone += 1
            ready = early >= KEYS_BACK_TO_ALL_S * max(self.clock.rate, 1.0) and alone >= self._keys_before_trying
            if ready or following is None:
                self._full_from = at + 1
                return at + 1
            # Until the next keyframe must be decoded, the pictures after this one that are on time.
            if not self._between(decoder, at + 1, self.due(following) - 3 * self._keyframe_s * self.clock.rate):
                return None
            key = following
        return None

    def _between(self, decoder: FrameDecoder, start: int, until: float) -> bool:
        """Between two keyframes shown alone, while the clock has not reached `until` (film seconds): the
        frames from `start` on, reference pictures only, each shown if on time. False when stopped."""
        if self.clock.film_time() + 2 * self._keyframe_s * self.clock.rate >= until:
            return True  # no time to decode the keyframe again and a picture after it
        for at, picture in self._frames_from(decoder, start):
            if self._stop.is_set():
                return False
            if at == start:
                decoder.skip_nonref_before(len(self._index) - 1)
            if self.clock.film_time() >= until or self.due(at) >= until:
                break
            if self._next is not None:
                self.stats.dropped += max(at - self._next, 0)
            self._next = at + 1
            if self._late(at):
                self.stats.dropped += 1
                continue
            if not self._show(at, picture):
                return False
        decoder.forget_position()  # the next keyframe is decoded alone again
        return True

    def _keyframe_due_after(self, number: int, wall_s: float) -> int | None:
        """The first keyframe after `number` still due once `wall_s` have passed, or None."""
        now = self.clock.film_time() + wall_s * self.clock.rate
        keys = self._index.keyframes
        for key in keys[(keys > number)]:
            if self.due(int(key)) > now:
                return int(key)
        return None

    def _frames_from(self, decoder: FrameDecoder, number: int) -> Iterator[tuple[int, av.VideoFrame]]:
        *_, first = decoder.decode_to(number, skip_unneeded=True)  # the frame wanted comes last
        if not self._started:
            # The clock starts with the first picture (opening and the first seek take a moment), and so
            # does the sound: the window starts it from `started`.
            self._started = True
            self.clock.sync(self.due(number))
            if self._on_start is not None:
                self._on_start()
        yield first
        yield from decoder.decode_on()

    def _show(self, at: int, picture: av.VideoFrame, *, anyway: bool = False) -> bool:
        """Convert, wait until due, show (or count it dropped if it came late, unless `anyway`: the first
        picture, or one after a long run of dropped ones, so the screen never freezes); False when stopped."""
        width, height = self._scaled
        image = picture.to_ndarray(width=width, height=height, format="rgb24", interpolation="AREA")
        image = to_display(np.ascontiguousarray(image, dtype=np.uint8), self._rotation)
        while (wait := self.due(at) - self.clock.film_time()) > 0:
            # In short waits: the clock may be moved meanwhile (held for the sound, synced to it).
            if self._stop.wait(min(wait / max(self.clock.rate, 1e-3), MAX_WAIT_S)):
                return False
        if self._late(at) and not anyway:  # the conversion itself made it late
            self.stats.dropped += 1
        else:
            self.stats.shown += 1
            self.stats.lateness_s.append(self.clock.film_time() - self.due(at))
            self._shown_due = self.due(at)
            self._frame_shown(at, image)
        return True

    def _frame_due_in(self, seconds: float) -> int:
        """The frame due `seconds` (of wall time) from now."""
        film = self.clock.film_time() + seconds * self.clock.rate
        ticks = Fraction(film) / self._index.time_base
        return self._index.frame_at_pts(self._pts0 + int(ticks))

    def _late(self, number: int) -> bool:
        return self.clock.film_time() - self.due(number) > LATE_S

    def _jump_target(self, number: int) -> int | None:
        """When far behind: the first keyframe due once it is decoded (decoding from it costs no more than the
        frames on the way would), or None to carry on."""
        now = self.clock.film_time()
        if now - self.due(number) < JUMP_BEHIND_S * max(self.clock.rate, 1.0):
            return None
        now += 3 * self._decode_s * self.clock.rate  # the seek and a keyframe cost more than a frame
        keys = self._index.keyframes
        ahead = keys[(keys > number)]
        for key in ahead:
            if self.due(int(key)) > now:
                return int(key)
        return None
