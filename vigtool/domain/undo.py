"""Undo and redo as commands, not snapshots (as Anki, Shotcut and Kdenlive do it).

A command knows how to do and undo one user change and reports what it changed. `UndoStack.push()` runs
it at once (like QUndoStack); consecutive commands with the same merge key become one step (typing a note
is one undo step, not one per letter). A command that fails to run is not pushed, so the stack never holds
a change that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigtool.domain.events import EventEmitter


@dataclass
class Changes:
    """What an operation changed, so a front end refreshes exactly that (Anki's OpChanges)."""

    annotations: set[int] = field(default_factory=set)
    tracks: set[int] = field(default_factory=set)
    chains: bool = False
    clips: bool = False
    codebook: bool = False
    review: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.annotations | other.annotations, self.tracks | other.tracks,
                       self.chains or other.chains, self.clips or other.clips, self.codebook or other.codebook,
                       self.review or other.review)


class Command:
    """One user change. Subclasses implement `redo` and `undo`; both return what they changed."""

    text = "change"
    merge_key: str | None = None  # consecutive commands with the same key merge into one step

    def redo(self) -> Changes:
        raise NotImplementedError

    def undo(self) -> Changes:
        raise NotImplementedError

    def merge(self, newer: Command) -> bool:  # noqa: ARG002 - subclasses that merge use it
        """Absorb `newer` (already done) into this step; False if it cannot."""
        return False


class UndoStack:
    """Done commands below the index, undone ones above it. Emits "changed" after every move."""

    def __init__(self) -> None:
        self.events = EventEmitter()
        self._commands: list[Command] = []
        self._index = 0

    def push(self, command: Command) -> Changes:
        changes = command.redo()
        del self._commands[self._index:]
        previous = self._commands[-1] if self._commands else None
        if not (previous is not None and command.merge_key is not None
                and previous.merge_key == command.merge_key and previous.merge(command)):
            self._commands.append(command)
        self._index = len(self._commands)
        self.events.emit("changed", self)
        return changes

    def undo(self) -> Changes:
        if not self.can_undo:
            return Changes()
        changes = self._commands[self._index - 1].undo()
        self._index -= 1
        self.events.emit("changed", self)
        return changes

    def redo(self) -> Changes:
        if not self.can_redo:
            return Changes()
        changes = self._commands[self._index].redo()
        self._index += 1
        self.events.emit("changed", self)
        return changes

    def seal(self) -> None:
        """End merging: the next command starts a new step even if its merge key matches."""
        if self.can_undo:
            self._commands[self._index - 1].merge_key = None

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    @property
    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo else ""

    def __len__(self) -> int:
        return len(self._commands)

    def clear(self) -> None:
        self._commands.clear()
        self._index = 0
        self.events.emit("changed", self)

