"""Files that appear whole or not at all: write a temp name in the same folder, fsync, rename, fsync the folder
(or, for plaintext the user asked for, an unnamed file linked in when whole: `publish`).

A crash (or kill -9) at any point leaves either the old file or the new one, plus at most a temp file
whose name starts with `.` and contains TEMP_MARK; vaults delete those when they are next opened.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterable
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
    """`data` at `path`, whole or not at all, readable by its owner only."""
    _publish_named(path, [data], 0o600)


def publish(path: Path, chunks: Iterable[bytes], *, mode: int = 0o644, replace: bool = False) -> None:
    """Write a file the user asked for in the clear so that no part of it is ever visible under any name
    until it is whole: the bytes go into an unnamed file in the target folder (O_TMPFILE), which is linked
    in as `path` only after fsync. A crash or kill -9 before that leaves nothing at all; the kernel frees
    the unnamed file. With `replace`, an existing `path` is replaced (a complete file then holds a temp
    name for the instant between link and rename). File systems without unnamed files (some network and
    FAT ones) get the temp-name-and-rename of AtomicFile instead.
    """
    if not replace and path.exists():
        raise FileExistsError(errno.EEXIST, "already exists", str(path))
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            raise
        _publish_named(path, chunks, mode)
        return
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(fd)
        os.fchmod(fd, mode)
        _link_in(fd, path, replace)
    finally:
        os.close(fd)


def _link_in(fd: int, path: Path, replace: bool) -> None:
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N gives the unnamed file a name; Python uses linkat
        # (not link, which would try to link the /proc entry itself) only when a directory fd is passed.
        name = temp_name_for(path).name if replace else path.name
        os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder, follow_symlinks=True)
        if replace:
            os.replace(name, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        os.fsync(folder)
    finally:
        os.close(folder)


def _publish_named(path: Path, chunks: Iterable[bytes], mode: int) -> None:
    target = AtomicFile(path)
    try:
        for chunk in chunks:
            target.handle.write(chunk)
        os.fchmod(target.handle.fileno(), mode)
        target.commit()
    except BaseException:
        target.discard()
        raise
