"""The position bookkeeping shared by vigtool's own read-only file objects (the vault's decrypting
reader, the import's tee): readable, seekable, a known size, and `tell`/`seek` by the io rules."""

from __future__ import annotations

import io


class PositionedRawReader(io.RawIOBase):
    """Subclasses set `_size` and implement `readinto` from `_pos`, moving it forward by what they return."""

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

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (the rest when negative) in one readinto: RawIOBase's own would go through
        readall in small steps."""
        if size is None or size < 0:
            size = self._size - self._pos
        buffer = bytearray(max(0, min(size, self._size - self._pos)))
        got = self.readinto(buffer)
        return bytes(buffer[:got])

    def readall(self) -> bytes:
        return self.read(-1)
