"""Playing a film's picture against a clock: frames that would come late are dropped, never the clock.

A 4K HEVC film can take longer to decode than to watch. A player that shows every frame then falls
behind its own sound and the clock, further every second. This one keeps time the way mpv does: the
decoding thread looks at the clock before each frame; a frame already late is not converted nor shown;
when it falls further behind, the decoder stops decoding pictures nobody refers to; and when it is more
than a moment behind, it jumps to the next keyframe still ahead of the clock (aimed by what jumps on this
film have cost), rather than show a picture far behind its sound so that the screen is not still. Sound (played by the
window from the same film) and picture stay together, and `PlaybackStats` says what was dropped.

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
# ...unless it is later than this and a keyframe ahead can be reached in time: then on to that keyframe
# (a 4K original at 2x showed frames half a second behind their sound, each half a second of film).
SHOWN_LATE_AT_MOST_S = 0.1

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
        # Wall time from a jump's seek to its keyframe decoded, as measured on this film: a decoder that holds
        # pictures back (B-frames, frame threads) decodes several after the keyframe before it gives it out,
        # so on a 4K HEVC film a jump costs far more than a frame; aimed too near, the keyframe came late.
        self._jump_s = 0.0
        self._jumped_at: float | None = None
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
                self._note_decoded(at)
                due_anyway, jump = self._show_anyway_or_jump(at)
                if jump is not None:
                    self.stats.dropped += 1
                    self.stats.jumps += 1
                    number = jump
                    self._jumped_at = time.monotonic()
                    break  # decode afresh from that keyframe
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

    def _note_decoded(self, at: int) -> None:
        """Frame `at` came out of the decoder: what it and (after a jump) the jump cost, what was skipped."""
        now = time.monotonic()
        if self._jumped_at is not None:  # the jump's keyframe: what the jump cost
            cost, self._jumped_at = now - self._jumped_at, None
            self._jump_s = cost if cost > self._jump_s else (self._jump_s + cost) / 2
        if self._next is not None:
            self.stats.dropped += max(at - self._next, 0)  # pictures left undecoded or jumped over
            self._decode_s += (min(now - self._decoded_at, 1.0) - self._decode_s) / 8
        self._next, self._decoded_at = at + 1, now

    def _show_anyway_or_jump(self, at: int) -> tuple[bool, int | None]:
        """Whether frame `at` is shown even if late (the first, or one after a long run of dropped ones, so the
        screen never freezes long), and the keyframe to jump to instead, if any."""
        due_anyway = self._shown_due is None or self.due(at) - self._shown_due >= SHOW_AT_LEAST_S
        if not due_anyway:
            return False, self._jump_target(at)
        if self._shown_due is not None and self.clock.film_time() - self.due(at) > SHOWN_LATE_AT_MOST_S:
            jump = self._jump_target(at, behind_s=SHOWN_LATE_AT_MOST_S)
            return jump is None, jump  # no keyframe in reach (the film's end): the late one, then
        return True, None

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

    def _jump_target(self, number: int, behind_s: float | None = None) -> int | None:
        """When far behind (`behind_s` film seconds, by default JUMP_BEHIND_S at 1x and more when faster): the
        first keyframe due once it is decoded (decoding from it costs no more than the frames on the way
        would), or None to carry on."""
        now = self.clock.film_time()
        if now - self.due(number) < (JUMP_BEHIND_S * max(self.clock.rate, 1.0) if behind_s is None else behind_s):
            return None
        # The seek and a keyframe cost more than a frame: what jumps on this film took, with a margin.
        now += max(3 * self._decode_s, 1.25 * self._jump_s) * self.clock.rate
        keys = self._index.keyframes
        ahead = keys[(keys > number)]
        for key in ahead:
            if self.due(int(key)) > now:
                return int(key)
        return None
