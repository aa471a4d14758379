"""`vigtool verify`: read every sealed segment, every sealed value and every row seal, and say what is
damaged or was changed outside vigtool (which column of which row).

Each film is decrypted in full and its SHA-256 compared with the one taken at import, so a film that
was swapped, cut, lengthened or flipped anywhere is reported; previews are checked the same way.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from storage.sealing import SealingError
from vigtool.domain.model import Recording
from vigtool.media.errors import MediaError
from vigtool.services.previews import PREVIEW_KINDS, load_preview
from vigtool.services.vault import Vault
from vigtool.services.working_copy import has_working_copy, open_working_copy

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class VerifyCancelledError(Exception):
    """Verify was stopped before the end: nothing is said about the vault (it only reads, so nothing changed)."""


@dataclass
class VerifyReport:
    recordings: int = 0
    bytes_checked: int = 0
    problems: list[str] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)  # files of no recording (removed at the next open)

    @property
    def sound(self) -> bool:
        return not self.problems


def _check_film(vault: Vault, recording: Recording, report: VerifyReport, progress: Progress | None,
                cancelled: Cancelled | None = None) -> None:
    digest = hashlib.sha256()
    with vault.open_film(recording) as film:
        done = 0
        for segment in film.segments():  # one segment in memory at a time, however long the film
            if cancelled is not None and cancelled():
                raise VerifyCancelledError(f"verify stopped at {recording.source_name}: the vault was not checked "
                                           "to the end, so nothing is said about it")
            digest.update(segment)
            done += len(segment)
            if progress is not None:
                progress(done, film.size)
        report.bytes_checked += film.size
    if recording.sha256 and digest.hexdigest() != recording.sha256:
        report.problems.append(f"{recording.source_name} (recording {recording.id}): the film in the vault is not "
                               "the one that was imported")


def _check_previews(vault: Vault, recording: Recording, report: VerifyReport) -> None:
    for kind in PREVIEW_KINDS:  # a missing preview is no damage: it is rebuilt
        try:
            load_preview(vault, recording, kind)
        except (MediaError, ValueError) as exc:
            report.problems.append(f"{exc} (recording {recording.id}; it can be rebuilt)")
    if has_working_copy(vault, recording):  # derived too: every segment must still decrypt
        try:
            with open_working_copy(vault, recording) as copy:
                for segment in copy.segments():
                    report.bytes_checked += len(segment)
        except MediaError as exc:
            report.problems.append(f"{exc} (recording {recording.id}; it can be made again)")


def verify_vault(vault: Vault, progress: Callable[[Recording, int, int], None] | None = None,
                 cancelled: Cancelled | None = None) -> VerifyReport:
    """Check the whole vault; `cancelled` stops it (VerifyCancelledError: no report, as nothing was checked
    to the end)."""
    report = VerifyReport()
    checks: list[tuple[str, Callable[[], list[object]]]] = [
        ("database", lambda: list(vault.db.integrity_problems())),
        ("database", lambda: list(vault.repo.sealed_value_problems())),
        # Clear columns (consent purposes, the frame index, whose film it is, frames of marks): row seals.
        ("database", lambda: list(vault.integrity.changes())),
        ("audit trail", lambda: list(vault.audit.verify()))]
    for where, check in checks:
        try:
            report.problems += [f"{where}: {p}" for p in check()]
        except (SQLAlchemyError, sqlite3.Error, ValueError) as exc:  # a damage that stops the reading itself
            report.problems.append(f"{where}: cannot be read in full ({str(getattr(exc, 'orig', exc))[:160]})")
    try:
        recordings = vault.repo.recordings.list()
    except (SealingError, ValueError, SQLAlchemyError) as exc:  # reported above, row by row
        report.problems.append(f"database: the recordings cannot be listed ({exc})")
        return report
    for recording in recordings:
        report.recordings += 1
        step = (lambda done, total, r=recording: progress(r, done, total)) if progress else None
        try:
            _check_film(vault, recording, report, step, cancelled)
        except MediaError as exc:
            report.problems.append(f"{exc} (recording {recording.id})")
            continue
        _check_previews(vault, recording, report)
    report.leftovers = vault.media.unknown_files({r.media_id for r in recordings})
    return report
