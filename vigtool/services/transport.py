"""The player's transport, without Qt: speed, direction, loop and stop marks, and what J/K/L and the end of a
film do. The window (ui/qt_player.py) shows frames and runs the clocks; this decides which frame comes
next and how fast, so the decisions are tested on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from vigtool.media.probe import FrameIndex

SPEEDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


class Move(Enum):
    """What the window does after a J/K/L key or a frame played."""

    NOTHING = "nothing"
    PAUSE = "pause"
    PLAY = "play"
    PLAY_REVERSE = "play reverse"
    STOP_AT = "stop at"  # pause exactly on `Transport.stopped_on`
    LOOP = "loop"  # play again from the in mark


def ms_of_frame(index: FrameIndex, frame: int) -> int:
    """A player time in the middle of `frame`: a seek exactly on its start would show the one before."""
    pts = index.pts
    start = int(pts[frame])
    end = int(pts[frame + 1]) if frame + 1 < len(pts) else start + (start - int(pts[max(frame - 1, 0)]) or 1)
    middle = Fraction(start + end, 2) - int(pts[0])
    return math.floor(middle * index.time_base * 1000)


@dataclass
class Transport:
    """Where playing goes, for a film of `frame_count` frames at `rate` frames a second."""

    frame_count: int = 0
    rate: Fraction = Fraction(30)
    speed: float = 1.0
    reverse: bool = False
    loop_range: tuple[int, int] | None = None  # [in, out] while looping
    stop_at: int | None = None  # playing forward pauses exactly here (the presenter's key frame)
    stopped_on: int | None = None  # the frame a STOP_AT move pauses on

    def clamp(self, number: int) -> int:
        return min(max(number, 0), self.frame_count - 1)

    def play_from(self, frame: int) -> int:
        """The frame forward play starts from: the in mark when looping outside the loop, the start at the end."""
        if self.loop_range is not None and not self.loop_range[0] <= frame <= self.loop_range[1]:
            return self.loop_range[0]
        return 0 if frame >= self.frame_count - 1 else frame

    def set_speed(self, speed: float) -> int:
        """Set the speed (within the slowest and fastest offered); the index of the nearest one offered."""
        self.speed = min(max(speed, SPEEDS[0]), SPEEDS[-1])
        return min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))

    def shuttle(self, key: str, playing: bool) -> Move:
        """J/K/L as editors use them: L plays (again: faster), J plays backwards (again: faster), K stops."""
        if key == "K":
            return Move.PAUSE
        forward = key == "L"
        moving_that_way = playing and self.reverse != forward
        faster = [s for s in SPEEDS if s > self.speed]
        self.set_speed(faster[0] if moving_that_way and faster else self.speed if moving_that_way else 1.0)
        if moving_that_way:
            return Move.NOTHING
        return Move.PLAY if forward else Move.PLAY_REVERSE

    def reverse_interval_ms(self) -> int:
        """How often reverse play steps one frame back."""
        return max(1, round(1000 / (float(self.rate) * self.speed)))

    def reverse_step(self, frame: int) -> int | None:
        """The next frame of reverse play from `frame`: one back, or round to the out mark when looping;
        None to pause (the start reached)."""
        first = self.loop_range[0] if self.loop_range else 0
        if frame > first:
            return frame - 1
        return self.loop_range[1] if self.loop_range is not None else None

    def after_played(self, number: int, looping: bool) -> Move:
        """Frame `number` was played forwards: pause on the stop mark, loop at the out mark, or go on."""
        if self.stop_at is not None and number >= self.stop_at:
            self.stopped_on, self.stop_at = self.stop_at, None
            return Move.STOP_AT
        if looping and self.loop_range is not None and number >= self.loop_range[1]:
            return Move.LOOP
        return Move.NOTHING

    def set_loop(self, in_mark: int | None, out_mark: int | None) -> bool:
        """Loop between the marks when both are set; whether looping is possible."""
        self.loop_range = (in_mark, out_mark) if in_mark is not None and out_mark is not None else None
        return self.loop_range is not None
