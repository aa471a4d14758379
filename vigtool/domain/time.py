"""Exact time: integer frame indices plus the recording's exact rate (a Fraction).

Floats in seconds drift, and then "the frame I marked" differs from "the frame I export". Here a time is
a frame index; seconds appear only at the edges (JSON output, ffmpeg arguments), computed exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

COMMON_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
    Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60), Fraction(120), Fraction(240),
)


def parse_rate(text: str) -> Fraction:
    """Parse "30000/1001", "30" or "29.97" into an exact, positive rate."""
    try:
        rate = Fraction(text.strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"not a frame rate: {text!r}") from exc
    if rate <= 0:
        raise ValueError(f"a frame rate must be positive: {text!r}")
    return rate


def format_rate(rate: Fraction) -> str:
    """"30/1" or "30000/1001": the form our JSON uses, exact and unambiguous."""
    return f"{rate.numerator}/{rate.denominator}"


def snap_rate(measured: Fraction, tolerance: Fraction = Fraction(1, 5000)) -> Fraction:
    """Snap a measured rate to the nearest common rate when within a relative tolerance.

    30 and 30000/1001 differ by 0.1%, so the tolerance must stay well below that.
    """
    nearest = min(COMMON_RATES, key=lambda common: abs(measured - common))
    return nearest if abs(measured - nearest) <= nearest * tolerance else measured


def frame_to_seconds(frame: int, rate: Fraction) -> Fraction:
    """The exact start time of `frame` at a constant `rate`."""
    return Fraction(frame) / rate


def seconds_to_frame(seconds: Fraction | int, rate: Fraction) -> int:
    """The frame on screen at `seconds`: the last frame that started at or before it."""
    return int((Fraction(seconds) * rate) // 1)


def frame_midpoint_seconds(frame: int, rate: Fraction) -> Fraction:
    """The middle of a frame's display interval.

    Players that seek to a time exactly on a frame boundary may show the previous frame; aiming at the
    middle of the frame is unambiguous.
    """
    return (Fraction(frame) + Fraction(1, 2)) / rate


def timecode(frame: int, rate: Fraction) -> str:
    """Wall-clock style "HH:MM:SS.mmm" of a frame's start (display only; never parsed back)."""
    if frame < 0:
        raise ValueError("frame index must not be negative")
    millis = (Fraction(frame) * 1000 / rate) // 1
    seconds, ms = divmod(int(millis), 1000)
    minutes, sec = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}:{sec:02d}.{ms:03d}"


@dataclass(frozen=True, order=True)
class FrameRange:
    """Half-open frame range [start, end): `end - start` frames. A point mark has end == start + 1."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0:
            raise ValueError(f"a range cannot start before frame 0 (got {self.start})")
        if self.end <= self.start:
            raise ValueError(f"a range must hold at least one frame (got [{self.start}, {self.end}))")

    @classmethod
    def point(cls, frame: int) -> FrameRange:
        return cls(frame, frame + 1)

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def is_point(self) -> bool:
        return self.length == 1

    def contains(self, frame: int) -> bool:
        return self.start <= frame < self.end

    def overlaps(self, other: FrameRange) -> bool:
        return self.start < other.end and other.start < self.end

    def shifted(self, delta: int) -> FrameRange:
        return FrameRange(self.start + delta, self.end + delta)

    def clamped(self, frame_count: int) -> FrameRange:
        """This range limited to a recording of `frame_count` frames."""
        start = min(max(self.start, 0), frame_count - 1)
        end = min(max(self.end, start + 1), frame_count)
        return FrameRange(start, end)

    def duration(self, rate: Fraction) -> Fraction:
        return Fraction(self.length) / rate
