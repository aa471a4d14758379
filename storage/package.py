"""Encrypted packages: exported clips, stills and a handout in one file that only its passphrase opens.

A package is how footage travels when it must leave the vault but not in the clear: a review taken to
the family's home on a laptop, clips carried to a meeting on a stick. vigtool opens it again (and plays
from it without writing plaintext); `vigtool package open --extract` writes the files out on request.

Layout (format version 1):

    magic     8 bytes "VIGPKG01"
    length    u32, big-endian: the preamble's length
    preamble  JSON, in the clear: format, Argon2id cost, salt, media id, a check value
    contents  the sealed-media format (storage/sealed_media.py, kind PACKAGE, the preamble's media id):
              a tar stream of the files and, last, `manifest.json`

Keys: Argon2id(passphrase, salt) → HKDF with the preamble (without the check) as info → 32 bytes for the
contents and 16 bytes of check value. A wrong passphrase fails the check, so it is told apart from damage;
an edited preamble fails it too; everything after the preamble is authenticated by AES-GCM.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import io
import json
import os
import struct
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.keys import KdfParams, check_new_passphrase
from storage.sealed_media import MediaKind, SealedMediaError, SealedMediaReader, SealedMediaWriter
from vigtool.media.errors import MediaError
from vigtool.media.raw_reader import PositionedRawReader

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAGIC = b"VIGPKG01"
FORMAT_VERSION = 1
SUFFIX = ".vigpkg"
MANIFEST = "manifest.json"
_LENGTH = struct.Struct(">I")
_MAX_PREAMBLE = 64 * 1024


class PackageError(MediaError):
    """A package that cannot be written or opened; the message names the file and the problem."""


class PackagePassphraseError(PackageError):
    """The passphrase does not open this package."""


def _keys(passphrase: str, bound: bytes, kdf: KdfParams, salt: bytes) -> tuple[bytes, bytes]:
    stretched = kdf.derive(passphrase, salt)
    both = HKDF(hashes.SHA256(), 48, salt=None, info=b"vigtool/package/v1|" + bound).derive(stretched)
    return both[:32], both[32:]


def _bound(document: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in document.items() if k != "check"}, sort_keys=True).encode()


class PackageWriter:
    """Writes a new package at `path` (created owner-only; it must not exist). `commit(manifest)` finishes
    and syncs it; `discard()` removes it. Callers that want it to appear whole write to a temp name."""

    def __init__(self, path: Path, passphrase: str, kdf: KdfParams | None = None) -> None:
        check_new_passphrase(passphrase)
        kdf = kdf or KdfParams()
        salt, media_id = os.urandom(16), os.urandom(16).hex()
        document: dict[str, Any] = {
            "format": FORMAT_VERSION, "salt": base64.b64encode(salt).decode(), "media_id": media_id,
            "kdf": {"iterations": kdf.iterations, "lanes": kdf.lanes, "memory_cost_kib": kdf.memory_cost_kib}}
        data_key, check = _keys(passphrase, _bound(document), kdf, salt)
        document["check"] = base64.b64encode(check).decode()
        preamble = json.dumps(document, sort_keys=True).encode()
        self.path = path
        try:
            self._handle: BinaryIO = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        except OSError as exc:
            raise PackageError(str(path), f"cannot be written ({exc.strerror})") from exc
        try:
            self._handle.write(MAGIC + _LENGTH.pack(len(preamble)) + preamble)
            self._sealed = SealedMediaWriter(self._handle, data_key, media_id, MediaKind.PACKAGE)
            # The tar stream lives as long as the writer: closed by commit(), dropped by discard().
            self._tar = tarfile.open(  # noqa: SIM115
                fileobj=self._sealed, mode="w|", format=tarfile.PAX_FORMAT)  # type: ignore[call-overload]
        except OSError as exc:
            self.discard()
            raise PackageError(str(path), f"cannot be written ({exc.strerror})") from exc
        self._names: set[str] = set()

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        clean = PurePosixPath(name)
        if clean.is_absolute() or ".." in clean.parts or name in self._names or name == MANIFEST:
            raise ValueError(f"{name!r} cannot be a file name in a package")
        self._names.add(name)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(time.time()), 0o644
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self._write(self._info(name, len(data)), io.BytesIO(data))

    def add_file(self, name: str, handle: BinaryIO, size: int) -> None:
        """Stream `size` bytes from `handle` into the package as `name`."""
        self._write(self._info(name, size), handle)

    def _write(self, info: tarfile.TarInfo, handle: BinaryIO) -> None:
        try:
            self._tar.addfile(info, handle)
        except OSError as exc:
            self.discard()
            raise PackageError(str(self.path), f"cannot be written ({exc.strerror})") from exc

    def commit(self, manifest: dict[str, Any]) -> None:
        body = json.dumps({"format": FORMAT_VERSION, **manifest}, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), int(time.time()), 0o644
        try:
            self._tar.addfile(info, io.BytesIO(body))
            self._tar.close()
            self._sealed.finish()
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        except OSError as exc:
            self.discard()
            raise PackageError(str(self.path), f"cannot be written ({exc.strerror})") from exc

    def discard(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._handle.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


class PackageMember(PositionedRawReader):
    """One file inside a package, readable and seekable (PyAV and Qt's player read clips through it)."""

    def __init__(self, contents: SealedMediaReader, offset: int, size: int, name: str) -> None:
        super().__init__()
        self._contents, self._offset, self._size = contents, offset, size
        self.name_for_messages = name

    def readinto(self, buffer: WriteableBuffer) -> int:
        out = memoryview(buffer).cast("B")
        wanted = max(0, min(len(out), self._size - self._pos))
        if wanted == 0:
            return 0
        self._contents.seek(self._offset + self._pos)
        got = self._contents.readinto(out[:wanted])
        self._pos += got
        return got

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        buffer = bytearray(max(0, min(size, self._size - self._pos)))
        got = self.readinto(buffer)
        return bytes(buffer[:got])

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if not self.closed:
            self._contents.close()
        super().close()


def _read_preamble(path: Path) -> tuple[dict[str, Any], int]:
    """The preamble's document and where the sealed contents start."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(len(MAGIC) + _LENGTH.size)
            if len(head) < len(MAGIC) + _LENGTH.size or head[:len(MAGIC)] != MAGIC:
                raise PackageError(name, "is not a vigtool package")
            (length,) = _LENGTH.unpack(head[len(MAGIC):])
            if length > _MAX_PREAMBLE:
                raise PackageError(name, "has a damaged header")
            preamble = handle.read(length)
    except FileNotFoundError as exc:
        raise PackageError(name, "does not exist") from exc
    except OSError as exc:
        raise PackageError(name, f"cannot be read ({exc.strerror})") from exc
    try:
        document = json.loads(preamble)
    except ValueError as exc:
        raise PackageError(name, "has a damaged header") from exc
    if not isinstance(document, dict):
        raise PackageError(name, "has a damaged header")
    return document, len(MAGIC) + _LENGTH.size + length


class PackageReader:
    """An opened package: its manifest, its file names, and each file as a decrypting reader."""

    def __init__(self, path: Path, passphrase: str) -> None:
        self.path = path
        name = str(path)
        document, self._offset = _read_preamble(path)
        try:
            if document.get("format") != FORMAT_VERSION:
                raise PackageError(name, f"uses package format {document.get('format')}, which this vigtool "
                                   "cannot open")
            kdf = KdfParams(**{k: int(v) for k, v in document["kdf"].items()})
            salt = base64.b64decode(document["salt"])
            stored_check = base64.b64decode(document["check"])
            self._media_id = str(document["media_id"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PackageError(name, "has a damaged header") from exc
        self._data_key, check = _keys(passphrase, _bound(document), kdf, salt)
        if not hmac.compare_digest(check, stored_check):
            raise PackagePassphraseError(name, "does not open with this passphrase (or its header was changed)")
        self._members: dict[str, tuple[int, int]] = {}
        contents = self._contents()
        try:
            with tarfile.open(fileobj=contents, mode="r:") as tar:
                for info in tar:
                    if info.isfile():
                        self._members[info.name] = (info.offset_data, info.size)
        except tarfile.TarError as exc:
            raise PackageError(name, f"is damaged ({exc})") from exc
        finally:
            contents.close()
        if MANIFEST not in self._members:
            raise PackageError(name, "is incomplete (it has no manifest)")
        try:
            manifest = json.loads(self.read_bytes(MANIFEST))
        except ValueError as exc:
            raise PackageError(name, "has a damaged manifest") from exc
        if not isinstance(manifest, dict):
            raise PackageError(name, "has a damaged manifest")
        self.manifest: dict[str, Any] = manifest

    def _contents(self) -> SealedMediaReader:
        try:
            return SealedMediaReader(self.path, self._data_key, self._media_id, MediaKind.PACKAGE,
                                     str(self.path), offset=self._offset)
        except SealedMediaError as exc:
            raise PackageError(str(self.path), exc.problem) from exc

    @property
    def names(self) -> list[str]:
        return [n for n in self._members if n != MANIFEST]

    def open(self, name: str) -> PackageMember:
        """`name`'s content, decrypted as it is read. Close it when done."""
        if name not in self._members:
            raise PackageError(str(self.path), f"holds no file named {name!r}")
        offset, size = self._members[name]
        return PackageMember(self._contents(), offset, size, f"{name} in {self.path.name}")

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as member:
            return member.read()

    def chunks(self, name: str, size: int = 1 << 20) -> Iterator[bytes]:
        with self.open(name) as member:
            while chunk := member.read(size):
                yield chunk
