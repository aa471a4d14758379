"""A scratch file to write, seek in and read back, sealed on disk with a key that only this object holds.

A muxer writing an MP4 goes back to fill in sizes (the `mdat` header) once the data is written, and a
film that is checked before it is sent is read again: neither can happen in the vault's sealed stream
format (storage/sealed_media.py), which is written once, front to back. This file can, and still
nothing of the film is ever on the disk in the clear:

- it has no name: it is made with O_TMPFILE in the vault's media folder (else made and unlinked at
  once), so a crash or kill -9 leaves nothing behind for anyone to find;
- its key is random, made here and never stored: even the blocks the kernel had not yet freed after a
  crash cannot be read by anyone, the vault's owner included;
- every segment is AES-256-GCM with a fresh random nonce each time it is written (a segment may be
  written several times), the segment's number in the associated data (segments cannot be swapped).

Memory holds one segment (1 MiB) in the clear, whatever the size of the file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.atomic import temp_name_for
from storage.sealed_media import SealedMediaError
from vigtool.media.raw_reader import PositionedRawReader

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

SEGMENT = 1 << 20
_NONCE, _TAG = 12, 16


def _nameless_file(folder: Path) -> int:
    flag = getattr(os, "O_TMPFILE", 0)
    if flag:
        with contextlib.suppress(OSError):  # a file system without O_TMPFILE: a name, removed at once
            return os.open(folder, flag | os.O_RDWR, 0o600)
    path = temp_name_for(folder / "scratch.vigm")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    path.unlink()
    return fd


class SealedScratch(PositionedRawReader):
    """A readable, writable, seekable file whose bytes on disk are sealed; `name` is for messages. Its
    position, size and seeking are the vault's readers' (PositionedRawReader); it adds writing."""

    def __init__(self, folder: Path, name: str, segment_size: int = SEGMENT) -> None:
        super().__init__()
        self.name_for_messages = name
        self._fd = _nameless_file(folder)
        self._cipher = AESGCM(AESGCM.generate_key(bit_length=256))
        self._segment_size = segment_size
        self._index = -1  # the segment held in memory, in the clear
        self._held = bytearray()
        self._dirty = False
        self._sealed_lengths: dict[int, int] = {}  # plaintext bytes of each segment on the disk

    def fileno(self) -> int:
        return self._fd

    def writable(self) -> bool:
        return True

    def _slot(self, index: int) -> int:
        return index * (_NONCE + self._segment_size + _TAG)

    def _hold(self, index: int) -> None:
        """Bring segment `index` into memory (written back first: the one held before, if changed)."""
        if index == self._index:
            return
        self._flush()
        length = self._sealed_lengths.get(index, 0)
        self._held = bytearray()
        if length:
            sealed = os.pread(self._fd, _NONCE + length + _TAG, self._slot(index))
            try:
                self._held = bytearray(self._cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:],
                                                            index.to_bytes(8, "big")))
            except InvalidTag as exc:
                raise SealedMediaError(self.name_for_messages, "was changed on the disk while it was being "
                                       "made") from exc
        self._index = index

    def _flush(self) -> None:
        if self._dirty:
            nonce = os.urandom(_NONCE)
            sealed = nonce + self._cipher.encrypt(nonce, bytes(self._held), self._index.to_bytes(8, "big"))
            os.pwrite(self._fd, sealed, self._slot(self._index))
            self._sealed_lengths[self._index] = len(self._held)
            self._dirty = False

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            index, offset = divmod(self._pos, self._segment_size)
            self._hold(index)
            if offset > len(self._held):  # written past the end: the gap reads as zeros
                self._held.extend(bytes(offset - len(self._held)))
            part = view[done:done + self._segment_size - offset]
            self._held[offset:offset + len(part)] = part
            self._dirty = True
            done += len(part)
            self._pos += len(part)
            self._size = max(self._size, self._pos)
        return done

    def readinto(self, buffer: WriteableBuffer) -> int:
        out = memoryview(buffer).cast("B")
        wanted = max(0, min(len(out), self._size - self._pos))
        done = 0
        while done < wanted:
            index, offset = divmod(self._pos, self._segment_size)
            self._hold(index)
            part = self._held[offset:offset + wanted - done]
            if not part:  # past what was written of a segment before the last: zeros
                part = bytearray(min(wanted - done, self._segment_size - offset))
            out[done:done + len(part)] = part
            done += len(part)
            self._pos += len(part)
        return done

    def flush(self) -> None:
        if not self.closed:
            self._flush()

    def close(self) -> None:
        if not self.closed:
            self._held = bytearray()
            self._dirty = False
            with contextlib.suppress(OSError):
                os.close(self._fd)
        super().close()
