"""The tracks (lanes) of a workspace's recording: which one a mark goes on, and adding, renaming, showing,
hiding and reordering them (each one undo step)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from vigtool.domain.model import Actor, Track, TrackKind
from vigtool.domain.undo import Changes
from vigtool.services.editing.steps import Step

if TYPE_CHECKING:
    from vigtool.services.workspace import Workspace


class Tracks:
    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    # -- queries ---------------------------------------------------------------------------------
    def of_kind(self, kind: TrackKind) -> Track | None:
        """Your own lane of this kind (never someone else's: it could not take a mark)."""
        return next((t for t in self._ws.layer.tracks if t.kind is kind and not t.read_only), None)

    def for_code(self, code_id: str | None) -> Track:
        """Initiatives go on the baby's track, the principles (what the parent does) on the parent's."""
        principle = self._ws.codebook.code(code_id).principle_id if code_id else None
        wanted = TrackKind.INFANT if principle == "init" else TrackKind.PARENT if principle else TrackKind.NOTES
        track = self.of_kind(wanted) or next((t for t in self._ws.layer.tracks if not t.read_only), None)
        if track is None:
            raise LookupError("this recording has no lane of your own; add one first")
        return track

    def actor_of(self, track_id: int) -> Actor | None:
        kind = self._ws.layer.track(track_id).kind
        return {TrackKind.PARENT: Actor.PARENT, TrackKind.INFANT: Actor.INFANT}.get(kind)

    # -- changes ---------------------------------------------------------------------------------
    def add(self, name: str, kind: TrackKind = TrackKind.CUSTOM) -> Track:
        ws = self._ws
        state: dict[str, Track] = {}

        def do() -> Changes:
            old = state.get("track")
            track = ws.repo.tracks.add(ws.recording.id, name, kind, track_id=old.id if old else None,
                                       position=old.position if old else None)
            state["track"] = track
            ws.layer.put_track(track)
            return Changes(tracks={track.id})

        def undo() -> Changes:
            ws.repo.tracks.delete(state["track"].id)
            ws.layer.remove_track(state["track"].id)
            return Changes(tracks={state["track"].id})

        ws.undo_stack.push(Step(f"Add track “{name}”", do, undo))
        return state["track"]

    def rename(self, track_id: int, name: str) -> None:
        if not name.strip():
            raise ValueError("a track needs a name")
        self._ws.lanes.check([track_id])
        self._update("Rename track", [replace(self._ws.layer.track(track_id), name=name.strip())])

    def set_visible(self, track_id: int, visible: bool) -> None:
        self._update("Show track" if visible else "Hide track",
                     [replace(self._ws.layer.track(track_id), visible=visible)])

    def move(self, track_id: int, index: int) -> None:
        layer = self._ws.layer
        order = [t for t in layer.tracks if t.id != track_id]
        order.insert(max(0, min(index, len(order))), layer.track(track_id))
        self._update("Reorder tracks", [replace(t, position=i) for i, t in enumerate(order)])

    def _update(self, text: str, new: list[Track]) -> None:
        ws = self._ws
        old = [ws.layer.track(t.id) for t in new]
        if old == new:
            return

        def put(values: list[Track]) -> Callable[[], Changes]:
            def apply() -> Changes:
                ws.repo.tracks.update(values)
                for track in values:
                    ws.layer.put_track(track)
                return Changes(tracks={t.id for t in values})
            return apply

        ws.undo_stack.push(Step(text, put(new), put(old)))
