"""Turn-taking suggested from the sound, by id: bars on the Suggestions lane until the practitioner accepts
one (it becomes a chain, as if marked by hand) or dismisses it (remembered: analysing again leaves it out)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from vigtool.domain.model import Annotation, TrackKind, TurnChain, TurnLink, TurnRole
from vigtool.domain.suggestions import Suggestion, SuggestionState, chain_turns
from vigtool.domain.time import FrameRange
from vigtool.domain.undo import Changes
from vigtool.services.editing.steps import Step

if TYPE_CHECKING:
    from vigtool.services.workspace import Workspace


class Suggestions(Mapping[int, Suggestion]):
    def __init__(self, workspace: Workspace, suggestions: Iterable[Suggestion]) -> None:
        self._ws = workspace
        self._suggestions: dict[int, Suggestion] = {s.id: s for s in suggestions}

    def __getitem__(self, suggestion_id: int) -> Suggestion:
        return self._suggestions[suggestion_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._suggestions)

    def __len__(self) -> int:
        return len(self._suggestions)

    def at(self, annotation_id: int) -> Suggestion | None:
        """The open suggestion whose bar on the Suggestions lane this annotation is."""
        return next((s for s in self._suggestions.values() if s.annotation_id == annotation_id), None)

    def marked_already(self, proposal: Suggestion) -> bool:
        """Whether turn-taking the practitioner has on the Turn-taking lane (marked by hand, or a suggestion
        accepted) overlaps `proposal`: suggesting it would only lay a second chain over hers."""
        ws = self._ws
        for chain in ws.chains.values():
            turns = [ws.layer.get(link.annotation_id) for link in chain.links if link.annotation_id in ws.layer]
            if turns and proposal.frames.overlaps(FrameRange(min(t.start for t in turns), max(t.end for t in turns))):
                return True
        return False

    def suggest(self, proposals: list[Suggestion]) -> list[Suggestion]:
        """Put proposals on the Suggestions lane (one undo step), in place of the open ones from before.
        Accepted and dismissed suggestions are remembered: a proposal overlapping one is left out, and so is
        one overlapping turn-taking already marked (`marked_already`)."""
        ws = self._ws
        remembered = [s for s in self._suggestions.values() if s.state is not SuggestionState.OPEN]
        fresh = [replace(p, id=0, recording_id=ws.recording.id, state=SuggestionState.OPEN, annotation_id=None,
                         chain_id=None) for p in proposals
                 if not any(p.frames.overlaps(r.frames) for r in remembered) and not self.marked_already(p)]
        old = [s for s in self._suggestions.values() if s.state is SuggestionState.OPEN]
        old_bars = [ws.layer.get(s.annotation_id) for s in old
                    if s.annotation_id is not None and s.annotation_id in ws.layer]
        track = ws.tracks.of_kind(TrackKind.SUGGESTIONS) or ws.tracks.add("Suggestions", TrackKind.SUGGESTIONS)
        made: list[Suggestion] = []

        def do() -> Changes:
            self._take(old)
            specs = made or fresh  # a redo brings back the same ids
            bars = ws.repo.annotations.add_all([Annotation(s.annotation_id or 0, track.id, s.frames, None,
                                                           s.started_by, s.note()) for s in specs])
            stored = ws.repo.suggestions.put([replace(s, annotation_id=b.id)
                                              for s, b in zip(specs, bars, strict=True)])
            made[:] = stored
            return self._show(stored, bars)

        def undo() -> Changes:
            self._take(made)
            ws.repo.annotations.add_all(old_bars)
            return self._show(ws.repo.suggestions.put(old), old_bars)

        ws.undo_stack.push(Step("Suggest turn-taking", do, undo))
        return list(made)

    def accept(self, suggestion_id: int) -> TurnChain:
        """The suggestion becomes a turn-taking chain on the Turn-taking lane, as if marked by hand."""
        ws = self._ws
        suggestion = self._suggestions[suggestion_id]
        track = ws.tracks.of_kind(TrackKind.TURN_TAKING) or ws.tracks.add("Turn-taking", TrackKind.TURN_TAKING)
        bar = ws.layer.get(suggestion.annotation_id) if suggestion.annotation_id is not None else None
        marks: list[Annotation] = [Annotation(0, track.id, t.frames, None, t.actor)
                                   for t in chain_turns(suggestion.turns)]
        chain_id: list[int] = []

        def do() -> Changes:
            if bar is not None:
                ws.marks.drop([bar.id])
            marks[:] = ws.repo.annotations.add_all(marks)  # ids kept on a redo
            roles = [TurnRole.INITIATIVE, TurnRole.RECEPTION] + [TurnRole.RESPONSE] * (len(marks) - 2)
            chain = ws.repo.chains.add(ws.recording.id, [TurnLink(m.id, r) for m, r in zip(marks, roles, strict=True)],
                                       chain_id=chain_id[0] if chain_id else None)
            chain_id[:] = [chain.id]
            for mark in marks:
                ws.layer.put(mark)
            ws.chains.put(chain)
            accepted, = ws.repo.suggestions.put([replace(suggestion, state=SuggestionState.ACCEPTED,
                                                         annotation_id=None, chain_id=chain.id)])
            self._suggestions[accepted.id] = accepted
            ws.events.emit("chains_changed", ws)
            ws.events.emit("suggestions_changed", ws)
            return Changes(annotations={m.id for m in marks}, chains=True)

        def undo() -> Changes:
            changes = ws.marks.drop([m.id for m in marks])
            if bar is not None:
                ws.repo.annotations.add_all([bar])
                ws.layer.put(bar)
            ws.repo.suggestions.put([suggestion])
            self._suggestions[suggestion.id] = suggestion
            ws.events.emit("suggestions_changed", ws)
            return changes

        ws.undo_stack.push(Step("Accept suggested turn-taking", do, undo))
        return ws.chains[chain_id[0]]

    def dismiss(self, suggestion_id: int) -> None:
        """Take the suggestion off the lane and remember it (analysing again will not bring it back)."""
        ws = self._ws
        suggestion = self._suggestions[suggestion_id]
        bar = ws.layer.get(suggestion.annotation_id) if suggestion.annotation_id is not None else None

        def do() -> Changes:
            if bar is not None:
                ws.marks.drop([bar.id])
            dismissed, = ws.repo.suggestions.put([replace(suggestion, state=SuggestionState.DISMISSED,
                                                          annotation_id=None)])
            self._suggestions[dismissed.id] = dismissed
            ws.events.emit("suggestions_changed", ws)
            return Changes(annotations={bar.id} if bar else set())

        def undo() -> Changes:
            if bar is not None:
                ws.repo.annotations.add_all([bar])
            return self._show(ws.repo.suggestions.put([suggestion]), [bar] if bar else [])

        ws.undo_stack.push(Step("Dismiss suggestion", do, undo))

    def _take(self, suggestions: list[Suggestion]) -> None:
        ws = self._ws
        bars = [s.annotation_id for s in suggestions if s.annotation_id is not None and s.annotation_id in ws.layer]
        ws.repo.annotations.delete(bars)
        for bar in bars:
            ws.layer.remove(bar)
        ws.repo.suggestions.delete(s.id for s in suggestions)
        for suggestion in suggestions:
            self._suggestions.pop(suggestion.id, None)

    def _show(self, suggestions: list[Suggestion], bars: list[Annotation]) -> Changes:
        ws = self._ws
        for bar in bars:
            ws.layer.put(bar)
        for suggestion in suggestions:
            self._suggestions[suggestion.id] = suggestion
        ws.events.emit("suggestions_changed", ws)
        return Changes(annotations={b.id for b in bars})
