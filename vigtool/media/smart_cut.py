"""Smart cut: frames [first, end) of an H.264/HEVC film into an MP4, re-encoding only what must be.

A clip rarely starts on a keyframe. The frames from the in point up to the next keyframe (the *head*) are
decoded and encoded afresh; from that keyframe on, the film's own packets are copied unchanged. At the out
point, the longest run of packets (in decode order) that shows exactly the frames before it is copied;
the few frames a B-frame would otherwise drag in past the out point (the *tail*) are encoded afresh too.
Each part carries its own parameter sets in-band, and an end-of-sequence unit between parts makes every
decoder start the next part cleanly (HEVC's open GOPs included).

Sound is always re-encoded (AAC frames do not fall on picture boundaries), cut to the sample. The result is
checked afterwards by `vigtool.media.clip_check`; the caller falls back to a full re-encode if it fails.

The work is CPU-bound and split over two readings of the film opened at once: the head is decoded on one
thread and encoded on another; the side work (copy plan, sound, tail) runs on a third. Decoders drop
pictures nothing refers to before the first frame they must show.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from queue import Empty, Queue
from typing import Any, BinaryIO, Literal

import av
import numpy as np

from vigtool.media.clip_check import CopiedPackets, opened_for_decoding, picture_of, run_around
from vigtool.media.errors import MediaError
from vigtool.media.frames import CONTINUE_WITHIN, FrameDecoder
from vigtool.media.heap import keep_freed_memory
from vigtool.media.nal import (
    BitstreamError,
    annexb_units,
    end_of_sequence,
    is_idr,
    length_prefixed,
    parameter_sets,
)
from vigtool.media.probe import FrameIndex, SeekableFile
from vigtool.media.stages import stage

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

ENCODERS = {"h264": "libx264", "hevc": "libx265"}
# The head and tail are short; a fast preset at a high quality keeps them quick and indistinguishable. A
# constant quantiser, not CRF: no frame analysis for the rate control. Measured on the 1080p films of
# bench/clip_export.py (grain), one thread: QP 18 takes 5.9-8.4 ms a picture against CRF 18's 9.0-11.6 ms,
# its worst picture 45.3-45.9 dB against the source (CRF 18: 46.5-46.8 dB; the check asks 32, and
# 45 dB is far beyond what an eye tells apart), and the clip's head decodes faster too (fewer bits).
# QP 21 (issue 18, 15 pictures of the phone-like films, all threads): 0.081 CPU-s to encode against QP 18's
# 0.104, and the check's decoding of them 0.034 s against 0.064 (a third of the bits), worst picture
# 41.3-42.2 dB (QP 18: 44.4-45.2; QP 22: 40.1-41.0). Deblocking turned back on (deblock=0,0) gives the
# same worst picture on grain for 10-15 % more encoding; superfast 0.3-1 dB more for 2.5x the encoding.
# forced-idr: a picture asked to be a keyframe (the head's, see _head_idr) is an IDR with its parameter sets.
_X264 = {"preset": "ultrafast", "qp": "21", "bf": "0", "forced-idr": "1"}
# x265 costs about five times x264's CPU per picture even at ultrafast. Mode decision at rd 1, a 16-pixel
# motion search and a two-picture lookahead take a third of it off (measured on 1080p frames with grain:
# 0.64-0.67 CPU-s for 10 frames against 0.99-1.26 s) at the same worst-frame PSNR (38.7 dB).
_X265 = {"preset": "ultrafast", "crf": "16",
         "x265-params": "log-level=error:bframes=0:rd=1:merange=16:rc-lookahead=2:lookahead-slices=0"}
AUDIO_BITRATE = 128_000
# Frame threads: on a quiet machine the head's decoding already overlaps its encoding (and the side work)
# on the other core, and frame threads on top cost about 7 % more CPU; but the machine is rarely quiet, and
# on one shared with other work (as ffmpeg's decoder and x264 do, with their threads) they keep both cores
# busy: bench/clip_export.py's phone film at a load of 20, 10.6-12.4x against 9.0-9.2x with slice threads.
_DECODE_THREADS: Literal["AUTO", "SLICE"] = "AUTO"
# The side work's decoder (the tail's): it runs beside the head's on the other core, so frame threads of its
# own only add their copies of the decoder (issue 18, phone-h264-b: cut and check 0.936 CPU-s against 0.962).
_SIDE_DECODE_THREADS: Literal["AUTO", "SLICE"] = "SLICE"


class ExportCancelledError(Exception):
    """The user cancelled the export; no file was left behind."""


class SmartCutUnsupportedError(MediaError):
    """This film cannot be smart-cut (codec or codec data); a full re-encode will do it."""


@dataclass(frozen=True)
class CutReport:
    head_frames: int  # encoded afresh at the in point
    copied_frames: int  # copied unchanged
    tail_frames: int  # encoded afresh at the out point
    # The source's pictures (stored orientation, clip_check.picture_of) the check compares the clip's with,
    # by the clip's frame number: its first, its last unless copied, and those around every junction.
    pictures: dict[int, np.ndarray]
    # The film's packets the clip copies, as read from the film, for the check to compare byte for byte.
    copy: CopiedPackets

    @property
    def copied(self) -> range:
        """The clip's frames that are the film's own packets."""
        return range(self.head_frames, self.head_frames + self.copied_frames)


def end_pts(index: FrameIndex, end: int) -> int:
    """The presentation time at which frame `end - 1` stops showing (the film's end for the last frame)."""
    if end < len(index):
        return int(index.pts[end])
    step = int(np.median(np.diff(index.pts))) if len(index) > 1 else 1
    return int(index.pts[-1]) + max(step, 1)


# A part of the clip as written: (data, pts, duration, keyframe) per packet, in decode order. Encoded parts
# show no B-frames, so their decode times are their presentation times, lowered where they must come
# before a copied part's.
Part = list[tuple[bytes, int, int, bool]]


@dataclass
class _CopyPlan:
    first_key: int  # the first keyframe at or after the in point (copying starts there)
    packets: list[tuple[bytes, int, int, int, bool]]  # (data, pts, dts, duration, keyframe), decode order

    @property
    def first_dts(self) -> int:
        return self.packets[0][2]

    @property
    def shows_until(self) -> int:
        """The first frame after the copied ones (they show [first_key, shows_until))."""
        return self.first_key + len(self.packets)


class _Writer:
    """The output container and the bookkeeping every part shares (time shift, NAL length, progress)."""

    def __init__(self, out: BinaryIO, source: av.video.stream.VideoStream, audio: av.audio.stream.AudioStream | None,
                 shift: int, progress: Progress | None, cancelled: Cancelled | None, total: int) -> None:
        codec = source.codec_context.name
        self.codec = codec
        try:
            extradata = bytes(source.codec_context.extradata or b"")
            self.nal_size, self.source_parameter_sets = parameter_sets(codec, extradata)
        except BitstreamError as exc:
            raise SmartCutUnsupportedError("the film", str(exc)) from exc
        self.container = av.open(out, "w", format="mp4", options={"movflags": "+faststart"})
        self.video = self.container.add_stream_from_template(source)
        self.time_base = Fraction(source.time_base or Fraction(1, 90000))  # the muxer may change the stream's
        self.video.time_base = self.time_base
        self.video.metadata.clear()
        self.audio = None
        if audio is not None:
            self.audio = self.container.add_stream("aac", rate=audio.codec_context.sample_rate,
                                                   layout=audio.codec_context.layout.name)
            self.audio.bit_rate = AUDIO_BITRATE
            # The fast coder: half the time of the default search, no audible difference at this bit rate.
            self.audio.codec_context.options = {"aac_coder": "fast"}
        self.container.metadata.clear()
        self.shift = shift
        self._progress, self._cancelled, self._total, self._done = progress, cancelled, total, 0
        self._closed = False

    def close(self) -> None:
        """Finish the file (or, after a failure or cancel, just let go of it: the caller deletes it)."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(av.error.FFmpegError, OSError, ValueError):
                self.container.close()

    def step(self, frames: int = 1) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ExportCancelledError("export cancelled")
        self._done += frames
        if self._progress is not None:
            self._progress(self._done, self._total)

    def write(self, data: bytes, pts: int, dts: int, duration: int, keyframe: bool) -> None:
        packet = av.Packet(data)
        packet.stream = self.video
        packet.time_base = self.time_base
        packet.pts, packet.dts, packet.duration = pts - self.shift, dts - self.shift, duration
        packet.is_keyframe = keyframe
        self.container.mux(packet)

    def encoder(self, like: av.VideoFrame, time_base: Fraction, rate: Fraction) -> av.VideoCodecContext:
        name = ENCODERS[self.codec]
        context = av.CodecContext.create(name, "w")
        assert isinstance(context, av.VideoCodecContext)
        context.width, context.height = like.width, like.height
        context.pix_fmt = {"yuvj420p": "yuv420p"}.get(like.format.name, like.format.name)
        context.time_base = time_base
        context.framerate = rate
        context.options = dict(_X264 if name == "libx264" else _X265)
        return context

    def encoded(self, data: bytes) -> bytes:
        """An encoder's Annex B packet in the film's length-prefixed form."""
        return length_prefixed(annexb_units(data), self.nal_size)

    def end_of_sequence(self) -> bytes:
        return length_prefixed([end_of_sequence(self.codec)], self.nal_size)

    def write_part(self, part: Part, dts_lowering: int) -> None:
        """An encoded part, with an end-of-sequence unit after its last picture."""
        last = len(part) - 1
        for k, (data, pts, duration, key) in enumerate(part):
            ending = self.end_of_sequence() if k == last else b""
            self.write(data + ending, pts, pts - dts_lowering, duration, key)

    def write_copied(self, plan: _CopyPlan) -> None:
        """The film's own packets, its parameter sets before every keyframe and an end-of-sequence unit after
        the last. The head's and tail's parameter sets share the film's ids with other contents: a player
        that has shown the head and then seeks to a later copied keyframe must meet the film's own there."""
        last = len(plan.packets) - 1
        leading_sets = length_prefixed(self.source_parameter_sets, self.nal_size)
        for k, (data, pts, dts, duration, key) in enumerate(plan.packets):
            leading = leading_sets if k == 0 or key else b""
            ending = self.end_of_sequence() if k == last else b""
            self.write(leading + data + ending, pts, dts, duration, key)
            self.step()


def _copy_start(container: av.container.InputContainer, index: FrameIndex, first: int, end: int) -> int | None:
    """The first keyframe in [first, end) where copying can start. HEVC: any (IDR, CRA, BLA: the
    end-of-sequence unit before it makes the decoder drop the leading pictures). H.264: an IDR only. An open
    GOP's I picture is a true keyframe to seek to, but after the head (another sequence) FFmpeg's decoder
    loses pictures at it, so the head runs on to the next IDR instead."""
    keys = index.keyframes
    candidates = [int(k) for k in keys[int(np.searchsorted(keys, first, side="left")):] if int(k) < end]
    stream = container.streams.video[0]
    if not candidates or stream.codec_context.name != "h264":
        return candidates[0] if candidates else None
    try:
        size = parameter_sets("h264", bytes(stream.codec_context.extradata or b""))[0]
    except BitstreamError as exc:
        raise SmartCutUnsupportedError("the film", str(exc)) from exc
    for key in candidates:
        container.seek(int(index.pts[key]), stream=stream, backward=True)
        for packet in container.demux(stream):
            if packet.pts is not None and packet.pts >= int(index.pts[key]):
                if packet.pts == int(index.pts[key]) and is_idr(bytes(packet), size):
                    return key
                break
    return None


def _plan_copy(container: av.container.InputContainer, stream: av.video.stream.VideoStream, index: FrameIndex,
               key: int, end: int, stop: int) -> _CopyPlan:
    """The packets from keyframe `key` on that show exactly a run of frames ending before `end` (read once,
    kept for writing)."""
    key_pts = int(index.pts[key])
    container.seek(key_pts, stream=stream, backward=True)
    read: list[tuple[bytes, int, int, int, bool]] = []
    # The index's keyframes, not the sync flag: a recovery-point P picture copied as a sync sample would be
    # where a player seeking in the clip starts decoding, and it would show broken pictures there.
    true_keys = set(index.keyframes.tolist())
    best = 0
    highest = -1
    for packet in container.demux(stream):
        # Before our keyframe: what the seek returned first, or leading pictures of an open GOP that
        # refer to frames we do not copy.
        if packet.pts is None or packet.size == 0 or packet.pts < key_pts:
            continue
        at = index.frame_at_pts(packet.pts)
        if packet.is_keyframe and at >= end and read:
            break
        if not read and at != key:
            raise SmartCutUnsupportedError("the film", "seeking did not land on its keyframe")
        next_pts = int(index.pts[at + 1]) if at + 1 < len(index) else stop
        read.append((bytes(packet), packet.pts, packet.dts if packet.dts is not None else packet.pts,
                     max(min(next_pts, stop) - packet.pts, 1), packet.is_keyframe and at in true_keys))
        highest = max(highest, at)
        if highest >= end:  # no later packet can complete a run ending before `end`
            break
        if highest - key + 1 == len(read):
            best = len(read)
    return _CopyPlan(key, read[:best])


def _encode_part(writer: _Writer, frames: Iterator[av.VideoFrame], index: FrameIndex, rate: Fraction,
                 last_end: int, step: Callable[[], None] | None, what: str, idr_at: int = 0) -> Part:
    """Encode `frames` (source timestamps) as one closed part. Muxes nothing, so it may run on any thread.
    With `idr_at` > 0, the part's frame of that number (from 0) is a keyframe (IDR) too."""
    context: av.VideoCodecContext | None = None
    part: Part = []

    def keep(packets: list[av.Packet[Any]]) -> None:
        for packet in packets:
            assert packet.pts is not None
            at = index.frame_at_pts(packet.pts)
            next_pts = int(index.pts[at + 1]) if at + 1 < len(index) else last_end
            part.append((writer.encoded(bytes(packet)), packet.pts, min(next_pts, last_end) - packet.pts,
                         packet.is_keyframe))

    for k, frame in enumerate(frames):
        with stage(what):
            if context is None:
                context = writer.encoder(frame, index.time_base, rate)
            fresh = frame.reformat(format=context.pix_fmt) if frame.format.name != context.pix_fmt else frame
            fresh.pts, fresh.time_base = frame.pts, index.time_base
            fresh.pict_type = av.video.frame.PictureType.I if 0 < k == idr_at else av.video.frame.PictureType.NONE
            keep(context.encode(fresh))
        if step is not None:
            step()
    if context is not None:
        with stage(what):
            keep(context.encode(None))
    return part


def _ahead(frames: Iterator[av.VideoFrame], depth: int = 6) -> Generator[av.VideoFrame, None, None]:
    """Decode on a worker thread while the caller encodes: the two overlap on a two-core machine."""
    queue: Queue[av.VideoFrame | BaseException | None] = Queue(depth)
    stop = threading.Event()

    def work() -> None:
        try:
            while True:
                with stage("head_decode"):
                    frame = next(frames, None)
                if stop.is_set():
                    return
                if frame is None:
                    break
                queue.put(frame)
            queue.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            queue.put(exc)

    worker = threading.Thread(target=work, name="export-decode", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a worker waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get(timeout=0.05)
        worker.join()


def _decoded_range(decoder: FrameDecoder, first: int, end: int, keep: Callable[[int, av.VideoFrame], None],
                   peek_to: int | None) -> Iterator[av.VideoFrame]:
    """Frames [first, end) for the encoder, each also handed to `keep`; with `peek_to`, the frames from `end`
    (where the copy starts) to `peek_to` are decoded too and handed to `keep` only."""
    # Skipping pictures nobody refers to is only safe before the in point: every frame after it is wanted.
    for at, frame in decoder.decode_to(first, skip_unneeded=True, margin=0):
        if at == first:
            keep(at, frame)
            yield frame
    # On in steps the decoder continues through: a head may span keyframes (an open GOP's I pictures, where
    # an H.264 copy cannot start), and one long step would seek to the last of them.
    at = first
    while at < end - 1:
        target = min(at + CONTINUE_WITHIN, end - 1)
        for number, frame in decoder.decode_to(target):
            if number > at:
                keep(number, frame)
                yield frame
        at = target
    if peek_to is not None:
        for number, frame in decoder.decode_to(peek_to):
            if number >= end:
                keep(number, frame)


class _SideWork:
    """Everything that needs no output so far, on its own thread and its own reading of the film, while the
    head is decoded and encoded on the other core: which packets to copy (read once, kept), the sound
    (encoded to packets), and the frames from the tail's keyframe to the out point (the tail, encoded, and
    the source's last frame that the check compares with). It starts before the output exists, and waits
    for it (`begin`) only where it needs its encoders."""

    def __init__(self, open_handle: Callable[[], SeekableFile], index: FrameIndex, rate: Fraction, name: str,
                 first: int, end: int) -> None:
        self.plan: _CopyPlan | None = None
        self.packets: list[av.Packet[Any]] = []
        self.pictures: dict[int, np.ndarray] = {}  # by the source's frame number
        self.tail: Part = []
        self.tail_frames = 0
        self._error: BaseException | None = None
        self._writer: _Writer | None = None
        self._key: int | None = None
        self._writer_ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export-side", daemon=True,
                                        args=(open_handle, index, rate, name, first, end))
        self._thread.start()

    def begin(self, writer: _Writer | None, key: int | None = None) -> None:
        """Hand over the output and where copying starts (None: it could not be made, so stop as soon as
        possible)."""
        self._writer, self._key = writer, key
        self._writer_ready.set()

    def _run(self, open_handle: Callable[[], SeekableFile], index: FrameIndex, rate: Fraction, name: str,
             first: int, end: int) -> None:
        try:
            with stage("open"):
                decoder = _open_decoder(open_handle, index, name, _SIDE_DECODE_THREADS, template=False)
            try:
                container = decoder.container
                stop = end_pts(index, end)
                self._writer_ready.wait()
                writer, key = self._writer, self._key
                if writer is None:
                    return
                if key is not None:
                    with stage("plan_copy"):
                        self.plan = _plan_copy(container, container.streams.video[0], index, key, end, stop)
                if writer.audio is not None:
                    with stage("sound"):
                        self.packets = _encoded_sound(container, writer,
                                                      Fraction(int(index.pts[first])) * index.time_base,
                                                      Fraction(stop) * index.time_base)
                if key == first:  # the clip has no head: one picture to decode for the check
                    *_, (_at, frame) = decoder.decode_to(first)
                    self.pictures[first] = picture_of(frame)
                tail_first = self.plan.shows_until if self.plan else end
                if self.plan is None or tail_first >= end:
                    # No tail: the last frame is copied (its packet is compared, not its picture) or the
                    # head's (which the head's decoder keeps).
                    return
                tail: list[av.VideoFrame] = []
                # Nothing before the tail is wanted, only what the tail and the last frame refer to, and the
                # copied frames before the tail (the check compares the clip's pictures around the junction).
                wanted = {end - 1, *range(*run_around(tail_first, reorder(container), first, end))}
                margin = end - 1 - min(wanted)
                with stage("tail_decode"):
                    for at, frame in decoder.decode_to(end - 1, skip_unneeded=True, margin=margin):
                        if at >= tail_first:
                            tail.append(frame)
                        if at in wanted:
                            self.pictures[at] = picture_of(frame)
                if tail:
                    self.tail = _encode_part(writer, iter(tail), index, rate, stop, None, "tail_encode")
                    self.tail_frames = len(tail)
            finally:
                decoder.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised by result() on the caller's thread
            self._error = exc

    def join(self) -> None:
        self._writer_ready.set()  # if the output was never handed over, stop waiting for it
        self._thread.join()

    def result(self) -> _SideWork:
        self.join()
        if self._error is not None:
            raise self._error
        return self


def _open_decoder(open_handle: Callable[[], SeekableFile], index: FrameIndex, name: str,
                  threads: Literal["AUTO", "SLICE"] | None = None, *, template: bool = True) -> FrameDecoder:
    """A reading of the film; `template`: its streams are the output's templates (else it is opened without
    decoding a picture: clip_check.opened_for_decoding)."""
    handle = open_handle()
    try:
        container = av.open(handle, "r") if template else opened_for_decoding(handle)
    except av.error.FFmpegError as exc:
        handle.close()
        raise MediaError(name, f"cannot be opened for export ({exc})") from exc
    return FrameDecoder(handle, index, name, threading=threads or _DECODE_THREADS, container=container)


def smart_cut(open_handle: Callable[[], SeekableFile], index: FrameIndex, rate: Fraction, first: int, end: int,
              out: BinaryIO, name: str, *, progress: Progress | None = None,
              cancelled: Cancelled | None = None) -> CutReport:
    """Write frames [first, end) and their sound to `out` as MP4 (see the module docstring)."""
    if not 0 <= first < end <= len(index):
        raise ValueError(f"{name} has frames 0 to {len(index) - 1}; [{first}, {end}) is not within them")
    keep_freed_memory()  # a second export reuses the first one's picture memory instead of faulting it in
    side = _SideWork(open_handle, index, rate, name, first, end)  # opens its reading while we open ours
    try:
        with stage("open"):
            decoder = _open_decoder(open_handle, index, name)  # the head's
        try:
            container = decoder.container
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            with stage("copy_start"):
                key = _copy_start(container, index, first, end)
            writer = _Writer(out, video, audio, int(index.pts[first]), progress, cancelled, total=end - first)
            try:
                side.begin(writer, key)
                return _write_parts(index, rate, first, end, key, decoder, writer, side)
            finally:
                side.join()  # never close the output under the side work's encoders
                with stage("close_output"):
                    writer.close()
        finally:
            decoder.close()
    finally:
        side.join()


def _write_parts(index: FrameIndex, rate: Fraction, first: int, end: int, key: int | None,
                 decoder: FrameDecoder, writer: _Writer, side: _SideWork) -> CutReport:
    """The head (here, while the side work runs), then every part in decode order into the writer."""
    pictures: dict[int, np.ndarray] = {}  # by the source's frame number
    head_end = key if key is not None else end
    # The head's first picture, and where a copy follows, the pictures around the junction.
    around = run_around(head_end, reorder(decoder.container), first, end) if key is not None else (first, first)
    wanted = {first, *range(*around)} if key is not None else {first, end - 1}

    def keep(at: int, frame: av.VideoFrame) -> None:
        if at in wanted:
            pictures[at] = picture_of(frame)

    head: Part = []
    if head_end > first:
        frames = _ahead(_decoded_range(decoder, first, head_end, keep, around[1] - 1 if key is not None else None))
        try:
            head = _encode_part(writer, frames, index, rate, end_pts(index, head_end), writer.step, "head_encode",
                                _head_idr(writer.codec, around[0] - first) if key is not None else 0)
        finally:
            frames.close()  # stops and joins the decoding thread before its decoder goes
    with stage("wait_side"):
        plan = side.result().plan
    lowering = max(0, int(index.pts[head_end - 1]) - plan.first_dts + 1) if plan and head else 0
    with stage("mux"):
        writer.write_part(head, lowering)
        for packet in side.packets:
            writer.container.mux(packet)
        if plan is not None:
            writer.write_copied(plan)
            if side.tail:
                writer.write_part(side.tail, 0)
                writer.step(side.tail_frames)
    pictures.update(side.pictures)
    # A picture the check needs and does not find here makes it refuse the clip (fail closed).
    copied = plan.packets if plan else []
    copy = CopiedPackets(range(head_end - first, head_end - first + len(copied)),
                         {index.frame_at_pts(pts) - first: data for data, pts, *_ in copied},
                         length_prefixed(writer.source_parameter_sets, writer.nal_size), writer.end_of_sequence())
    return CutReport(head_end - first, len(copied), side.tail_frames,
                     {n - first: picture for n, picture in sorted(pictures.items())}, copy)


def _head_idr(codec: str, window: int) -> int:
    """Where in an H.264 head (from 0) a second IDR goes: where the check's decoding over the junction with the
    copy starts (clip_check.run_around), so that it decodes straight through the junction from there rather
    than the whole head from its first picture (an IDR resets the decoder but for the parameter sets, and
    x264 sends those with every IDR: the decoder's state at the junction is the same either way). The head's
    first picture the check still compares (the probe decodes it); the pictures between were decoded and
    never compared. HEVC heads stay as they are (x265's intra pictures cost more, and HEVC meets its target)."""
    return window if codec == "h264" and window > 0 else 0


def reorder(container: av.container.InputContainer) -> int:
    """How many pictures a decoder of the film holds back for reordering (B-frames)."""
    return int(container.streams.video[0].codec_context.reorder_depth or 0)


def _encoded_sound(container: av.container.InputContainer, writer: _Writer, start: Fraction,
                   stop: Fraction) -> list[av.Packet[Any]]:
    """Decode the sound around [start, stop) seconds, cut it to the sample, encode it as AAC packets."""
    assert writer.audio is not None
    stream = container.streams.audio[0]
    sound = decoded_sound(container, stream, start, stop)
    layout = stream.codec_context.layout.name
    rate = stream.codec_context.sample_rate
    packets: list[av.Packet[Any]] = []
    for pos in range(0, sound.shape[1], 1024):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(sound[:, pos:pos + 1024]), format="fltp",
                                           layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = rate, pos, Fraction(1, rate)
        packets += writer.audio.encode(frame)
    return packets + writer.audio.encode(None)


def decoded_sound(container: av.container.InputContainer, stream: av.audio.stream.AudioStream, start: Fraction,
                   stop: Fraction) -> np.ndarray:
    """The samples of [start, stop) seconds, planar float, padded with silence where the film has none."""
    rate = stream.codec_context.sample_rate
    wanted = round((stop - start) * rate)
    first_sample = round(start * rate)
    time_base = stream.time_base or Fraction(1, rate)
    # A quarter second early: an AAC frame needs the one before it (overlap-add) to come out right.
    container.seek(max(int((start - Fraction(1, 4)) / time_base), 0), stream=stream, backward=True)
    num, den = time_base.numerator * rate, time_base.denominator  # integer sample positions, no Fractions
    chunks: list[np.ndarray] = []
    have = 0
    for frame in container.decode(stream):
        if frame.pts is None:
            continue
        at = (frame.pts * num * 2 + den) // (2 * den)  # rounded
        samples = frame.to_ndarray().astype(np.float32)
        if samples.ndim == 1 or frame.format.is_packed:
            samples = samples.reshape(-1, frame.layout.nb_channels).T
        if at + samples.shape[1] <= first_sample:
            continue
        skip = max(first_sample - at, 0)
        if not chunks and at > first_sample:  # the sound starts late: silence until it does
            chunks.append(np.zeros((samples.shape[0], at - first_sample), np.float32))
            have = at - first_sample
        piece = samples[:, skip:skip + wanted - have]
        chunks.append(piece)
        have += piece.shape[1]
        if have >= wanted:
            break
    channels = len(stream.codec_context.layout.channels)
    sound = np.concatenate(chunks, axis=1) if chunks else np.zeros((channels, 0), np.float32)
    if sound.shape[1] < wanted:  # the film's sound ends before its pictures do
        sound = np.pad(sound, ((0, 0), (0, wanted - sound.shape[1])))
    return sound
