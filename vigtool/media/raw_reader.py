"""The position bookkeeping shared by vigtool's own read-only file objects (the vault's decrypting
reader, the import's tee): readable, seekable, a known size, and `tell`/`seek` by the io rules."""

from __future__ import annotations

import io


class PositionedRawReader(io.RawIOBase):
    """Subclasses set `_size` and read from `_pos`, moving it forward by what they return."""

    def __init__(self) -> None:
        super().__init__()
        self._pos = 0
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        bases = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}
        if whence not in bases:
            raise ValueError(f"unsupported whence {whence}")
        if bases[whence] + offset < 0:
            raise ValueError("negative seek position")
        self._pos = bases[whence] + offset
        return self._pos
