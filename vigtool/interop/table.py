"""Marks as a table (CSV or TSV): one row per mark, for spreadsheets and service evaluations.

Columns: track, code_id, code, actor, start_frame, end_frame, start_s, end_s, note. Frames are the film's
own (end exclusive: a point mark is one frame long); seconds are exact from the film's rate, rounded to the
microsecond for display. UTF-8 with a header. A cell that a spreadsheet would run as a formula (starting
with = + - @, a tab or a carriage return) is written behind an apostrophe, which spreadsheets show as text;
reading takes the apostrophe off again. Reading prefers the frame columns and falls back to seconds, so a
table from another tool needs only track, start_s (or start_frame) and code or note.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

from vigtool.interop.document import (
    ForeignMark,
    ForeignMarks,
    MarksDocument,
    MarksFormatError,
    decimal_seconds,
    parse_seconds,
    read_text,
)

COLUMNS = ("track", "code_id", "code", "actor", "start_frame", "end_frame", "start_s", "end_s", "note")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Behind an apostrophe when a spreadsheet would run it, or when reading would take an apostrophe off."""
    return "'" + text if text.startswith(_FORMULA_STARTS) or _unescaped(text) != text else text


def _unescaped(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS) else text


def write_table(doc: MarksDocument, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for track in doc.tracks:
        for mark in sorted(track.marks, key=lambda a: (a.start, a.end)):
            writer.writerow([spreadsheet_safe(cell) for cell in (
                track.name, mark.code_id or "", doc.words(mark), mark.actor.value if mark.actor else "",
                str(mark.start), str(mark.end), decimal_seconds(doc.seconds(mark.start)),
                decimal_seconds(doc.seconds(mark.end)), mark.note)])
    return out.getvalue().encode("utf-8")


def read_table(path: Path, delimiter: str) -> ForeignMarks:
    text = read_text(path)
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in rows.fieldnames or []]
    if "track" not in header or not ({"start_frame", "start_s"} & set(header)):
        raise MarksFormatError(path, "the first line must name the columns, with at least 'track' and "
                               f"'start_s' or 'start_frame' (found: {', '.join(header) or 'nothing'})")
    found = ForeignMarks()
    for line, row in enumerate(rows, start=2):
        cells = {k.strip(): _unescaped((v or "").strip()) for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        where = f"line {line}"
        track = cells.get("track", "")
        if not track:
            raise MarksFormatError(path, f"{where}: the track is empty")
        start_frame = _frame(cells.get("start_frame", ""), path, where)
        end_frame = _frame(cells.get("end_frame", ""), path, where)
        start_s = parse_seconds(cells["start_s"], path, where) if cells.get("start_s") else None
        end_s = parse_seconds(cells["end_s"], path, where) if cells.get("end_s") else start_s
        if start_frame is None and start_s is None:
            raise MarksFormatError(path, f"{where}: no start time")
        found.lane(track)
        found.marks.append(ForeignMark(
            track=track, start_s=start_s if start_s is not None else Fraction(0),
            end_s=end_s if end_s is not None else Fraction(0), value=cells.get("code", ""),
            note=cells.get("note", ""), actor=cells.get("actor") or None, start_frame=start_frame,
            end_frame=end_frame if start_frame is not None else None, code_id=cells.get("code_id") or None,
            where=where))
    return found


def _frame(text: str, path: Path, where: str) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError as exc:
        raise MarksFormatError(path, f"{where}: {text!r} is not a frame number") from exc
    if value < 0:
        raise MarksFormatError(path, f"{where}: frame {value} is before the film starts")
    return value
