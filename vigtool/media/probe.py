"""Probe a recording with PyAV: what it is, exactly, and whether it is whole.

The frame count and frame times come from demuxing every video packet (no decoding): container headers
can lie (a truncated file keeps the header of the whole one), and presentation order needs the real
timestamps. That is one read of the file, which import does anyway for the checksum.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av
import numpy as np
import numpy.typing as npt

from vigtool.domain.time import snap_rate
from vigtool.media.errors import MediaError
from vigtool.media.nal import BitstreamError, parameter_sets, starts_cleanly


class SeekableFile(Protocol):
    """What PyAV needs to read a film: a plain file, or the vault's decrypting reader."""

    def read(self, size: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def tell(self) -> int: ...
    def close(self) -> None: ...


# A frame interval more than this fraction away from the typical one makes the film variable-rate.
_VFR_TOLERANCE = Fraction(5, 100)


@dataclass(frozen=True)
class FrameIndex:
    """Presentation timestamps of every frame, in the stream's time base, plus the keyframes."""

    pts: npt.NDArray[np.int64]
    keyframes: npt.NDArray[np.int64]  # frame indices (presentation order) of keyframes
    time_base: Fraction

    def __len__(self) -> int:
        return int(self.pts.size)

    def frame_at_pts(self, pts: int) -> int:
        """The index of the frame shown at `pts` (the last one starting at or before it)."""
        return max(int(np.searchsorted(self.pts, pts, side="right")) - 1, 0)

    def keyframe_before(self, frame: int) -> int:
        """The last keyframe at or before `frame` (where decoding for it must start)."""
        pos = int(np.searchsorted(self.keyframes, frame, side="right")) - 1
        return int(self.keyframes[max(pos, 0)])


@dataclass(frozen=True)
class ProbeResult:
    container: str
    video_codec: str
    audio_codec: str | None
    rate: Fraction
    frame_count: int
    width: int
    height: int
    rotation: int  # clockwise degrees a player turns the stored picture: 0, 90, 180 or 270
    duration: Fraction
    variable_frame_rate: bool
    index: FrameIndex
    metadata: dict[str, str]


def probe_path(path: Path) -> ProbeResult:
    """Probe a file on disk, with clear messages for what cannot be read."""
    name = str(path)
    if path.is_dir():
        raise MediaError(name, "is a folder, not a video file")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            if size == 0:
                raise MediaError(name, "is empty (0 bytes)")
            return probe_file(handle, name, size)
    except FileNotFoundError as exc:
        raise MediaError(name, "does not exist") from exc
    except PermissionError as exc:
        raise MediaError(name, "cannot be read (permission denied)") from exc
    except IsADirectoryError as exc:
        raise MediaError(name, "is a folder, not a video file") from exc


def probe_file(handle: SeekableFile, name: str, size: int | None = None) -> ProbeResult:
    """Probe an open, seekable binary file (a plain file or the vault's decrypting reader)."""
    if size is None:
        size = handle.seek(0, os.SEEK_END)
    handle.seek(0)
    if size == 0:
        raise MediaError(name, "is empty (0 bytes)")
    try:
        container = av.open(handle, "r")
    except av.error.InvalidDataError as exc:
        raise MediaError(name, "is not a video vigtool can read, or it is cut short") from exc
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"cannot be opened as a video ({exc.strerror or exc})") from exc
    with container:
        return probe_container(container, name, size)[0]


def probe_container(container: av.container.InputContainer, name: str,
                    size: int) -> tuple[ProbeResult, av.VideoFrame]:
    """Probe an opened container of `size` bytes; also returns its first picture (decoded for the geometry),
    for a caller that looks at it anyway."""
    if not container.streams.video:
        raise MediaError(name, "has no video in it")
    video = container.streams.video[0]
    audio = container.streams.audio[0] if container.streams.audio else None
    _check_complete(video, size, name)
    index = _demux_index(container, video, name)
    if video.frames and len(index) < video.frames:
        raise MediaError(name, f"is cut short: its header lists {video.frames} frames but only "
                         f"{len(index)} are there (an interrupted copy or recording?)")
    frame = _first_frame(container, video, name)
    rotation = (-round(frame.rotation / 90) * 90) % 360  # PyAV: counter-clockwise; we: clockwise
    rate, vfr, duration = _timing(index, video)
    return ProbeResult(
        container=_container_name(container),
        video_codec=video.codec_context.name,
        audio_codec=audio.codec_context.name if audio is not None else None,
        rate=rate, frame_count=len(index), width=frame.width, height=frame.height, rotation=rotation,
        duration=duration, variable_frame_rate=vfr, index=index,
        metadata={str(k): str(v) for k, v in container.metadata.items()},
    ), frame


def _container_name(container: av.container.InputContainer) -> str:
    names = container.format.name.split(",")
    return "mp4" if "mp4" in names else names[0]


def _check_complete(video: av.video.stream.VideoStream, size: int, name: str) -> None:
    """An index whose samples point past the end of the file means the file was cut off."""
    entries = video.index_entries
    if entries is None or len(entries) == 0:
        return
    last = entries[len(entries) - 1]
    if last.pos >= 0 and last.pos + last.size > size:
        raise MediaError(name, f"is cut short: it ends at byte {size} but its video runs to byte "
                         f"{last.pos + last.size} (an interrupted copy or recording?)")


def _keyframe_test(video: av.video.stream.VideoStream) -> Callable[[av.Packet[Any]], bool]:
    """Whether a packet is a true keyframe, one a decoder can start from. The MP4 sync flag alone is not:
    x264's intra-refresh marks its recovery-point P pictures too. H.264/HEVC sync samples are checked by
    their NAL units (vigtool.media.nal.starts_cleanly); other codecs' flags are trusted."""
    codec = video.codec_context.name
    try:
        nal_size = parameter_sets(codec, bytes(video.codec_context.extradata or b""))[0]
    except BitstreamError:
        return lambda packet: bool(packet.is_keyframe)
    return lambda packet: bool(packet.is_keyframe) and starts_cleanly(codec, memoryview(packet), nal_size)


def _demux_index(container: av.container.InputContainer, video: av.video.stream.VideoStream,
                 name: str) -> FrameIndex:
    # Typed arrays, not lists of Python ints: a two-hour film has 216 000 frames.
    pts = array("q")
    keys = array("q")  # decode-order positions of true keyframes
    is_keyframe = _keyframe_test(video)
    try:
        for packet in container.demux(video):
            if packet.size == 0 or packet.pts is None or packet.is_discard:
                continue
            if is_keyframe(packet):
                keys.append(len(pts))
            pts.append(packet.pts)
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"is damaged: reading stopped after {len(pts)} frames ({exc})") from exc
    if not pts:
        raise MediaError(name, "has a video track with no frames in it")
    decode_order = np.frombuffer(pts, dtype=np.int64)
    order = np.argsort(decode_order, kind="stable")
    sorted_pts = decode_order[order].copy()
    is_key = np.zeros(len(pts), dtype=bool)
    is_key[np.frombuffer(keys, dtype=np.int64)] = True
    keyframes = np.flatnonzero(is_key[order]).astype(np.int64)
    if keyframes.size == 0 or keyframes[0] != 0:
        keyframes = np.concatenate([[0], keyframes]).astype(np.int64)
    time_base = video.time_base or Fraction(1, 90000)
    return FrameIndex(sorted_pts, keyframes, Fraction(time_base))


def _first_frame(container: av.container.InputContainer, video: av.video.stream.VideoStream,
                 name: str) -> av.VideoFrame:
    container.seek(0, stream=video)
    try:
        return next(container.decode(video))
    except (StopIteration, av.error.FFmpegError) as exc:
        raise MediaError(name, "has a video track that cannot be decoded") from exc


def _timing(index: FrameIndex, video: av.video.stream.VideoStream) -> tuple[Fraction, bool, Fraction]:
    """(rate, variable?, duration). A constant rate is exact (e.g. 30000/1001); VFR gets the average."""
    tb = index.time_base
    if len(index) == 1:
        rate = Fraction(video.guessed_rate or video.average_rate or 30)
        return rate, False, 1 / rate
    deltas = np.diff(index.pts)
    typical = int(np.median(deltas))
    spread = int(deltas.max() - deltas.min())
    # Timestamps are rounded to the time base, so a constant rate may wobble by one tick.
    variable = spread > max(1, int(typical * _VFR_TOLERANCE))
    span = Fraction(int(index.pts[-1] - index.pts[0]))
    if variable:
        rate = Fraction(len(index) - 1) / (span * tb)
        last = Fraction(typical) * tb
    else:
        rate = snap_rate(Fraction(len(index) - 1) / (span * tb))
        last = 1 / rate
    return rate, variable, span * tb + last
