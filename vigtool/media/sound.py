"""A recording's sound, mixed to mono, decoded from any readable file object (the vault's decrypting reader
included): piece by piece (`open_mono`), so a two-hour film's sound never sits in memory whole, or as one
array for short material (`decode_mono`, `decode_track`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import TracebackType

import av
import numpy as np
import numpy.typing as npt

from vigtool.media.errors import MediaError
from vigtool.media.heap import release_freed_memory
from vigtool.media.probe import SeekableFile

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
Samples = npt.NDArray[np.float32]
PIECE_SECONDS = 1


class SoundCancelledError(Exception):
    """Decoding was stopped by the user."""


class MonoSound:
    """The first sound track of an open film, mixed to mono at `rate`; `pieces()` yields it in order.

    Sample k of the concatenated pieces is at k / `rate` seconds of the film's own clock (a track that
    starts late is padded with silence, one that starts early is cut), so times line up with the
    pictures' timestamps. Each piece is PIECE_SECONDS of sound (the last one shorter), so what a caller
    keeps is all the memory used; handing it on in pieces of a sound frame each (21 ms) spent as much CPU
    in Python per piece as the decoding itself. The film's other streams are discarded as it is read: the
    demuxer skips their packets instead of handing each one up.
    """

    def __init__(self, container: av.container.InputContainer, name: str, rate: int | None,
                 progress: Progress | None, cancelled: Cancelled | None) -> None:
        self._container, self._name = container, name
        self._stream = container.streams.audio[0]
        self.rate = rate or self._stream.codec_context.sample_rate or 48000
        self._progress, self._cancelled = progress, cancelled
        self.duration_us = max(int(container.duration or 0), 1)
        for stream in container.streams:
            if stream.index != self._stream.index:
                stream.discard = av.stream.Discard.all

    def __enter__(self) -> MonoSound:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._container.close()

    def pieces(self) -> Iterator[Samples]:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate, frame_size=self.rate * PIECE_SECONDS)
        to_cut: int | None = None  # samples before the film's time 0 still to drop (set by the first frame)
        try:
            for number, frame in enumerate(self._container.decode(self._stream)):
                if self._cancelled is not None and self._cancelled():
                    raise SoundCancelledError(f"{self._name}: stopped")
                if to_cut is None:
                    offset = round(float(frame.time or 0.0) * self.rate)
                    if offset > 0:
                        yield np.zeros(offset, np.float32)
                    to_cut = max(-offset, 0)
                for out in resampler.resample(frame):
                    piece, to_cut = _cut(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1), to_cut)
                    if piece.size:
                        yield piece
                if self._progress is not None and number % 200 == 0 and frame.time is not None:
                    self._progress(min(int(frame.time * 1e6), self.duration_us), self.duration_us)
            for out in resampler.resample(None):
                piece, to_cut = _cut(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1), to_cut or 0)
                if piece.size:
                    yield piece
        except av.error.FFmpegError as exc:
            raise MediaError(self._name, f"has sound that cannot be decoded ({exc})") from exc


def _cut(piece: Samples, to_cut: int) -> tuple[Samples, int]:
    if to_cut <= 0:
        return piece, 0
    dropped = min(to_cut, piece.size)
    return piece[dropped:], to_cut - dropped


def open_mono(handle: SeekableFile, name: str, rate: int | None = None, progress: Progress | None = None,
              cancelled: Cancelled | None = None) -> MonoSound | None:
    """The first sound track, ready to be read in pieces (use it as a context manager); None when the file
    has no sound track. `progress` gets (microseconds decoded, microseconds in all) now and then."""
    try:
        container = av.open(handle, "r")
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"cannot be opened for its sound ({exc})") from exc
    # Opening a long MP4 builds its index twice (once more for the edit lists: 13 MB at 2 h) and probes a
    # picture; with the heap kept for pictures (vigtool.media.heap), what that freed would stay resident
    # under the whole pass.
    release_freed_memory()
    if not container.streams.audio:
        container.close()
        return None
    return MonoSound(container, name, rate, progress, cancelled)


def decode_track(handle: SeekableFile, name: str, rate: int | None = None, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> tuple[int, Samples] | None:
    """All of the first sound track as one array (rate, samples); None when there is none. For short
    material only: long films are read with `open_mono`."""
    sound = open_mono(handle, name, rate, progress, cancelled)
    if sound is None:
        return None
    with sound:
        pieces = list(sound.pieces())
        return sound.rate, np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


def decode_mono(handle: SeekableFile, name: str, rate: int, progress: Progress | None = None,
                cancelled: Cancelled | None = None) -> Samples | None:
    """All of the first sound track, mixed to mono at `rate`; None when the file has no sound track."""
    decoded = decode_track(handle, name, rate, progress, cancelled)
    return None if decoded is None else decoded[1]
