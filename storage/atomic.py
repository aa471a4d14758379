"""Files that appear whole or not at all: write a temp name in the same folder, fsync, rename, fsync the folder.

A crash (or kill -9) at any point leaves either the old file or the new one, plus at most a temp file
whose name starts with `.` and contains TEMP_MARK; vaults delete those when they are next opened.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO

TEMP_MARK = ".tmp-"


def temp_name_for(path: Path) -> Path:
    return path.with_name(f".{path.name}{TEMP_MARK}{secrets.token_hex(6)}")


def is_temp_name(path: Path) -> bool:
    return path.name.startswith(".") and TEMP_MARK in path.name


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A file written under a temp name; `commit()` makes it appear at `path`, `discard()` removes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temp = temp_name_for(path)
        # Owner-only from the first byte: the folder may be shared, the content never is.
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._handle: BinaryIO | None = os.fdopen(fd, "wb")

    @property
    def handle(self) -> BinaryIO:
        if self._handle is None:
            raise ValueError(f"{self.path}: already committed or discarded")
        return self._handle

    def commit(self) -> None:
        handle = self.handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        self._handle = None
        self.temp.replace(self.path)
        fsync_dir(self.path.parent)

    def discard(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()


def write_atomically(path: Path, data: bytes) -> None:
    target = AtomicFile(path)
    try:
        target.handle.write(data)
        target.commit()
    except BaseException:
        target.discard()
        raise
