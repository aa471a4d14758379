"""The undo step every part of a workspace pushes: a command made of two functions."""

from __future__ import annotations

from collections.abc import Callable

from vigtool.domain.undo import Changes, Command


class Step(Command):
    """A command from two functions; merging keeps the first undo and the newest redo."""

    def __init__(self, text: str, do: Callable[[], Changes], undo: Callable[[], Changes],
                 merge_key: str | None = None) -> None:
        self.text, self._do, self._undo, self.merge_key = text, do, undo, merge_key

    def redo(self) -> Changes:
        return self._do()

    def undo(self) -> Changes:
        return self._undo()

    def merge(self, newer: Command) -> bool:
        if not isinstance(newer, Step):
            return False
        self._do = newer._do
        return True
