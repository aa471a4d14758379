"""A file that lives in memory but has a path, so ffmpeg (a child process) and PyAV can write and read it.

Clips exported into an encrypted package are made in one of these: the smart cut, the re-encode and the
check all want a seekable file by name, and the package must not leave plaintext footage on the disk on
the way. Linux's memfd gives exactly that; the memory is the process's own (swap is the operating
system's business, as for any decoded frame).
"""

from __future__ import annotations

import os
from pathlib import Path


class MemoryFile:
    """An anonymous in-memory file. Pass `fds` to a child process so `path` names it there too."""

    def __init__(self, name: str) -> None:
        create = getattr(os, "memfd_create", None)
        if create is None:
            raise OSError("in-memory files (memfd) are not available on this system")
        self.fd: int = create(name, os.MFD_CLOEXEC)

    @property
    def path(self) -> Path:
        # The same number in a child that inherited the descriptor (subprocess keeps numbers in pass_fds).
        return Path(f"/proc/self/fd/{self.fd}")

    @property
    def fds(self) -> tuple[int, ...]:
        return (self.fd,)

    @property
    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> MemoryFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
