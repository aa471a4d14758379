"""A folder for a new vault, made from the name the practitioner typed, or a plain reason why it cannot be.

Qt-free: the window's folder chooser calls `make_folder` when the name typed is not a folder yet, and shows
the FolderError's words as they are (they name the folder and what is in the way).
"""

from __future__ import annotations

import contextlib
from pathlib import Path


class FolderError(Exception):
    """The folder cannot be made; the message names it and the problem, in words for the practitioner."""


def make_folder(path: Path) -> bool:
    """Make the folder `path` (with any folders missing above it); True if it was made now, False if it was a
    folder already. Raises FolderError when it cannot be: a file of that name, a file above it, no
    permission to write where it would go, or another error of the system's (its own words kept)."""
    if path.is_dir():
        return False
    if path.exists():
        raise FolderError(f"“{path.name}” in {path.parent} is a file, not a folder: type another name for the "
                          "new folder.")
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise FolderError(f"{above} is a file, so no folder can be made inside it: choose another place for "
                          f"“{path.name}”.")
    try:
        path.mkdir(parents=True)
    except PermissionError:
        raise FolderError(f"You may not make folders in {above or path.parent}, so “{path.name}” was not made: "
                          "choose a place of your own, such as your home folder.") from None
    except OSError as exc:
        raise FolderError(f"“{path.name}” could not be made in {path.parent} "
                          f"({exc.strerror or exc}).") from None
    return True


def remove_if_empty(path: Path) -> None:
    """Take away a folder made for a vault that was not created after all (nothing in it)."""
    with contextlib.suppress(OSError):
        path.rmdir()  # only an empty folder: anything the practitioner put there stays
