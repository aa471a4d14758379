"""Marks in and out of other tools' formats: ELAN (.eaf), BORIS (.boris), CSV/TSV, WebVTT and OpenTimelineIO.

The format is chosen by the file's extension. Nothing here touches the vault: `vigtool.services.marks`
builds the `MarksDocument` from a recording and places what was read onto its frames.
"""

from __future__ import annotations

from pathlib import Path

from vigtool.interop.boris import OverlapError, read_boris, write_boris
from vigtool.interop.document import ForeignMark, ForeignMarks, MarksDocument, MarksFormatError, MarksTrack
from vigtool.interop.eaf import read_eaf, write_eaf
from vigtool.interop.otio import read_otio, write_otio
from vigtool.interop.table import read_table, write_table
from vigtool.interop.vtt import write_vtt

WRITABLE = {".eaf": "ELAN", ".boris": "BORIS", ".csv": "CSV", ".tsv": "TSV", ".vtt": "WebVTT",
            ".otio": "OpenTimelineIO"}
READABLE = {k: v for k, v in WRITABLE.items() if k != ".vtt"}

__all__ = ["READABLE", "WRITABLE", "ForeignMark", "ForeignMarks", "MarksDocument", "MarksFormatError", "MarksTrack",
           "OverlapError", "read_marks", "write_marks"]


def _suffix(path: Path, known: dict[str, str], doing: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in known:
        raise MarksFormatError(path, f"cannot {doing} {suffix or 'a file without an extension'}; the formats are "
                               + ", ".join(f"{name} ({ext})" for ext, name in known.items()))
    return suffix


def write_marks(doc: MarksDocument, path: Path, author: str = "") -> bytes:
    """The file's bytes in the format its extension names."""
    suffix = _suffix(path, WRITABLE, "write marks as")
    if suffix == ".eaf":
        return write_eaf(doc, author)
    if suffix == ".boris":
        return write_boris(doc)
    if suffix in (".csv", ".tsv"):
        return write_table(doc, "," if suffix == ".csv" else "\t")
    if suffix == ".vtt":
        return write_vtt(doc)
    return write_otio(doc)


def read_marks(path: Path) -> ForeignMarks:
    suffix = _suffix(path, READABLE, "read marks from")
    if suffix == ".eaf":
        return read_eaf(path)
    if suffix == ".boris":
        return read_boris(path)
    if suffix in (".csv", ".tsv"):
        return read_table(path, "," if suffix == ".csv" else "\t")
    return read_otio(path)
