"""The working copy is made in pieces, each sealed as soon as it is finished, so a crash loses one piece.

Making the copy of a long 4K film takes minutes of a niced thread; the laptop may be shut, the app
killed or the power cut meanwhile. Each piece is a whole number of the copy's GOPs (`PIECE_GOPS` of
`COPY_GOP` frames, 10 s at 30 fps), encoded by an encoder of its own so it starts on a keyframe and
refers to nothing before it, and sealed with the film's key as
`<media id>.working_copy_piece.<n>.vigm` (written under a temp name and renamed when whole). The next
time, the pieces already finished are read back and checked (they decrypt to the end, hold the frames
they should, with the encoder's own stream headers); making goes on from the first piece missing or
torn, and the pieces after a bad one are made again. When every piece is there, they are muxed (no
re-encoding) into the one fragmented MP4 the player reads, and removed.

A piece's plaintext: `MAGIC`, a header (first frame, frames, width, height, length of the encoder's
headers), the encoder's headers (H.264 SPS/PPS, the same for every piece made with the same settings:
checked when they are muxed), then one record per packet: pts, dts (the copy's time base, which is the
original's, from 0), keyframe flag, size, bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import av

from storage.sealed_media import MediaKind
from vigtool.domain.model import Recording
from vigtool.media.errors import MediaError
from vigtool.media.probe import FrameIndex
from vigtool.services.vault import Vault

COPY_GOP = 8  # a keyframe every 8 frames: a random seek decodes at most 7 (4.5 on average) of the copy
COPY_CRF = 23
PIECE_GOPS = 40  # 320 frames a piece: a crash costs at most 11 s of a 30-fps film's copy
ENCODER_OPTIONS = {"crf": str(COPY_CRF), "preset": "veryfast", "g": str(COPY_GOP), "keyint_min": str(COPY_GOP),
                   "sc_threshold": "0", "bf": "0"}
MAGIC = b"VIGWCP1\n"
_HEADER = struct.Struct(">IIHHI")
_PACKET = struct.Struct(">qqBI")
KIND = MediaKind.WORKING_COPY_PIECE


@dataclass(frozen=True)
class Piece:
    number: int
    first: int  # the original's frame number of its first frame
    frames: int
    size: tuple[int, int]
    headers: bytes  # the encoder's stream headers (SPS/PPS)
    packets: list[tuple[int, int, bool, bytes]]  # (pts, dts, keyframe, data), in decoding order


def new_encoder(size: tuple[int, int], rate: Fraction, time_base: Fraction) -> av.VideoCodecContext:
    encoder = av.CodecContext.create("libx264", "w")
    assert isinstance(encoder, av.VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = size[0], size[1], "yuv420p"
    encoder.time_base, encoder.framerate = time_base, rate
    encoder.options = dict(ENCODER_OPTIONS)
    encoder.flags |= av.codec.context.Flags.global_header  # SPS/PPS apart, as MP4 keeps them (avcC)
    encoder.thread_type = "AUTO"
    encoder.open()
    return encoder


def encode_piece(vault: Vault, recording: Recording, number: int, first: int, frames: Iterator[av.VideoFrame],
                 count: int, size: tuple[int, int], rate: Fraction, time_base: Fraction,
                 done_one: Callable[[], None]) -> None:
    """Encode the next `count` frames (already scaled, pts in `time_base` from 0) as piece `number` and seal it;
    `done_one()` after each frame (it may raise to stop: nothing of this piece is then kept)."""
    encoder = new_encoder(size, rate, time_base)
    headers = bytes(encoder.extradata or b"")
    with vault.media.create_piece(recording.media_id, KIND, number, vault.data_key(recording)) as sink:
        sink.write(MAGIC + _HEADER.pack(first, count, size[0], size[1], len(headers)) + headers)

        def write(packets: list[av.Packet[av.video.stream.VideoStream]]) -> None:
            for packet in packets:
                data = bytes(packet)
                assert packet.pts is not None and packet.dts is not None
                sink.write(_PACKET.pack(packet.pts, packet.dts, int(packet.is_keyframe), len(data)) + data)

        for _ in range(count):
            write(encoder.encode(next(frames)))
            done_one()
        write(encoder.encode(None))
        sink.commit()


def read_piece(vault: Vault, recording: Recording, number: int) -> Piece:
    """Piece `number` as sealed; MediaError when it is torn, damaged or not a piece."""
    name = f"piece {number} of the working copy of {recording.source_name}"
    with vault.media.open_piece(recording.media_id, KIND, number, vault.data_key(recording), name) as reader:
        data = reader.readall()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _HEADER.size:
        raise MediaError(name, "is not a piece of a working copy")
    at = len(MAGIC)
    first, frames, width, height, header_bytes = _HEADER.unpack_from(data, at)
    at += _HEADER.size
    headers = data[at:at + header_bytes]
    at += header_bytes
    packets = []
    while at < len(data):
        if at + _PACKET.size > len(data):
            raise MediaError(name, "is cut short")
        pts, dts, key, length = _PACKET.unpack_from(data, at)
        at += _PACKET.size
        if at + length > len(data):
            raise MediaError(name, "is cut short")
        packets.append((pts, dts, bool(key), data[at:at + length]))
        at += length
    return Piece(number, first, frames, (width, height), headers, packets)


def piece_problem(piece: Piece, original: FrameIndex, piece_frames: int, size: tuple[int, int]) -> str | None:
    """Why `piece` is not the piece it should be (None when it is): its frames, their times, its keyframes."""
    first = piece.number * piece_frames
    count = min(piece_frames, len(original) - first)
    if (piece.first, piece.frames, piece.size) != (first, count, size) or count <= 0:
        return "holds other frames than its number says"
    pts0 = int(original.pts[0])
    expected = [int(original.pts[n]) - pts0 for n in range(first, first + count)]
    if sorted(p for p, _d, _k, _b in piece.packets) != expected:
        return "lacks frames or holds others"
    keys = [p for p, _d, k, _b in piece.packets if k]
    if keys != [expected[k] for k in range(0, count, COPY_GOP)]:
        return "has its keyframes elsewhere than every 15th frame"
    return None


def pieces_kept(vault: Vault, recording: Recording, original: FrameIndex, piece_frames: int,
                size: tuple[int, int]) -> int:
    """How many pieces, from the first, are finished and sound; the others (a torn or damaged one and every
    piece after it) are removed, to be made again."""
    kept = 0
    for number in vault.media.pieces(recording.media_id, KIND):
        if number != kept:
            break
        try:
            problem = piece_problem(read_piece(vault, recording, number), original, piece_frames, size)
        except MediaError:
            problem = "is torn"
        if problem is not None:
            break
        kept += 1
    vault.media.delete_pieces(recording.media_id, KIND, kept)
    return kept


def mux_pieces(vault: Vault, recording: Recording, pieces: int, out: av.container.OutputContainer,
               size: tuple[int, int], rate: Fraction, time_base: Fraction) -> av.video.stream.VideoStream:
    """Every piece's packets, in order, into `out` (the encoder's headers of each checked: one stream)."""
    video = out.add_stream("libx264", rate=rate, options=dict(ENCODER_OPTIONS))
    video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
    video.codec_context.time_base = time_base
    video.time_base = time_base
    out.start_encoding()  # the stream's headers, from an encoder with the pieces' settings
    headers = bytes(video.codec_context.extradata or b"")
    for number in range(pieces):
        piece = read_piece(vault, recording, number)
        if piece.headers != headers:
            raise MediaError(recording.source_name, f"piece {number} of its working copy was encoded otherwise; "
                             "it is made again")
        for pts, dts, key, data in piece.packets:
            packet = av.Packet(data)
            packet.pts, packet.dts, packet.time_base, packet.is_keyframe = pts, dts, time_base, key
            packet.stream = video
            out.mux(packet)
    return video
