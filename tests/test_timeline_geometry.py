"""The timeline's arithmetic without Qt: where a frame is drawn, which frame and mark lie under the pointer,
what a drag shows and the one edit its release makes, and the sound wave's loudest peak per pixel column."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigtool.domain.annotation_layer import AnnotationLayer
from vigtool.domain.model import Annotation, Track, TrackKind
from vigtool.domain.peak_pyramid import PeakPyramid
from vigtool.domain.time import FrameRange
from vigtool.domain.timeline import TrackIndex
from vigtool.domain.timeline_drag import Create, DragKind, MarkDrag, Move, Resize
from vigtool.domain.timeline_geometry import (
    EDGE_PX,
    HEADER_W,
    HIDDEN_H,
    LANES_TOP,
    TRACK_H,
    MarkPart,
    TimelineGeometry,
)

PARENT = Track(1, 1, "Parent", TrackKind.PARENT, 0)
BABY = Track(2, 1, "Baby", TrackKind.INFANT, 1, visible=False)
NOTES = Track(3, 1, "Notes", TrackKind.NOTES, 2)


def geometry(frames: int = 1000, width: int = HEADER_W + 1000, px: float = 1.0, first: float = 0.0) -> TimelineGeometry:
    g = TimelineGeometry(frames, width)
    g.zoom.px_per_frame, g.zoom.first = px, first
    g.zoom.clamp()
    return g


def test_lanes_stack_under_the_ruler_filmstrip_and_sound_and_a_hidden_one_is_thin() -> None:
    g = geometry()
    rows = g.rows([PARENT, BABY, NOTES])
    assert [(r.top, r.height) for r in rows] == [(LANES_TOP, TRACK_H), (LANES_TOP + TRACK_H, HIDDEN_H),
                                                 (LANES_TOP + TRACK_H + HIDDEN_H, TRACK_H)]
    assert g.row_at([PARENT, BABY, NOTES], LANES_TOP + TRACK_H + 2).track is BABY  # type: ignore[union-attr]
    assert g.row_at([PARENT, BABY, NOTES], LANES_TOP - 1) is None  # the sound wave, no lane
    assert g.height_for([PARENT, BABY, NOTES]) == int(rows[-1].bottom) + 4


@given(st.integers(0, 999), st.sampled_from([0.05, 0.5, 1.0, 4.0, 20.0]), st.floats(0, 900))
def test_the_frame_under_a_frames_slot_is_that_frame_at_every_zoom(frame: int, px: float, first: float) -> None:
    g = geometry(px=px, first=first)
    inside = g.x_of_frame(frame + 0.5)
    if HEADER_W <= inside < g.width:
        assert g.frame_at_x(inside) == frame
    assert g.frame_at_x(-10**9) == 0 and g.frame_at_x(10**9) == 999  # always a frame of the film


def test_an_edge_goes_to_the_nearest_boundary_and_the_playhead_pulls_when_close() -> None:
    g = geometry(px=10.0)
    assert g.boundary_at_x(g.x_of_frame(40) + 4) == 40
    assert g.boundary_at_x(g.x_of_frame(40) + 6) == 41
    assert g.snapped(g.x_of_frame(80) + 2, playhead=81, edge=True) == 80  # 8 px off: not pulled
    assert g.snapped(g.x_of_frame(81) - 3, playhead=81, edge=True) == 81
    assert g.snapped(g.x_of_frame(60.5), playhead=200) == 60
    assert g.snapped(g.x_of_frame(200.5) + 5, playhead=200) == 200


def test_a_press_takes_a_stretch_by_its_edges_and_a_point_within_a_few_pixels() -> None:
    g = geometry(px=2.0)
    stretch = Annotation(7, 1, FrameRange(100, 160), "p1")
    point = Annotation(8, 1, FrameRange(300, 301), "p2")
    index = TrackIndex([stretch, point])
    assert g.hit(index, g.x_of_frame(130)).part is MarkPart.BODY  # type: ignore[union-attr]
    assert g.hit(index, g.x_of_frame(100) + 1).part is MarkPart.START  # type: ignore[union-attr]
    assert g.hit(index, g.x_of_frame(160) - 1).part is MarkPart.END  # type: ignore[union-attr]
    near_point = g.hit(index, g.x_of_frame(300) - EDGE_PX + 1)
    assert near_point is not None and near_point.annotation.id == 8 and near_point.part is MarkPart.BODY
    assert g.hit(index, g.x_of_frame(230)) is None
    assert g.hit(index, HEADER_W - 1) is None  # the header is not a lane


def test_the_playhead_strip_covers_its_frame_at_every_zoom() -> None:
    for px in (0.05, 1.0, 20.0):
        g = geometry(px=px, first=10)
        left, width = g.playhead_span(400)
        assert left <= g.x_of_frame(400) and g.x_of_frame(400) + px <= left + width


def _layer() -> AnnotationLayer:
    return AnnotationLayer([PARENT, NOTES], [Annotation(1, 1, FrameRange(100, 160), "p1"),
                                             Annotation(2, 1, FrameRange(300, 301), "p2")])


def test_moving_a_mark_onto_another_lane_is_one_move_and_a_click_draws_nothing() -> None:
    layer = _layer()
    drag = MarkDrag(DragKind.MOVE, 120, PARENT.id, [1], current=120, current_track=PARENT.id)
    assert drag.edit(layer, 1000, None, moved_px=0) is None  # pressed and released in place
    assert drag.follow(150, NOTES.id, track_takes_marks=True)
    assert not drag.follow(150, NOTES.id, track_takes_marks=True)  # nothing new to show
    assert [(a.range, a.track_id) for a in drag.preview(layer, 1000, None)] == [(FrameRange(130, 190), NOTES.id)]
    assert drag.edit(layer, 1000, None, moved_px=60) == Move([1], 30, NOTES.id)
    assert layer.get(1).range == FrameRange(100, 160)  # nothing is written while dragging
    drawing = MarkDrag(DragKind.CREATE, 500, NOTES.id, current=500, current_track=NOTES.id)
    assert drawing.edit(layer, 1000, "p3", moved_px=2) is None
    drawing.follow(480, PARENT.id, track_takes_marks=True)  # a new mark stays on its lane
    assert drawing.edit(layer, 1000, "p3", moved_px=40) == Create(FrameRange(480, 501), NOTES.id, "p3")


def test_an_edge_drag_resizes_within_the_film_and_keeps_at_least_one_frame() -> None:
    layer = _layer()
    start = MarkDrag(DragKind.START, 100, PARENT.id, [1], current=100)
    start.follow(400, PARENT.id, track_takes_marks=True)
    assert start.edit(layer, 1000, None, moved_px=600) == Resize(1, FrameRange(159, 160))
    end = MarkDrag(DragKind.END, 160, PARENT.id, [1], current=160)
    end.follow(5000, PARENT.id, track_takes_marks=True)
    assert end.preview(layer, 1000, None)[0].range == FrameRange(100, 1000)


def loudest_by_blocks(peaks: np.ndarray, bounds: np.ndarray) -> list[float]:
    """What a column shows, by a full scan: its samples with both ends rounded down to the pyramid level's
    block (a block about as wide as the narrowest column, so a column never loses a sample to both sides:
    what the end of one leaves out, the next one shows); 0 past the end of the sound."""
    size = len(peaks)
    edges = np.clip(bounds, 0, size)
    block = 1 << (max(int(np.diff(edges).min()), 1).bit_length() - 1)
    shown = []
    for lo, hi in itertools.pairwise(edges):
        if lo >= size:
            shown.append(0.0)
            continue
        first, last = lo // block * block, max(hi // block * block, lo // block * block + block)
        shown.append(float(peaks[first:min(last, size)].max()))
    return shown


@pytest.mark.parametrize("size", [1, 2, 7, 1000, 4097])
def test_the_pyramid_gives_the_loudest_peak_per_column_as_a_full_scan_does(size: int) -> None:
    rng = np.random.default_rng(size)
    peaks = rng.random(size, dtype=np.float32)
    pyramid = PeakPyramid(peaks)
    for columns in (3, 50, 700):
        for span in (0.3, 1.0, 1.5, 9.5, size / columns):
            bounds = np.minimum((np.arange(columns + 1) * span).astype(np.int64) + size // 5, size + 30)
            got = pyramid.column_max(bounds)
            assert got.tolist() == pytest.approx(loudest_by_blocks(peaks, bounds))
            if span < 2:  # a sample or less per column: exactly the samples under it
                exact = [float(peaks[lo:max(hi, lo + 1)].max()) if lo < size else 0.0
                         for lo, hi in zip(np.minimum(bounds[:-1], size), np.minimum(bounds[1:], size), strict=True)]
                assert got.tolist() == pytest.approx(exact)
    assert pyramid.column_max(np.arange(0, size + 1)).max() == pytest.approx(peaks.max())  # nothing lost


def test_the_pyramid_reads_no_more_values_at_two_hours_than_at_ten_minutes() -> None:
    """At whole-film zoom a column covers hundreds of peaks; the level used holds about one per column."""
    for minutes in (10, 120):
        pyramid = PeakPyramid(np.ones(minutes * 60 * 100, dtype=np.float32))
        bounds = np.linspace(0, pyramid.size, 1445).astype(np.int64)
        narrowest = int(np.diff(bounds).min())
        level = pyramid.levels[narrowest.bit_length() - 1]
        assert len(level) / 1444 < 2.0 and pyramid.column_max(bounds).min() == 1.0


def test_a_wave_filling_in_grows_its_pyramid_to_the_one_made_from_scratch() -> None:
    peaks = np.random.default_rng(7).random(100_003, dtype=np.float32)
    pyramid = PeakPyramid(peaks[:5])
    for end in (6, 7, 1000, 1001, 4096, 65_537, 100_003):  # as the builder shows it, every 0.3 s
        pyramid = pyramid.grown(peaks[:end])
        fresh = PeakPyramid(peaks[:end])
        assert [level.tolist() for level in pyramid.levels] == [level.tolist() for level in fresh.levels]
    other = np.array([0.5, 0.25], dtype=np.float32)  # not a continuation: made afresh
    assert [level.tolist() for level in pyramid.grown(other).levels] == [[0.5, 0.25], [0.5]]
