"""The clips and stills of a workspace's recording, by id. Deleting one takes it out of the case's review
sessions too, and one undo step brings both back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from vigtool.domain.model import Clip, ReviewItemKind, ReviewSession, Still
from vigtool.domain.time import FrameRange
from vigtool.domain.undo import Changes
from vigtool.services.editing.steps import Step

if TYPE_CHECKING:
    from vigtool.services.workspace import Workspace


class Clips(Mapping[int, Clip]):
    def __init__(self, workspace: Workspace, clips: Iterable[Clip]) -> None:
        self._ws = workspace
        self._clips: dict[int, Clip] = {c.id: c for c in clips}

    def __getitem__(self, clip_id: int) -> Clip:
        return self._clips[clip_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._clips)

    def __len__(self) -> int:
        return len(self._clips)

    def add(self, frames: FrameRange, title: str = "", key_frame: int | None = None) -> Clip:
        ws = self._ws
        state: dict[str, Clip] = {}

        def do() -> Changes:
            old = state.get("clip")
            clip = ws.repo.clips.add(ws.recording.id, frames.clamped(ws.recording.frame_count), title,
                                     old.caption if old else "", clip_id=old.id if old else None,
                                     key_frame=key_frame)
            state["clip"] = self._clips[clip.id] = clip
            ws.events.emit("clips_changed", ws)
            return Changes(clips=True)

        def undo() -> Changes:
            return self._drop(state["clip"].id)

        ws.undo_stack.push(Step("Add clip", do, undo))
        return state["clip"]

    def update(self, clip: Clip, text: str = "Edit clip") -> None:
        """Change a clip's title, caption or key frame (one undo step)."""
        ws = self._ws
        old = self._clips[clip.id]

        def apply(value: Clip) -> Changes:
            ws.repo.clips.update(value)
            self._clips[value.id] = value
            ws.events.emit("clips_changed", ws)
            return Changes(clips=True)

        ws.undo_stack.push(Step(text, lambda: apply(clip), lambda: apply(old)))

    def delete(self, clip_id: int) -> None:
        """Delete a clip, and take it out of the case's review sessions (one undo step brings both back)."""
        ws = self._ws
        clip = self._clips[clip_id]
        held: list[ReviewSession] = []

        def do() -> Changes:
            held[:] = ws.review.take_out(ReviewItemKind.CLIP, clip_id)
            return self._drop(clip_id) | Changes(review=bool(held))

        def undo() -> Changes:
            ws.repo.clips.add(ws.recording.id, clip.range, clip.title, clip.caption, clip_id=clip.id,
                              key_frame=clip.key_frame)
            self._clips[clip.id] = clip
            ws.events.emit("clips_changed", ws)
            return Changes(clips=True) | ws.review.put_back(held)

        ws.undo_stack.push(Step("Delete clip", do, undo))

    def _drop(self, clip_id: int) -> Changes:
        self._ws.repo.clips.delete(clip_id)
        del self._clips[clip_id]
        self._ws.events.emit("clips_changed", self._ws)
        return Changes(clips=True)


class Stills(Mapping[int, Still]):
    def __init__(self, workspace: Workspace, stills: Iterable[Still]) -> None:
        self._ws = workspace
        self._stills: dict[int, Still] = {s.id: s for s in stills}

    def __getitem__(self, still_id: int) -> Still:
        return self._stills[still_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._stills)

    def __len__(self) -> int:
        return len(self._stills)

    def add(self, frame: int, caption: str = "") -> Still:
        ws = self._ws
        state: dict[str, Still] = {}

        def do() -> Changes:
            old = state.get("still")
            still = ws.repo.stills.add(ws.recording.id, frame, caption, still_id=old.id if old else None)
            state["still"] = self._stills[still.id] = still
            ws.events.emit("clips_changed", ws)
            return Changes(clips=True)

        def undo() -> Changes:
            return self._drop(state["still"].id)

        ws.undo_stack.push(Step("Add still", do, undo))
        return state["still"]

    def delete(self, still_id: int) -> None:
        """Delete a still, and take it out of the case's review sessions (one undo step brings both back)."""
        ws = self._ws
        still = self._stills[still_id]
        held: list[ReviewSession] = []

        def do() -> Changes:
            held[:] = ws.review.take_out(ReviewItemKind.STILL, still_id)
            return self._drop(still_id) | Changes(review=bool(held))

        def undo() -> Changes:
            ws.repo.stills.add(ws.recording.id, still.frame, still.caption, still_id=still.id)
            self._stills[still.id] = still
            ws.events.emit("clips_changed", ws)
            return Changes(clips=True) | ws.review.put_back(held)

        ws.undo_stack.push(Step("Delete still", do, undo))

    def _drop(self, still_id: int) -> Changes:
        self._ws.repo.stills.delete(still_id)
        del self._stills[still_id]
        self._ws.events.emit("clips_changed", self._ws)
        return Changes(clips=True)
