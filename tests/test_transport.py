"""The player's transport without a window: J/K/L, speeds, loops, the stop mark, where play starts, seek times."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from vigtool.media.probe import FrameIndex
from vigtool.services.transport import SPEEDS, Move, Transport, ms_of_frame


def test_l_plays_and_again_plays_faster_j_backwards_k_pauses() -> None:
    transport = Transport(frame_count=120)
    assert transport.shuttle("L", playing=False) is Move.PLAY and transport.speed == 1.0
    assert transport.shuttle("L", playing=True) is Move.NOTHING and transport.speed == 1.25
    assert transport.shuttle("L", playing=True) is Move.NOTHING and transport.speed == 1.5
    transport.speed = 2.0
    assert transport.shuttle("L", playing=True) is Move.NOTHING and transport.speed == 2.0  # the fastest stays
    assert transport.shuttle("J", playing=True) is Move.PLAY_REVERSE and transport.speed == 1.0  # turned round
    transport.reverse = True
    assert transport.shuttle("J", playing=True) is Move.NOTHING and transport.speed == 1.25
    assert transport.shuttle("K", playing=True) is Move.PAUSE


def test_speeds_are_kept_within_those_offered() -> None:
    transport = Transport(frame_count=10)
    assert SPEEDS[transport.set_speed(0.01)] == 0.1 and transport.speed == 0.1
    assert SPEEDS[transport.set_speed(9)] == 2.0 and transport.speed == 2.0
    assert SPEEDS[transport.set_speed(1.1)] == 1.0 and transport.speed == 1.1  # shown as the nearest
    transport.set_speed(0.5)
    assert transport.reverse_interval_ms() == 67  # one frame back every 2/30 s at half speed


def test_play_starts_at_the_in_mark_when_looping_and_from_the_start_at_the_end() -> None:
    transport = Transport(frame_count=100)
    assert transport.play_from(40) == 40
    assert transport.play_from(99) == 0
    assert transport.set_loop(20, 30) and transport.play_from(40) == 20 and transport.play_from(25) == 25
    assert not transport.set_loop(20, None) and transport.loop_range is None


def test_the_stop_mark_pauses_once_and_the_out_mark_loops() -> None:
    transport = Transport(frame_count=100, stop_at=50)
    assert transport.after_played(49, looping=False) is Move.NOTHING
    assert transport.after_played(51, looping=False) is Move.STOP_AT and transport.stopped_on == 50
    assert transport.stop_at is None and transport.after_played(52, looping=False) is Move.NOTHING
    transport.set_loop(10, 60)
    assert transport.after_played(60, looping=False) is Move.NOTHING  # the box is not ticked
    assert transport.after_played(60, looping=True) is Move.LOOP


def test_reverse_play_steps_back_and_wraps_round_the_loop() -> None:
    transport = Transport(frame_count=100)
    assert transport.reverse_step(5) == 4 and transport.reverse_step(0) is None
    transport.set_loop(10, 20)
    assert transport.reverse_step(11) == 10 and transport.reverse_step(10) == 20


def test_a_seek_time_falls_in_the_middle_of_its_frame() -> None:
    index = FrameIndex(np.array([1000, 1512, 2024, 2536], dtype=np.int64), np.array([0]), Fraction(1, 15360))
    assert [ms_of_frame(index, n) for n in range(4)] == [16, 50, 83, 116]  # the last one as long as the one before
    assert Transport(frame_count=4).clamp(9) == 3 and Transport(frame_count=4).clamp(-2) == 0
