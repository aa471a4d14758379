"""Exact frames by index, in display orientation, from any seekable binary file.

Frame N is the N-th frame in presentation order (0-based), identified by its timestamp from the probe's
frame index, never by a float time: seek to the keyframe before it, decode forward to its timestamp.
Stepping forward continues decoding without seeking again.
"""

from __future__ import annotations

from collections.abc import Iterator

import av
import numpy as np
import numpy.typing as npt

from vigtool.media.errors import MediaError
from vigtool.media.probe import FrameIndex, SeekableFile

RGBImage = npt.NDArray[np.uint8]


def to_display(image: RGBImage, rotation: int) -> RGBImage:
    """Turn a stored picture clockwise by `rotation` degrees, as a player shows it."""
    if rotation % 360 == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-(rotation // 90)))


class FrameReader:
    """Decodes exact frames of one recording. Not thread-safe: one reader per thread."""

    def __init__(self, handle: SeekableFile, index: FrameIndex, rotation: int, name: str) -> None:
        self._name = name
        self._index = index
        self._rotation = rotation
        self._handle = handle
        handle.seek(0)
        try:
            self._container = av.open(handle, "r")
        except av.error.FFmpegError as exc:
            raise MediaError(name, f"cannot be opened for decoding ({exc})") from exc
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._decoder: Iterator[av.VideoFrame] | None = None
        self._position = -1  # index of the last frame decoded, -1 when a seek is needed

    @property
    def frame_count(self) -> int:
        return len(self._index)

    def close(self) -> None:
        """Close the decoder and the file it reads (the reader owns its handle)."""
        self._container.close()
        self._handle.close()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def frame(self, number: int) -> RGBImage:
        """The RGB picture of frame `number`, as displayed (rotation applied)."""
        if not 0 <= number < self.frame_count:
            raise IndexError(f"{self._name} has frames 0 to {self.frame_count - 1}; there is no frame {number}")
        keyframe = self._index.keyframe_before(number)
        if self._decoder is None or not (keyframe <= self._position < number):
            self._seek(keyframe)
        target = int(self._index.pts[number])
        while True:
            frame = self._next_frame()
            if frame is None:
                self._decoder = None  # exhausted: the next call seeks afresh
                raise MediaError(self._name, f"ended before frame {number} (is it damaged?)")
            if frame.pts is None:
                continue
            self._position = self._index.frame_at_pts(frame.pts)
            if frame.pts >= target:
                if frame.pts != target:
                    raise MediaError(self._name, f"frame {number} is not where the index puts it")
                picture = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                return to_display(picture, self._rotation)

    def _seek(self, keyframe: int) -> None:
        self._container.seek(int(self._index.pts[keyframe]), stream=self._stream, backward=True)
        self._decoder = self._container.decode(self._stream)
        self._position = -1

    def _next_frame(self) -> av.VideoFrame | None:
        if self._decoder is None:
            return None
        try:
            return next(self._decoder)
        except StopIteration:
            return None
        except av.error.FFmpegError as exc:
            self._decoder = None
            raise MediaError(self._name, f"could not be decoded ({exc})") from exc
