"""The vault's media format: a film (or a preview made from it) as segmented AES-256-GCM.

Layout (format version 1):

    header   48 bytes, in the clear: magic "VIGMEDIA", version (u16), kind (u8), 0 (u8),
             segment size (u32), media id (16 bytes), salt (16 bytes)
    segment  ciphertext of `segment size` bytes of the plaintext (the last one may be shorter) + 16-byte tag

Each file gets its own AES key, HKDF(recording's data key, salt, header), so a file key encrypts one
file only and segment nonces can simply count: nonce = segment index (11 bytes) + final flag (1 byte).
The whole header is the associated data of every segment. So a flipped byte anywhere, a segment moved or
swapped, a file cut short or lengthened at a segment boundary, a header edited, or one recording's file
put in another's place: each fails authentication. Decrypting is not the bottleneck: AES-GCM runs at
gigabytes per second here; see bench/import_throughput.py.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vigtool.media.errors import MediaError
from vigtool.media.raw_reader import PositionedRawReader

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

BytesLike = bytes | bytearray | memoryview

MAGIC = b"VIGMEDIA"
FORMAT_VERSION = 1
HEADER = struct.Struct(">8sHBBI16s16s")
TAG_BYTES = 16
DEFAULT_SEGMENT_SIZE = 1 << 20
MAX_SEGMENT_SIZE = 64 << 20


class MediaKind(IntEnum):
    FILM = 1
    FILMSTRIP = 2
    AUDIO_ENVELOPE = 3
    PACKAGE = 4  # an export package's contents (storage/package.py), after the package's own preamble
    WORKING_COPY = 5  # a lighter copy of a heavy film for watching (vigtool/services/working_copy.py)
    WORKING_COPY_PIECE = 6  # a finished piece of a working copy being made (resumed from after a crash)


class SealedMediaError(MediaError):
    """A vault media file that is damaged, cut short, swapped or not what was expected."""


@dataclass(frozen=True)
class Header:
    kind: MediaKind
    segment_size: int
    media_id: str  # 32 hex digits
    salt: bytes

    def pack(self) -> bytes:
        return HEADER.pack(MAGIC, FORMAT_VERSION, int(self.kind), 0, self.segment_size,
                           bytes.fromhex(self.media_id), self.salt)

    @classmethod
    def unpack(cls, data: bytes, name: str) -> Header:
        if len(data) < HEADER.size:
            raise SealedMediaError(name, "is cut short (no complete header)")
        magic, version, kind, _zero, segment_size, media_id, salt = HEADER.unpack(data[:HEADER.size])
        if magic != MAGIC:
            raise SealedMediaError(name, "is not a vigtool vault media file")
        if version != FORMAT_VERSION:
            raise SealedMediaError(name, f"uses media format version {version}, which this vigtool cannot read")
        if kind not in MediaKind.__members__.values() or not 0 < segment_size <= MAX_SEGMENT_SIZE:
            raise SealedMediaError(name, "has a damaged header")
        return cls(MediaKind(kind), segment_size, media_id.hex(), salt)


def _file_cipher(data_key: bytes, header: bytes) -> AESGCM:
    salt = header[-16:]
    return AESGCM(HKDF(hashes.SHA256(), 32, salt=salt, info=b"vigtool/media/v1|" + header).derive(data_key))


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class SealedMediaWriter:
    """Encrypts a stream into `sink`, one segment at a time; call `finish()` after the last byte.

    One full segment is always held back until more data arrives, because only `finish()` knows which
    segment is the last one (and the last one is sealed as such).
    """

    def __init__(self, sink: BinaryIO, data_key: bytes, media_id: str, kind: MediaKind,
                 segment_size: int = DEFAULT_SEGMENT_SIZE) -> None:
        self._sink = sink
        self._segment_size = segment_size
        self._header = Header(kind, segment_size, media_id, os.urandom(16)).pack()
        self._cipher = _file_cipher(data_key, self._header)
        self._pending = bytearray()
        self._index = 0
        self._finished = False
        self.plaintext_bytes = 0
        sink.write(self._header)

    def write(self, data: BytesLike) -> None:
        if self._finished:
            raise ValueError("the sealed file is already finished")
        view = memoryview(data)
        self._pending += view
        self.plaintext_bytes += view.nbytes
        size = self._segment_size
        if len(self._pending) > size:
            whole = (len(self._pending) - 1) // size  # keep at least one byte back for the final segment
            for k in range(whole):
                self._emit(memoryview(self._pending)[k * size:(k + 1) * size], final=False)
            del self._pending[:whole * size]

    def _emit(self, plaintext: BytesLike, *, final: bool) -> None:
        self._sink.write(self._cipher.encrypt(_nonce(self._index, final), bytes(plaintext), self._header))
        self._index += 1

    def finish(self) -> None:
        """Seal what is left as the final segment (an empty film still gets one, so it is not 'cut short')."""
        if not self._finished:
            self._emit(self._pending, final=True)
            self._pending = bytearray()
            self._finished = True


class SealedMediaReader(PositionedRawReader):
    """A seekable, read-only file object over a sealed file: PyAV and QIODevice read films through it.

    Segments are decrypted when first touched and the last few are kept, so sequential reads decrypt
    each segment once. The final segment is checked at open, so a file cut short fails straight away.
    """

    _CACHE = 4

    def __init__(self, path: Path, data_key: bytes, media_id: str, kind: MediaKind, name: str | None = None, *,
                 offset: int = 0, end: int | None = None) -> None:
        """`offset`, `end`: where the sealed part starts and stops in the file (a package has a preamble
        before it, a signed one a signature after it)."""
        super().__init__()
        self.name_for_messages = name or str(path)
        self._offset, self._end = offset, end
        try:
            self._raw = path.open("rb", buffering=0)
        except FileNotFoundError as exc:
            raise SealedMediaError(self.name_for_messages, "is missing from the vault") from exc
        except OSError as exc:
            raise SealedMediaError(self.name_for_messages, f"cannot be read ({exc.strerror})") from exc
        try:
            self._open(data_key, media_id, kind)
        except BaseException:
            self._raw.close()
            raise

    def _open(self, data_key: bytes, media_id: str, kind: MediaKind) -> None:
        name = self.name_for_messages
        self._header_bytes = os.pread(self._raw.fileno(), HEADER.size, self._offset)
        header = Header.unpack(self._header_bytes, name)
        if header.media_id != media_id or header.kind != kind:
            raise SealedMediaError(name, "belongs to another recording (files were swapped or renamed)")
        self._segment_size = header.segment_size
        self._cipher = _file_cipher(data_key, self._header_bytes)
        size = os.fstat(self._raw.fileno()).st_size if self._end is None else self._end
        body = size - self._offset - HEADER.size
        stride = self._segment_size + TAG_BYTES
        self._segments = max(1, -(-body // stride))
        last = body - (self._segments - 1) * stride - TAG_BYTES
        if last < 0:
            raise SealedMediaError(name, "is cut short (its last part is incomplete)")
        self._size = (self._segments - 1) * self._segment_size + last
        self._cache: dict[int, bytes] = {}
        self._segment(self._segments - 1)

    @property
    def segment_count(self) -> int:
        return self._segments

    def _segment(self, index: int) -> bytes:
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        final = index == self._segments - 1
        stride = self._segment_size + TAG_BYTES
        length = (self._size - index * self._segment_size if final else self._segment_size) + TAG_BYTES
        sealed = os.pread(self._raw.fileno(), length, self._offset + HEADER.size + index * stride)
        try:
            plain = self._cipher.decrypt(_nonce(index, final), sealed, self._header_bytes)
        except (InvalidTag, ValueError) as exc:
            raise SealedMediaError(self.name_for_messages, f"is damaged: part {index + 1} of {self._segments} "
                                   "does not decrypt (changed, cut short or moved)") from exc
        if len(self._cache) >= self._CACHE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[index] = plain
        return plain

    def segments(self) -> Iterator[bytes]:
        """Every segment's plaintext, in order, without filling the cache (for verify and copies)."""
        for index in range(self._segments):
            plain = self._segment(index)
            self._cache.pop(index, None)
            yield plain

    # -- io.RawIOBase (position and seeking come from PositionedRawReader) ----------------------
    def readinto(self, buffer: WriteableBuffer) -> int:
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._pos < self._size:
            index, offset = divmod(self._pos, self._segment_size)
            chunk = self._segment(index)[offset:offset + len(out) - done]
            out[done:done + len(chunk)] = chunk
            done += len(chunk)
            self._pos += len(chunk)
        return done

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
            self._cache.clear()
        super().close()


def read_header(path: Path) -> Header:
    with path.open("rb") as handle:
        return Header.unpack(handle.read(HEADER.size), str(path))
