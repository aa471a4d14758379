"""Check a written clip against its source before anyone sees it: frame count, timing, rotation, and its
first and last pictures decoded afresh from the file and compared with the source's frames."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from vigtool.media.errors import MediaError
from vigtool.media.frames import FrameDecoder, RGBImage
from vigtool.media.probe import FrameIndex, ProbeResult, probe_container

MIN_PSNR = 32.0  # dB: far below what the head's encoder gives (≥ 40), far above a wrong or broken frame


def psnr(a: RGBImage, b: RGBImage) -> float:
    """Peak signal-to-noise ratio of two pictures (OpenCV's vectorised sum of squares: about 1 ms at 1080p)."""
    if a.shape != b.shape:
        return 0.0
    mse = float(cv2.norm(a, b, cv2.NORM_L2SQR)) / a.size
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def _rgb(frame: av.VideoFrame) -> RGBImage:
    return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def _late_frame(got: FrameIndex, source: FrameIndex, first: int, end: int) -> int | None:
    """The first frame (of the source) the clip shows at another time than the source does, beyond one tick
    of the source's clock; exact integer arithmetic, no floats."""
    g = got.pts - got.pts[0]
    w = source.pts[first:end] - source.pts[first]
    # g * tb_got - w * tb_src, over the common denominator; compared with one tick of the source.
    gn, gd = got.time_base.numerator, got.time_base.denominator
    sn, sd = source.time_base.numerator, source.time_base.denominator
    apart = np.abs(g * (gn * sd) - w * (sn * gd))
    late = np.flatnonzero(apart > sn * gd)
    return first + int(late[0]) if late.size else None


def check_clip(path: Path, source: FrameIndex, first: int, end: int, rotation: int, first_picture: RGBImage,
               last_picture: RGBImage) -> list[str]:
    """What is wrong with the clip at `path` (empty when it holds exactly frames [first, end) of the source).

    The pictures are the source's frames `first` and `end - 1` as stored (before rotation). The clip is
    opened once: probed as any film is on import (its first picture kept), then its last picture decoded.
    """
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        return [f"the clip cannot be read back ({exc.strerror or exc})"]
    try:
        size = path.stat().st_size
        container = av.open(handle, "r")
    except (OSError, av.error.FFmpegError) as exc:
        handle.close()
        return [f"the clip cannot be read back ({exc})"]
    try:
        if container.streams.video:
            container.streams.video[0].thread_type = "SLICE"  # two pictures: frame threads only add start-up
        probe, first_frame = probe_container(container, name, size)
    except MediaError as exc:
        container.close()
        handle.close()
        return [f"the clip cannot be read back ({exc})"]
    decoder = FrameDecoder(handle, probe.index, name, container=container)  # closes both
    try:
        return _problems(probe, first_frame, decoder, source, first, end, rotation, first_picture, last_picture)
    finally:
        decoder.close()


def _problems(probe: ProbeResult, first_frame: av.VideoFrame, decoder: FrameDecoder, source: FrameIndex,
              first: int, end: int, rotation: int, first_picture: RGBImage, last_picture: RGBImage) -> list[str]:
    count = end - first
    problems = []
    if probe.frame_count != count:
        problems.append(f"it has {probe.frame_count} frames, not {count}")
    if probe.rotation != rotation:
        problems.append(f"it is turned {probe.rotation}°, the film {rotation}°")
    if not problems and (late := _late_frame(probe.index, source, first, end)) is not None:
        problems.append(f"frame {late} is shown at the wrong time")
    if problems:
        return problems
    try:
        *_, (_n, last_frame) = decoder.decode_to(count - 1, skip_unneeded=True, margin=0)
    except MediaError as exc:
        return [f"it does not decode to the end ({exc})"]
    for frame, expected, source_frame in ((first_frame, first_picture, first), (last_frame, last_picture, end - 1)):
        quality = psnr(_rgb(frame), expected)
        if quality < MIN_PSNR:
            problems.append(f"its picture of frame {source_frame} differs from the film's ({quality:.1f} dB)")
    return problems
