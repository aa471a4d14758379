"""The frame server: exact, display-sized frames at once while stepping and scrubbing, backwards too.

A practitioner steps a few frames back and forth around the instant a baby looks up. Decoding H.264 or HEVC
can only start at a keyframe, so a naive reader re-decodes up to two seconds of film for every step back.
The server decodes each GOP once and keeps its frames, already scaled to the size they are shown at, in a
bounded cache (least recently used goes first):

- on a miss it decodes from the keyframe to the wanted frame and converts only that one (a random seek
  costs the decode, not the conversion of the frames on the way), with slice threads; near a keyframe
  it drains the decoder after the wanted frame's packet when it holds pictures back (B-frames): the
  first frame of a 4K HEVC film costs one picture's decoding, not five; stepping backwards into an
  uncached GOP converts the whole GOP on the way, so the next steps back are hits;
- while a frame asked for is being decoded, decoding ahead and the prefetch wait (they would take the
  CPU the seek needs on a busy machine);
- right after serving a frame, the same decoder (already there) decodes the next few frames on, so the
  steps forward after a jump are hits at once; a prefetch thread with its own decoder then fills the rest
  of the GOP around the wanted frame and the neighbouring GOP in the direction of travel;
- while the film plays, neither decodes anything (`set_playing`): playback needs every core it can get;
- `request()` serves the latest wish on a worker thread (scrubbing skips frames it no longer needs).

Frame N is always the N-th frame in presentation order, found by its timestamp in the probe's index: the
frame shown is the frame marked and exported.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import av
import numpy as np

from vigtool.media.errors import MediaError
from vigtool.media.frames import FrameDecoder, RGBImage, to_display
from vigtool.media.probe import FrameIndex, SeekableFile

DEFAULT_BOX = (960, 540)
DEFAULT_CACHE_BYTES = 320 << 20  # about three 2-second GOPs of 30 fps at 960×540
QUIET_AFTER_JUMP_S = 0.12
DRAIN_WITHIN = 4  # frames after a keyframe within which a lone frame is drained out of the decoder
AHEAD = 8  # frames decoded on from the one served, by its own decoder, before the prefetch fills the GOP

FrameCallback = Callable[[int, RGBImage | None, Exception | None], None]


def fit_in_box(width: int, height: int, rotation: int, box: tuple[int, int]) -> tuple[int, int]:
    """Stored (width, height) to decode to, so that after rotation the picture fits `box` (never upscaled)."""
    shown_w, shown_h = (height, width) if rotation in (90, 270) else (width, height)
    scale = min(box[0] / shown_w, box[1] / shown_h, 1.0)
    out_w, out_h = max(2, round(shown_w * scale) // 2 * 2), max(2, round(shown_h * scale) // 2 * 2)
    return (out_h, out_w) if rotation in (90, 270) else (out_w, out_h)


class _FrameCache:
    """Display-sized frames by index, bounded in bytes, least recently used evicted first. Thread-safe."""

    def __init__(self, limit_bytes: int) -> None:
        self._limit = limit_bytes
        self._frames: OrderedDict[int, RGBImage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, number: int) -> RGBImage | None:
        with self._lock:
            image = self._frames.get(number)
            if image is not None:
                self._frames.move_to_end(number)
            return image

    def __contains__(self, number: int) -> bool:
        with self._lock:
            return number in self._frames

    def put(self, number: int, image: RGBImage) -> None:
        with self._lock:
            old = self._frames.pop(number, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._frames[number] = image
            self._bytes += image.nbytes
            while self._bytes > self._limit and len(self._frames) > 1:
                _, evicted = self._frames.popitem(last=False)
                self._bytes -= evicted.nbytes

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)


class FrameServer:
    """Exact frames of one recording, scaled into a display box, for stepping, scrubbing and pausing.

    `open_handle` opens a fresh handle on the film (for the vault: a decrypting reader); the server uses
    two, one for the frames asked for and one for prefetching. Close the server when done.
    """

    def __init__(self, open_handle: Callable[[], SeekableFile], index: FrameIndex, size: tuple[int, int],
                 rotation: int, name: str, *, box: tuple[int, int] = DEFAULT_BOX,
                 cache_bytes: int = DEFAULT_CACHE_BYTES, prefetch: bool = True) -> None:
        self._open_handle = open_handle
        self._index = index
        self._size = size  # stored (width, height), before rotation
        self._rotation = rotation
        self._name = name
        self._scaled = fit_in_box(size[0], size[1], rotation, box)
        self._cache = _FrameCache(cache_bytes)
        # Slice threads for the frames asked for: a seek wants one frame soon, and frame threads make it wait
        # for two more (their pipeline), which costs CPU the seek does not have when the cores are busy.
        # The prefetch thread, filling whole GOPs, keeps frame threads.
        self._decoder = FrameDecoder(open_handle(), index, name, threading="SLICE")
        self._decoder_lock = threading.Lock()
        self._asking = 0  # frames being decoded for a caller right now: decoding ahead and prefetch wait
        self._last_served = -1
        self._closed = False
        self._playing = False
        self._ahead_from: int | None = None  # a frame just decoded on a miss: decode on from it when idle
        self._ahead_busy = False
        self._wake = threading.Condition()
        self._prefetch_target: tuple[list[range], bool] | None = None  # (GOPs to fill, after a jump)
        self._current_plan: list[range] = []
        self._planned_at = -10
        self._prefetch_generation = 0
        self._request: tuple[int, FrameCallback] | None = None
        self._threads: list[threading.Thread] = []
        if prefetch:
            self._start(self._prefetch_loop, "prefetch")
        self._start(self._request_loop, "requests")

    def _start(self, target: Callable[[], None], what: str) -> None:
        thread = threading.Thread(target=target, name=f"vigtool-frames-{what}")
        thread.start()
        self._threads.append(thread)

    # -- what callers use ------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return len(self._index)

    @property
    def index(self) -> FrameIndex:
        """The film's timestamps: how a player's times map to frame indices."""
        return self._index

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) of the frames served, as shown (after rotation)."""
        w, h = self._scaled
        return (h, w) if self._rotation in (90, 270) else (w, h)

    @property
    def cached_frames(self) -> int:
        return len(self._cache)

    @property
    def cached_bytes(self) -> int:
        return self._cache.nbytes

    def set_box(self, box: tuple[int, int]) -> None:
        """Serve frames that fit `box` from now on (the cached ones are dropped if the size changes)."""
        scaled = fit_in_box(self._size[0], self._size[1], self._rotation, box)
        if scaled != self._scaled:
            with self._decoder_lock:
                self._scaled = scaled
                self._cache.clear()

    def set_playing(self, playing: bool) -> None:
        """While a film plays, prefetching stops (it would take the cores playback needs); it starts again on
        the next frame asked for after the pause."""
        with self._wake:
            self._playing = playing
            self._current_plan = []  # a fill stopped half-way is planned afresh
            self._wake.notify_all()

    def peek(self, number: int) -> RGBImage | None:
        """Frame `number` if it is cached, else None (never decodes)."""
        return self._cache.get(number)

    def frame(self, number: int) -> RGBImage:
        """Frame `number`, display-sized; decodes in the calling thread on a miss."""
        if not 0 <= number < self.frame_count:
            raise IndexError(f"{self._name} has frames 0 to {self.frame_count - 1}; there is no frame {number}")
        if self._closed:
            raise MediaError(self._name, "is closed")
        image = self._cache.get(number)
        if image is None:
            with self._wake:
                self._asking += 1
            try:
                image = self._decode(number)
            finally:
                with self._wake:
                    self._asking -= 1
                    self._ahead_from = number
                    self._wake.notify_all()
        self._served(number)
        return image

    def _served(self, number: int) -> None:
        direction = -1 if number < self._last_served else 1
        self._last_served = number
        self._plan_prefetch(number, direction)

    def request(self, number: int, callback: FrameCallback) -> None:
        """Serve frame `number` on the worker thread and call `callback(number, image, error)` there.

        Only the latest request is kept: while scrubbing, frames asked for and overtaken are skipped.
        """
        image = self._cache.get(number)
        if image is not None:
            self._served(number)
            callback(number, image, None)
            return
        with self._wake:
            self._request = (number, callback)
            self._wake.notify_all()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        for thread in self._threads:
            thread.join()
        with self._decoder_lock:
            self._decoder.close()
        self._cache.clear()

    def __enter__(self) -> FrameServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- decoding --------------------------------------------------------------------------------
    def _convert(self, frame: av.VideoFrame) -> RGBImage:
        width, height = self._scaled
        picture = frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="AREA")
        # PyAV hands back a view with padded rows for some widths; the window wraps rows in a QImage as is.
        return to_display(np.ascontiguousarray(picture, dtype=np.uint8), self._rotation)

    def _decode(self, number: int) -> RGBImage:
        with self._decoder_lock:
            cached = self._cache.get(number)
            if cached is not None:
                return cached
            # Stepping back into a GOP not yet cached: convert all of it, the next steps back are hits.
            backwards = self._last_served - 2 <= number < self._last_served
            image: RGBImage | None = None
            # A lone frame after a seek is drained out of a decoder that holds pictures back (B-frames):
            # the frames after it are then decoded by the prefetch thread rather than on the way here.
            # A step on (the frames after it wanted next) decodes on undrained, so the next steps continue.
            # Only near a keyframe: further on, the pictures held back are a small part of the decoding on
            # the way, and an undrained decoder decodes ahead from there without seeking again.
            stepping_on = 0 <= self._last_served < number <= self._last_served + 2
            near_key = number - self._index.keyframe_before(number) <= DRAIN_WITHIN
            drain = not backwards and not stepping_on and near_key and self._decoder.holds_back
            for at, decoded in self._decoder.decode_to(number, skip_unneeded=not backwards, drain=drain):
                if at == number:
                    image = self._convert(decoded)
                    self._cache.put(at, image)
                elif backwards and at not in self._cache:
                    self._cache.put(at, self._convert(decoded))
            assert image is not None
            return image

    def _plan_prefetch(self, number: int, direction: int) -> None:
        with self._wake:
            plan = (self._gops_around(number, direction), abs(number - self._planned_at) > 2)
            self._planned_at = number
            if plan[0] == self._current_plan:
                return  # still filling the same GOPs: carry on rather than start over
            self._current_plan = plan[0]
            self._prefetch_target = plan
            self._prefetch_generation += 1
            self._wake.notify_all()

    def _gops_around(self, number: int, direction: int) -> list[range]:
        """The GOP holding `number`, then its neighbour in the direction of travel, then the other one."""
        keys = self._index.keyframes
        pos = max(int(np.searchsorted(keys, number, side="right")) - 1, 0)

        def gop(i: int) -> range | None:
            if not 0 <= i < len(keys):
                return None
            end = int(keys[i + 1]) if i + 1 < len(keys) else self.frame_count
            return range(int(keys[i]), end)

        order = [pos, pos + direction, pos - direction]
        return [g for g in (gop(i) for i in order) if g is not None and len(g)]

    def _prefetch_loop(self) -> None:
        decoder: FrameDecoder | None = None
        try:
            while True:
                with self._wake:
                    while not self._closed and (self._prefetch_target is None or self._playing or self._ahead_busy
                                                or self._ahead_from is not None):
                        self._wake.wait()
                    if self._closed:
                        return
                    assert self._prefetch_target is not None
                    (gops, jumped), generation = self._prefetch_target, self._prefetch_generation
                    self._prefetch_target = None
                    if jumped:
                        # After a jump (a seek, a scrub), wait for a moment of quiet: a scrub asks for the
                        # next frame at once, and a prefetch decoding alongside would only slow it down.
                        self._wake.wait(QUIET_AFTER_JUMP_S)
                        if self._prefetch_generation != generation or self._closed:
                            continue
                if decoder is None:
                    decoder = FrameDecoder(self._open_handle(), self._index, self._name)
                self._fill(decoder, gops, generation)
        except MediaError:
            return  # prefetching stops; the frames asked for raise the same problem themselves
        finally:
            if decoder is not None:
                decoder.close()

    def _fill(self, decoder: FrameDecoder, gops: list[range], generation: int) -> None:
        for gop in gops:
            missing = [i for i in gop if i not in self._cache]
            if not missing:
                continue
            scaled = self._scaled
            if not gop.start <= decoder.position < missing[0]:
                decoder.forget_position()
            for at, decoded in decoder.decode_to(missing[-1]):
                self._wait_while_asked()
                if self._prefetch_generation != generation or self._closed or self._playing:
                    return  # the user moved on (or plays): plan again from where she is now
                if at >= gop.start and at not in self._cache and self._scaled == scaled:
                    self._cache.put(at, self._convert(decoded))
        with self._wake:
            if self._prefetch_generation == generation:
                self._current_plan = []  # done: the same place asked again later is planned afresh

    def _wait_while_asked(self) -> None:
        """A frame asked for is being decoded: the prefetch takes none of the CPU it needs meanwhile."""
        with self._wake:
            while self._asking and not self._closed:
                self._wake.wait(0.05)

    def _request_loop(self) -> None:
        while True:
            with self._wake:
                while not self._closed and self._request is None and self._ahead_from is None:
                    self._wake.wait()
                if self._closed:
                    return
                if self._request is None:
                    assert self._ahead_from is not None
                    ahead_from, self._ahead_from = self._ahead_from, None
                    self._ahead_busy = True
                else:
                    (number, callback), self._request = self._request, None
                    ahead_from = None
            if ahead_from is not None:
                try:
                    self._decode_ahead(ahead_from)
                finally:
                    with self._wake:
                        self._ahead_busy = False
                        self._wake.notify_all()  # the prefetch thread's turn
                continue
            try:
                image = self.frame(number)
            except (MediaError, IndexError) as exc:
                callback(number, None, exc)
            else:
                callback(number, image, None)

    def _idle(self) -> bool:
        return (self._request is None and self._ahead_from is None and not self._asking and not self._playing
                and not self._closed)

    def _decode_ahead(self, number: int) -> None:
        """The frames stepped to next: decoded on by the decoder that has just reached `number` (no seek, no
        second decoder starting from the keyframe), one at a time, stopping as soon as anything is asked."""
        for ahead in range(number + 1, min(number + 1 + AHEAD, self.frame_count)):
            if not self._idle():
                return
            with self._decoder_lock:
                if ahead in self._cache:
                    continue
                drained = ahead == number + 1 and self._decoder.position == -1  # served drained: seek again
                if self._decoder.position != ahead - 1 and not drained:
                    return  # someone else moved the decoder: the prefetch thread covers the rest
                scaled = self._scaled
                try:
                    for at, decoded in self._decoder.decode_to(ahead):
                        if not self._idle():
                            return  # asked for something: it comes first
                        if at == ahead and self._scaled == scaled:
                            self._cache.put(at, self._convert(decoded))
                except MediaError:
                    return  # the frame asked for raises it itself
