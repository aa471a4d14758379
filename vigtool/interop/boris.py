"""BORIS projects (JSON, project_format_version 7.0, as BORIS 7 and 8 write it), written and read.

Out: the codebook is the ethogram (a code whose every mark on this film is one frame long is a point event,
every other a state event; a mark with no code is the point or state behaviour "(note)"); each lane is a
subject; the film is one media observation named by its pseudonymous name, with its length and rate, and its
events `[time, subject, behaviour, modifier, comment, frame index]` in time order, a state as a start and a
stop event. BORIS pairs a state's starts and stops per subject and behaviour, so two marks of the same code
overlapping on one lane cannot be told apart there: such a film is refused with the marks named.

In: every observation's events; subjects become lanes (events with no subject go on "No subject"), point
events one frame long, state events paired start to stop in time order; the comment is the note.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from vigtool.interop.document import (
    NOTE_CODE,
    ForeignMark,
    ForeignMarks,
    MarksDocument,
    MarksFormatError,
    decimal_seconds,
    parse_seconds,
    read_text,
)

PROJECT_FORMAT_VERSION = "7.0"
STATE, POINT = "State event", "Point event"
NO_SUBJECT = "No subject"


class OverlapError(ValueError):
    """Marks BORIS cannot hold apart (the same code overlapping itself on one lane)."""


def _behaviour(doc: MarksDocument, code_id: str | None) -> str:
    return doc.words_of(code_id) if code_id is not None else NOTE_CODE


def write_boris(doc: MarksDocument) -> bytes:
    used: dict[str | None, bool] = {}  # code → every mark one frame long
    for track in doc.tracks:
        for mark in track.marks:
            used[mark.code_id] = used.get(mark.code_id, True) and mark.end - mark.start == 1
    ethogram: dict[str, dict[str, Any]] = {}
    for code in doc.codebook.codes:
        ethogram[str(len(ethogram))] = {
            "type": POINT if used.get(code.id) else STATE, "key": (code.key or "").lower()[:1], "code": code.label,
            "description": f"{code.id} ({doc.codebook.principle(code.principle_id).name})",
            "category": doc.codebook.principle(code.principle_id).name, "modifiers": {}, "excluded": "",
            "coding map": ""}
    if None in used:
        ethogram[str(len(ethogram))] = {"type": POINT if used[None] else STATE, "key": "", "code": NOTE_CODE,
                                        "description": "a mark with a note and no code", "category": "",
                                        "modifiers": {}, "excluded": "", "coding map": ""}
    events: list[tuple[int, int, list[Any]]] = []
    for track in doc.tracks:
        open_until: dict[str | None, int] = {}
        for mark in sorted(track.marks, key=lambda a: (a.start, a.end)):
            behaviour = _behaviour(doc, mark.code_id)
            if used[mark.code_id]:
                events.append((mark.start, 1, _event(doc, mark.start, track.name, behaviour, mark.note)))
                continue
            if open_until.get(mark.code_id, -1) > mark.start:
                raise OverlapError(f"on the lane {track.name!r}, two “{behaviour}” marks overlap (one starts at "
                                   f"frame {mark.start} before the other ends at frame {open_until[mark.code_id]}); "
                                   "BORIS cannot hold them apart. Move or join them, or export another format")
            open_until[mark.code_id] = mark.end
            events.append((mark.start, 1, _event(doc, mark.start, track.name, behaviour, mark.note)))
            events.append((mark.end, 0, _event(doc, mark.end, track.name, behaviour, "")))
    events.sort(key=lambda e: (e[0], e[1]))  # at one instant, a stop before the next start
    name = doc.film_name
    seconds = float(doc.duration)
    observation = {
        "file": {"1": [name], **{str(n): [] for n in range(2, 9)}}, "type": "MEDIA",
        "date": datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat(),
        "description": "Marks exported from vigtool", "time offset": 0, "events": [e[2] for e in events],
        "observation time interval": [0, 0], "independent_variables": {}, "visualize_spectrogram": False,
        "visualize_waveform": False, "close_behaviors_between_videos": False,
        "media_info": {"length": {name: seconds}, "fps": {name: float(doc.rate)}, "hasVideo": {name: True},
                       "hasAudio": {name: True}, "offset": {"1": 0.0}}}
    project = {
        "time_format": "hh:mm:ss", "project_date": datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat(),
        "project_name": "vigtool marks", "project_description": "Marks exported from vigtool",
        "project_format_version": PROJECT_FORMAT_VERSION,
        "subjects_conf": {str(k): {"key": "", "name": t.name, "description": t.kind.value}
                          for k, t in enumerate(doc.tracks)},
        "behaviors_conf": ethogram, "observations": {name: observation},
        "behavioral_categories": [p.name for p in doc.codebook.principles], "independent_variables": {},
        "coding_map": {}, "behaviors_coding_map": [], "converters": {}}
    return json.dumps(project, indent=1, ensure_ascii=False).encode("utf-8")


def _event(doc: MarksDocument, frame: int, subject: str, behaviour: str, comment: str) -> list[Any]:
    return [float(decimal_seconds(doc.seconds(frame), 3)), subject, behaviour, "", comment, frame]


def read_boris(path: Path) -> ForeignMarks:
    try:
        project = json.loads(read_text(path), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise MarksFormatError(path, f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(project, dict) or "observations" not in project or "behaviors_conf" not in project:
        raise MarksFormatError(path, "not a BORIS project (no ethogram or observations)")
    version = str(project.get("project_format_version", ""))
    try:
        major = int(version.split(".", maxsplit=1)[0])
    except ValueError:
        major = -1
    if not 4 <= major <= 8:
        raise MarksFormatError(path, f"BORIS project format {version or '(none)'} is not one this vigtool reads "
                               "(4.0 to 8.x)")
    kinds = {str(b.get("code")): b.get("type", POINT) for b in _values(project["behaviors_conf"], path, "ethogram")}
    subjects = [str(s.get("name")) for s in _values(project.get("subjects_conf", {}), path, "subjects")]
    found = ForeignMarks()
    for name in subjects:
        found.lane(name)
    for obs_id, observation in _items(project["observations"], path, "observations"):
        _read_events(observation.get("events", []), kinds, found, path, f"observation {obs_id!r}")
    return found


def _read_events(events: Any, kinds: dict[str, str], found: ForeignMarks, path: Path, where: str) -> None:
    if not isinstance(events, list):
        raise MarksFormatError(path, f"{where}: its events are not a list")
    opened: dict[tuple[str, str], tuple[Fraction, str]] = {}
    # BORIS pairs a state's starts and stops in time order (it keeps its events sorted; a file may not).
    timed = sorted(enumerate(events, start=1),
                   key=lambda e: parse_seconds(str(e[1][0]), path, f"{where}, event {e[0]}")
                   if isinstance(e[1], list) and e[1] else Fraction(0))
    for number, event in timed:
        here = f"{where}, event {number}"
        if not isinstance(event, list) or len(event) < 3:
            raise MarksFormatError(path, f"{here}: an event is [time, subject, behaviour, …]")
        at = parse_seconds(str(event[0]), path, here)
        subject = str(event[1] or "") or NO_SUBJECT
        behaviour = str(event[2])
        comment = str(event[4]) if len(event) > 4 and event[4] else ""
        if behaviour not in kinds:
            raise MarksFormatError(path, f"{here}: the behaviour {behaviour!r} is not in the project's ethogram")
        found.lane(subject)
        value = "" if behaviour == NOTE_CODE else behaviour
        if kinds[behaviour] != STATE:
            found.marks.append(ForeignMark(subject, at, at, value, comment, where=here))
            continue
        key = (subject, behaviour)
        if key in opened:
            start, note = opened.pop(key)
            found.marks.append(ForeignMark(subject, start, at, value, " ".join(n for n in (note, comment) if n),
                                           where=here))
        else:
            opened[key] = (at, comment)
    for (subject, behaviour), (start, _note) in opened.items():
        raise MarksFormatError(path, f"{where}: the state “{behaviour}” of {subject!r} starts at {start} s and "
                               "never stops")


def _values(table: Any, path: Path, what: str) -> list[dict[str, Any]]:
    return [value for _key, value in _items(table, path, what)]


def _items(table: Any, path: Path, what: str) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise MarksFormatError(path, f"the project's {what} are not a table of entries")
    return [(str(k), v) for k, v in table.items()]
