"""A film as it may leave the vault: its picture and sound, packet for packet, and nothing else.

Phone films carry where and with what they were made (GPS location, make and model, the time, the
software), and films often carry a title someone typed ("Smith family home visit"). None of that may
travel. `copy_without_metadata` writes a new MP4 by stream copy: every packet of the film's video and
first sound track, unchanged, with the same timestamps in the same time bases (so the edit list, the
B-frame delay and the frame index are the sender's), the display matrix (a portrait film stays upright)
and the codec set-up a decoder needs; no container or stream metadata, no chapters, no timecode or data
tracks, no user data, no creation time, no encoder name.

`check_without_metadata` then reads the written copy back and fails closed: every box of it is one a
player needs (an allow-list, walked to the sample tables), every time stamp in its headers is zero, the
handler names are the muxer's generic ones, none of the original's metadata values is anywhere in its
headers, PyAV sees no metadata beyond the file brand, and its packets are exactly the ones sent (hashed
as they went), its picture turned as the original's. A copy that fails any of these is not sent.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import av

from vigtool.media.errors import MediaError
from vigtool.media.probe import SeekableFile
from vigtool.media.smart_cut import Cancelled, ExportCancelledError, Progress


class MetadataLeftError(MediaError):
    """The copy for sending could not be shown to carry nothing but picture and sound: it is not sent."""


# What a player needs, box by box (ISO/IEC 14496-12); anything else in a copy means it is not sent.
_ALLOWED: dict[bytes, frozenset[bytes]] = {
    b"": frozenset({b"ftyp", b"free", b"skip", b"wide", b"mdat", b"moov"}),
    b"moov": frozenset({b"mvhd", b"trak", b"free", b"skip"}),
    b"trak": frozenset({b"tkhd", b"edts", b"mdia", b"free", b"skip"}),
    b"edts": frozenset({b"elst"}),
    b"mdia": frozenset({b"mdhd", b"hdlr", b"minf"}),
    b"minf": frozenset({b"vmhd", b"smhd", b"dinf", b"stbl"}),
    b"dinf": frozenset({b"dref"}),
    b"stbl": frozenset({b"stsd", b"stts", b"stss", b"ctts", b"cslg", b"stsc", b"stsz", b"stz2", b"stco",
                        b"co64", b"sgpd", b"sbgp", b"sdtp", b"stps"}),
}
_CONTAINERS = frozenset({b"moov", b"trak", b"edts", b"mdia", b"minf", b"dinf", b"stbl"})
_TIMED = frozenset({b"mvhd", b"tkhd", b"mdhd"})  # full boxes that begin with creation/modification times
_HANDLERS = {b"vide": b"VideoHandler", b"soun": b"SoundHandler"}  # the muxer's own, naming no device
_BRAND_KEYS = frozenset({"major_brand", "minor_version", "compatible_brands"})
_STREAM_KEYS = {"language": {"und"}, "handler_name": {"VideoHandler", "SoundHandler"},
                "vendor_id": {"[0][0][0][0]"}}
# Never in a copy's headers, whatever the original said: GPS, Apple's keys, the muxer's name.
_MARKERS = (b"\xa9xyz", b"ISO6709", b"com.apple", b"com.android", b"Lavf", b"mdta")
_MIN_VALUE = 4  # shorter metadata values ("1", "eng") would turn up by chance in binary tables
_PICTURES = frozenset({b"avc1", b"avc3", b"hvc1", b"hev1", b"mp4v", b"av01", b"vp09", b"mjpa"})
_COMPRESSOR = (42, 74)  # the 32-byte compressor name in a visual sample entry (ISO/IEC 14496-12 12.1.3)
# Where the decoder's set-up starts in an stsd: version and count, the entry's header, a visual entry's own
# 78 bytes (a sound entry's are 28: its first 50 bytes of set-up are searched too, which only costs time).
_SETUP_AT = 8 + 8 + 78


@dataclass(frozen=True)
class StreamSent:
    kind: str  # "video" or "audio"
    packets: int
    digest: bytes  # of every packet's timestamps, keyframe flag and bytes, in order


@dataclass(frozen=True)
class CleanCopy:
    streams: tuple[StreamSent, ...]
    forbidden: tuple[str, ...]  # the original's metadata values: none may be in the copy
    rotation: int  # clockwise degrees, as the original's first picture is turned


class _PacketLog:
    def __init__(self, kind: str) -> None:
        self.kind, self.packets, self._hash = kind, 0, hashlib.sha256()

    def add(self, packet: av.Packet[Any]) -> None:
        self._hash.update(struct.pack(">qqB", packet.pts if packet.pts is not None else -(1 << 63),
                                      packet.dts if packet.dts is not None else -(1 << 63),
                                      bool(packet.is_keyframe)))
        self._hash.update(struct.pack(">Q", packet.size))
        self._hash.update(memoryview(packet))
        self.packets += 1

    def sent(self) -> StreamSent:
        return StreamSent(self.kind, self.packets, self._hash.digest())


def _metadata_values(container: av.container.InputContainer) -> tuple[str, ...]:
    """Every metadata value of the film, its streams and chapters, that could be recognised in a file."""
    found: set[str] = set()
    dicts = [container.metadata, *(s.metadata for s in container.streams)]
    dicts += [chapter.get("metadata", {}) for chapter in container.chapters()]
    for values in dicts:
        for key, value in values.items():
            text = str(value).strip()
            if key in _BRAND_KEYS or text in _STREAM_KEYS.get(key, set()) or len(text) < _MIN_VALUE:
                continue
            if text.replace(".", "").isdigit():
                continue
            found.add(text)
    return tuple(sorted(found))


def _rotation(frame: av.VideoFrame) -> int:
    return (-round(frame.rotation / 90) * 90) % 360  # PyAV: counter-clockwise; we: clockwise


def copy_without_metadata(source: SeekableFile, out: BinaryIO, name: str, *, total: int = 0,
                          progress: Progress | None = None, cancelled: Cancelled | None = None) -> CleanCopy:
    """Stream-copy `source`'s video and first sound track into `out` (seekable, readable) as an MP4 with
    no metadata. `progress` gets bytes copied and `total`. Check the result with `check_without_metadata`."""
    try:
        container = av.open(source, "r")
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"cannot be opened to be copied for sending ({exc})") from exc
    with container:
        if not container.streams.video:
            raise MediaError(name, "has no video in it")
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        forbidden = _metadata_values(container)
        try:
            rotation = _rotation(next(container.decode(video)))
        except (StopIteration, av.error.FFmpegError) as exc:
            raise MediaError(name, "has a video track that cannot be decoded") from exc
        container.seek(0)
        logs = _mux(container, [s for s in (video, audio) if s is not None], out, name, total, progress, cancelled)
    _blank_empty_user_data(out)
    return CleanCopy(tuple(log.sent() for log in logs), forbidden, rotation)


def _timescale(stream: av.stream.Stream) -> str | None:
    base = stream.time_base
    return str(base.denominator) if base is not None and base.numerator == 1 else None


def _mux(container: av.container.InputContainer, streams: list[av.stream.Stream], out: BinaryIO, name: str,
         total: int, progress: Progress | None, cancelled: Cancelled | None) -> list[_PacketLog]:
    options = {"video_track_timescale": _timescale(streams[0]) or ""}  # the film's ticks, not the muxer's
    options = {k: v for k, v in options.items() if v}
    try:
        muxer = av.open(out, "w", format="mp4", options=options, container_options={"fflags": "+bitexact"})
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"cannot be copied for sending ({exc})") from exc
    logs = [_PacketLog(s.type) for s in streams]
    done = 0
    with muxer:
        targets = {}
        for stream in streams:
            target = muxer.add_stream_from_template(stream)
            target.metadata.clear()
            targets[stream.index] = target
        muxer.metadata.clear()
        log_of = {s.index: log for s, log in zip(streams, logs, strict=True)}
        try:
            for packet in container.demux(streams):
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream marker
                if packet.dts is None or packet.pts is None:
                    raise MediaError(name, f"has a packet without a timestamp in its {packet.stream.type} "
                                     "track: it cannot be copied packet for packet, so it was not sent")
                if cancelled is not None and cancelled():
                    raise ExportCancelledError("sending cancelled")
                log_of[packet.stream.index].add(packet)
                done += packet.size
                packet.stream = targets[packet.stream.index]
                muxer.mux(packet)
                if progress is not None:
                    progress(min(done, total), total)
        except av.error.FFmpegError as exc:
            raise MediaError(name, f"could not be copied for sending ({exc}); it was not sent") from exc
    return logs


def _boxes(data: bytes | memoryview, start: int, end: int, where: str) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, where its content starts, where it ends, where it starts) of each box in data[start:end]."""
    at = start
    while at < end:
        if end - at < 8:
            raise MetadataLeftError(where, "has a damaged box header")
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        head = 8
        if size == 1:
            if end - at < 16:
                raise MetadataLeftError(where, "has a damaged box header")
            (size,) = struct.unpack(">Q", data[at + 8:at + 16])
            head = 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            raise MetadataLeftError(where, f"has a damaged {kind!r} box")
        yield bytes(kind), at + head, at + size, at
        at += size


def _top_level(handle: BinaryIO) -> list[tuple[bytes, int, int]]:
    """The top-level boxes of a file: (type, content start, end), reading only their headers."""
    size = handle.seek(0, io.SEEK_END)
    found, at = [], 0
    while at < size:
        handle.seek(at)
        head = handle.read(16)
        if len(head) < 8:
            raise MetadataLeftError("the copy", "ends inside a box header")
        box_size, kind = struct.unpack(">I4s", head[:8])
        length = 8
        if box_size == 1:
            (box_size,) = struct.unpack(">Q", head[8:16])
            length = 16
        elif box_size == 0:
            box_size = size - at
        if box_size < length or at + box_size > size:
            raise MetadataLeftError("the copy", f"has a damaged {kind!r} box")
        found.append((bytes(kind), at + length, at + box_size))
        at += box_size
    return found


def _read(handle: BinaryIO, start: int, end: int) -> bytes:
    handle.seek(start)
    return handle.read(end - start)


def _is_empty_user_data(data: bytes) -> bool:
    """Exactly what the MP4 muxer writes when it has no metadata: udta > meta > (hdlr 'mdir', empty ilst)."""
    children = list(_boxes(data, 0, len(data), "udta"))
    if [c[0] for c in children] != [b"meta"]:
        return False
    _kind, start, end, _at = children[0]
    inner = list(_boxes(data, start + 4, end, "meta"))
    if [c[0] for c in inner] != [b"hdlr", b"ilst"]:
        return False
    hdlr, ilst = inner
    handler = data[hdlr[1]:hdlr[2]]
    return handler[8:12] == b"mdir" and not handler[24:].strip(b"\x00") and ilst[1] == ilst[2]


def _blank_empty_user_data(out: BinaryIO) -> None:
    """The muxer always writes an (empty) user-data box; it becomes a zeroed 'free' box of the same size,
    which every reader skips. Anything in it other than nothing is left for the check to refuse."""
    for kind, start, end in _top_level(out):
        if kind != b"moov":
            continue
        moov = _read(out, start, end)
        for child, child_start, child_end, child_at in _boxes(moov, 0, len(moov), "moov"):
            if child == b"udta" and child_end - child_at < 1 << 32 and _is_empty_user_data(
                    moov[child_start:child_end]):
                out.seek(start + child_at)
                out.write(struct.pack(">I4s", child_end - child_at, b"free") + bytes(child_end - child_at - 8))


def check_without_metadata(handle: BinaryIO, name: str, sent: CleanCopy) -> None:
    """Fail closed unless the copy in `handle` holds exactly the packets sent and nothing else."""
    top = _top_level(handle)
    kinds = [k for k, _s, _e in top]
    if kinds.count(b"moov") != 1 or kinds.count(b"ftyp") != 1:
        raise MetadataLeftError(name, "its copy for sending is not a plain MP4 file, so it was not sent")
    headers = bytearray()
    for kind, start, end in top:
        if kind not in _ALLOWED[b""]:
            raise MetadataLeftError(name, f"its copy for sending holds a {kind.decode('latin-1')!r} box beside "
                                    "the film, so it was not sent")
        if kind == b"mdat":
            continue
        body = _read(handle, start, end)
        if kind == b"moov":
            codec_setups: list[tuple[int, int]] = []
            _check_boxes(body, b"moov", name, codec_setups)
            blanked = bytearray(body)  # the decoder's set-up, copied as it is, is not searched (see below)
            for setup_start, setup_end in codec_setups:
                blanked[setup_start:setup_end] = bytes(setup_end - setup_start)
            body = bytes(blanked)
        elif kind != b"ftyp" and body.strip(b"\x00"):
            raise MetadataLeftError(name, "its copy for sending has data in a 'free' box, so it was not sent")
        headers += body
    _check_no_values(bytes(headers), name, sent.forbidden)
    _check_read_back(handle, name, sent)


def _check_boxes(data: bytes, parent: bytes, name: str, codec_setups: list[tuple[int, int]], start: int = 0,
                 end: int | None = None) -> None:
    """Walk the boxes under `parent`, refusing what a player does not need; where each sample description
    keeps the codec set-up is added to `codec_setups`."""
    for kind, child_start, child_end, _at in _boxes(data, start, len(data) if end is None else end, name):
        label = kind.decode("latin-1")
        if kind not in _ALLOWED[parent]:
            raise MetadataLeftError(name, f"its copy for sending would carry a {label!r} box (inside "
                                    f"{parent.decode('latin-1')!r}), which a player does not need: it may hold "
                                    "where or with what the film was made, so it was not sent")
        body = data[child_start:child_end]
        if kind in _CONTAINERS:
            _check_boxes(data, kind, name, codec_setups, child_start, child_end)
        elif kind in _TIMED:
            wide = body[:1] == b"\x01"
            if body[4:20 if wide else 12].strip(b"\x00"):
                raise MetadataLeftError(name, f"its copy for sending would carry a date in its {label!r} box, so "
                                        "it was not sent")
        elif kind == b"hdlr":
            handler, title = body[8:12], body[24:].rstrip(b"\x00")
            if _HANDLERS.get(handler) != title:
                raise MetadataLeftError(name, f"its copy for sending would carry the handler name {title!r}, so "
                                        "it was not sent")
        elif kind in (b"free", b"skip") and body.strip(b"\x00"):
            raise MetadataLeftError(name, "its copy for sending has data in a 'free' box, so it was not sent")
        elif kind == b"stsd":
            _check_sample_description(body, name)
            if child_start + _SETUP_AT < child_end:
                codec_setups.append((child_start + _SETUP_AT, child_end))
        elif kind == b"dref" and body != b"\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x0curl \x00\x00\x00\x01":
            raise MetadataLeftError(name, "its copy for sending refers to data outside itself, so it was not sent")


def _check_sample_description(body: bytes, name: str) -> None:
    """The one sample entry's own fields: a picture's compressor name (a free text field) must be empty.
    What follows it is the decoder's set-up (avcC/hvcC/esds, colour, pixel aspect), kept byte for byte
    as the original has it, as its packets are: an encoder may have left its name there (x265 does, in an
    SEI), as it may in the packets, but neither place holds the container's metadata."""
    entries = list(_boxes(body, 8, len(body), name))
    if int.from_bytes(body[4:8], "big") != 1 or len(entries) != 1:
        raise MetadataLeftError(name, "its copy for sending has other than one sample description, so it was "
                                "not sent")
    kind, start, end, _at = entries[0]
    if kind in _PICTURES and (end - start < _COMPRESSOR[1] or body[start + _COMPRESSOR[0]:start + _COMPRESSOR[1]]
                              .strip(b"\x00")):
        raise MetadataLeftError(name, "its copy for sending names a compressor in its sample description, so "
                                "it was not sent")


def _check_no_values(headers: bytes, name: str, forbidden: Iterable[str]) -> None:
    # Exact spellings (UTF-8, and UTF-16 as QuickTime stores some): "HEVC" from a phone is no "hvc1".
    for value in forbidden:
        for spelling in {value.encode(), value.encode("utf-16-be")}:
            if spelling in headers:
                raise MetadataLeftError(name, f"its copy for sending still carries {value!r} from the film's "
                                        "metadata, so it was not sent")
    for marker in _MARKERS:
        if marker in headers:
            raise MetadataLeftError(name, f"its copy for sending still carries {marker!r}, so it was not sent")


def _check_read_back(handle: BinaryIO, name: str, sent: CleanCopy) -> None:
    handle.seek(0)
    try:
        with av.open(handle, "r") as container:
            extra = set(container.metadata) - _BRAND_KEYS
            if extra:
                raise MetadataLeftError(name, f"its copy for sending still has {', '.join(sorted(extra))} in it, "
                                        "so it was not sent")
            if container.chapters():
                raise MetadataLeftError(name, "its copy for sending still has chapters, so it was not sent")
            streams = list(container.streams)
            if [s.type for s in streams] != [s.kind for s in sent.streams]:
                raise MetadataLeftError(name, "its copy for sending has other tracks than its picture and sound, "
                                        "so it was not sent")
            for stream in streams:
                for key, value in stream.metadata.items():
                    if value not in _STREAM_KEYS.get(key, set()):
                        raise MetadataLeftError(name, f"its copy for sending still carries the {stream.type} "
                                                f"track's {key}, so it was not sent")
            logs = {s.index: _PacketLog(s.type) for s in streams}
            for packet in container.demux(streams):
                if packet.size:
                    logs[packet.stream.index].add(packet)
            got = tuple(logs[s.index].sent() for s in streams)
            if got != sent.streams:
                raise MetadataLeftError(name, "its copy for sending does not hold the film's packets exactly as "
                                        "they are (frame for frame, at the same times), so it was not sent")
            container.seek(0)
            first = next(container.decode(streams[0]))
            if not isinstance(first, av.VideoFrame):
                raise MetadataLeftError(name, "its copy for sending does not begin with its picture, so it was not "
                                        "sent")
            rotation = _rotation(first)
    except (av.error.FFmpegError, StopIteration) as exc:
        raise MetadataLeftError(name, f"its copy for sending cannot be read back ({exc}), so it was not sent") from exc
    if rotation != sent.rotation:
        raise MetadataLeftError(name, f"its copy for sending would be turned {rotation}° where the film is "
                                f"turned {sent.rotation}°, so it was not sent")
