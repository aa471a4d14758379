"""The practitioner's look at a clip before its training pack is written, without a window: which frames
still wait for her, what she confirmed (as shown with the faces blurred, and as shown blurred whole), the
boxes she drew or the patches she cleared, the frames she played through, and one undo for each of these.

The rules are the service's (vigtool.services.training: `waiting_frames`, `cover_plan`, and the same
counts about.txt gives); this keeps her answers and says them in the dialog's words, so that
ui/qt_training.py only shows it and passes her clicks and keys on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from vigtool.analysis.face_cover import CoverPlan, ranges
from vigtool.analysis.faces import Box, Find, ManualBox
from vigtool.domain.time import FrameRange
from vigtool.domain.wording import count
from vigtool.services import training

PLAYED_SAID = 16  # the longest list of frames the "settle what was played" button says in words


@dataclass
class _Step:
    """One thing that can be taken back: frames confirmed (in one of the two sets), or a box drawn."""

    kind: Literal["confirm", "box"]
    confirmed: set[int] = field(default_factory=set)
    frames: list[int] = field(default_factory=list)


class FaceReview:
    """Her look at `frames` (absolute frame numbers throughout)."""

    def __init__(self, frames: FrameRange) -> None:
        self.frames = frames
        self.found: list[list[Find]] | None = None  # the finder's finds; None: not searched (or no finder)
        self.whole = False  # blurred whole but for the outline of the scene
        self.manual: list[ManualBox] = []
        # Frames she confirmed, as shown with the faces blurred and as shown blurred whole: what she saw in
        # one is not what is written in the other, so each keeps its own.
        self.confirmations: dict[bool, set[int]] = {False: set(), True: set()}
        self.played: list[int] = []  # frames shown one by one while playing, as they will be written
        self.queue: list[int] = []  # frames still to be played
        self._steps: list[_Step] = []

    # -- what the rules say ---------------------------------------------------------------------------------
    @property
    def confirmed(self) -> set[int]:
        """The frames confirmed as they are shown now (faces blurred, or the whole picture)."""
        return self.confirmations[self.whole]

    def options(self, caption: str = "", voice: str = "disguise") -> training.TrainingOptions:
        return training.TrainingOptions(caption=caption, voice=voice, manual=tuple(self.manual),
                                        confirmed=frozenset(self.confirmed), whole_picture=self.whole)

    def waiting(self) -> list[int]:
        """Frames that still need her look before the pack may be written (the service's rule)."""
        return training.waiting_frames(self.found, self.frames, self.options())

    def plan(self) -> CoverPlan:
        return training.cover_plan(self.found or [[] for _ in range(self.frames.length)], self.frames, self.options())

    def boxes_at(self, frame: int) -> list[Box]:
        """What will be blurred in `frame` (found, tracked, and corrected by her)."""
        return self.plan().boxes()[frame - self.frames.start]

    def next_to_look(self, shown: int) -> int | None:
        """The next frame that still needs a look after `shown`, else the first; None when none does."""
        waiting = self.waiting()
        return next((f for f in waiting if f > shown), waiting[0] if waiting else None)

    # -- her answers ------------------------------------------------------------------------------------------
    def confirm(self, frame: int) -> None:
        """She looked at `frame` as it will be written: no face in it is left uncovered."""
        if frame not in self.confirmed:
            self.confirmed.add(frame)
            self._steps.append(_Step("confirm", self.confirmed, [frame]))

    def correct(self, first: int, box: Box, *, remove: bool) -> None:
        """Cover `box` (or leave clear what lies under it) from `first` to the end of the clip. What was
        played no longer shows what will be written."""
        self.forget_played()
        self.manual.append(ManualBox(first, self.frames.end, box, remove))
        self._steps.append(_Step("box"))

    @property
    def can_undo(self) -> bool:
        return bool(self._steps)

    def undo(self) -> bool:
        """Take back the last confirmation (all the frames of one, played ones too) or box; False if none."""
        if not self._steps:
            return False
        step = self._steps.pop()
        if step.kind == "confirm":
            step.confirmed.difference_update(step.frames)
        else:
            self.forget_played()
            self.manual.pop()
        return True

    # -- playing the frames that wait through ------------------------------------------------------------
    def start_playing(self, shown: int) -> None:
        """The frames that wait from `shown` on (all of them if none is after it), each to be shown once."""
        waiting = self.waiting()
        self.queue = [f for f in waiting if f >= shown] or waiting
        self.played = []

    def next_to_play(self) -> int | None:
        """The next frame to show while playing (counted as played), None at the end."""
        if not self.queue:
            return None
        frame = self.queue.pop(0)
        self.played.append(frame)
        return frame

    def forget_played(self) -> None:
        self.queue = []
        self.played = []

    def played_waiting(self) -> list[int]:
        """The frames she was shown while playing that still wait: those "settle all you watched" settles."""
        waiting = set(self.waiting())
        return [f for f in self.played if f in waiting]

    def confirm_played(self) -> bool:
        """She watched the frames played (each as it will be written) and saw no face uncovered."""
        frames = self.played_waiting()
        if not frames:
            return False
        self.confirmed.update(frames)
        self._steps.append(_Step("confirm", self.confirmed, frames))
        self.played = []
        return True

    # -- in words -------------------------------------------------------------------------------------------
    def summary(self) -> str:
        """The counts about.txt gives."""
        if self.whole:
            return " ".join(training.whole_picture_lines(self.frames, frozenset(self.confirmed)))
        return " ".join(self.plan().counts().lines())

    def status(self) -> str:
        waiting = self.waiting()
        if self.whole:
            return (f"Frames {ranges(waiting)} need a look before the pack can be written: watch them blurred whole "
                    "(F4 plays them) and confirm no face is left recognisable." if waiting else
                    "Every frame is looked at. Ready to write.")
        return (f"Frames {ranges(waiting)} need a look before the pack can be written: draw a box over any face "
                "still showing, or press \u201cNo face left uncovered here\u201d (Ctrl+Enter); or play them through "
                "(F4) and settle all you watched (Shift+F4)." if waiting else
                "Every frame is settled. Ready to write.")

    def frame_note(self, frame: int) -> str:
        if self.whole:
            return f"Frame {frame}: blurred whole; " + (
                "looked at (confirmed)." if frame in self.confirmed else "needs your look.")
        plan = self.plan()
        why = plan.needs_look.get(frame)
        if not why:
            return f"Frame {frame}: every face the finder found here it was sure of."
        settled = plan.settled.get(frame)
        return f"Frame {frame}: {why}; " + ("settled (a box drawn)." if settled == "drawn" else
                                            "settled (confirmed)." if settled else "needs your look.")

    def played_button_text(self) -> str:
        """The button's words: which frames it settles, the frames themselves only while they are short to
        say (scattered frames would make the button, and the dialog, wider than a laptop's screen)."""
        played = self.played_waiting()
        if not played:
            return "No face left uncovered in the frames played"
        where = ranges(played)
        return (f"No face left uncovered in the {count(len(played), 'frame')} played"
                + (f" ({where})" if len(where) <= PLAYED_SAID else ""))

    def played_frames_text(self) -> str:
        """Every frame played that still waits, for the button's tooltip."""
        played = self.played_waiting()
        return f"Frames played: {ranges(played)}" if played else ""
