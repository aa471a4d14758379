"""What a training pack blurs in each frame, which frames the practitioner must look at before it may be
written, and the counts said about it: fail closed.

A frame needs a look when the finder cannot show that every face in it is covered:
- "unsure": something scored as maybe a face (blurred all the same);
- "filled in": a face found in the frames around it was not found here (its track's box is blurred);
- "no face found": nothing was found at all (a face the finder cannot see leaves no trace);
- "changed by hand": a patch was left clear here by a click made on an earlier frame.
She settles a frame by drawing a box on it or by confirming that no face in it is left uncovered. The
counts (`CoverCounts`) are the one source of what the dialog and about.txt say.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from vigtool.analysis.faces import Cover, Find, ManualBox, corrected, track

UNSURE = "the finder was unsure"
FILLED = "a face was found around it, not in it"
NO_FACE = "no face was found"
CHANGED = "a patch was left clear by hand on an earlier frame"


@dataclass(frozen=True)
class CoverCounts:
    frames: int
    blurred_frames: int  # frames with at least one blurred patch
    patches: int
    drawn: int  # frames settled by a box drawn on them
    confirmed: int  # frames settled by the practitioner's "no face left uncovered"
    waiting: int  # frames that still need a look
    left_clear: int  # frames where a blurred patch was taken out by hand
    whole: bool = False  # every frame blurred whole but for the outline of the scene

    def lines(self) -> list[str]:
        """What was done, each line exactly true (the dialog's summary and about.txt's)."""
        if self.whole:
            return [f"Every one of the {self.frames} frames is blurred whole but for the outline of the scene."]
        but = " but for the patches left clear by hand" if self.left_clear else ""
        said = [f"{_frames(self.frames)}. Every face the face finder found, and every box drawn by hand, is "
                f"blurred{but}: {self.patches} {'patch' if self.patches == 1 else 'patches'} in "
                f"{_frames(self.blurred_frames)}."]
        if self.drawn or self.confirmed:
            said.append(f"Looked at and settled by the practitioner: {_frames(self.drawn + self.confirmed)} "
                        f"({self.drawn} with a box drawn by hand, {self.confirmed} confirmed as they are).")
        if self.left_clear:
            said.append(f"A blurred patch was left clear by hand in {_frames(self.left_clear)}.")
        if self.waiting:
            said.append(f"{_frames(self.waiting)} still {'needs' if self.waiting == 1 else 'need'} a look.")
        return said


def _frames(count: int) -> str:
    return f"{count} frame" if count == 1 else f"{count} frames"


@dataclass(frozen=True)
class CoverPlan:
    """The patches for frames [first, first + len(covers)) and why each unsettled frame needs a look."""

    first: int
    covers: list[list[Cover]]
    needs_look: dict[int, str]  # absolute frame -> why, settled or not
    settled: dict[int, str]  # absolute frame -> "drawn" or "confirmed"
    left_clear: frozenset[int]

    def waiting(self) -> list[int]:
        """Frames (absolute) that must still be looked at, in order."""
        return [f for f in sorted(self.needs_look) if f not in self.settled]

    def boxes(self) -> list[list[tuple[int, int, int, int]]]:
        return [[c.box for c in frame] for frame in self.covers]

    def counts(self) -> CoverCounts:
        drawn = sum(1 for how in self.settled.values() if how == "drawn")
        return CoverCounts(frames=len(self.covers), blurred_frames=sum(1 for f in self.covers if f),
                           patches=sum(len(f) for f in self.covers), drawn=drawn,
                           confirmed=len(self.settled) - drawn, waiting=len(self.waiting()),
                           left_clear=len(self.left_clear))


def plan_cover(found: list[list[Find]], first: int, manual: Iterable[ManualBox] = (),
               confirmed: Iterable[int] = ()) -> CoverPlan:
    """The plan for frames [first, first + len(found)) given the finder's finds in each, the practitioner's
    boxes and removals, and the frames (absolute) she confirmed as they are."""
    manual = tuple(manual)
    tracked = track(found)
    covers = corrected(tracked, manual, first)
    needs: dict[int, str] = {}
    for k, (finds, frame) in enumerate(zip(found, tracked, strict=True)):
        if any(not f.sure for f in finds):
            needs[first + k] = UNSURE
        elif any(c.how == "tracked" for c in frame):
            needs[first + k] = FILLED
        elif not finds:
            needs[first + k] = NO_FACE
    kept = corrected(tracked, [c for c in manual if not c.remove], first)
    left_clear = {first + k for k, (a, b) in enumerate(zip(covers, kept, strict=True)) if len(a) < len(b)}
    for correction in manual:  # a click clears onwards: the later frames it changed need their own look
        if correction.remove:
            for cleared in left_clear & set(range(correction.first + 1, correction.end)):
                needs.setdefault(cleared, CHANGED)
    settled = dict.fromkeys(confirmed, "confirmed")
    settled.update({c.first: "drawn" for c in manual if not c.remove})
    span = range(first, first + len(found))
    return CoverPlan(first, covers, needs, {f: how for f, how in settled.items() if f in span},
                     frozenset(left_clear))


def ranges(frames: Iterable[int]) -> str:
    """12, 14–20 and 31: frame numbers as a reader wants them."""
    runs = []
    for _, group in itertools.groupby(enumerate(sorted(frames)), key=lambda p: p[1] - p[0]):
        run = [f for _, f in group]
        runs.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
    if len(runs) <= 1:
        return "".join(runs)
    return ", ".join(runs[:-1]) + " and " + runs[-1]
