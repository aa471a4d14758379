"""Import a recording into a vault: checksum (duplicate detection), probe, then one database commit.

Nothing is stored unless the whole file is a readable, complete video. Progress is reported as bytes
read of bytes total; a cancel callback stops the import before anything is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vigtool.domain.model import Case, Recording
from vigtool.media.errors import MediaError
from vigtool.media.probe import probe_path
from vigtool.services.vault import Vault

Progress = Callable[[int, int], None]
_CHUNK = 1 << 20


class ImportCancelledError(Exception):
    """The user cancelled; nothing was stored."""


@dataclass(frozen=True)
class ImportResult:
    recording: Recording
    case: Case
    duplicate: bool  # the same film (by SHA-256) was already in the vault; nothing new was stored


def sha256_of(path: Path, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> str:
    digest = hashlib.sha256()
    try:
        total = path.stat().st_size
        done = 0
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                if cancelled is not None and cancelled():
                    raise ImportCancelledError(f"{path}: import cancelled; nothing was stored")
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except PermissionError as exc:
        raise MediaError(str(path), "cannot be read (permission denied)") from exc
    except IsADirectoryError as exc:
        raise MediaError(str(path), "is a folder, not a video file") from exc
    except FileNotFoundError as exc:
        raise MediaError(str(path), "does not exist") from exc
    return digest.hexdigest()


def import_recording(vault: Vault, path: Path, case_label: str, progress: Progress | None = None,
                     cancelled: Callable[[], bool] | None = None) -> ImportResult:
    """Import one file into the case labelled `case_label` (created when it is new)."""
    probe = probe_path(path)  # refuses non-media, empty, truncated, unreadable files before anything else
    sha256 = sha256_of(path, progress, cancelled)
    existing = vault.repo.find_recording_by_sha256(sha256)
    if existing is not None:
        return ImportResult(existing, vault.repo.get_case(existing.case_id), duplicate=True)
    case = vault.repo.find_case(case_label) or vault.repo.create_case(case_label)
    recording = vault.repo.add_recording(case.id, probe, sha256, path.name, str(path.resolve()))
    return ImportResult(recording, case, duplicate=False)
