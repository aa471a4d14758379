"""Check a written clip against its source before anyone sees it: frame count, timing, rotation, and its
first and last pictures decoded afresh from the file and compared with the source's frames."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from vigtool.media.errors import MediaError
from vigtool.media.frames import FrameDecoder, RGBImage
from vigtool.media.probe import FrameIndex, probe_path

MIN_PSNR = 32.0  # dB: far below what the head's encoder gives (≥ 40), far above a wrong or broken frame


def psnr(a: RGBImage, b: RGBImage) -> float:
    """Peak signal-to-noise ratio over every other row and column: a wrong, shifted or broken frame differs
    everywhere, so a quarter of the pixels tells it as surely at a quarter of the cost."""
    if a.shape != b.shape:
        return 0.0
    diff = a[::2, ::2].astype(np.int16) - b[::2, ::2].astype(np.int16)
    mse = float(np.mean(np.square(diff, dtype=np.int32)))
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def check_clip(path: Path, source: FrameIndex, first: int, end: int, rotation: int, first_picture: RGBImage,
               last_picture: RGBImage) -> list[str]:
    """What is wrong with the clip at `path` (empty when it holds exactly frames [first, end) of the source).

    The pictures are the source's frames `first` and `end - 1` as stored (before rotation).
    """
    try:
        probe = probe_path(path)
    except MediaError as exc:
        return [f"the clip cannot be read back ({exc})"]
    problems = []
    count = end - first
    if probe.frame_count != count:
        problems.append(f"it has {probe.frame_count} frames, not {count}")
    if probe.rotation != rotation:
        problems.append(f"it is turned {probe.rotation}°, the film {rotation}°")
    if not problems:
        got = (probe.index.pts - probe.index.pts[0]).astype(object) * probe.index.time_base
        want = (source.pts[first:end] - source.pts[first]).astype(object) * source.time_base
        late = [k for k in range(count) if abs(Fraction(got[k]) - Fraction(want[k])) > source.time_base]
        if late:
            problems.append(f"frame {first + late[0]} is shown at the wrong time")
    if problems:
        return problems
    with path.open("rb") as handle:
        decoder = FrameDecoder(handle, probe.index, str(path), threading="SLICE")
        try:
            pictures = [(0, first_picture, first), (count - 1, last_picture, end - 1)]
            for at, expected, source_frame in pictures:
                *_, (_n, frame) = decoder.decode_to(at, skip_unneeded=True)
                quality = psnr(np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8), expected)
                if quality < MIN_PSNR:
                    problems.append(f"its picture of frame {source_frame} differs from the film's "
                                    f"({quality:.1f} dB)")
                decoder.forget_position()
        except MediaError as exc:
            problems.append(f"it does not decode to the end ({exc})")
        finally:
            decoder.close()
    return problems
