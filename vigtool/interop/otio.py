"""Marks as an OpenTimelineIO timeline: the film as one clip, each mark a marker on it.

A marker's marked_range is the mark's frames at the film's rate (start, duration; a point mark lasts one
frame), its colour the OTIO colour nearest the code's principle, its comment the note, its name the code's
words, and its metadata (under "vigtool") the code id, the actor, the lane and the exact colour. The clip's
media reference names the film by its pseudonymous name only. Reading takes markers from every clip and
track: the lane from our metadata, else the track's name.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from vigtool.interop.document import NOTE_CODE, ForeignMark, ForeignMarks, MarksDocument, MarksFormatError, read_text

_OTIO_COLOURS = {
    "RED": (230, 40, 40), "PINK": (240, 130, 180), "ORANGE": (242, 142, 43), "YELLOW": (240, 220, 40),
    "GREEN": (89, 161, 79), "CYAN": (60, 200, 220), "BLUE": (78, 121, 167), "PURPLE": (176, 122, 161),
    "MAGENTA": (220, 40, 220), "BLACK": (0, 0, 0), "WHITE": (255, 255, 255)}


def nearest_colour(hex_colour: str) -> str:
    value = hex_colour.lstrip("#")
    try:
        rgb = tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "RED"
    return min(_OTIO_COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(_OTIO_COLOURS[name], rgb,
                                                                                  strict=True)))


def write_otio(doc: MarksDocument) -> bytes:
    rate = float(doc.rate)
    timeline = otio.schema.Timeline(name=f"vigtool marks: {doc.film_name}")
    track = otio.schema.Track(name="Film", kind=otio.schema.TrackKind.Video)
    whole = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                    otio.opentime.RationalTime(doc.frame_count, rate))
    clip = otio.schema.Clip(name=doc.film_name, source_range=whole,
                            media_reference=otio.schema.ExternalReference(target_url=doc.film_name,
                                                                          available_range=whole))
    clip.metadata["vigtool"] = {"rate": f"{doc.rate.numerator}/{doc.rate.denominator}",
                                "frames": doc.frame_count}
    for lane in doc.tracks:
        for mark in sorted(lane.marks, key=lambda a: (a.start, a.end)):
            colour = (doc.codebook.colour_of(mark.code_id) if mark.code_id and _known(doc, mark.code_id)
                      else "#9c9c9c")
            marker = otio.schema.Marker(
                name=doc.words(mark) or NOTE_CODE,
                marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(mark.start, rate),
                                                     otio.opentime.RationalTime(mark.end - mark.start, rate)),
                color=nearest_colour(colour), comment=mark.note)
            marker.metadata["vigtool"] = {"code": mark.code_id or "", "actor": mark.actor.value if mark.actor else "",
                                          "track": lane.name, "colour": colour}
            clip.markers.append(marker)
    track.append(clip)
    timeline.tracks.append(track)
    text: str = otio.adapters.write_to_string(timeline, "otio_json")
    return text.encode("utf-8")


def _known(doc: MarksDocument, code_id: str) -> bool:
    return any(c.id == code_id for c in doc.codebook.codes)


def read_otio(path: Path) -> ForeignMarks:
    text = read_text(path)
    try:
        timeline = otio.adapters.read_from_string(text, "otio_json")
    except Exception as exc:
        raise MarksFormatError(path, f"not an OpenTimelineIO file ({exc})") from exc
    if not isinstance(timeline, otio.schema.Timeline):
        raise MarksFormatError(path, f"holds a {type(timeline).__name__}, not a timeline")
    found = ForeignMarks()
    for track in timeline.tracks:
        holders: list[Any] = [track, *track.find_clips()]
        for holder in holders:
            for number, marker in enumerate(holder.markers, start=1):
                found.marks.append(_foreign(marker, track.name or "OTIO markers",
                                            f"{holder.name or 'track'!s}, marker {number}", path))
                found.lane(found.marks[-1].track)
    return found


def _foreign(marker: Any, default_lane: str, where: str, path: Path) -> ForeignMark:
    ours = dict(marker.metadata.get("vigtool", {}))
    marked = marker.marked_range
    rate = marked.start_time.rate
    if rate <= 0:
        raise MarksFormatError(path, f"{where}: a rate of {rate}")
    start = Fraction(marked.start_time.value).limit_denominator(1000) / Fraction(rate).limit_denominator(100000)
    length = Fraction(marked.duration.value).limit_denominator(1000) / Fraction(rate).limit_denominator(100000)
    name = "" if marker.name == NOTE_CODE else str(marker.name)
    return ForeignMark(track=str(ours.get("track") or default_lane), start_s=start, end_s=start + length,
                       value=name, note=str(marker.comment or ""), actor=str(ours.get("actor") or "") or None,
                       code_id=str(ours.get("code") or "") or None, where=where)
