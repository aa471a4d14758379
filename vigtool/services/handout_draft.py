"""The handout being prepared in its dialog: the questions typed there are held here, and become the review's
prompts only when the handout is saved (one undo step). Cancel leaves the review and its handout as they were.

Plain Python, so what Cancel and Save do is one rule, tested without Qt; the dialog is a view over it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from vigtool.domain.model import ReviewItemKind, ReviewSession
from vigtool.services import review
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace


class HandoutDraft:
    """The case's review as the handout dialog shows it: the review's own prompts, with the questions typed in
    the dialog over them until `save`."""

    def __init__(self, vault: Vault, workspace: Workspace) -> None:
        self.vault, self.workspace = vault, workspace
        self._typed: dict[int, str] = {}  # position in the session -> the question as typed

    def set_prompt(self, position: int, text: str) -> None:
        self._typed[position] = text

    def left_out(self) -> int:
        """How many clips and stills of the open film are not in the shared review (so not in its handout):
        made after the review was put together, they wait for Add chosen clip or still."""
        session, ws = self.workspace.review.session(), self.workspace
        return sum(not session.holds(ReviewItemKind.CLIP, c) for c in ws.clips) + \
            sum(not session.holds(ReviewItemKind.STILL, s) for s in ws.stills)

    def session(self) -> ReviewSession:
        """The review with the questions typed so far (the review itself is not changed)."""
        session = self.workspace.review.session()
        for position, text in self._typed.items():
            if position < len(session.items):
                session = session.with_changed(position, prompt=text)
        return session

    def build(self, chosen: set[int], family_name: str, review_date: date) -> review.Handout:
        return review.build_handout(self.vault, self.session(), chosen, family_name, review_date)

    def save(self, out: Path, chosen: set[int], *, render: Callable[[review.Handout], bytes] | None,
             family_name: str, review_date: date) -> Path:
        """Write the handout, then make its questions the review's prompts (the shared review asks them
        too): one undo step, and only once the handout is whole on the disk."""
        draft = self.session()
        saved = review.save_handout(self.vault, draft, out, chosen, render=render, family_name=family_name,
                                    review_date=review_date, overwrite=True)  # the save dialog asked
        if draft != self.workspace.review.session():
            self.workspace.review.change(draft, "Edit the handout's questions")
        self._typed.clear()
        return saved


__all__ = ["HandoutDraft"]
