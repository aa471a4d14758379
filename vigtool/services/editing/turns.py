"""The turn-taking chains of a workspace's recording (initiative, reception, responses), by chain id: marking
a turn, which chain turn-taking mode is extending, and the summary of how the film's turns went."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from vigtool.domain.model import Actor, Annotation, TrackKind, TurnChain, TurnLink, TurnRole
from vigtool.domain.time import FrameRange
from vigtool.domain.turns import TurnSummary, extended, next_role, summarise, without
from vigtool.domain.undo import Changes
from vigtool.services.editing.steps import Step

if TYPE_CHECKING:
    from vigtool.services.workspace import Workspace


class TurnChains(Mapping[int, TurnChain]):
    def __init__(self, workspace: Workspace, chains: Iterable[TurnChain]) -> None:
        self._ws = workspace
        self._chains: dict[int, TurnChain] = {c.id: c for c in chains}
        self.extending: int | None = None  # the chain turn-taking mode is extending

    def __getitem__(self, chain_id: int) -> TurnChain:
        return self._chains[chain_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._chains)

    def __len__(self) -> int:
        return len(self._chains)

    def of(self, annotation_id: int) -> TurnChain | None:
        """The chain this mark is a turn of."""
        return next((c for c in self._chains.values()
                     if any(link.annotation_id == annotation_id for link in c.links)), None)

    def holding(self, annotation_ids: Iterable[int]) -> list[TurnChain]:
        """The chains with a turn among these marks."""
        ids = set(annotation_ids)
        return [c for c in self._chains.values() if any(link.annotation_id in ids for link in c.links)]

    def summary(self) -> TurnSummary:
        ws = self._ws
        annotations = {a.id: a for a in ws.layer}
        return summarise(sorted(self._chains.values(), key=lambda c: c.id), annotations, ws.recording.rate)

    def mark_turn(self, actor: Actor, frame: int) -> Annotation:
        """A turn by `actor` at `frame`: starts a chain, or receives / responds in the open one."""
        ws = self._ws
        track = ws.tracks.of_kind(TrackKind.TURN_TAKING) or ws.tracks.add("Turn-taking", TrackKind.TURN_TAKING)
        frame = FrameRange(frame, frame + 1).clamped(ws.recording.frame_count).start
        annotations = {a.id: a for a in ws.layer.on_track(track.id)}
        open_chain = self._chains.get(self.extending) if self.extending is not None else None
        role = next_role(open_chain, annotations, actor, frame)
        if open_chain is None or role is TurnRole.INITIATIVE:
            chain = TurnChain(0, ws.recording.id, (TurnLink(0, TurnRole.INITIATIVE),))
        else:
            chain = extended(open_chain, 0, role)
        annotation = Annotation(0, track.id, FrameRange(frame, frame + 1), None, actor)
        previous_open = self.extending

        def do() -> Changes:
            nonlocal annotation, chain
            annotation, chain = ws.repo.annotations.add_turn(annotation, chain)  # ids kept: a redo restores them
            ws.layer.put(annotation)
            self._chains[chain.id] = chain
            self.extending = chain.id
            ws.events.emit("chains_changed", ws)
            return Changes(annotations={annotation.id}, chains=True)

        def undo() -> Changes:
            changes = ws.marks.drop([annotation.id])
            self.extending = previous_open
            return changes

        who = "baby" if actor is Actor.INFANT else "parent"
        ws.undo_stack.push(Step(f"Turn by {who} ({role.value})", do, undo))
        return annotation

    def close(self) -> None:
        """The next turn starts a new chain (not an undoable change: nothing in the vault changes)."""
        self.extending = None

    # -- in memory, inside other parts' undo steps -------------------------------------------------
    def put(self, chain: TurnChain) -> None:
        """Show a chain as stored (made, or put back by an undo)."""
        self._chains[chain.id] = chain

    def take_out(self, chains: Iterable[TurnChain], annotation_ids: set[int]) -> None:
        """These marks were deleted: their chains are shorter, or gone when no turn is left."""
        for chain in chains:
            shorter = without(chain, annotation_ids)
            if shorter is None:
                del self._chains[chain.id]
                if self.extending == chain.id:
                    self.extending = None
            else:
                self._chains[chain.id] = shorter
