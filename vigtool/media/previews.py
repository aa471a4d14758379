"""Previews for the timeline: a filmstrip of keyframe thumbnails and the audio envelope (sound-wave lane).

Both are made from any seekable file (in practice the vault's decrypting reader) and turned into bytes
in small versioned formats, which the vault stores sealed like the film itself.

The filmstrip decodes keyframes only (a keyframe needs no other frame), skips the deblocking filter and
picks at most MAX_THUMBNAILS of them evenly over the film (at least 2 s apart), so a 10-minute 1080p film
takes about two seconds.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import cv2
import numpy as np
import numpy.typing as npt

from vigtool.media.errors import MediaError
from vigtool.media.frames import to_display
from vigtool.media.probe import FrameIndex, SeekableFile
from vigtool.media.sound import SoundCancelledError, open_mono

FILMSTRIP_FORMAT, ENVELOPE_FORMAT, PREVIEW_VERSION = "vigtool.filmstrip", "vigtool.audio-envelope", 1
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
        header = {"format": FILMSTRIP_FORMAT, "version": PREVIEW_VERSION, "width": self.width,
                  "height": self.height, "frames": list(self.frames), "sizes": [len(j) for j in self.jpegs]}
        return _pack(header, b"".join(self.jpegs))

    @classmethod
    def from_bytes(cls, data: bytes) -> Filmstrip:
        header, payload = _unpack(data, FILMSTRIP_FORMAT)
        sizes = [int(n) for n in header["sizes"]]  # type: ignore[attr-defined]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        jpegs = tuple(payload[offsets[i]:offsets[i + 1]] for i in range(len(sizes)))
        return cls(tuple(int(f) for f in header["frames"]), jpegs,  # type: ignore[attr-defined]
                   int(header["width"]), int(header["height"]))  # type: ignore[call-overload]


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


def make_filmstrip(handle: SeekableFile, index: FrameIndex, rotation: int, name: str,
                   progress: Progress | None = None, cancelled: Cancelled | None = None,
                   partial: Callable[[Filmstrip], None] | None = None) -> Filmstrip:
    """Thumbnails of keyframes spread over the film, decoded coarse to fine; `partial` gets the strip so far
    every PARTIAL_EVERY_S seconds (in film order), for a window that shows it filling in."""
    chosen = choose_thumbnail_frames(index)
    try:
        container = av.open(handle, "r")
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"cannot be opened for thumbnails ({exc})") from exc
    made: dict[int, bytes] = {}
    size = (0, 0)
    shown = time.monotonic()
    order = [chosen[position] for position in coarse_to_fine(len(chosen))]
    with container:
        stream = container.streams.video[0]
        # Not the decoder's frame threads: they would decode a batch about 1.3x as fast on this shared 2-core
        # machine, but each thread keeps its own pictures (15 MB more at 1080p), and memory is the budget
        # that long films strain. A seek flushes the decoder, so each batch is demuxed first, then decoded.
        stream.thread_type = "SLICE"
        stream.codec_context.options = {"skip_loop_filter": "all"}  # thumbnails do not need deblocking
        for first in range(0, len(order), _BATCH):
            if cancelled is not None and cancelled():
                raise PreviewCancelledError(f"{name}: thumbnails cancelled")
            batch = order[first:first + _BATCH]
            for key, frame in _decode_keyframes(container, stream, [int(index.pts[k]) for k in batch], batch):
                picture = _thumbnail(frame, rotation)
                size = (picture.shape[1], picture.shape[0])
                ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR),
                                           [cv2.IMWRITE_JPEG_QUALITY, 80])
                if ok:
                    made[key] = encoded.tobytes()
            if progress is not None:
                progress(first + len(batch), len(chosen))
            if partial is not None and time.monotonic() - shown >= PARTIAL_EVERY_S:
                partial(_in_film_order(made, size))
                shown = time.monotonic()
    return _in_film_order(made, size)


def _in_film_order(made: dict[int, bytes], size: tuple[int, int]) -> Filmstrip:
    frames = sorted(made)
    return Filmstrip(tuple(frames), tuple(made[f] for f in frames), *size)


def _decode_keyframes(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                      pts: list[int], keys: list[int]) -> Iterator[tuple[int, av.VideoFrame]]:
    """(key, picture) for each keyframe at `pts` that decodes; one that does not leaves a gap in the strip,
    not a failed import."""
    packets = []
    key_at: dict[int, int] = {}  # the pts of the keyframe found for each wanted one (the same, in an MP4)
    for at, key in zip(pts, keys, strict=True):
        container.seek(at, stream=stream, backward=True)
        try:
            packet = next((p for p in container.demux(stream) if p.size), None)
        except av.error.FFmpegError:
            continue
        if packet is not None and packet.pts is not None and packet.pts not in key_at:
            packets.append(packet)
            key_at[packet.pts] = key
    codec = stream.codec_context
    try:
        for packet in [*packets, None]:
            try:
                decoded = codec.decode(packet)
            except av.error.FFmpegError:
                continue
            for frame in decoded:
                if frame.pts in key_at:
                    yield key_at[frame.pts], frame
    finally:
        codec.flush_buffers()


def _thumbnail(frame: av.VideoFrame, rotation: int) -> npt.NDArray[np.uint8]:
    # THUMB_HEIGHT is the height as shown: for a quarter-turned film that is the stored width.
    if rotation in (0, 180):
        stored_h, stored_w = THUMB_HEIGHT, max(2, round(THUMB_HEIGHT * frame.width / frame.height))
    else:
        stored_w, stored_h = THUMB_HEIGHT, max(2, round(THUMB_HEIGHT * frame.height / frame.width))
    small = frame.reformat(width=stored_w, height=stored_h, format="rgb24", interpolation="FAST_BILINEAR")
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
