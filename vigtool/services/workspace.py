"""The micro-analysis workspace of one recording: every user change an undoable operation, kept at once.

Each operation writes to the vault in one short SQLite transaction (synchronous=FULL: on disk when it
returns) and only then updates the in-memory model, whose events repaint the timeline. So nothing is ever
unsaved, a failed write changes nothing on screen, and killing the app right after an edit loses nothing.
An edit is a single-row write of a few milliseconds (bench/workspace_edits.py), so operations run where
they are called; long work (import, previews, export, analysis) runs on worker threads instead.

The workspace keeps the one undo history and the codebook, and is composed of focused parts
(vigtool.services.editing), each pushing its changes onto that history: `marks`, `tracks`, `chains`
(turn-taking), `clips`, `stills`, `review` (the case's shared review) and `suggestions`.
"""

from __future__ import annotations

from collections.abc import Callable

from storage.repository import Repository
from vigtool.domain.annotation_layer import AnnotationLayer
from vigtool.domain.codebook import Codebook
from vigtool.domain.events import EventEmitter
from vigtool.domain.model import Recording
from vigtool.domain.undo import Changes, UndoStack
from vigtool.services.editing.clips import Clips, Stills
from vigtool.services.editing.marks import Marks
from vigtool.services.editing.review import CaseReview
from vigtool.services.editing.steps import Step
from vigtool.services.editing.suggestions import Suggestions
from vigtool.services.editing.tracks import Tracks
from vigtool.services.editing.turns import TurnChains
from vigtool.services.lanes import LaneChoice, People


class Workspace:
    """Tracks, annotations, turn-taking chains, clips and stills of one recording, with undo and redo."""

    def __init__(self, repo: Repository, recording: Recording, people: People | None = None) -> None:
        self.repo = repo
        self.recording = recording
        self.layer = AnnotationLayer(repo.tracks.list(recording.id), repo.annotations.list(recording.id))
        self.lanes = LaneChoice(self.layer, people)  # the current lane; someone else's lanes refuse changes
        self.codebook = repo.codebook.load()
        self.undo_stack = UndoStack()
        # "chains_changed", "clips_changed", "codebook_changed", "review_changed", "suggestions_changed"
        self.events = EventEmitter()
        self.tracks = Tracks(self)
        self.marks = Marks(self)
        self.chains = TurnChains(self, repo.chains.list(recording.id))
        self.clips = Clips(self, repo.clips.list(recording.id))
        self.stills = Stills(self, repo.stills.list(recording.id))
        self.review = CaseReview(self)
        self.suggestions = Suggestions(self, repo.suggestions.list(recording.id))

    def replace_codebook(self, book: Codebook, text: str = "Change codebook") -> None:
        """A new codebook for the vault (a key rebound, a code renamed, a JSON file imported)."""
        old, new = self.codebook.copy(), book.copy()

        def put(value: Codebook) -> Callable[[], Changes]:
            def apply() -> Changes:
                self.repo.codebook.save(value)
                self.codebook = value.copy()
                self.events.emit("codebook_changed", self)
                return Changes(codebook=True)
            return apply

        self.undo_stack.push(Step(text, put(new), put(old)))

    def undo(self) -> Changes:
        return self.undo_stack.undo()

    def redo(self) -> Changes:
        return self.undo_stack.redo()
