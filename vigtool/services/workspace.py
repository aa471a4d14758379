"""The micro-analysis workspace of one recording: every user change an undoable operation, kept at once.

Each operation writes to the vault in one short SQLite transaction (synchronous=FULL: on disk when it
returns) and only then updates the in-memory model, whose events repaint the timeline. So nothing is ever
unsaved, a failed write changes nothing on screen, and killing the app right after an edit loses nothing.
An edit is a single-row write of a few milliseconds (bench/workspace_edits.py), so operations run where
they are called; long work (import, previews, export, analysis) runs on worker threads instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from storage.repository import Repository
from vigtool.domain.annotation_layer import AnnotationLayer
from vigtool.domain.codebook import Codebook
from vigtool.domain.events import EventEmitter
from vigtool.domain.model import (
    DEFAULT_PROMPT,
    Actor,
    Annotation,
    Clip,
    Recording,
    ReviewItem,
    ReviewItemKind,
    ReviewSession,
    Still,
    Track,
    TrackKind,
    TurnChain,
    TurnLink,
    TurnRole,
)
from vigtool.domain.suggestions import Suggestion, SuggestionState, chain_turns
from vigtool.domain.time import FrameRange
from vigtool.domain.turns import TurnSummary, extended, next_role, summarise, without
from vigtool.domain.undo import Changes, Command, UndoStack
from vigtool.services.lanes import LaneChoice, People


class _Step(Command):
    """A command from two functions; merging keeps the first undo and the newest redo."""

    def __init__(self, text: str, do: Callable[[], Changes], undo: Callable[[], Changes],
                 merge_key: str | None = None) -> None:
        self.text, self._do, self._undo, self.merge_key = text, do, undo, merge_key

    def redo(self) -> Changes:
        return self._do()

    def undo(self) -> Changes:
        return self._undo()

    def merge(self, newer: Command) -> bool:
        if not isinstance(newer, _Step):
            return False
        self._do = newer._do
        return True


class Workspace:
    """Tracks, annotations, turn-taking chains, clips and stills of one recording, with undo and redo."""

    def __init__(self, repo: Repository, recording: Recording, people: People | None = None) -> None:
        self.repo = repo
        self.recording = recording
        self.layer = AnnotationLayer(repo.list_tracks(recording.id), repo.list_annotations(recording.id))
        self.lanes = LaneChoice(self.layer, people)  # the current lane; someone else's lanes refuse changes
        self.chains: dict[int, TurnChain] = {c.id: c for c in repo.list_turn_chains(recording.id)}
        self.clips: dict[int, Clip] = {c.id: c for c in repo.list_clips(recording.id)}
        self.stills: dict[int, Still] = {s.id: s for s in repo.list_stills(recording.id)}
        self.codebook = repo.load_codebook()
        self.undo_stack = UndoStack()
        # "chains_changed", "clips_changed", "codebook_changed", "review_changed", "suggestions_changed"
        self.events = EventEmitter()
        self.open_chain: int | None = None  # the chain turn-taking mode is extending
        self._review: ReviewSession | None = None  # the case's review session, loaded when first asked for
        self.suggestions: dict[int, Suggestion] = {s.id: s for s in repo.suggestions.list(recording.id)}

    # -- queries ---------------------------------------------------------------------------------
    def track_of_kind(self, kind: TrackKind) -> Track | None:
        """Your own lane of this kind (never someone else's: it could not take a mark)."""
        return next((t for t in self.layer.tracks if t.kind is kind and not t.read_only), None)

    def track_for_code(self, code_id: str | None) -> Track:
        """Initiatives go on the baby's track, the principles (what the parent does) on the parent's."""
        principle = self.codebook.code(code_id).principle_id if code_id else None
        wanted = TrackKind.INFANT if principle == "init" else TrackKind.PARENT if principle else TrackKind.NOTES
        track = self.track_of_kind(wanted) or next((t for t in self.layer.tracks if not t.read_only), None)
        if track is None:
            raise LookupError("this recording has no lane of your own; add one first")
        return track

    def actor_of_track(self, track_id: int) -> Actor | None:
        kind = self.layer.track(track_id).kind
        return {TrackKind.PARENT: Actor.PARENT, TrackKind.INFANT: Actor.INFANT}.get(kind)

    def chain_of(self, annotation_id: int) -> TurnChain | None:
        return next((c for c in self.chains.values()
                     if any(link.annotation_id == annotation_id for link in c.links)), None)

    def summary(self) -> TurnSummary:
        annotations = {a.id: a for a in self.layer}
        return summarise(sorted(self.chains.values(), key=lambda c: c.id), annotations, self.recording.rate)

    def _clamp(self, frames: FrameRange) -> FrameRange:
        return frames.clamped(self.recording.frame_count)

    # -- annotations -----------------------------------------------------------------------------
    def mark(self, code_id: str | None, frames: FrameRange, track_id: int | None = None,
             note: str = "") -> Annotation:
        """Code what happens at `frames` (a point is one frame long) on `track_id`, else the current lane,
        else the lane the code belongs to."""
        track_id = track_id if track_id is not None else self.lanes.current
        track = self.layer.track(track_id) if track_id is not None else self.track_for_code(code_id)
        annotation = Annotation(0, track.id, self._clamp(frames), code_id, self.actor_of_track(track.id), note)
        label = self.codebook.code(code_id).label if code_id else "note"
        return self.add_annotations([annotation], f"Mark “{label}”")[0]

    def add_annotations(self, annotations: list[Annotation], text: str = "Add") -> list[Annotation]:
        self.lanes.check(a.track_id for a in annotations)
        pending = list(annotations)

        def do() -> Changes:
            stored = self.repo.add_annotations(pending)
            pending[:] = stored  # with their ids: a redo brings back the very same annotations
            for a in stored:
                self.layer.put(a)
            return Changes(annotations={a.id for a in stored})

        def undo() -> Changes:
            return self._delete([a.id for a in pending])

        self.undo_stack.push(_Step(text, do, undo))
        return list(pending)

    def change_annotations(self, new: list[Annotation], text: str = "Move", merge_key: str | None = None) -> None:
        """Store new values (moved, resized, recoded, a note) of existing annotations as one step."""
        new = [replace(a, range=self._clamp(a.range)) for a in new]
        old = [self.layer.get(a.id) for a in new]
        if new == old:
            return
        self.lanes.check([a.track_id for a in old] + [a.track_id for a in new])

        def put(values: list[Annotation]) -> Callable[[], Changes]:
            def apply() -> Changes:
                stored = self.repo.update_annotations(values)
                for a in stored:
                    self.layer.put(a)
                return Changes(annotations={a.id for a in stored})
            return apply

        self.undo_stack.push(_Step(text, put(new), put(old), merge_key))

    def move_annotations(self, ids: Iterable[int], delta: int, track_id: int | None = None) -> None:
        """Shift annotations by `delta` frames (kept inside the film), optionally onto another track."""
        chosen = [self.layer.get(i) for i in ids]
        if not chosen:
            return
        delta = max(delta, -min(a.start for a in chosen))
        delta = min(delta, self.recording.frame_count - max(a.end for a in chosen))
        moved = [replace(a, range=FrameRange(a.start + delta, a.end + delta),
                         track_id=a.track_id if track_id is None else track_id,
                         actor=a.actor if track_id is None else self.actor_of_track(track_id) or a.actor)
                 for a in chosen]
        self.change_annotations(moved, "Move" if len(moved) == 1 else f"Move {len(moved)} marks")

    def resize_annotation(self, annotation_id: int, frames: FrameRange) -> None:
        self.change_annotations([replace(self.layer.get(annotation_id), range=frames)], "Resize")

    def set_note(self, annotation_id: int, note: str) -> None:
        """Typing a note is one undo step, however many keys it took."""
        self.change_annotations([replace(self.layer.get(annotation_id), note=note)], "Edit note",
                                merge_key=f"note-{annotation_id}")

    def delete_annotations(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        gone = [self.layer.get(i) for i in ids]
        self.lanes.check(a.track_id for a in gone)
        chains_before = [c for c in self.chains.values() if any(link.annotation_id in ids for link in c.links)]

        def undo() -> Changes:
            self.repo.restore(gone, chains_before)
            for a in gone:
                self.layer.put(a)
            for chain in chains_before:
                self.chains[chain.id] = chain
            self.events.emit("chains_changed", self)
            return Changes(annotations=set(ids), chains=bool(chains_before))

        text = "Delete mark" if len(ids) == 1 else f"Delete {len(ids)} marks"
        self.undo_stack.push(_Step(text, lambda: self._delete(ids), undo))

    def _delete(self, ids: list[int]) -> Changes:
        touched = [c for c in self.chains.values() if any(link.annotation_id in ids for link in c.links)]
        self.repo.delete_annotations(ids)
        for annotation_id in ids:
            self.layer.remove(annotation_id)
        for chain in touched:
            shorter = without(chain, set(ids))
            if shorter is None:
                del self.chains[chain.id]
                if self.open_chain == chain.id:
                    self.open_chain = None
            else:
                self.chains[chain.id] = shorter
        if touched:
            self.events.emit("chains_changed", self)
        return Changes(annotations=set(ids), chains=bool(touched))

    def paste(self, copied: list[Annotation], at_frame: int) -> list[Annotation]:
        """Copies of `copied` with the earliest one starting at `at_frame`, on the same tracks (copies of
        someone else's marks on the current lane: hers stay as they came)."""
        if not copied:
            return []
        first = min(a.start for a in copied)
        offset = at_frame - first
        last = self.recording.frame_count
        tracks = {t.id: t for t in self.layer.tracks}

        def onto(track_id: int) -> int:
            return self.lanes.current or track_id if tracks[track_id].read_only else track_id

        pasted = [Annotation(0, onto(a.track_id), FrameRange(a.start + offset, a.end + offset), a.code_id,
                             a.actor, a.note)
                  for a in copied if a.track_id in tracks and a.end + offset <= last]
        if not pasted:
            return []
        return self.add_annotations(pasted, "Paste" if len(pasted) == 1 else f"Paste {len(pasted)} marks")

    # -- turn-taking -----------------------------------------------------------------------------
    def mark_turn(self, actor: Actor, frame: int) -> Annotation:
        """A turn by `actor` at `frame`: starts a chain, or receives / responds in the open one."""
        track = self.track_of_kind(TrackKind.TURN_TAKING) or self.add_track("Turn-taking", TrackKind.TURN_TAKING)
        frame = self._clamp(FrameRange(frame, frame + 1)).start
        annotations = {a.id: a for a in self.layer.on_track(track.id)}
        open_chain = self.chains.get(self.open_chain) if self.open_chain is not None else None
        role = next_role(open_chain, annotations, actor, frame)
        if open_chain is None or role is TurnRole.INITIATIVE:
            chain = TurnChain(0, self.recording.id, (TurnLink(0, TurnRole.INITIATIVE),))
        else:
            chain = extended(open_chain, 0, role)
        annotation = Annotation(0, track.id, FrameRange(frame, frame + 1), None, actor)
        previous_open = self.open_chain

        def do() -> Changes:
            nonlocal annotation, chain
            annotation, chain = self.repo.add_turn(annotation, chain)  # ids kept: a redo restores the same
            self.layer.put(annotation)
            self.chains[chain.id] = chain
            self.open_chain = chain.id
            self.events.emit("chains_changed", self)
            return Changes(annotations={annotation.id}, chains=True)

        def undo() -> Changes:
            changes = self._delete([annotation.id])
            self.open_chain = previous_open
            return changes

        who = "baby" if actor is Actor.INFANT else "parent"
        self.undo_stack.push(_Step(f"Turn by {who} ({role.value})", do, undo))
        return annotation

    def close_chain(self) -> None:
        """The next turn starts a new chain (not an undoable change: nothing in the vault changes)."""
        self.open_chain = None

    # -- tracks ----------------------------------------------------------------------------------
    def add_track(self, name: str, kind: TrackKind = TrackKind.CUSTOM) -> Track:
        state: dict[str, Track] = {}

        def do() -> Changes:
            old = state.get("track")
            track = self.repo.add_track(self.recording.id, name, kind, track_id=old.id if old else None,
                                        position=old.position if old else None)
            state["track"] = track
            self.layer.put_track(track)
            return Changes(tracks={track.id})

        def undo() -> Changes:
            self.repo.delete_track(state["track"].id)
            self.layer.remove_track(state["track"].id)
            return Changes(tracks={state["track"].id})

        self.undo_stack.push(_Step(f"Add track “{name}”", do, undo))
        return state["track"]

    def import_marks(self, new_lanes: list[str], marks: list[tuple[int | str, Annotation]],
                     text: str = "Import marks") -> list[Annotation]:
        """Marks onto lanes by id, or onto new lanes by name made on the way: one undo step (an import)."""
        made: dict[str, Track] = {}
        stored: list[Annotation] = []

        def do() -> Changes:
            for name in new_lanes:
                old = made.get(name)
                made[name] = self.repo.add_track(self.recording.id, name, TrackKind.CUSTOM,
                                                 track_id=old.id if old else None,
                                                 position=old.position if old else None)
                self.layer.put_track(made[name])
            pending = stored or [replace(a, track_id=made[lane].id if isinstance(lane, str) else lane)
                                 for lane, a in marks]
            stored[:] = self.repo.add_annotations(pending)  # with their ids: a redo brings back the same ones
            for a in stored:
                self.layer.put(a)
            return Changes(tracks={t.id for t in made.values()}, annotations={a.id for a in stored})

        def undo() -> Changes:
            changes = self._delete([a.id for a in stored])
            for track in made.values():
                self.repo.delete_track(track.id)
                self.layer.remove_track(track.id)
            return changes | Changes(tracks={t.id for t in made.values()})

        self.undo_stack.push(_Step(text, do, undo))
        return list(stored)

    def _update_tracks(self, text: str, new: list[Track]) -> None:
        old = [self.layer.track(t.id) for t in new]
        if old == new:
            return

        def put(values: list[Track]) -> Callable[[], Changes]:
            def apply() -> Changes:
                self.repo.update_tracks(values)
                for track in values:
                    self.layer.put_track(track)
                return Changes(tracks={t.id for t in values})
            return apply

        self.undo_stack.push(_Step(text, put(new), put(old)))

    def rename_track(self, track_id: int, name: str) -> None:
        if not name.strip():
            raise ValueError("a track needs a name")
        self.lanes.check([track_id])
        self._update_tracks("Rename track", [replace(self.layer.track(track_id), name=name.strip())])

    def set_track_visible(self, track_id: int, visible: bool) -> None:
        self._update_tracks("Show track" if visible else "Hide track",
                            [replace(self.layer.track(track_id), visible=visible)])

    def move_track(self, track_id: int, index: int) -> None:
        order = [t for t in self.layer.tracks if t.id != track_id]
        order.insert(max(0, min(index, len(order))), self.layer.track(track_id))
        self._update_tracks("Reorder tracks", [replace(t, position=i) for i, t in enumerate(order)])

    # -- clips and stills ------------------------------------------------------------------------
    def add_clip(self, frames: FrameRange, title: str = "", key_frame: int | None = None) -> Clip:
        state: dict[str, Clip] = {}

        def do() -> Changes:
            old = state.get("clip")
            clip = self.repo.add_clip(self.recording.id, self._clamp(frames), title, old.caption if old else "",
                                      clip_id=old.id if old else None, key_frame=key_frame)
            state["clip"] = self.clips[clip.id] = clip
            self.events.emit("clips_changed", self)
            return Changes(clips=True)

        def undo() -> Changes:
            return self._drop_clip(state["clip"].id)

        self.undo_stack.push(_Step("Add clip", do, undo))
        return state["clip"]

    def update_clip(self, clip: Clip, text: str = "Edit clip") -> None:
        """Change a clip's title, caption or key frame (one undo step)."""
        old = self.clips[clip.id]

        def apply(value: Clip) -> Changes:
            self.repo.update_clip(value)
            self.clips[value.id] = value
            self.events.emit("clips_changed", self)
            return Changes(clips=True)

        self.undo_stack.push(_Step(text, lambda: apply(clip), lambda: apply(old)))

    def delete_clip(self, clip_id: int) -> None:
        """Delete a clip, and take it out of the case's review sessions (one undo step brings both back)."""
        clip = self.clips[clip_id]
        held: list[ReviewSession] = []

        def do() -> Changes:
            held[:] = self._take_out_of_reviews(ReviewItemKind.CLIP, clip_id)
            return self._drop_clip(clip_id) | Changes(review=bool(held))

        def undo() -> Changes:
            self.repo.add_clip(self.recording.id, clip.range, clip.title, clip.caption, clip_id=clip.id,
                               key_frame=clip.key_frame)
            self.clips[clip.id] = clip
            self.events.emit("clips_changed", self)
            return Changes(clips=True) | self._put_back_reviews(held)

        self.undo_stack.push(_Step("Delete clip", do, undo))

    def _drop_clip(self, clip_id: int) -> Changes:
        self.repo.delete_clip(clip_id)
        del self.clips[clip_id]
        self.events.emit("clips_changed", self)
        return Changes(clips=True)

    def add_still(self, frame: int, caption: str = "") -> Still:
        state: dict[str, Still] = {}

        def do() -> Changes:
            old = state.get("still")
            still = self.repo.add_still(self.recording.id, frame, caption, still_id=old.id if old else None)
            state["still"] = self.stills[still.id] = still
            self.events.emit("clips_changed", self)
            return Changes(clips=True)

        def undo() -> Changes:
            return self._drop_still(state["still"].id)

        self.undo_stack.push(_Step("Add still", do, undo))
        return state["still"]

    def delete_still(self, still_id: int) -> None:
        """Delete a still, and take it out of the case's review sessions (one undo step brings both back)."""
        still = self.stills[still_id]
        held: list[ReviewSession] = []

        def do() -> Changes:
            held[:] = self._take_out_of_reviews(ReviewItemKind.STILL, still_id)
            return self._drop_still(still_id) | Changes(review=bool(held))

        def undo() -> Changes:
            self.repo.add_still(self.recording.id, still.frame, still.caption, still_id=still.id)
            self.stills[still.id] = still
            self.events.emit("clips_changed", self)
            return Changes(clips=True) | self._put_back_reviews(held)

        self.undo_stack.push(_Step("Delete still", do, undo))

    def _drop_still(self, still_id: int) -> Changes:
        self.repo.delete_still(still_id)
        del self.stills[still_id]
        self.events.emit("clips_changed", self)
        return Changes(clips=True)

    # -- codebook --------------------------------------------------------------------------------
    def replace_codebook(self, book: Codebook, text: str = "Change codebook") -> None:
        """A new codebook for the vault (a key rebound, a code renamed, a JSON file imported)."""
        old, new = self.codebook.copy(), book.copy()

        def put(value: Codebook) -> Callable[[], Changes]:
            def apply() -> Changes:
                self.repo.save_codebook(value)
                self.codebook = value.copy()
                self.events.emit("codebook_changed", self)
                return Changes(codebook=True)
            return apply

        self.undo_stack.push(_Step(text, put(new), put(old)))

    # -- the case's shared review ------------------------------------------------------------------
    def review(self, *, create: bool = True) -> ReviewSession:
        """The case's review session, reused at every meeting. Until there is one, the film's clips and
        stills in film order are what it would hold; the first change (or `create`) stores that as the
        session (not an undo step: it is where the editing starts). With `create=False`, nothing is stored
        and an unstored session has id 0."""
        if self._review is None:
            sessions = self.repo.list_review_sessions(self.recording.case_id)
            if sessions:
                self._review = sessions[0]
            else:
                moments = sorted([(c.range.start, ReviewItemKind.CLIP, c.id) for c in self.clips.values()]
                                 + [(s.frame, ReviewItemKind.STILL, s.id) for s in self.stills.values()])
                items = tuple(ReviewItem(kind, ref, DEFAULT_PROMPT) for _at, kind, ref in moments)
                if not create:
                    return ReviewSession(0, self.recording.case_id, "Shared review", items)
                session = replace(self.repo.add_review_session(self.recording.case_id, "Shared review"),
                                  items=items)
                self.repo.save_review_session(session)
                self._review = session
        return self._review

    def _take_out_of_reviews(self, kind: ReviewItemKind, ref_id: int) -> list[ReviewSession]:
        """Remove a clip's or still's items from the case's sessions; returns those sessions as they were."""
        held = [r for r in self.repo.list_review_sessions(self.recording.case_id) if r.holds(kind, ref_id)]
        for session in held:
            self._store_review(session.without(kind=kind, ref_id=ref_id))
        return held

    def _put_back_reviews(self, sessions: list[ReviewSession]) -> Changes:
        for session in sessions:
            self._store_review(session)
        return Changes(review=bool(sessions))

    def _store_review(self, session: ReviewSession) -> None:
        self.repo.save_review_session(session)
        if self._review is not None and self._review.id == session.id:
            self._review = session
        self.events.emit("review_changed", self)

    def change_review(self, session: ReviewSession, text: str, merge_key: str | None = None) -> None:
        """Any change to the review session: one undo step (typing a prompt merges into one)."""
        old = self.review()

        def put(value: ReviewSession) -> Callable[[], Changes]:
            def apply() -> Changes:
                self._store_review(value)
                return Changes(review=True)
            return apply

        self.undo_stack.push(_Step(text, put(session), put(old), merge_key))

    def add_to_review(self, kind: ReviewItemKind, ref_id: int) -> bool:
        """Put a clip or still at the end of the review (False: it is there already)."""
        session = self.review()
        if session.holds(kind, ref_id):
            return False
        self.change_review(session.with_item(ReviewItem(kind, ref_id, DEFAULT_PROMPT)), "Add to the review")
        return True

    def remove_from_review(self, position: int) -> None:
        self.change_review(self.review().without(position), "Take out of the review")

    def move_in_review(self, old: int, new: int) -> None:
        if old != new:
            self.change_review(self.review().moved(old, new), "Reorder the review")

    def set_review_prompt(self, position: int, prompt: str) -> None:
        self.change_review(self.review().with_changed(position, prompt=prompt), "Edit prompt",
                           merge_key=f"review-prompt-{position}")

    def set_in_handout(self, position: int, chosen: bool) -> None:
        self.change_review(self.review().with_changed(position, in_handout=chosen),
                           "Put in the handout" if chosen else "Leave out of the handout")

    # -- turn-taking suggested from the sound ------------------------------------------------------
    def suggestion_at(self, annotation_id: int) -> Suggestion | None:
        """The open suggestion whose bar on the Suggestions lane this annotation is."""
        return next((s for s in self.suggestions.values() if s.annotation_id == annotation_id), None)

    def suggest(self, proposals: list[Suggestion]) -> list[Suggestion]:
        """Put proposals on the Suggestions lane (one undo step), in place of the open ones from before.
        Accepted and dismissed suggestions are remembered: a proposal overlapping one is left out."""
        remembered = [s for s in self.suggestions.values() if s.state is not SuggestionState.OPEN]
        fresh = [replace(p, id=0, recording_id=self.recording.id, state=SuggestionState.OPEN, annotation_id=None,
                         chain_id=None) for p in proposals
                 if not any(p.frames.overlaps(r.frames) for r in remembered)]
        old = [s for s in self.suggestions.values() if s.state is SuggestionState.OPEN]
        old_bars = [self.layer.get(s.annotation_id) for s in old
                    if s.annotation_id is not None and s.annotation_id in self.layer]
        track = self.track_of_kind(TrackKind.SUGGESTIONS) or self.add_track("Suggestions", TrackKind.SUGGESTIONS)
        made: list[Suggestion] = []

        def do() -> Changes:
            self._take_suggestions(old)
            specs = made or fresh  # a redo brings back the same ids
            bars = self.repo.add_annotations([Annotation(s.annotation_id or 0, track.id, s.frames, None, s.started_by,
                                                         s.note()) for s in specs])
            stored = self.repo.suggestions.put([replace(s, annotation_id=b.id) for s, b in zip(specs, bars,
                                                                                               strict=True)])
            made[:] = stored
            return self._show_suggestions(stored, bars)

        def undo() -> Changes:
            self._take_suggestions(made)
            self.repo.add_annotations(old_bars)
            return self._show_suggestions(self.repo.suggestions.put(old), old_bars)

        self.undo_stack.push(_Step("Suggest turn-taking", do, undo))
        return list(made)

    def _take_suggestions(self, suggestions: list[Suggestion]) -> None:
        bars = [s.annotation_id for s in suggestions if s.annotation_id is not None and s.annotation_id in self.layer]
        self.repo.delete_annotations(bars)
        for bar in bars:
            self.layer.remove(bar)
        self.repo.suggestions.delete(s.id for s in suggestions)
        for suggestion in suggestions:
            self.suggestions.pop(suggestion.id, None)

    def _show_suggestions(self, suggestions: list[Suggestion], bars: list[Annotation]) -> Changes:
        for bar in bars:
            self.layer.put(bar)
        for suggestion in suggestions:
            self.suggestions[suggestion.id] = suggestion
        self.events.emit("suggestions_changed", self)
        return Changes(annotations={b.id for b in bars})

    def accept_suggestion(self, suggestion_id: int) -> TurnChain:
        """The suggestion becomes a turn-taking chain on the Turn-taking lane, as if marked by hand."""
        suggestion = self.suggestions[suggestion_id]
        track = self.track_of_kind(TrackKind.TURN_TAKING) or self.add_track("Turn-taking", TrackKind.TURN_TAKING)
        bar = self.layer.get(suggestion.annotation_id) if suggestion.annotation_id is not None else None
        marks: list[Annotation] = [Annotation(0, track.id, t.frames, None, t.actor)
                                   for t in chain_turns(suggestion.turns)]
        chain_id: list[int] = []

        def do() -> Changes:
            if bar is not None:
                self._delete([bar.id])
            marks[:] = self.repo.add_annotations(marks)  # ids kept on a redo
            roles = [TurnRole.INITIATIVE, TurnRole.RECEPTION] + [TurnRole.RESPONSE] * (len(marks) - 2)
            chain = self.repo.add_turn_chain(self.recording.id, [TurnLink(m.id, r) for m, r in
                                                                 zip(marks, roles, strict=True)],
                                             chain_id=chain_id[0] if chain_id else None)
            chain_id[:] = [chain.id]
            for mark in marks:
                self.layer.put(mark)
            self.chains[chain.id] = chain
            accepted, = self.repo.suggestions.put([replace(suggestion, state=SuggestionState.ACCEPTED,
                                                           annotation_id=None, chain_id=chain.id)])
            self.suggestions[accepted.id] = accepted
            self.events.emit("chains_changed", self)
            self.events.emit("suggestions_changed", self)
            return Changes(annotations={m.id for m in marks}, chains=True)

        def undo() -> Changes:
            changes = self._delete([m.id for m in marks])
            if bar is not None:
                self.repo.add_annotations([bar])
                self.layer.put(bar)
            self.repo.suggestions.put([suggestion])
            self.suggestions[suggestion.id] = suggestion
            self.events.emit("suggestions_changed", self)
            return changes

        self.undo_stack.push(_Step("Accept suggested turn-taking", do, undo))
        return self.chains[chain_id[0]]

    def dismiss_suggestion(self, suggestion_id: int) -> None:
        """Take the suggestion off the lane and remember it (analysing again will not bring it back)."""
        suggestion = self.suggestions[suggestion_id]
        bar = self.layer.get(suggestion.annotation_id) if suggestion.annotation_id is not None else None

        def do() -> Changes:
            if bar is not None:
                self._delete([bar.id])
            dismissed, = self.repo.suggestions.put([replace(suggestion, state=SuggestionState.DISMISSED,
                                                            annotation_id=None)])
            self.suggestions[dismissed.id] = dismissed
            self.events.emit("suggestions_changed", self)
            return Changes(annotations={bar.id} if bar else set())

        def undo() -> Changes:
            if bar is not None:
                self.repo.add_annotations([bar])
            return self._show_suggestions(self.repo.suggestions.put([suggestion]), [bar] if bar else [])

        self.undo_stack.push(_Step("Dismiss suggestion", do, undo))

    # -- undo ------------------------------------------------------------------------------------
    def undo(self) -> Changes:
        return self.undo_stack.undo()

    def redo(self) -> Changes:
        return self.undo_stack.redo()
