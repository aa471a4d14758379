"""Marks out to other tools and in from them (ELAN, BORIS, CSV/TSV, WebVTT, OpenTimelineIO).

A marks file is notes about a family in the clear, so an export is what the practitioner asked for, written
whole or not at all (`storage.atomic.publish`), never over an existing file unless asked, named by the film's
pseudonym only, and logged like every other export. A film received for supervision keeps its marks in the
vault: they go back to the sender only as comments.

An import is one undo step. Each lane in the file becomes a lane of the film (an empty one of the same name
is filled; a lane that already holds marks is kept apart as "<name> (imported)"); a value that matches a
code's words or id becomes that code, any other value becomes the note; times go to the nearest frame, and
marks past the film's end are reported, never moved silently onto it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from storage.atomic import publish
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Annotation, Recording, TrackKind
from vigtool.domain.time import FrameRange
from vigtool.interop import (
    READABLE,
    WRITABLE,
    ForeignMark,
    MarksDocument,
    MarksFormatError,
    MarksTrack,
    read_marks,
    write_marks,
)
from vigtool.interop.document import actor_value, decimal_seconds
from vigtool.services.sharing import film_pseudonym, standing_refusal
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace

__all__ = ["READABLE", "WRITABLE", "ExportedMarks", "ImportedMarks", "MarksError", "MarksFormatError",
           "export_marks", "film_pseudonym", "import_marks", "marks_document", "refusal"]


class MarksError(ValueError):
    """A marks export or import that cannot be done, in words for the practitioner."""


@dataclass(frozen=True)
class ExportedMarks:
    path: Path
    format: str
    marks: int
    tracks: tuple[str, ...]


@dataclass
class ImportedMarks:
    marks: list[Annotation] = field(default_factory=list)
    lanes: list[str] = field(default_factory=list)  # the lanes the marks went on
    new_lanes: list[str] = field(default_factory=list)
    as_notes: int = 0  # values that matched no code and were kept as notes
    problems: list[str] = field(default_factory=list)  # marks left out, or cut at the film's end
    empty_lanes: list[str] = field(default_factory=list)  # tiers or subjects with nothing on them: not added

    def summary(self) -> str:
        text = f"{len(self.marks)} mark(s) on {', '.join(repr(n) for n in self.lanes) or 'no lane'}"
        if self.as_notes:
            text += f"; {self.as_notes} value(s) matched no code and were kept as notes"
        if self.empty_lanes:
            text += f"; {', '.join(repr(n) for n in self.empty_lanes)} had no marks and were not added"
        return text


def refusal(vault: Vault, recording: Recording) -> str | None:
    """Why this film's marks may not go out to a file or come in from one, or None: asked before any file
    is chosen, so the window can say so at once."""
    standing = standing_refusal(vault, recording)  # a changed record, or a film sent to you for supervision
    return None if standing is None else standing.reason


def _refuse_received(vault: Vault, recording: Recording) -> None:
    reason = refusal(vault, recording)
    if reason is not None:
        raise MarksError(reason)


def marks_document(vault: Vault, recording: Recording, tracks: list[str] | None = None) -> MarksDocument:
    """The recording's lanes (all but the Suggestions lane, unless named) with their marks."""
    lanes = vault.repo.tracks.list(recording.id)
    if tracks:
        missing = [name for name in tracks if name not in {t.name for t in lanes}]
        if missing:
            raise MarksError(f"{recording.source_name} has no lane {missing[0]!r} (its lanes: "
                             + ", ".join(repr(t.name) for t in lanes) + ")")
        lanes = [t for t in lanes if t.name in tracks]
    else:
        lanes = [t for t in lanes if t.kind is not TrackKind.SUGGESTIONS]
    by_track: dict[int, list[Annotation]] = {t.id: [] for t in lanes}
    for annotation in vault.repo.annotations.list(recording.id):
        if annotation.track_id in by_track:
            by_track[annotation.track_id].append(annotation)
    return MarksDocument(film_pseudonym(recording), recording.rate, recording.frame_count,
                         vault.repo.codebook.load(),
                         tuple(MarksTrack(t.name, t.kind, tuple(by_track[t.id])) for t in lanes))


def export_marks(vault: Vault, recording: Recording, out: Path, *, tracks: list[str] | None = None,
                 overwrite: bool = False, author: str = "") -> ExportedMarks:
    _refuse_received(vault, recording)
    doc = marks_document(vault, recording, tracks)
    data = write_marks(doc, out, author)
    if out.exists() and not overwrite:
        raise MarksError(f"{out}: there is already a file of that name; choose another name, or replace it "
                         "(--overwrite)")
    if not out.parent.is_dir():
        raise MarksError(f"{out.parent}: there is no such folder")
    publish(out, [data], mode=0o600, replace=overwrite)
    count = sum(len(t.marks) for t in doc.tracks)
    names = tuple(t.name for t in doc.tracks)
    vault.exports.add("marks", recording.id, {"file": str(out.resolve()), "source": recording.source_name,
                                              "format": WRITABLE[out.suffix.lower()], "marks": count,
                                              "tracks": list(names)})
    return ExportedMarks(out, WRITABLE[out.suffix.lower()], count, names)


def _code_for(book: Codebook, mark: ForeignMark) -> str | None:
    if mark.code_id and any(c.id == mark.code_id for c in book.codes):
        return mark.code_id
    wanted = mark.value.strip().casefold()
    if not wanted:
        return None
    return next((c.id for c in book.codes if wanted in (c.label.casefold(), c.id.casefold())), None)


def _frames(mark: ForeignMark, rate: Fraction) -> tuple[int, int]:
    """The nearest frames (a time that falls exactly between two goes to the later one)."""
    if mark.start_frame is not None:
        start = mark.start_frame
        end = (mark.end_frame if mark.end_frame is not None
               else int(mark.end_s * rate + Fraction(1, 2)) if mark.end_s > mark.start_s else start + 1)
    else:
        start = int(mark.start_s * rate + Fraction(1, 2))
        end = int(mark.end_s * rate + Fraction(1, 2))
    return start, max(end, start + 1)


def _lane_for(name: str, workspace: Workspace, taken: dict[str, int | str]) -> int | str:
    """An empty lane of that name, or a new one: marks already on a lane are never mixed with a file's."""
    if name in taken:
        return taken[name]
    existing = next((t for t in workspace.layer.tracks if t.name == name), None)
    if existing is not None and not workspace.layer.on_track(existing.id):
        taken[name] = existing.id
        return existing.id
    names = {t.name for t in workspace.layer.tracks} | {v for v in taken.values() if isinstance(v, str)}
    new = name if name not in names else f"{name} (imported)"
    number = 2
    while new in names:
        new, number = f"{name} (imported {number})", number + 1
    taken[name] = new
    return new


def import_marks(workspace: Workspace, vault: Vault, path: Path, *, into: str | None = None) -> ImportedMarks:
    """Read `path` and put its marks on the film, as one undo step; refuses (changing nothing) when the file
    is damaged or holds nothing to place."""
    recording = workspace.recording
    _refuse_received(vault, recording)
    found = read_marks(path)
    result = ImportedMarks()
    book = workspace.codebook
    taken: dict[str, int | str] = {}
    placed: list[tuple[int | str, Annotation]] = []
    end_s = decimal_seconds(Fraction(recording.frame_count) / recording.rate, 3)
    for mark in found.marks:
        start, end = _frames(mark, recording.rate)
        if start >= recording.frame_count:
            result.problems.append(f"{mark.where}: starts after the film ends ({end_s} s); left out")
            continue
        if end > recording.frame_count:
            result.problems.append(f"{mark.where}: runs past the film's end ({end_s} s); ends there instead")
            end = recording.frame_count
        code = _code_for(book, mark)
        note = mark.note if code is not None or not mark.value else "\n".join(t for t in (mark.value, mark.note) if t)
        result.as_notes += code is None and bool(mark.value)
        lane = _lane_for(into or mark.track, workspace, taken)
        actor = actor_value(mark.actor) or (workspace.tracks.actor_of(lane) if isinstance(lane, int) else None)
        placed.append((lane, Annotation(0, 0, FrameRange(start, end), code, actor, note)))
    used = {into or m.track for m in found.marks}
    result.empty_lanes = [name for name in found.tracks if name not in used and not into]
    if not placed:
        raise MarksError(f"{path}: nothing to import (" + ("; ".join(
            result.problems + [f"{name!r} has no marks" for name in result.empty_lanes]) or "the file holds no marks")
            + ")")
    new_lanes = [v for v in dict.fromkeys(taken.values()) if isinstance(v, str)]
    result.marks = workspace.marks.add_imported(new_lanes, placed, f"Import marks from {path.name}")
    result.new_lanes = new_lanes
    result.lanes = [workspace.layer.track(i).name for i in dict.fromkeys(a.track_id for a in result.marks)]
    vault.audit.append("marks_import", {"recording": recording.id, "file": path.name, "marks": len(result.marks)})
    return result
