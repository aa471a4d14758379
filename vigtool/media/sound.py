"""A recording's sound as one mono array at the analysis rate, decoded from any readable file object (the
vault's decrypting reader included)."""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np
import numpy.typing as npt

from vigtool.media.errors import MediaError
from vigtool.media.probe import SeekableFile

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class SoundCancelledError(Exception):
    """Decoding was stopped by the user."""


def decode_mono(handle: SeekableFile, name: str, rate: int, progress: Progress | None = None,
                cancelled: Cancelled | None = None) -> npt.NDArray[np.float32] | None:
    """All of the first sound track, mixed to mono at `rate`; None when the file has no sound track."""
    decoded = decode_track(handle, name, rate, progress, cancelled)
    return None if decoded is None else decoded[1]


def decode_track(handle: SeekableFile, name: str, rate: int | None = None, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> tuple[int, npt.NDArray[np.float32]] | None:
    """The first sound track mixed to mono, at `rate` (None: the track's own) as (rate, samples); None when
    the file has no sound track.

    Sample k is at k / `rate` seconds of the film's own clock (a track that starts late is padded with
    silence, one that starts early is cut), so times line up with the pictures' timestamps.
    `progress` gets (microseconds decoded, microseconds in all) now and then.
    """
    try:
        container = av.open(handle, "r")
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"cannot be opened for its sound ({exc})") from exc
    with container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        rate = rate or stream.codec_context.sample_rate or 48000
        total = int(container.duration or 0)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[npt.NDArray[np.float32]] = []
        start: float | None = None
        try:
            for number, frame in enumerate(container.decode(stream)):
                if start is None:
                    start = float(frame.time or 0.0)
                if cancelled is not None and cancelled():
                    raise SoundCancelledError(f"{name}: stopped")
                chunks.extend(np.asarray(f.to_ndarray(), dtype=np.float32).reshape(-1)
                              for f in resampler.resample(frame))
                if progress is not None and number % 200 == 0 and frame.time is not None:
                    progress(min(int(frame.time * 1e6), total), max(total, 1))
            chunks.extend(np.asarray(f.to_ndarray(), dtype=np.float32).reshape(-1) for f in resampler.resample(None))
        except av.error.FFmpegError as exc:
            raise MediaError(name, f"has sound that cannot be decoded ({exc})") from exc
    sound = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    offset = round((start or 0.0) * rate)
    if offset > 0:
        return rate, np.concatenate([np.zeros(offset, np.float32), sound])
    return rate, sound[-offset:]
