"""The case's shared review as a workspace edits it: one session reused at every meeting, each change to
its moments, order, prompts and handout ticks one undo step (typing a prompt merges into one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from vigtool.domain.model import DEFAULT_PROMPT, ReviewItem, ReviewItemKind, ReviewSession
from vigtool.domain.undo import Changes
from vigtool.services.editing.steps import Step

if TYPE_CHECKING:
    from vigtool.services.workspace import Workspace

REVIEW_TITLE = "Shared review"


class CaseReview:
    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self._session: ReviewSession | None = None  # loaded when first asked for

    def session(self, *, create: bool = True) -> ReviewSession:
        """The case's review session, reused at every meeting. Until there is one, the film's clips and
        stills in film order are what it would hold; the first change (or `create`) stores that as the
        session (not an undo step: it is where the editing starts). With `create=False`, nothing is stored
        and an unstored session has id 0."""
        ws = self._ws
        if self._session is None:
            sessions = ws.repo.reviews.list(ws.recording.case_id)
            if sessions:
                self._session = sessions[0]
            else:
                moments = sorted([(c.range.start, ReviewItemKind.CLIP, c.id) for c in ws.clips.values()]
                                 + [(s.frame, ReviewItemKind.STILL, s.id) for s in ws.stills.values()])
                items = tuple(ReviewItem(kind, ref, DEFAULT_PROMPT) for _at, kind, ref in moments)
                if not create:
                    return ReviewSession(0, ws.recording.case_id, REVIEW_TITLE, items)
                session = replace(ws.repo.reviews.add(ws.recording.case_id, REVIEW_TITLE), items=items)
                ws.repo.reviews.save(session)
                self._session = session
        return self._session

    def change(self, session: ReviewSession, text: str, merge_key: str | None = None) -> None:
        """Any change to the review session: one undo step (typing a prompt merges into one)."""
        old = self.session()

        def put(value: ReviewSession) -> Callable[[], Changes]:
            def apply() -> Changes:
                self._store(value)
                return Changes(review=True)
            return apply

        self._ws.undo_stack.push(Step(text, put(session), put(old), merge_key))

    def add(self, kind: ReviewItemKind, ref_id: int) -> bool:
        """Put a clip or still at the end of the review (False: it is there already)."""
        session = self.session()
        if session.holds(kind, ref_id):
            return False
        self.change(session.with_item(ReviewItem(kind, ref_id, DEFAULT_PROMPT)), "Add to the review")
        return True

    def remove(self, position: int) -> None:
        self.change(self.session().without(position), "Take out of the review")

    def move(self, old: int, new: int) -> None:
        if old != new:
            self.change(self.session().moved(old, new), "Reorder the review")

    def set_prompt(self, position: int, prompt: str) -> None:
        self.change(self.session().with_changed(position, prompt=prompt), "Edit prompt",
                    merge_key=f"review-prompt-{position}")

    def set_in_handout(self, position: int, chosen: bool) -> None:
        self.change(self.session().with_changed(position, in_handout=chosen),
                    "Put in the handout" if chosen else "Leave out of the handout")

    # -- inside the undo steps of deleting a clip or still -------------------------------------------
    def take_out(self, kind: ReviewItemKind, ref_id: int) -> list[ReviewSession]:
        """Remove a clip's or still's items from the case's sessions; returns those sessions as they were."""
        ws = self._ws
        held = [r for r in ws.repo.reviews.list(ws.recording.case_id) if r.holds(kind, ref_id)]
        for session in held:
            self._store(session.without(kind=kind, ref_id=ref_id))
        return held

    def put_back(self, sessions: list[ReviewSession]) -> Changes:
        for session in sessions:
            self._store(session)
        return Changes(review=bool(sessions))

    def _store(self, session: ReviewSession) -> None:
        self._ws.repo.reviews.save(session)
        if self._session is not None and self._session.id == session.id:
            self._session = session
        self._ws.events.emit("review_changed", self._ws)
