"""Import a film into the vault in one streaming pass: probe, SHA-256, encrypt, write, fsync, rename, commit.

The probe (PyAV demuxing every packet) reads the source through `_TeeSource`, which passes every byte,
once and in order, to the SHA-256 and to the sealed writer. Bytes the demuxer skips far ahead of (a phone
film whose index sits at the end) are passed on when it comes back for them, and whatever it never read
is streamed at the end, so the file is read about once whatever its layout.

Only then is anything made visible: the sealed film is fsynced and renamed into `media/`, and the
database row (with the film's wrapped key) is committed last. A crash before the commit leaves an
orphan file that the next open removes; so the vault holds the whole recording or none of it.
Filmstrip and sound-wave previews are built afterwards, off the caller's thread (services.previews).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.keys import new_data_key
from storage.media_store import SealedSink
from storage.repository import DuplicateRecordingError, StoredFilm
from storage.sealed_media import MediaKind
from vigtool.domain.model import Case, Recording
from vigtool.media.errors import MediaError
from vigtool.media.first_look import not_a_file
from vigtool.media.probe import ProbeResult, SeekableFile, probe_file
from vigtool.media.raw_reader import PositionedRawReader
from vigtool.services.vault import Vault, VaultError

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
_CHUNK = 1 << 20
_FAR_AHEAD = 8 << 20  # a jump further than this is not read now but when the demuxer comes back


class ImportCancelledError(Exception):
    """The user cancelled; nothing was stored."""


class VaultFullError(VaultError):
    """The vault's disk filled up during an import; nothing was stored."""


@dataclass(frozen=True)
class ImportResult:
    recording: Recording
    case: Case
    duplicate: bool  # the same film (by SHA-256) was already in the vault; nothing new was stored


class _TeeSource(PositionedRawReader):
    """The source file as the demuxer reads it; each byte also goes once, in order, to `consume`."""

    def __init__(self, pread: Callable[[int, int], bytes], size: int, consume: Callable[[memoryview], None],
                 progress: Progress | None, cancelled: Cancelled | None, name: str) -> None:
        super().__init__()
        self._source_pread, self._size, self._consume = pread, size, consume
        self._progress, self._cancelled, self._name = progress, cancelled, name
        self.passed_on = 0  # bytes [0, passed_on) went to `consume`
        self.bytes_read = 0
        # An error raised inside PyAV's read callback would be reported as a damaged file (or dropped),
        # so it is kept here, the demuxer is told "end of file", and the import raises it afterwards.
        self.failure: BaseException | None = None

    def _pread(self, length: int, offset: int) -> bytes:
        try:
            data = self._source_pread(length, offset)
        except OSError as exc:
            raise MediaError(self._name, f"could not be read to the end ({exc.strerror})") from exc
        self.bytes_read += len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        if self.failure is not None:
            return b""
        if size is None or size < 0:
            size = self._size - self._pos
        try:
            data = self._pread(min(size, max(self._size - self._pos, 0)), self._pos)
            self._observe(self._pos, data)
        except Exception as exc:  # noqa: BLE001 - kept and raised by raise_failure()
            self.failure = exc
            return b""
        self._pos += len(data)
        return data

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        memoryview(buffer)[:len(data)] = data
        return len(data)

    def _observe(self, pos: int, data: bytes) -> None:
        end = pos + len(data)
        if end <= self.passed_on:
            return
        if pos > self.passed_on:
            if pos - self.passed_on > _FAR_AHEAD:
                return  # a jump to the index at the end: those bytes are passed on when reached in order
            self._pass_on(memoryview(self._pread(pos - self.passed_on, self.passed_on)))
            if self.passed_on < pos:
                return  # the file shrank under us; finish() reports it
        self._pass_on(memoryview(data)[self.passed_on - pos:])

    def _pass_on(self, data: memoryview) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ImportCancelledError(f"{self._name}: import cancelled; nothing was stored")
        self._consume(data)
        self.passed_on += len(data)
        if self._progress is not None:
            self._progress(self.passed_on, self._size)

    def finish(self) -> None:
        """Pass on whatever the demuxer never read (an index at the end of the file, trailing boxes)."""
        while self.passed_on < self._size:
            data = self._pread(min(_CHUNK, self._size - self.passed_on), self.passed_on)
            if not data:
                raise MediaError(self._name, "became shorter while it was being imported")
            self._pass_on(memoryview(data))


def _is_photo(probe: ProbeResult) -> bool:
    """FFmpeg reads still images through its image demuxers (image2, and png_pipe, jpeg_pipe, … by content)."""
    return probe.container in {"image2", "image2pipe"} or probe.container.endswith("_pipe")


def _open_source(path: Path) -> tuple[int, int]:
    name = str(path)
    try:
        problem = not_a_file(path.stat().st_mode)
    except OSError:
        problem = None  # reported by the open below, in its own words
    if problem is not None:
        raise MediaError(name, problem)
    try:
        # Non-blocking, so that a pipe put in the file's place since the check cannot hang the open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise MediaError(name, "does not exist") from exc
    except PermissionError as exc:
        raise MediaError(name, "cannot be read (permission denied)") from exc
    except OSError as exc:
        raise MediaError(name, f"cannot be read ({exc.strerror})") from exc
    status = os.fstat(fd)
    size = status.st_size
    if not_a_file(status.st_mode) is not None or not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise MediaError(name, not_a_file(status.st_mode) or "is not a plain file")
    os.set_blocking(fd, True)
    if size == 0:
        os.close(fd)
        raise MediaError(name, "is empty (0 bytes)")
    return fd, size


def _write_failed(vault: Vault, name: str, exc: OSError) -> VaultError:
    """What to tell the user when writing into the vault failed (the temp file is removed either way)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return VaultFullError(f"{vault.path}: the disk is full; {name} was not imported and nothing in the vault "
                              "was changed")
    return VaultError(f"{vault.path}: cannot write {name} into the vault ({exc.strerror}); nothing was stored")


def _sealing_consumer(sink: SealedSink, digest: hashlib._Hash, vault: Vault, name: str) -> Callable[[memoryview], None]:
    def consume(data: memoryview) -> None:
        digest.update(data)
        try:
            sink.write(data)
        except OSError as exc:
            raise _write_failed(vault, name, exc) from exc
    return consume


def import_recording(vault: Vault, path: Path, case_label: str, progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> ImportResult:
    """Import one file into the case labelled `case_label` (created when it is new)."""
    fd, size = _open_source(path)
    try:
        return _import(vault, lambda length, offset: os.pread(fd, length, offset), size, str(path), path.name,
                       str(path.resolve()), case_label, progress, cancelled)
    finally:
        os.close(fd)


def import_from_reader(vault: Vault, reader: SeekableFile, size: int, source_name: str, case_label: str,
                       progress: Progress | None = None, cancelled: Cancelled | None = None) -> ImportResult:
    """Import a film read from a seekable file object (one inside an encrypted package): it goes from there
    into the vault in pieces, never whole in memory and never in the clear on the disk."""
    if size == 0:
        raise MediaError(source_name, "is empty (0 bytes)")

    def pread(length: int, offset: int) -> bytes:
        reader.seek(offset)
        return reader.read(length)

    return _import(vault, pread, size, source_name, source_name, "", case_label, progress, cancelled)


def _import(vault: Vault, pread: Callable[[int, int], bytes], size: int, name: str, source_name: str,
            source_path: str, case_label: str, progress: Progress | None, cancelled: Cancelled | None) -> ImportResult:
    media_id, data_key = os.urandom(16).hex(), new_data_key()
    digest = hashlib.sha256()
    try:
        with vault.media.create(media_id, MediaKind.FILM, data_key) as sink:
            tee = _TeeSource(pread, size, _sealing_consumer(sink, digest, vault, source_name), progress, cancelled,
                             name)
            try:
                probe: ProbeResult = probe_file(tee, name, size)
            except MediaError:
                tee.raise_failure()  # a cancel or a full disk, not a damaged film
                raise
            tee.raise_failure()
            if _is_photo(probe):
                raise MediaError(name, "is a photo, not a film (vigtool imports video recordings)")
            tee.finish()
            sha256 = digest.hexdigest()
            fingerprint = vault.keys.fingerprint(sha256)
            existing = vault.repo.recordings.find_by_fingerprint(fingerprint)
            if existing is not None:
                return ImportResult(existing, vault.repo.cases.get(existing.case_id), duplicate=True)
            sink.commit()
    except OSError as exc:  # creating, filling or committing the sealed file (source errors are MediaError)
        raise _write_failed(vault, source_name, exc) from exc
    film = StoredFilm(media_id, vault.keys.wrap_data_key(data_key, media_id), sha256, fingerprint)
    try:
        case = vault.repo.cases.find(case_label) or vault.repo.cases.create(case_label)
        recording = vault.repo.recordings.add(case.id, probe, film, source_name, source_path)
    except DuplicateRecordingError:
        vault.media.delete(media_id)  # another import of the same film committed first
        existing = vault.repo.recordings.find_by_fingerprint(fingerprint)
        assert existing is not None
        return ImportResult(existing, vault.repo.cases.get(existing.case_id), duplicate=True)
    except BaseException:
        vault.media.delete(media_id)
        raise
    vault.audit.append("import", {"recording": recording.id, "case": case.id, "source": source_name})
    return ImportResult(recording, case, duplicate=False)
