"""The marks (annotations) of a workspace: coding a moment, moving, resizing, noting, deleting, pasting and
importing them, each one undo step. A deleted mark leaves its turn-taking chain (see editing.turns)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from vigtool.domain.model import Annotation, Track, TrackKind
from vigtool.domain.time import FrameRange
from vigtool.domain.undo import Changes
from vigtool.services.editing.steps import Step

if TYPE_CHECKING:
    from vigtool.services.workspace import Workspace


class Marks:
    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def add(self, code_id: str | None, frames: FrameRange, track_id: int | None = None,
            note: str = "") -> Annotation:
        """Code what happens at `frames` (a point is one frame long) on `track_id`, else the current lane,
        else the lane the code belongs to."""
        ws = self._ws
        track_id = track_id if track_id is not None else ws.lanes.current
        track = ws.layer.track(track_id) if track_id is not None else ws.tracks.for_code(code_id)
        annotation = Annotation(0, track.id, frames.clamped(ws.recording.frame_count), code_id,
                                ws.tracks.actor_of(track.id), note)
        label = ws.codebook.code(code_id).label if code_id else "note"
        return self.add_all([annotation], f"Mark “{label}”")[0]

    def add_all(self, annotations: list[Annotation], text: str = "Add") -> list[Annotation]:
        ws = self._ws
        ws.lanes.check(a.track_id for a in annotations)
        pending = list(annotations)

        def do() -> Changes:
            stored = ws.repo.annotations.add_all(pending)
            pending[:] = stored  # with their ids: a redo brings back the very same annotations
            for a in stored:
                ws.layer.put(a)
            return Changes(annotations={a.id for a in stored})

        def undo() -> Changes:
            return self.drop([a.id for a in pending])

        ws.undo_stack.push(Step(text, do, undo))
        return list(pending)

    def change(self, new: list[Annotation], text: str = "Move", merge_key: str | None = None) -> None:
        """Store new values (moved, resized, recoded, a note) of existing annotations as one step."""
        ws = self._ws
        new = [replace(a, range=a.range.clamped(ws.recording.frame_count)) for a in new]
        old = [ws.layer.get(a.id) for a in new]
        if new == old:
            return
        ws.lanes.check([a.track_id for a in old] + [a.track_id for a in new])

        def put(values: list[Annotation]) -> Callable[[], Changes]:
            def apply() -> Changes:
                stored = ws.repo.annotations.update(values)
                for a in stored:
                    ws.layer.put(a)
                return Changes(annotations={a.id for a in stored})
            return apply

        ws.undo_stack.push(Step(text, put(new), put(old), merge_key))

    def move(self, ids: Iterable[int], delta: int, track_id: int | None = None) -> None:
        """Shift annotations by `delta` frames (kept inside the film), optionally onto another track."""
        ws = self._ws
        chosen = [ws.layer.get(i) for i in ids]
        if not chosen:
            return
        delta = max(delta, -min(a.start for a in chosen))
        delta = min(delta, ws.recording.frame_count - max(a.end for a in chosen))
        moved = [replace(a, range=FrameRange(a.start + delta, a.end + delta),
                         track_id=a.track_id if track_id is None else track_id,
                         actor=a.actor if track_id is None else ws.tracks.actor_of(track_id) or a.actor)
                 for a in chosen]
        self.change(moved, "Move" if len(moved) == 1 else f"Move {len(moved)} marks")

    def resize(self, annotation_id: int, frames: FrameRange) -> None:
        self.change([replace(self._ws.layer.get(annotation_id), range=frames)], "Resize")

    def set_note(self, annotation_id: int, note: str) -> None:
        """Typing a note is one undo step, however many keys it took."""
        self.change([replace(self._ws.layer.get(annotation_id), note=note)], "Edit note",
                    merge_key=f"note-{annotation_id}")

    def delete(self, ids: Iterable[int]) -> None:
        ws = self._ws
        ids = list(ids)
        if not ids:
            return
        gone = [ws.layer.get(i) for i in ids]
        ws.lanes.check(a.track_id for a in gone)
        chains_before = ws.chains.holding(ids)

        def undo() -> Changes:
            ws.repo.annotations.restore(gone, chains_before)
            for a in gone:
                ws.layer.put(a)
            for chain in chains_before:
                ws.chains.put(chain)
            ws.events.emit("chains_changed", ws)
            return Changes(annotations=set(ids), chains=bool(chains_before))

        text = "Delete mark" if len(ids) == 1 else f"Delete {len(ids)} marks"
        ws.undo_stack.push(Step(text, lambda: self.drop(ids), undo))

    def drop(self, ids: list[int]) -> Changes:
        """Delete annotations from the vault and the layer, and take them out of their chains: the write
        inside an undo step (of this part or another), not a step of its own."""
        ws = self._ws
        touched = ws.chains.holding(ids)
        ws.repo.annotations.delete(ids)
        for annotation_id in ids:
            ws.layer.remove(annotation_id)
        ws.chains.take_out(touched, set(ids))
        if touched:
            ws.events.emit("chains_changed", ws)
        return Changes(annotations=set(ids), chains=bool(touched))

    def paste(self, copied: list[Annotation], at_frame: int) -> list[Annotation]:
        """Copies of `copied` with the earliest one starting at `at_frame`, on the same tracks (copies of
        someone else's marks on the current lane: hers stay as they came)."""
        ws = self._ws
        if not copied:
            return []
        first = min(a.start for a in copied)
        offset = at_frame - first
        last = ws.recording.frame_count
        tracks = {t.id: t for t in ws.layer.tracks}

        def onto(track_id: int) -> int:
            return ws.lanes.current or track_id if tracks[track_id].read_only else track_id

        pasted = [Annotation(0, onto(a.track_id), FrameRange(a.start + offset, a.end + offset), a.code_id,
                             a.actor, a.note)
                  for a in copied if a.track_id in tracks and a.end + offset <= last]
        if not pasted:
            return []
        return self.add_all(pasted, "Paste" if len(pasted) == 1 else f"Paste {len(pasted)} marks")

    def add_imported(self, new_lanes: list[str], marks: list[tuple[int | str, Annotation]],
                     text: str = "Import marks") -> list[Annotation]:
        """Marks onto lanes by id, or onto new lanes by name made on the way: one undo step (an import)."""
        ws = self._ws
        made: dict[str, Track] = {}
        stored: list[Annotation] = []

        def do() -> Changes:
            for name in new_lanes:
                old = made.get(name)
                made[name] = ws.repo.tracks.add(ws.recording.id, name, TrackKind.CUSTOM,
                                                track_id=old.id if old else None,
                                                position=old.position if old else None)
                ws.layer.put_track(made[name])
            pending = stored or [replace(a, track_id=made[lane].id if isinstance(lane, str) else lane)
                                 for lane, a in marks]
            stored[:] = ws.repo.annotations.add_all(pending)  # with their ids: a redo brings back the same ones
            for a in stored:
                ws.layer.put(a)
            return Changes(tracks={t.id for t in made.values()}, annotations={a.id for a in stored})

        def undo() -> Changes:
            changes = self.drop([a.id for a in stored])
            for track in made.values():
                ws.repo.tracks.delete(track.id)
                ws.layer.remove_track(track.id)
            return changes | Changes(tracks={t.id for t in made.values()})

        ws.undo_stack.push(Step(text, do, undo))
        return list(stored)
