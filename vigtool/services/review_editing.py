"""The shared review being edited: the moments a practitioner is putting together for the family, in the
order the family will see them, with a prompt for the parent at each, a tick for those that go into the
family's handout, and the moment she is working on.

Plain-Python state the window shows (napari's and Anki's way), so what "the current moment" means after an
Earlier, a drag, a Take out or an undo is one rule, tested without Qt. Every change is an operation of the
workspace's review (`Workspace.review`): one undo step, in the vault at once (typing a prompt is one step).
The editor follows the workspace's "review_changed" and "clips_changed" events, so an undo, a clip renamed or
deleted elsewhere shows here too; it emits "rows_changed" (payload `same_moments`: the same moments in the
same order, only a prompt or a tick changed, so a view updates in place and never rebuilds a field being
typed in) and "current_changed".
"""

from __future__ import annotations

from dataclasses import dataclass

from vigtool.domain.events import Event, EventEmitter
from vigtool.domain.model import ReviewItemKind, ReviewSession
from vigtool.domain.time import timecode
from vigtool.services import review
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace


@dataclass(frozen=True)
class ReviewRow:
    """One moment of the review as the practitioner's window lists it."""

    position: int  # in the session (a moment whose clip or still was deleted is not listed)
    kind: ReviewItemKind
    ref_id: int
    label: str  # "Clip 00:12.4 (2.6 s)  Looking up"
    prompt: str
    in_handout: bool
    first: int  # frames on its film, to show it in the player
    last: int
    on_this_film: bool

    @property
    def moment(self) -> tuple[ReviewItemKind, int]:
        return self.kind, self.ref_id


def rows_of(vault: Vault, session: ReviewSession, recording_id: int) -> list[ReviewRow]:
    """The session's moments whose clip or still is there, labelled with where they are on their film."""
    rows = []
    for entry in review.resolve(vault, session):
        rate = entry.recording.rate
        if entry.clip is not None:
            span = entry.clip.range
            label = (f"Clip {timecode(span.start, rate)[3:]} ({float(span.duration(rate)):.1f} s)  "
                     f"{entry.clip.title or entry.caption}")
            first, last = span.start, span.end - 1
        else:
            assert entry.still is not None
            label, first = f"Still {timecode(entry.still.frame, rate)[3:]}  {entry.caption}", entry.still.frame
            last = first
        rows.append(ReviewRow(entry.position, entry.item.kind, entry.item.ref_id, label.strip(), entry.item.prompt,
                              entry.item.in_handout, first, last, entry.recording.id == recording_id))
    return rows


class ReviewEditor:
    """The case's shared review as it is being assembled in the workspace of one film."""

    def __init__(self, vault: Vault, workspace: Workspace) -> None:
        self.vault, self.workspace = vault, workspace
        self.events = EventEmitter()
        self.rows: list[ReviewRow] = []
        self.current = -1  # the index in `rows` of the moment being worked on; -1: none
        self._stop_following = workspace.events.connect(self._workspace_changed)
        self.refresh()

    def close(self) -> None:
        """Stop following the workspace (another film was opened, or the film was destroyed)."""
        self._stop_following()

    @property
    def current_row(self) -> ReviewRow | None:
        return self.rows[self.current] if 0 <= self.current < len(self.rows) else None

    def session(self) -> ReviewSession:
        """The stored session (made from the film's clips and stills the first time)."""
        return self.workspace.review.session()

    # -- the moment being worked on ------------------------------------------------------------------
    def choose(self, index: int) -> None:
        """Work on the moment at `index` (clamped into the list; -1 when it is empty)."""
        index = min(max(index, 0), len(self.rows) - 1)
        if index != self.current:
            self.current = index
            self.events.emit("current_changed", self, row=self.current_row)

    # -- changes, each one undo step ---------------------------------------------------------------
    def set_prompt(self, prompt: str) -> None:
        """The prompt of the current moment; typing it key by key is one undo step."""
        row = self.current_row
        if row is not None and row.prompt != prompt:
            self.workspace.review.set_prompt(row.position, prompt)

    def set_in_handout(self, index: int, chosen: bool) -> None:
        row = self.rows[index] if 0 <= index < len(self.rows) else None
        if row is not None and row.in_handout != chosen:
            self.workspace.review.set_in_handout(row.position, chosen)

    def move(self, old: int, new: int) -> None:
        """The moment at index `old` to index `new` (a drag); the current moment stays the current one."""
        if 0 <= old < len(self.rows) and 0 <= new < len(self.rows) and old != new:
            self.workspace.review.move(self.rows[old].position, self.rows[new].position)

    def move_current(self, step: int) -> None:
        """Earlier (-1) or later (+1) in the review; the current moment goes with it."""
        self.move(self.current, self.current + step)

    def remove_current(self) -> None:
        """Take the current moment out of the review; the one after it (or the last) becomes current."""
        row = self.current_row
        if row is not None:
            self.workspace.review.remove(row.position)

    def add(self, kind: ReviewItemKind, ref_id: int) -> bool:
        """Put a clip or still at the end and make it the current moment, ready for its prompt (False: it is
        in the review already, and becomes the current moment)."""
        added = self.workspace.review.add(kind, ref_id)
        index = next((i for i, r in enumerate(self.rows) if r.moment == (kind, ref_id)), None)
        if index is not None:
            self.choose(index)
        return added

    # -- following the workspace -------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the review again; the current moment stays current wherever it moved, and if it was taken
        out the one now at its place (or the last) is."""
        before, place_before = self.current_row, self.current
        rows = rows_of(self.vault, self.workspace.review.session(create=False), self.workspace.recording.id)
        same_moments = [r.moment for r in rows] == [r.moment for r in self.rows]
        place = self.current
        if before is not None:
            place = next((i for i, r in enumerate(rows) if r.moment == before.moment), self.current)
        self.rows = rows
        self.current = min(max(place, 0), len(rows) - 1)
        self.events.emit("rows_changed", self, same_moments=same_moments)
        now = self.current_row
        if self.current != place_before or (now.moment if now else None) != (before.moment if before else None):
            self.events.emit("current_changed", self, row=now)

    def _workspace_changed(self, event: Event) -> None:
        if event.kind in ("review_changed", "clips_changed"):
            self.refresh()
