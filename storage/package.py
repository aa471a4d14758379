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

A package *for a person* (supervision, and the comments that come back) has no passphrase: the preamble
names the recipient's fingerprint, the sender's public keys and a fresh X25519 key; the content key comes
from X25519(fresh key, recipient's key) through the same HKDF. The sender signs (Ed25519) the SHA-256 of
everything before a 72-byte trailer ("VIGSIG01" + signature), so a changed byte or a forged sender shows.
Each such package has a random id and the sender's sequence number (a clock reading), so a receiver can
tell the same package again from an older one sent earlier.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import os
import struct
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.identity import Identity, PublicIdentity
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
_RAW, _RAW_PUBLIC = serialization.Encoding.Raw, serialization.PublicFormat.Raw
_LENGTH = struct.Struct(">I")
_MAX_PREAMBLE = 64 * 1024
SIGNATURE_MAGIC = b"VIGSIG01"
TRAILER_SIZE = len(SIGNATURE_MAGIC) + 64


class PackageError(MediaError):
    """A package that cannot be written or opened; the message names the file and the problem."""


class PackagePassphraseError(PackageError):
    """The passphrase does not open this package."""


def _keys(passphrase: str, bound: bytes, kdf: KdfParams, salt: bytes) -> tuple[bytes, bytes]:
    return _expand(kdf.derive(passphrase, salt), bound)


def _expand(secret: bytes, bound: bytes) -> tuple[bytes, bytes]:
    both = HKDF(hashes.SHA256(), 48, salt=None, info=b"vigtool/package/v1|" + bound).derive(secret)
    return both[:32], both[32:]


def _signed_message(digest: bytes) -> bytes:
    return b"vigtool-package-v1|" + digest


class _HashingWriter:
    """Passes writes on and hashes them (the sender signs the hash of the whole package)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.digest.update(data)
        return self.handle.write(data)


def _bound(document: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in document.items() if k != "check"}, sort_keys=True).encode()


class PackageWriter:
    """Writes a new package at `path` (created owner-only; it must not exist). `commit(manifest)` finishes
    and syncs it; `discard()` removes it. Callers that want it to appear whole write to a temp name."""

    def __init__(self, path: Path, passphrase: str, kdf: KdfParams | None = None) -> None:
        check_new_passphrase(passphrase)
        kdf = kdf or KdfParams()
        salt = os.urandom(16)
        document: dict[str, Any] = {
            "format": FORMAT_VERSION, "salt": base64.b64encode(salt).decode(), "media_id": os.urandom(16).hex(),
            "kdf": {"iterations": kdf.iterations, "lanes": kdf.lanes, "memory_cost_kib": kdf.memory_cost_kib}}
        data_key, check = _keys(passphrase, _bound(document), kdf, salt)
        self._signer: Identity | None = None
        self._start(path, document, data_key, check)

    @classmethod
    def for_recipient(cls, path: Path, sender: Identity, recipient: PublicIdentity, kind: str,
                      sequence: int) -> PackageWriter:
        """A package only `recipient` can open, signed by `sender`."""
        fresh = X25519PrivateKey.generate()
        document: dict[str, Any] = {
            "format": FORMAT_VERSION, "media_id": os.urandom(16).hex(), "kind": kind, "to": recipient.fingerprint,
            "ephemeral": base64.b64encode(fresh.public_key().public_bytes(_RAW, _RAW_PUBLIC)).decode(),
            "sender": {"name": sender.public.name, "x25519": base64.b64encode(sender.public.x25519).decode(),
                       "ed25519": base64.b64encode(sender.public.ed25519).decode()},
            "package_id": os.urandom(16).hex(), "sequence": sequence}
        shared = fresh.exchange(X25519PublicKey.from_public_bytes(recipient.x25519))
        data_key, check = _expand(shared, _bound(document))
        writer = cls.__new__(cls)
        writer._signer = sender
        writer._start(path, document, data_key, check)
        return writer

    def _start(self, path: Path, document: dict[str, Any], data_key: bytes, check: bytes) -> None:
        document["check"] = base64.b64encode(check).decode()
        preamble = json.dumps(document, sort_keys=True).encode()
        self.path = path
        try:
            self._handle: BinaryIO = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        except OSError as exc:
            raise PackageError(str(path), f"cannot be written ({exc.strerror})") from exc
        self._hashing = _HashingWriter(self._handle)
        try:
            self._hashing.write(MAGIC + _LENGTH.pack(len(preamble)) + preamble)
            self._sealed = SealedMediaWriter(self._hashing, data_key, str(document["media_id"]),  # type: ignore[arg-type]
                                             MediaKind.PACKAGE)
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

    def add_file(self, name: str, handle: BinaryIO | io.RawIOBase, size: int) -> None:
        """Stream `size` bytes from `handle` into the package as `name`."""
        self._write(self._info(name, size), cast(BinaryIO, handle))

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
            if self._signer is not None:
                signature = self._signer.sign(_signed_message(self._hashing.digest.digest()))
                self._handle.write(SIGNATURE_MAGIC + signature)
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


def is_for_person(path: Path) -> bool:
    """Whether the package at `path` was made for a person (opened with a key, not a passphrase)."""
    document, _ = _read_preamble(path)
    return "to" in document


class PackageReader:
    """An opened package: its manifest, its file names, and each file as a decrypting reader."""

    def __init__(self, path: Path, passphrase: str | None = None, *, identity: Identity | None = None,
                 contacts: list[PublicIdentity] | None = None) -> None:
        """Open with the passphrase, or, for a package made for a person, as `identity` (whose `contacts`
        are the only senders trusted)."""
        self.path = path
        name = str(path)
        document, self._offset = _read_preamble(path)
        self._end: int | None = None
        self.sender: PublicIdentity | None = None
        try:
            if document.get("format") != FORMAT_VERSION:
                raise PackageError(name, f"uses package format {document.get('format')}, which this vigtool "
                                   "cannot open")
            stored_check = base64.b64decode(document["check"])
            self._media_id = str(document["media_id"])
            self.kind = str(document.get("kind", "export"))
            self.package_id = str(document.get("package_id", self._media_id))
            self.sequence = int(document.get("sequence", 0))
            if "to" in document:
                self._data_key, check = self._for_person(document, identity, contacts or [])
            else:
                if passphrase is None:
                    raise PackagePassphraseError(name, "needs its passphrase")
                kdf = KdfParams(**{k: int(v) for k, v in document["kdf"].items()})
                self._data_key, check = _keys(passphrase, _bound(document), kdf, base64.b64decode(document["salt"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, PackageError):
                raise
            raise PackageError(name, "has a damaged header") from exc
        if not hmac.compare_digest(check, stored_check):
            if "to" in document:
                raise PackageError(name, "does not open with your key (its header was changed)")
            raise PackagePassphraseError(name, "does not open with this passphrase (or its header was changed)")
        self.manifest: dict[str, Any] = self._read_contents()

    def _read_contents(self) -> dict[str, Any]:
        """Index the files (tar headers only) and read the manifest."""
        name = str(self.path)
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
        return manifest

    def _for_person(self, document: dict[str, Any], identity: Identity | None,
                    contacts: list[PublicIdentity]) -> tuple[bytes, bytes]:
        name = str(self.path)
        if identity is None:
            raise PackageError(name, "is made for a person, not opened with a passphrase")
        if document["to"] != identity.public.fingerprint:
            raise PackageError(name, f"is for someone else ({document['to']}), not for you "
                               f"({identity.public.fingerprint})")
        sender = document["sender"]
        self.sender = PublicIdentity(str(sender["name"]), base64.b64decode(sender["x25519"]),
                                     base64.b64decode(sender["ed25519"]))
        size = self.path.stat().st_size
        with self.path.open("rb") as handle:
            digest, remaining = hashlib.sha256(), size - TRAILER_SIZE
            while remaining > 0:
                chunk = handle.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                digest.update(chunk)
                remaining -= len(chunk)
            trailer = handle.read(TRAILER_SIZE)
        if remaining > 0 or len(trailer) != TRAILER_SIZE or not trailer.startswith(SIGNATURE_MAGIC):
            raise PackageError(name, "is cut short (it has no signature)")
        if not self.sender.verify(trailer[len(SIGNATURE_MAGIC):], _signed_message(digest.digest())):
            raise PackageError(name, f"does not match its signature: it was changed after {self.sender.name} "
                               "signed it, or someone else made it")
        known = {c.fingerprint: c for c in contacts}
        if self.sender.fingerprint not in known:
            raise PackageError(name, f"is signed by {self.sender.name} ({self.sender.fingerprint}), who is not "
                               "among your contacts: add their key file first, and compare the fingerprint")
        self._end = size - TRAILER_SIZE
        shared = identity.agreement_key.exchange(X25519PublicKey.from_public_bytes(
            base64.b64decode(document["ephemeral"])))
        return _expand(shared, _bound(document))

    def _contents(self) -> SealedMediaReader:
        try:
            return SealedMediaReader(self.path, self._data_key, self._media_id, MediaKind.PACKAGE,
                                     str(self.path), offset=self._offset, end=self._end)
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
