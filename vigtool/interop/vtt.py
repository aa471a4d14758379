"""Marks as WebVTT cues, e.g. a lane of notes shown as captions beside the film in any player.

Each mark is a cue from its first frame to the end of its last (at least one frame), in time order; its
text is the code's words and the note on separate lines, with the lane's name as a voice tag
(`<v Parent>`), so players that show voices show whose lane it is. Cue text is escaped as WebVTT needs
(&, <, >), and "-->" never appears in a cue.
"""

from __future__ import annotations

from fractions import Fraction

from vigtool.interop.document import MarksDocument


def _timestamp(seconds: Fraction) -> str:
    ms = round(seconds * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}.{millis:03d}"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "→")


def _voice(name: str) -> str:
    return _escaped(name).replace(" ", "\u00a0")  # a voice name ends at the first space


def write_vtt(doc: MarksDocument) -> bytes:
    cues = sorted(((mark.start, mark.end, track.name, mark) for track in doc.tracks for mark in track.marks),
                  key=lambda c: (c[0], c[1], c[2]))
    lines = ["WEBVTT", "", f"NOTE marks of {doc.film_name}, exported from vigtool", ""]
    for number, (start, end, lane, mark) in enumerate(cues, start=1):
        text = [t for t in (doc.words(mark), mark.note) if t]
        if not text:
            continue
        lines.append(str(number))
        lines.append(f"{_timestamp(doc.seconds(start))} --> {_timestamp(doc.seconds(end))}")
        # A blank line ends a cue in WebVTT: a note's own blank lines are left out.
        cue = [line for t in text for line in _escaped(t).splitlines() if line.strip()]
        lines.append(f"<v {_voice(lane)}>" + "\n".join(cue))
        lines.append("")
    return "\n".join(lines).encode("utf-8")
