"""Exact time: frame ↔ seconds never drifts, ranges behave."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigtool.domain.time import (
    COMMON_RATES,
    FrameRange,
    format_rate,
    frame_midpoint_seconds,
    frame_to_seconds,
    parse_rate,
    seconds_to_frame,
    snap_rate,
    timecode,
)

rates = st.one_of(st.sampled_from(COMMON_RATES),
                  st.fractions(min_value=Fraction(1, 2), max_value=240).filter(lambda r: r > 0))
frames = st.integers(min_value=0, max_value=10_000_000)


@given(frames, rates)
def test_a_frame_start_maps_back_to_the_same_frame(frame: int, rate: Fraction) -> None:
    assert seconds_to_frame(frame_to_seconds(frame, rate), rate) == frame


@given(frames, rates)
def test_a_frame_midpoint_lies_inside_that_frame(frame: int, rate: Fraction) -> None:
    assert seconds_to_frame(frame_midpoint_seconds(frame, rate), rate) == frame
    assert frame_to_seconds(frame, rate) < frame_midpoint_seconds(frame, rate) < frame_to_seconds(frame + 1, rate)


@given(st.integers(min_value=0, max_value=100_000))
def test_ntsc_rate_does_not_drift_over_long_films(frame: int) -> None:
    rate = Fraction(30000, 1001)
    # A float rate would drift by whole frames over an hour; the exact rate never does.
    assert seconds_to_frame(Fraction(frame * 1001, 30000), rate) == frame


@given(frames, rates)
def test_timecode_is_monotonic(frame: int, rate: Fraction) -> None:
    assert timecode(frame, rate) <= timecode(frame + int(rate) + 1, rate)


def test_timecode_format() -> None:
    assert timecode(0, Fraction(30)) == "00:00:00.000"
    assert timecode(90, Fraction(30)) == "00:00:03.000"
    assert timecode(108_000, Fraction(30)) == "01:00:00.000"
    assert timecode(30, Fraction(30000, 1001)) == "00:00:01.001"


def test_rates_parse_format_and_snap() -> None:
    assert parse_rate("30000/1001") == Fraction(30000, 1001)
    assert format_rate(Fraction(30)) == "30/1"
    assert snap_rate(Fraction(30)) == 30  # not mistaken for 29.97
    assert snap_rate(Fraction(2997, 100)) == Fraction(30000, 1001)
    assert snap_rate(Fraction(4160, 159)) == Fraction(4160, 159)
    for bad in ("0", "-25", "fast", "1/0"):
        with pytest.raises(ValueError, match="rate"):
            parse_rate(bad)


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(0, 10_000), st.integers(1, 10_000))
def test_ranges_overlap_symmetrically(a: int, la: int, b: int, lb: int) -> None:
    x, y = FrameRange(a, a + la), FrameRange(b, b + lb)
    assert x.overlaps(y) == y.overlaps(x)
    assert x.overlaps(y) == any(y.contains(f) for f in range(x.start, x.end))


@given(st.integers(-100, 20_000), st.integers(-100, 20_000), st.integers(1, 10_000))
def test_clamped_ranges_stay_inside_the_recording(start: int, end: int, count: int) -> None:
    s = max(start, 0)
    r = FrameRange(s, max(end, s + 1)).clamped(count)
    assert 0 <= r.start < r.end <= count


def test_a_range_needs_a_frame() -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        FrameRange(5, 5)
    with pytest.raises(ValueError, match="before frame 0"):
        FrameRange(-1, 3)
    assert FrameRange.point(7).is_point
    assert FrameRange(0, 30).duration(Fraction(30)) == 1
