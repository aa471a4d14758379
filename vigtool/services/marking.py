"""The practitioner's in and out points and the clip they have chosen: plain-Python state the window shows.

Kept out of the window (napari's and Anki's way) so that what "the chosen clip" means is one rule, tested
without Qt: a clip picked under Clips and stills wins; otherwise the stretch between in and out, if both
are set, is a clip-to-be (it has no id yet, so it is a range, never a made-up Clip).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vigtool.domain.codebook import Codebook
from vigtool.domain.events import EventEmitter
from vigtool.domain.model import Actor, Annotation, Clip
from vigtool.domain.time import FrameRange


@dataclass(frozen=True)
class ChosenClip:
    """What an export or a training pack is made from: a stored clip, or the frames between in and out."""

    range: FrameRange
    clip: Clip | None = None  # None: marked in and out, not made into a clip yet

    @property
    def caption(self) -> str:
        return self.clip.caption if self.clip is not None else ""

    @property
    def pause_frame(self) -> int:
        """The instant a review pauses on: the clip's key frame, or the middle."""
        if self.clip is not None:
            return self.clip.pause_frame
        return (self.range.start + self.range.end - 1) // 2


class InOutMarks:
    """In and out points (inclusive frames) and the clip chosen in the bin; emits "marks_changed"."""

    def __init__(self) -> None:
        self.events = EventEmitter()
        self.in_frame: int | None = None
        self.out_frame: int | None = None
        self.chosen: Clip | None = None

    def pair(self) -> tuple[int | None, int | None]:
        return self.in_frame, self.out_frame

    @property
    def range(self) -> FrameRange | None:
        """The frames from in to out (out included), when both are set."""
        if self.in_frame is None or self.out_frame is None:
            return None
        return FrameRange(self.in_frame, self.out_frame + 1)

    def set_in(self, frame: int) -> None:
        """In at `frame`; an out before it no longer makes sense and is cleared."""
        self.in_frame = frame
        if self.out_frame is not None and self.out_frame < frame:
            self.out_frame = None
        self._changed()

    def set_out(self, frame: int) -> None:
        self.out_frame = frame
        if self.in_frame is not None and self.in_frame > frame:
            self.in_frame = None
        self._changed()

    def set_both(self, first: int, last: int) -> None:
        self.in_frame, self.out_frame = first, last
        self._changed()

    def clear(self) -> None:
        self.in_frame = self.out_frame = None
        self.chosen = None
        self._changed()

    def choose_clip(self, clip: Clip | None) -> None:
        """A clip picked in the bin (None: none); in and out follow it."""
        self.chosen = clip
        if clip is not None:
            self.in_frame, self.out_frame = clip.range.start, clip.range.end - 1
        self._changed()

    def chosen_clip(self, clips: Iterable[Clip] = (), playhead: int | None = None) -> ChosenClip | None:
        """What Export clip (Ctrl+E) and a training pack are made from, without asking the practitioner to
        pick it in the list first: the clip picked in the bin while in and out still frame it; else the
        stretch between in and out (the film's clip of that stretch, with its caption, if there is one);
        else the clip under the playhead; else the last clip made; else None."""
        clips = sorted(clips, key=lambda c: c.id)
        frames = self.range
        if self.chosen is not None and (frames is None or frames == self.chosen.range):
            return ChosenClip(self.chosen.range, self.chosen)
        if frames is not None:
            same = next((c for c in clips if c.range == frames), None)
            return ChosenClip(frames, same)
        under = [c for c in clips if playhead is not None and c.range.start <= playhead < c.range.end]
        pick = under[-1] if under else clips[-1] if clips else None
        return ChosenClip(pick.range, pick) if pick is not None else None

    def _changed(self) -> None:
        self.events.emit("marks_changed", self, in_frame=self.in_frame, out_frame=self.out_frame)


RECEIVING = "p3"  # the principle of receiving initiatives: the instant VIG pauses on
INITIATIVES = "init"


def key_instant(frames: FrameRange, marks: Iterable[Annotation], codebook: Codebook,
                turn_lane: int | None = None) -> int | None:
    """The instant a new clip's review should pause on, from what the practitioner marked inside it: the
    parent receiving the baby's initiative (a receiving mark, else the parent's answer in a turn-taking
    chain), else the baby's initiative, else any coded mark; None (the middle) when nothing is marked.
    The practitioner can always set another instant; this only saves her from a pause on nothing."""
    inside = sorted((m for m in marks if frames.start <= m.start < frames.end), key=lambda m: (m.start, m.id))

    def principle(mark: Annotation) -> str | None:
        if mark.code_id is None:
            return None
        try:
            return codebook.code(mark.code_id).principle_id
        except KeyError:
            return None

    wanted_in_order: list[Callable[[Annotation], bool]] = [
        lambda m: principle(m) == RECEIVING,
        lambda m: turn_lane is not None and m.track_id == turn_lane and m.actor is Actor.PARENT,
        lambda m: principle(m) == INITIATIVES,
        lambda m: principle(m) is not None]
    for wanted in wanted_in_order:
        found = next((m for m in inside if wanted(m)), None)
        if found is not None:
            return found.start
    return None


