"""Media errors that name the file and say, in plain words, what is wrong with it."""

from __future__ import annotations


class MediaError(Exception):
    """A file that vigtool cannot use as a recording. The message names the file and the problem."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem
