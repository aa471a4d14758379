"""The vault's `media/` folder: one sealed file per recording and kind (film, filmstrip, audio envelope,
working copy), all sealed with the recording's own data key and deleted with it.

Names carry only the random media id and the kind (`<media id>.film.vigm`), never a family's or a file's
name. A file is written under a temp name and renamed into place before its database row is committed,
so after a crash a file may exist without a row (an orphan) but a row never lacks its film; orphans and
temp files are removed the next time the vault is opened by the only process using it.

A file made in pieces (a working copy, made over minutes and resumed after a crash) keeps each finished
piece as a sealed file of its own, `<media id>.<kind>.<piece number>.vigm`, written the same way: a
piece is either whole under its name or a temp file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.atomic import AtomicFile, is_temp_name
from storage.sealed_media import MediaKind, SealedMediaReader, SealedMediaWriter

MEDIA_FOLDER = "media"
_NAME = re.compile(r"^(?P<id>[0-9a-f]{32})\.(?P<kind>[a-z_]+)(?:\.(?P<piece>[0-9]{4,}))?\.vigm$")


class SealedSink:
    """A sealed file being written: `write()` plaintext, then `commit()` (or it is discarded)."""

    def __init__(self, target: AtomicFile, writer: SealedMediaWriter) -> None:
        self._target = target
        self._writer = writer

    def write(self, data: bytes | memoryview) -> None:
        self._writer.write(data)

    @property
    def plaintext_bytes(self) -> int:
        return self._writer.plaintext_bytes

    def commit(self) -> None:
        self._writer.finish()
        self._target.commit()

    def discard(self) -> None:
        self._target.discard()


class MediaStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def ensure(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path_for(self, media_id: str, kind: MediaKind) -> Path:
        return self.folder / f"{media_id}.{kind.name.lower()}.vigm"

    def exists(self, media_id: str, kind: MediaKind) -> bool:
        return self.path_for(media_id, kind).is_file()

    @contextmanager
    def create(self, media_id: str, kind: MediaKind, data_key: bytes) -> Iterator[SealedSink]:
        """Write a sealed file; it appears only if the block commits the sink, else the temp file goes."""
        self.ensure()
        target = AtomicFile(self.path_for(media_id, kind))
        try:
            yield SealedSink(target, SealedMediaWriter(target.handle, data_key, media_id, kind))
        finally:
            target.discard()  # after a commit only a no-op

    def piece_path(self, media_id: str, kind: MediaKind, number: int) -> Path:
        return self.folder / f"{media_id}.{kind.name.lower()}.{number:04d}.vigm"

    def pieces(self, media_id: str, kind: MediaKind) -> list[int]:
        """The numbers of the finished pieces of `kind` on the disk, in order."""
        if not self.folder.is_dir():
            return []
        numbers = []
        for path in self.folder.glob(f"{media_id}.{kind.name.lower()}.*.vigm"):
            match = _NAME.match(path.name)
            if match and match["piece"] is not None and match["kind"] == kind.name.lower():
                numbers.append(int(match["piece"]))
        return sorted(numbers)

    @contextmanager
    def create_piece(self, media_id: str, kind: MediaKind, number: int, data_key: bytes) -> Iterator[SealedSink]:
        """Write one piece; as `create`, it appears whole under its name only if the block commits it."""
        self.ensure()
        target = AtomicFile(self.piece_path(media_id, kind, number))
        try:
            yield SealedSink(target, SealedMediaWriter(target.handle, data_key, media_id, kind))
        finally:
            target.discard()

    def open_piece(self, media_id: str, kind: MediaKind, number: int, data_key: bytes, name: str) -> SealedMediaReader:
        return SealedMediaReader(self.piece_path(media_id, kind, number), data_key, media_id, kind, name)

    def delete_pieces(self, media_id: str, kind: MediaKind, from_number: int = 0) -> int:
        """Remove the pieces of `kind` numbered `from_number` and on; how many were removed."""
        removed = 0
        for number in self.pieces(media_id, kind):
            if number >= from_number:
                with contextlib.suppress(FileNotFoundError):
                    self.piece_path(media_id, kind, number).unlink()
                    removed += 1
        return removed

    def write_blob(self, media_id: str, kind: MediaKind, data_key: bytes, data: bytes) -> None:
        with self.create(media_id, kind, data_key) as sink:
            sink.write(data)
            sink.commit()

    def open(self, media_id: str, kind: MediaKind, data_key: bytes, name: str) -> SealedMediaReader:
        return SealedMediaReader(self.path_for(media_id, kind), data_key, media_id, kind, name)

    def read_blob(self, media_id: str, kind: MediaKind, data_key: bytes, name: str) -> bytes:
        with self.open(media_id, kind, data_key, name) as reader:
            return reader.readall()

    def delete(self, media_id: str) -> list[Path]:
        """Remove every file of one recording (after its key was destroyed)."""
        removed = []
        for kind in MediaKind:
            path = self.path_for(media_id, kind)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
            for number in self.pieces(media_id, kind):
                with contextlib.suppress(FileNotFoundError):
                    self.piece_path(media_id, kind, number).unlink()
                    removed.append(self.piece_path(media_id, kind, number))
        return removed

    def delete_kind(self, media_id: str, kind: MediaKind) -> bool:
        """Remove one derived file of a recording (a working copy that failed its check)."""
        try:
            self.path_for(media_id, kind).unlink()
        except FileNotFoundError:
            return False
        return True

    def media_ids_on_disk(self) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.iterdir()):
            match = _NAME.match(path.name)
            if match:
                found.setdefault(match["id"], []).append(path)
        return found

    def unknown_files(self, known_ids: set[str]) -> list[Path]:
        """Temp files, files of no recording and files that are not ours (for `verify` and cleanup)."""
        if not self.folder.is_dir():
            return []
        strays = []
        for path in sorted(self.folder.iterdir()):
            match = _NAME.match(path.name)
            if is_temp_name(path) or match is None or match["id"] not in known_ids:
                strays.append(path)
        return strays

    def remove_orphans(self, known_ids: set[str]) -> list[Path]:
        """Delete what an interrupted import or deletion left behind. Only call with the vault to yourself."""
        removed = []
        for path in self.unknown_files(known_ids):
            if path.is_file() and (is_temp_name(path) or _NAME.match(path.name)):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        return removed
