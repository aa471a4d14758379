"""Families in the window: named on import, renamed, and merged, each change one undoable step.

A Qt-free controller (the window's Families panel is a thin view over it). Its undo stack is its own: a
family's name is not part of any one film's work, so undoing a rename must not depend on which film is
open. Names are sealed in the vault like every other label.
"""

from __future__ import annotations

from collections.abc import Callable

from storage.families import FamilyError, FamilyStore, Merge
from vigtool.domain.events import EventEmitter
from vigtool.domain.model import Case
from vigtool.domain.undo import Changes, Command, UndoStack
from vigtool.services.vault import Vault

__all__ = ["Families", "FamilyError"]


class _Done(Command):
    """A change already made (it had to be tried to be refused in plain words): the stack's first redo,
    which push() runs at once, does nothing; later redos make it again."""

    def __init__(self, text: str, do: Callable[[], None], undo: Callable[[], None]) -> None:
        self.text, self._do, self._undo = text, do, undo
        self._made = True

    def redo(self) -> Changes:
        if self._made:
            self._made = False
        else:
            self._do()
        return Changes()

    def undo(self) -> Changes:
        self._undo()
        return Changes()


class Families:
    """The vault's families; emits "families_changed" after every change, undo and redo."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._store = FamilyStore(vault.db, vault.repo.sealer)
        self.events = EventEmitter()
        self.undo_stack = UndoStack()
        self.last_label: str | None = None  # the family the last import went into: offered for the next

    def all(self) -> list[Case]:
        return self._vault.repo.cases.list()

    def labels(self) -> list[str]:
        return [case.label for case in self.all()]

    def label_of(self, case_id: int) -> str:
        return self._vault.repo.cases.get(case_id).label

    def family_of(self, recording_id: int) -> int:
        """The family a film is in now (a merge moves films)."""
        return self._vault.repo.recordings.get(recording_id).case_id

    def offered_label(self, open_case_id: int | None) -> str:
        """What the import offers: the open film's family, else the last family imported into, else a new
        name that is not taken yet ("Family A", "Family B", …)."""
        if open_case_id is not None:
            return self.label_of(open_case_id)
        taken = {label.casefold() for label in self.labels()}
        if self.last_label is not None and self.last_label.casefold() in taken:
            return self.last_label
        return next(f"Family {letter}" for letter in _letters() if f"family {letter}".casefold() not in taken)

    def imported_into(self, label: str) -> None:
        self.last_label = label.strip()

    def rename(self, case_id: int, label: str) -> None:
        old, new = self.label_of(case_id), label.strip()
        if new == old:
            return
        self._store.rename(case_id, new)  # checked first: a refused name is never on the stack
        self._push(_Done(f"Rename family to {new}", lambda: self._store.rename(case_id, new),
                         lambda: self._store.rename(case_id, old)))

    def merge(self, removed_id: int, into_id: int) -> None:
        """Fold family `removed_id` into `into_id` (its films and review go with it)."""
        merged: list[Merge] = [self._store.merge(removed_id, into_id)]
        label = self.label_of(into_id)

        def redo() -> None:
            merged[0] = self._store.merge(removed_id, into_id)

        self._push(_Done(f"Merge into {label}", redo, lambda: self._store.unmerge(merged[0])))

    def _push(self, step: _Done) -> None:
        self.undo_stack.push(step)
        self.events.emit("families_changed", self)

    def undo(self) -> str:
        text = self.undo_stack.undo_text
        self.undo_stack.undo()
        self.events.emit("families_changed", self)
        return text

    def redo(self) -> str:
        text = self.undo_stack.redo_text
        self.undo_stack.redo()
        self.events.emit("families_changed", self)
        return text


def _letters() -> list[str]:
    single = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    return single + [a + b for a in single for b in single]
