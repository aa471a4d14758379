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

The plan of what to copy is `vigtool.media.copy_plan`; the output container, the encoders and the sound are
`vigtool.media.cut_writer`; here, what runs where and in which order.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from queue import Empty, Queue
from typing import Any, BinaryIO, Literal

import av
import numpy as np

from vigtool.media.clip_check import CopiedPackets, opened_as_template, opened_for_decoding, picture_of, run_around
from vigtool.media.copy_plan import CopyPlan, SmartCutUnsupportedError, copy_start, end_pts, plan_copy
from vigtool.media.cut_writer import (
    ENCODERS,
    Cancelled,
    ExportCancelledError,
    Part,
    Progress,
    Writer,
    decoded_sound,
    encode_part,
    encoded_sound,
)
from vigtool.media.errors import MediaError
from vigtool.media.frames import CONTINUE_WITHIN, FrameDecoder
from vigtool.media.heap import keep_freed_memory
from vigtool.media.nal import BitstreamError, h264_reorder_frames, length_prefixed, parameter_sets
from vigtool.media.probe import FrameIndex, SeekableFile
from vigtool.media.stages import stage

# What other modules import from here (the plan and the writing live in copy_plan and cut_writer).
__all__ = ["ENCODERS", "Cancelled", "CutReport", "ExportCancelledError", "Progress", "SmartCutUnsupportedError",
           "decoded_sound", "end_pts", "smart_cut"]

# Frame threads: on a quiet machine the head's decoding already overlaps its encoding (and the side work)
# on the other core, and frame threads on top cost about 7 % more CPU; but the machine is rarely quiet, and
# on one shared with other work (as ffmpeg's decoder and x264 do, with their threads) they keep both cores
# busy: bench/clip_export.py's phone film at a load of 20, 10.6-12.4x against 9.0-9.2x with slice threads.
_DECODE_THREADS: Literal["AUTO", "SLICE"] = "AUTO"
# The side work's decoder (the tail's): it runs beside the head's on the other core, so frame threads of its
# own only add their copies of the decoder (issue 18, phone-h264-b: cut and check 0.936 CPU-s against 0.962).
_SIDE_DECODE_THREADS: Literal["AUTO", "SLICE"] = "SLICE"


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
    # The last call drains the decoder (FrameDecoder.decode_to(last=True)): no picture after the last one
    # wanted is decoded.
    at = first
    while at < end - 1:
        target = min(at + CONTINUE_WITHIN, end - 1)
        for number, frame in decoder.decode_to(target, last=peek_to is None and target == end - 1):
            if number > at:
                keep(number, frame)
                yield frame
        at = target
    if peek_to is not None:
        for number, frame in decoder.decode_to(peek_to, last=True):
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
        self.plan: CopyPlan | None = None
        self.packets: list[av.Packet[Any]] = []
        self.pictures: dict[int, np.ndarray] = {}  # by the source's frame number
        self.tail: Part = []
        self.tail_frames = 0
        self._error: BaseException | None = None
        self._writer: Writer | None = None
        self._key: int | None = None
        self._reorder = 0
        self._writer_ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export-side", daemon=True,
                                        args=(open_handle, index, rate, name, first, end))
        self._thread.start()

    def begin(self, writer: Writer | None, key: int | None = None, reorder: int = 0) -> None:
        """Hand over the output, where copying starts and the film's reordering depth as the head's reading
        knows it (this reading, opened without a picture, may not: HEVC's says 0). Writer None: it could not
        be made, so stop as soon as possible."""
        self._writer, self._key, self._reorder = writer, key, reorder
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
                        self.plan = plan_copy(container, container.streams.video[0], index, key, end, stop)
                if writer.audio is not None:
                    with stage("sound"):
                        self.packets = encoded_sound(container, writer,
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
                wanted = {end - 1, *range(*run_around(tail_first, self._reorder, first, end))}
                # From the keyframe before the window's first picture: a tail that starts just after a keyframe
                # has the window's first pictures in the GOP before it (a seek to the keyframe before the out
                # point would never show them, and the check would refuse the clip for want of them).
                steps = [decoder.decode_to(min(wanted), skip_unneeded=True, margin=0)]
                at = min(wanted)
                while at < end - 1:  # on in steps the decoder continues through (as _decoded_range)
                    at = min(at + CONTINUE_WITHIN, end - 1)
                    steps.append(decoder.decode_to(at, last=at == end - 1))
                with stage("tail_decode"):
                    for at, frame in itertools.chain(*steps):
                        if at >= tail_first:
                            tail.append(frame)
                        if at in wanted:
                            self.pictures[at] = picture_of(frame)
                if tail:
                    self.tail = encode_part(writer, iter(tail), index, rate, stop, None, "tail_encode")
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
    """A reading of the film; `template`: its streams are the output's templates and it knows the film's
    reordering depth (clip_check.opened_as_template), else it is opened for decoding only (opened_for_decoding).
    Neither decodes a picture at the opening on H.264."""
    handle = open_handle()
    try:
        container = opened_as_template(handle) if template else opened_for_decoding(handle)
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
                key = copy_start(container, index, first, end)
            writer = Writer(out, video, audio, int(index.pts[first]), progress, cancelled, total=end - first)
            try:
                depth = reorder(container)
                side.begin(writer, key, depth)
                return _write_parts(index, rate, first, end, key, depth, decoder, writer, side)
            finally:
                side.join()  # never close the output under the side work's encoders
                with stage("close_output"):
                    writer.close()
        finally:
            decoder.close()
    finally:
        side.join()


def _write_parts(index: FrameIndex, rate: Fraction, first: int, end: int, key: int | None, depth: int,
                 decoder: FrameDecoder, writer: Writer, side: _SideWork) -> CutReport:
    """The head (here, while the side work runs), then every part in decode order into the writer."""
    pictures: dict[int, np.ndarray] = {}  # by the source's frame number
    head_end = key if key is not None else end
    # The head's first picture, and where a copy follows, the pictures around the junction.
    around = run_around(head_end, depth, first, end) if key is not None else (first, first)
    wanted = {first, *range(*around)} if key is not None else {first, end - 1}

    def keep(at: int, frame: av.VideoFrame) -> None:
        if at in wanted:
            pictures[at] = picture_of(frame)

    head: Part = []
    if head_end > first:
        frames = _ahead(_decoded_range(decoder, first, head_end, keep, around[1] - 1 if key is not None else None))
        try:
            head = encode_part(writer, frames, index, rate, end_pts(index, head_end), writer.step, "head_encode",
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
                         length_prefixed(writer.source_parameter_sets, writer.nal_size), writer.end_of_sequence(),
                         depth)
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
    """How many pictures a decoder of the film holds back for reordering (B-frames). H.264: at least what its
    SPS says (a reading opened without a picture knows only the MP4 demuxer's estimate from the timestamps,
    and a decoder of the clip, meeting the film's SPS, holds back as many as the SPS says)."""
    context = container.streams.video[0].codec_context
    depth = int(context.reorder_depth or 0)
    if context.name == "h264":
        with contextlib.suppress(BitstreamError, IndexError):
            units = parameter_sets("h264", bytes(context.extradata or b""))[1]
            depth = max([depth, *(h264_reorder_frames(u) or 0 for u in units if u and u[0] & 0x1F == 7)])
    return depth

