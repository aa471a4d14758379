"""Previews for the timeline: a filmstrip of keyframe thumbnails and the audio envelope (sound-wave lane).

Both are made from any seekable file (in practice the vault's decrypting reader) and turned into bytes
in small versioned formats, which the vault stores sealed like the film itself.

The filmstrip decodes keyframes only (a keyframe needs no other frame), skips the deblocking filter and
picks at most MAX_THUMBNAILS of them evenly over the film (at least 2 s apart), decoded on two threads, each
scaled down by area averaging (a fast bilinear scale to 160 px samples a phone's grain: 28 dB against a
straight decode, against 37 dB). A phone's 1080p keyframe at 16 Mb/s still costs 17–33 ms of CPU, by the
machine (entropy decoding, which no decoder option skips: `flags2 +fast`, `skip_idct` and `skip_frame` change
nothing for a keyframe), so a 10-minute phone film's strip takes 3.5–7 CPU-seconds (bench/filmstrip.py).

A film with long GOPs (a camera's 8-second ones) has too few keyframes for that: a 30-s stretch would show
four pictures. So the strip stands for evenly spaced times, one per spacing; where no keyframe is within
half a spacing of a time, a second pass decodes that GOP from its keyframe up to the frame at that time,
after the keyframes' strip is already whole: frames no other frame refers to are skipped (half of x264's
B-frames), deblocking is kept (without it the error grows along the GOP: 1–2 dB in 6 s) and its decoders
run niced. Each time gets the first picture decoded at or after it. On a 2-minute 1080p camera film that is
13.5 CPU-s against 0.4 for its keyframes (bench/filmstrip.py). A film with short GOPs (a phone's 1-second
ones) needs no second pass and costs what it did.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import queue
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeAlias

import av
import cv2
import numpy as np
import numpy.typing as npt

from vigtool.media.errors import MediaError
from vigtool.media.frames import to_display
from vigtool.media.probe import FrameIndex, SeekableFile
from vigtool.media.sound import SoundCancelledError, open_mono

FILMSTRIP_FORMAT, ENVELOPE_FORMAT, PREVIEW_VERSION = "vigtool.filmstrip", "vigtool.audio-envelope", 1
# How a filmstrip was made (its header's "made"; a strip stored without one is 1): 1, keyframes only; 2, with
# the pictures between keyframes of a long-GOP film (the second pass). A strip made before 2 of a film with
# long GOPs is made again when the film is opened (`Filmstrip.lacks_pictures_between`).
STRIP_MADE = 2
THUMB_HEIGHT = 90
MIN_SPACING_S = Fraction(2)
# A 1080p keyframe costs ~10 ms of decoding on two cores, so a filmstrip holds at most 200 thumbnails
# (one per 3 s of a 10-minute film): plenty for the overview lane; zoomed in to single frames, the
# workspace decodes exact frames instead.
MAX_THUMBNAILS = 200
ENVELOPE_RATE = 100  # values per second: one per 10 ms, finer than any frame
_LENGTH = struct.Struct(">I")
_BATCH = 8  # keyframes decoded together
PARTIAL_EVERY_S = 0.3  # how often a preview being built is shown as it is so far
# The second pass (long GOPs only) comes after the strip is whole: its decoders yield to the player's.
SECOND_PASS_NICE = 10

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class PreviewCancelledError(Exception):
    """Preview building was stopped; nothing was stored."""


def _pack(header: dict[str, object], payload: bytes) -> bytes:
    encoded = json.dumps(header, separators=(",", ":")).encode()
    return _LENGTH.pack(len(encoded)) + encoded + payload


def _unpack(data: bytes, expected: str) -> tuple[dict[str, object], bytes]:
    try:
        (length,) = _LENGTH.unpack_from(data)
        header = json.loads(data[_LENGTH.size:_LENGTH.size + length])
    except (struct.error, ValueError) as exc:
        raise ValueError(f"not a {expected} document") from exc
    if not isinstance(header, dict) or header.get("format") != expected:
        raise ValueError(f"not a {expected} document")
    if header.get("version") != PREVIEW_VERSION:
        raise ValueError(f"{expected} version {header.get('version')} is newer than this vigtool")
    return header, data[_LENGTH.size + length:]


# -- filmstrip ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filmstrip:
    frames: tuple[int, ...]  # the frame index each thumbnail shows (a keyframe)
    jpegs: tuple[bytes, ...]
    width: int
    height: int
    made: int = STRIP_MADE  # how it was made (STRIP_MADE): 1 for a strip stored before the second pass

    def lacks_pictures_between(self, index: FrameIndex) -> bool:
        """Whether this strip was stored before the second pass existed and the film (`index`: the one the
        strip is made from) has GOPs long enough to want pictures between its keyframes."""
        return self.made < STRIP_MADE and bool(frames_between_keyframes(index))

    def image(self, position: int) -> npt.NDArray[np.uint8]:
        """Thumbnail `position` as RGB."""
        decoded = cv2.imdecode(np.frombuffer(self.jpegs[position], np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            raise ValueError(f"thumbnail {position} of the filmstrip is damaged")
        return np.asarray(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB), dtype=np.uint8)

    def nearest(self, frame: int) -> int:
        """The position of the thumbnail at or before `frame`."""
        return max(int(np.searchsorted(np.asarray(self.frames), frame, side="right")) - 1, 0)

    def to_bytes(self) -> bytes:
        header = {"format": FILMSTRIP_FORMAT, "version": PREVIEW_VERSION, "made": self.made, "width": self.width,
                  "height": self.height, "frames": list(self.frames), "sizes": [len(j) for j in self.jpegs]}
        return _pack(header, b"".join(self.jpegs))

    @classmethod
    def from_bytes(cls, data: bytes) -> Filmstrip:
        header, payload = _unpack(data, FILMSTRIP_FORMAT)
        sizes = [int(n) for n in header["sizes"]]  # type: ignore[attr-defined]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        jpegs = tuple(payload[offsets[i]:offsets[i + 1]] for i in range(len(sizes)))
        return cls(tuple(int(f) for f in header["frames"]), jpegs,  # type: ignore[attr-defined]
                   int(header["width"]), int(header["height"]),  # type: ignore[call-overload]
                   int(header.get("made", 1)))  # type: ignore[call-overload]


def choose_thumbnail_frames(index: FrameIndex) -> list[int]:
    """Keyframes spread over the film: one per MIN_SPACING_S at most, MAX_THUMBNAILS in all."""
    tb = index.time_base
    start = int(index.pts[0])
    span = Fraction(int(index.pts[-1]) - start) * tb
    spacing = max(MIN_SPACING_S, span / MAX_THUMBNAILS)
    chosen: list[int] = []
    next_time = Fraction(0)
    for key in index.keyframes.tolist():
        at = Fraction(int(index.pts[key]) - start) * tb
        if at + spacing / 8 >= next_time or not chosen:  # keyframes of joined films drift by a tick
            chosen.append(int(key))
            next_time = at + spacing
    return chosen[:MAX_THUMBNAILS]


def _spacing(index: FrameIndex) -> Fraction:
    span = Fraction(int(index.pts[-1]) - int(index.pts[0])) * index.time_base
    return max(MIN_SPACING_S, span / MAX_THUMBNAILS)


def frames_between_keyframes(index: FrameIndex, shown: list[int] | None = None) -> dict[int, list[int]]:
    """For films with long GOPs: the frames to decode beyond the keyframes, by the keyframe their decoding
    starts from. One frame per spacing of film time (as many as MAX_THUMBNAILS in all) where no keyframe of
    `shown` (default: choose_thumbnail_frames) is within half a spacing; none for a film with short GOPs."""
    tb, start = index.time_base, int(index.pts[0])
    spacing = _spacing(index)
    keys = shown if shown is not None else choose_thumbnail_frames(index)
    shown_pts = np.asarray([int(index.pts[k]) for k in keys], dtype=np.int64)
    half = spacing / 2
    wanted: dict[int, list[int]] = {}
    count = int((Fraction(int(index.pts[-1]) - start) * tb) // spacing) + 1
    for step in range(min(count, MAX_THUMBNAILS)):
        at = start + int(step * spacing / tb)
        frame = index.frame_at_pts(at)
        pts = int(index.pts[frame])
        near = int(np.searchsorted(shown_pts, pts))
        gaps = [abs(int(shown_pts[n]) - pts) for n in (near - 1, near) if 0 <= n < shown_pts.size]
        if gaps and Fraction(min(gaps)) * tb <= half:
            continue
        key = index.keyframe_before(frame)
        if frame != key and frame not in wanted.get(key, []):
            wanted.setdefault(key, []).append(frame)
    return wanted


def coarse_to_fine(count: int) -> list[int]:
    """0..count-1 in an order that covers the whole range early: the first, the middle, the quarters, the
    eighths and so on, so a filmstrip being built spans the whole film at once and then fills in."""
    order: list[int] = []
    seen = [False] * count
    stride = 1 << max(count - 1, 1).bit_length()
    while stride >= 1:
        for position in range(0, count, stride):
            if not seen[position]:
                seen[position] = True
                order.append(position)
        stride //= 2
    return order


_DECODER_OPTIONS = {"skip_loop_filter": "all"}  # thumbnails do not need deblocking
# Two decoders keep both cores of the machine this is made for busy (a third would only contend).
FILMSTRIP_WORKERS = min(2, os.cpu_count() or 1)
# A batch's packets, and the key each packet's pts stands for.
_Demuxed: TypeAlias = "tuple[list[av.Packet[Any]], dict[int, int]]"
_Thumbs = list[tuple[int, bytes, tuple[int, int]]]  # (key, JPEG, (width, height)) of each decoded keyframe
_Decode: TypeAlias = "Callable[[av.VideoCodecContext, _Demuxed, int], tuple[_Thumbs, int]]"


def make_filmstrip(handle: SeekableFile, index: FrameIndex, rotation: int, name: str,
                   progress: Progress | None = None, cancelled: Cancelled | None = None,
                   partial: Callable[[Filmstrip], None] | None = None, *,
                   workers: int = FILMSTRIP_WORKERS, pause: Callable[[], None] | None = None,
                   known: Filmstrip | None = None, second_pass: bool = True) -> Filmstrip:
    """Thumbnails of keyframes spread over the film, decoded coarse to fine; `partial` gets the strip so far
    every PARTIAL_EVERY_S seconds (in film order), for a window that shows it filling in.

    This thread reads the film (one demuxer: its index of a long film's packets is held once) and hands
    each batch of keyframe packets to one of `workers` decoders, each on its own thread (FFmpeg decodes,
    scales and OpenCV encodes without the GIL), so a film's keyframes are decoded on both cores. With
    `workers=1` the batches are decoded here, by the stream's own decoder. `pause`, called before each GOP of
    the second pass, returns when the player is quiet (it waits while a film plays or was just stepped).
    `known`: a strip stored before (made keyframes only), whose keyframes' thumbnails are kept as they are.
    Without `second_pass`, a long-GOP film's strip is its keyframes' only, made 1 (to be made again later)."""
    chosen = choose_thumbnail_frames(index)
    wanted_between = frames_between_keyframes(index, chosen)
    between = wanted_between if second_pass else {}
    made = STRIP_MADE if second_pass or not wanted_between else 1
    try:
        container = av.open(handle, "r")
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"cannot be opened for thumbnails ({exc})") from exc
    strip = _StripSoFar(len(chosen) + sum(len(f) for f in between.values()), progress, cancelled, partial, name,
                        made)
    if known is not None and known.frames:
        strip.keep(known, set(chosen))
    order = [chosen[position] for position in coarse_to_fine(len(chosen)) if not strip.has(chosen[position])]
    batches = [order[first:first + _BATCH] for first in range(0, len(order), _BATCH)]
    keys = sorted(between)
    gops = [keys[position] for position in coarse_to_fine(len(keys))]
    with container:
        stream = container.streams.video[0]
        # A seek flushes the decoder, so each batch is demuxed first, then decoded. x264 writes one slice
        # per picture, so the decoder's slice threads would have nothing to share.
        stream.thread_type = "SLICE"
        stream.codec_context.options = dict(_DECODER_OPTIONS)
        decoders = [codec for codec in (_worker_decoder(stream) for _ in range(workers)) if codec is not None] \
            if workers > 1 else []
        if len(decoders) < 2:
            for batch in batches:
                strip.check_cancelled()
                strip.add(*_decode_batch(stream.codec_context,
                                         _demux_keyframes(container, stream, index, batch), rotation))
        else:
            _decode_on_threads(decoders, (_demux_keyframes(container, stream, index, batch) for batch in batches),
                               rotation, strip)
        if gops:  # the second pass: decoders of their own, deblocking, no frame that no other frame needs
            refiners = [codec for codec in (_worker_decoder(stream, {}, skip_unreferenced=True)
                                            for _ in range(max(workers, 1))) if codec is not None]
            def jobs_when_quiet() -> Iterator[_Demuxed]:
                for key in gops:
                    if pause is not None:
                        pause()  # a camera film's second pass is many CPU-seconds: never while the film plays
                    yield _demux_gop(container, stream, index, key, between[key])

            jobs = jobs_when_quiet()
            # A GOP is up to a camera's 8 s of pictures, decoded niced: a stop is heard at every picture.
            decode = functools.partial(_decode_gop, frame_at_pts=index.frame_at_pts, stopped=cancelled)
            if len(refiners) >= 2:
                _decode_on_threads(refiners, jobs, rotation, strip, decode, niced=True)
            else:
                codec = refiners[0] if refiners else stream.codec_context
                for job in jobs:
                    strip.check_cancelled()
                    strip.add(*decode(codec, job, rotation))
    return strip.whole()


class _StripSoFar:
    """The thumbnails made so far; on the calling thread it reports progress, shows parts and stops when asked."""

    def __init__(self, count: int, progress: Progress | None, cancelled: Cancelled | None,
                 partial: Callable[[Filmstrip], None] | None, name: str, made: int = STRIP_MADE) -> None:
        self._count, self._progress, self._cancelled, self._partial, self._name, self._made_as = \
            count, progress, cancelled, partial, name, made
        self._made: dict[int, bytes] = {}
        self._size = (0, 0)
        self._tried = 0
        self._shown = time.monotonic()

    def check_cancelled(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise PreviewCancelledError(f"{self._name}: thumbnails cancelled")

    def keep(self, known: Filmstrip, keys: set[int]) -> None:
        """The thumbnails of `known` at the keyframes `keys`, as made before (same size, same pictures)."""
        for frame, jpeg in zip(known.frames, known.jpegs, strict=True):
            if frame in keys:
                self._made[frame] = jpeg
        if self._made:
            self._size = (known.width, known.height)
            self.add([], len(self._made))

    def has(self, frame: int) -> bool:
        return frame in self._made

    def add(self, thumbs: _Thumbs, tried: int) -> None:
        for key, jpeg, size in thumbs:
            self._made[key], self._size = jpeg, size
        self._tried = min(self._tried + tried, self._count)
        if self._progress is not None:
            self._progress(self._tried, self._count)
        if self._partial is not None and time.monotonic() - self._shown >= PARTIAL_EVERY_S:
            self._partial(self.whole())
            self._shown = time.monotonic()

    def whole(self) -> Filmstrip:
        frames = sorted(self._made)
        return Filmstrip(tuple(frames), tuple(self._made[f] for f in frames), *self._size, self._made_as)


def _decode_on_threads(decoders: list[av.VideoCodecContext], demuxed: Iterator[_Demuxed], rotation: int,
                       strip: _StripSoFar, decode: _Decode | None = None, *, niced: bool = False) -> None:
    """Each batch from `demuxed` decoded by whichever decoder is free, at most one batch waiting per decoder
    (what is in memory stays a few pictures); results are taken in on this thread as they come."""
    jobs: queue.Queue[_Demuxed | None] = queue.Queue()
    done: queue.Queue[tuple[_Thumbs, int] | BaseException] = queue.Queue()
    stop = threading.Event()

    def work(codec: av.VideoCodecContext) -> None:
        if niced:  # Linux sets a thread's priority by its id; elsewhere it runs at the usual one
            with contextlib.suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SECOND_PASS_NICE)
        while (job := jobs.get()) is not None:
            if stop.is_set():
                continue
            try:
                done.put((decode or _decode_batch)(codec, job, rotation))
            except BaseException as exc:  # noqa: BLE001 - raised on the calling thread
                done.put(exc)

    threads = [threading.Thread(target=work, args=(codec,), name=f"vigtool-filmstrip-{n}", daemon=True)
               for n, codec in enumerate(decoders)]
    for thread in threads:
        thread.start()

    def take_one() -> None:
        result = done.get()
        if isinstance(result, BaseException):
            raise result
        strip.add(*result)
        strip.check_cancelled()

    waiting = 0
    try:
        for job in demuxed:
            while waiting >= 2 * len(decoders):
                take_one()
                waiting -= 1
            strip.check_cancelled()
            jobs.put(job)
            waiting += 1
        while waiting:
            take_one()
            waiting -= 1
    finally:
        stop.set()
        for _thread in threads:
            jobs.put(None)
        for thread in threads:
            thread.join()


def _worker_decoder(stream: av.video.stream.VideoStream, options: dict[str, str] | None = None, *,
                    skip_unreferenced: bool = False) -> av.VideoCodecContext | None:
    """A decoder of its own for a worker thread, made from the stream's codec and its parameter sets (with
    `options`, by default the keyframes' ones); None when that codec cannot be opened that way (then the
    stream's own decoder does all the work). `skip_unreferenced`: frames no other frame refers to (most
    B-frames) are not decoded at all: half a camera's GOP, for the second pass."""
    template = stream.codec_context
    try:
        codec = av.CodecContext.create(template.name, "r")
        assert isinstance(codec, av.VideoCodecContext)
        if template.extradata:
            codec.extradata = template.extradata
        codec.width, codec.height = template.width, template.height
        codec.thread_count = 1  # it is one of the threads already
        codec.options = dict(_DECODER_OPTIONS if options is None else options)
        if skip_unreferenced:
            codec.skip_frame = "NONREF"
        codec.open()
    except (av.error.FFmpegError, ValueError, AssertionError):
        return None
    return codec


def _demux_keyframes(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                     index: FrameIndex, keys: list[int]) -> _Demuxed:
    """The packets of the keyframes `keys`, read from the film; one that cannot be read is left out (a gap in
    the strip, not a failed import)."""
    packets = []
    key_at: dict[int, int] = {}  # the pts of the keyframe found for each wanted one (the same, in an MP4)
    for key in keys:
        container.seek(int(index.pts[key]), stream=stream, backward=True)
        try:
            packet = next((p for p in container.demux(stream) if p.size), None)
        except av.error.FFmpegError:
            continue
        if packet is not None and packet.pts is not None and packet.pts not in key_at:
            packets.append(packet)
            key_at[packet.pts] = key
    return packets, key_at


def _demux_gop(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
               index: FrameIndex, key: int, frames: list[int]) -> _Demuxed:
    """The packets from keyframe `key` up to the last of `frames` (which follow it in the same GOP), in
    decode order: every packet up to the first that is decoded after the last frame is shown (a packet
    shown at or before it is decoded at or before it too)."""
    wanted = {int(index.pts[frame]): frame for frame in frames}
    last = max(wanted)
    packets: list[av.Packet[Any]] = []
    container.seek(int(index.pts[key]), stream=stream, backward=True)
    try:
        for packet in container.demux(stream):
            if not packet.size:
                continue
            decoded_at = packet.dts if packet.dts is not None else packet.pts
            if packets and (packet.is_keyframe or (decoded_at is not None and decoded_at > last)):
                break
            packets.append(packet)
    except av.error.FFmpegError:
        pass  # what was read is decoded: the frames after a damaged packet are left out
    return packets, wanted


def _decode_gop(codec: av.VideoCodecContext, demuxed: _Demuxed, rotation: int, *,
                frame_at_pts: Callable[[int], int], stopped: Cancelled | None = None) -> tuple[_Thumbs, int]:
    """The thumbnails of one GOP's wanted frames: for each, the first picture decoded at or after it (the
    decoder skips unreferenced frames, so that may be a frame or two later), named by its own frame. When
    `stopped()` (asked before each picture) it ends there: the caller hears of the stop and stores nothing."""
    packets, key_at = demuxed
    waiting = sorted(key_at)
    thumbs: _Thumbs = []
    for frame in _decoded(codec, packets):
        if stopped is not None and stopped():
            break
        if not waiting or frame.pts is None or frame.pts < waiting[0]:
            continue
        while waiting and waiting[0] <= frame.pts:
            waiting.pop(0)
        thumbs.append(_encoded(frame_at_pts(frame.pts), frame, rotation))
    return thumbs, len(key_at)


def _decoded(codec: av.VideoCodecContext, packets: list[av.Packet[Any]]) -> Iterator[av.VideoFrame]:
    """The pictures of `packets` and then the decoder's last ones; a packet that does not decode leaves a gap.
    The decoder is flushed at the end (or when the caller stops early), ready for the next batch."""
    try:
        for packet in [*packets, None]:
            try:
                decoded = codec.decode(packet)
            except av.error.FFmpegError:
                continue
            yield from decoded
    finally:
        codec.flush_buffers()


def _encoded(key: int, frame: av.VideoFrame, rotation: int) -> tuple[int, bytes, tuple[int, int]]:
    picture = _thumbnail(frame, rotation)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise ValueError("a thumbnail could not be encoded")
    return key, encoded.tobytes(), (picture.shape[1], picture.shape[0])


def _decode_batch(codec: av.VideoCodecContext, demuxed: _Demuxed, rotation: int) -> tuple[_Thumbs, int]:
    """The thumbnails of one batch of packets (and how many were wanted); a packet that does not decode
    leaves a gap."""
    packets, key_at = demuxed
    thumbs: _Thumbs = []
    for frame in _decoded(codec, packets):
        if frame.pts in key_at:
            picture = _thumbnail(frame, rotation)
            ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR),
                                       [cv2.IMWRITE_JPEG_QUALITY, 80])
            if ok:
                thumbs.append((key_at[frame.pts], encoded.tobytes(), (picture.shape[1], picture.shape[0])))
    return thumbs, len(key_at)


def _thumbnail(frame: av.VideoFrame, rotation: int) -> npt.NDArray[np.uint8]:
    # THUMB_HEIGHT is the height as shown: for a quarter-turned film that is the stored width.
    if rotation in (0, 180):
        stored_h, stored_w = THUMB_HEIGHT, max(2, round(THUMB_HEIGHT * frame.width / frame.height))
    else:
        stored_w, stored_h = THUMB_HEIGHT, max(2, round(THUMB_HEIGHT * frame.height / frame.width))
    small = frame.reformat(width=stored_w, height=stored_h, format="rgb24", interpolation="AREA")
    return to_display(np.asarray(small.to_ndarray(), dtype=np.uint8), rotation)


# -- audio envelope -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AudioEnvelope:
    """Peak level (0..1) of each 1/`rate` s of sound, from the start of the film."""

    rate: int
    peaks: npt.NDArray[np.float32]

    def to_bytes(self) -> bytes:
        header = {"format": ENVELOPE_FORMAT, "version": PREVIEW_VERSION, "rate": self.rate,
                  "count": int(self.peaks.size)}
        return _pack(header, self.peaks.astype("<f2").tobytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> AudioEnvelope:
        header, payload = _unpack(data, ENVELOPE_FORMAT)
        peaks = np.frombuffer(payload, dtype="<f2").astype(np.float32)
        if peaks.size != header["count"]:
            raise ValueError("the audio envelope is incomplete")
        return cls(int(header["rate"]), peaks)  # type: ignore[call-overload]


class _PeakBlocks:
    """Peak level of each `block` samples of a sound read in pieces (what is left at the end is dropped, as
    it is shorter than a block)."""

    def __init__(self, block: int) -> None:
        self._block = block
        self._rest = np.zeros(0, np.float32)
        self._peaks: list[npt.NDArray[np.float32]] = []
        self.count = 0

    def add(self, piece: npt.NDArray[np.float32]) -> None:
        data = np.concatenate([self._rest, piece]) if self._rest.size else piece
        usable = data.size - data.size % self._block
        if usable:
            peaks = np.abs(data[:usable]).reshape(-1, self._block).max(axis=1)
            self._peaks.append(np.clip(peaks, 0.0, 1.0).astype(np.float32))
            self.count += peaks.size
        self._rest = data[usable:].copy()

    def envelope(self) -> AudioEnvelope:
        peaks = np.concatenate(self._peaks) if self._peaks else np.zeros(0, np.float32)
        self._peaks = [peaks]  # joined once: the next snapshot only joins what came since
        return AudioEnvelope(ENVELOPE_RATE, peaks)


def make_audio_envelope(handle: SeekableFile, name: str, cancelled: Cancelled | None = None,
                        partial: Callable[[AudioEnvelope], None] | None = None) -> AudioEnvelope | None:
    """The envelope of the first audio track, or None for a silent film. The sound is read in pieces;
    `partial` gets the envelope so far every PARTIAL_EVERY_S seconds, for a window that shows it filling in."""
    try:
        sound = open_mono(handle, name, cancelled=cancelled)
        if sound is None:
            return None
        with sound:
            blocks = _PeakBlocks(max(1, sound.rate // ENVELOPE_RATE))
            shown = time.monotonic()
            for piece in sound.pieces():
                blocks.add(piece)
                if partial is not None and time.monotonic() - shown >= PARTIAL_EVERY_S:
                    partial(blocks.envelope())
                    shown = time.monotonic()
    except SoundCancelledError as exc:
        raise PreviewCancelledError(f"{name}: sound wave cancelled") from exc
    return blocks.envelope()
