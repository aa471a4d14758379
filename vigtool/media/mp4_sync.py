"""Which samples an MP4's video track says a player may start decoding from: its sync sample table (stss).

A player seeking in a film goes back to the sync sample before the point it was asked for, as its sample
table says. FFmpeg's demuxer does not show that table as it is: its H.264 parser also flags a picture with a
recovery point (x264's intra-refresh marks one every GOP) as a keyframe, whatever the table says. So what a
clip tells players is read here from the file itself (ISO/IEC 14496-12 8.6.2): the boxes' headers are read
and every other box (the media data above all) is skipped, so a clip of any length costs a few reads.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from vigtool.media.errors import MediaError

_HEADER = struct.Struct(">I4s")
_MOST_ENTRIES = 1 << 24  # a sync table longer than this is not a clip's (a day of film at 120 frames a second)


def video_sync_samples(path: Path) -> frozenset[int] | None:
    """The 1-based numbers (decode order) of the first video track's sync samples; None where the track has
    no sync sample table, which says every sample is one. MediaError where the file's boxes cannot be read
    or it has no video track."""
    with path.open("rb") as file:
        size = file.seek(0, 2)
        for kind, start, end in _boxes(file, 0, size, str(path)):
            if kind == b"moov":
                for track_kind, track_start, track_end in _boxes(file, start, end, str(path)):
                    media = _child(file, track_start, track_end, b"mdia", str(path)) if track_kind == b"trak" else None
                    if media is not None and _is_video(file, media, str(path)):
                        return _sync_of(file, media, str(path))
    raise MediaError(str(path), "has no video track in its boxes")


def _is_video(file: BinaryIO, media: tuple[int, int], name: str) -> bool:
    handler = _child(file, *media, b"hdlr", name)
    if handler is None:
        return False
    file.seek(handler[0] + 8)  # version and flags, pre_defined, then the handler type
    return file.read(4) == b"vide"


def _sync_of(file: BinaryIO, media: tuple[int, int], name: str) -> frozenset[int] | None:
    table = None
    if (info := _child(file, *media, b"minf", name)) and (samples := _child(file, *info, b"stbl", name)):
        table = _child(file, *samples, b"stss", name)
    if table is None:
        return None
    file.seek(table[0] + 4)  # version and flags
    (count,) = struct.unpack(">I", _read(file, 4, name))
    if count > _MOST_ENTRIES or 8 + 4 * count > table[1] - table[0]:
        raise MediaError(name, "has a sync sample table longer than its box")
    return frozenset(struct.unpack(f">{count}I", _read(file, 4 * count, name)))


def _child(file: BinaryIO, start: int, end: int, kind: bytes, name: str) -> tuple[int, int] | None:
    """[start, end) of the body of the first box `kind` among the boxes in [start, end)."""
    for found, body, stop in _boxes(file, start, end, name):
        if found == kind:
            return body, stop
    return None


def _boxes(file: BinaryIO, start: int, end: int, name: str) -> list[tuple[bytes, int, int]]:
    """(type, body start, end) of each box in [start, end), reading their headers only."""
    boxes = []
    at = start
    while at + 8 <= end:
        file.seek(at)
        size, kind = _HEADER.unpack(_read(file, 8, name))
        body = at + 8
        if size == 1:
            (size,) = struct.unpack(">Q", _read(file, 8, name))
            body += 8
        elif size == 0:
            size = end - at
        if size < body - at or at + size > end:
            raise MediaError(name, f"has a box ({kind.decode('latin-1')!r}) that runs past its end")
        boxes.append((kind, body, at + size))
        at += size
    return boxes


def _read(file: BinaryIO, count: int, name: str) -> bytes:
    data = file.read(count)
    if len(data) != count:
        raise MediaError(name, "is cut short inside its boxes")
    return data
