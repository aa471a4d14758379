"""Check a written clip against its source before anyone sees it: frame count, timing, rotation, the copied
packets byte for byte, and pictures decoded afresh from the file and compared with the source's frames: the
first, the last where it was re-encoded, and on either side of every junction between a re-encoded part and
a copied one, decoded straight through it as a player plays it, so a picture lost or broken where the parts
meet is caught too.

The copied frames are the film's own packets: a decoder that meets the same bytes after the same parameter
sets makes the same pictures of them, so comparing the bytes proves what decoding them would, for a
fraction of the time (decoding a 1080p GOP takes a fifth of a second; comparing its bytes, milliseconds).
Where a copy meets a re-encoded part, the pictures are still decoded and compared: there the decoder's
state (parameter sets, references, reordering) passes from one part to the other, which no bytes show."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from vigtool.media.errors import MediaError
from vigtool.media.frames import FrameDecoder, RGBImage
from vigtool.media.mp4_sync import video_sync_samples
from vigtool.media.probe import FrameIndex, ProbeResult, SeekableFile, probe_container
from vigtool.media.stages import stage

MIN_PSNR = 32.0  # dB: far below what the head's encoder gives (≥ 40), far above a wrong or broken frame


def psnr(a: RGBImage, b: RGBImage) -> float:
    """Peak signal-to-noise ratio of two pictures (OpenCV's vectorised sum of squares: about 1 ms at 1080p)."""
    if a.shape != b.shape:
        return 0.0
    mse = float(cv2.norm(a, b, cv2.NORM_L2SQR)) / a.size
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


# Formats whose planes are compared as they are (one byte a sample): no conversion to RGB, a third of
# the time at 1080p. Others (10-bit, ...) are compared in RGB.
_PLANAR_8_BIT = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "gray"})


def picture_of(frame: av.VideoFrame) -> np.ndarray:
    """A decoded picture in the form the check compares: its own 8-bit planes, or RGB."""
    if frame.format.name in _PLANAR_8_BIT:
        return np.asarray(frame.to_ndarray(), dtype=np.uint8)
    return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


# Opening a film, FFmpeg decodes its first pictures to learn what the stream says already (for H.264, up to
# seven, to guess the reordering depth, which the SPS gives): 30 ms of CPU on bench/clip_export.py's
# phone-h264-b (a 1080p I picture at 16 Mb/s), 1 ms without. Only the opening's own decoder skips them (the
# pictures are decoded by a fresh decoder with options of its own); the stream's pixel format and colour are
# left unknown, so such a reading is never an output's template.
_NO_PICTURE_AT_OPENING = {"skip_frame": "nonkey"}


# An H.264 film's opening decodes pictures only to guess how many the decoder holds back for reordering (one
# where the SPS gives it, up to seven where it gives none: a film without B-frames): 32-36 ms of CPU on
# bench/clip_export.py's phone films, 3-6 ms without. Told to skip every picture (not only those that are not
# keyframes, as opened_for_decoding: that loses the rotation), the opening keeps what an output's template
# holds (the clip is byte for byte the same on every encode style, tested) and takes the reordering depth
# from the film's own SPS (avcC); only the pixel format is left unknown (the decoder learns it from the first
# picture). HEVC's opening decodes no picture anyway, and without one it would not know the depth: usual.
_NO_PICTURE_BUT_THE_TEMPLATE = {"skip_frame": "all"}


def opened_as_template(handle: SeekableFile) -> av.container.InputContainer:
    """`handle` opened for decoding and as an output's template (its video stream's parameters, rotation
    included, and the film's reordering depth), without decoding a picture at the opening where that is safe
    (H.264, first stream video); otherwise opened as usual."""
    return _opened_with(handle, _NO_PICTURE_BUT_THE_TEMPLATE, "h264")


def opened_for_decoding(handle: SeekableFile) -> av.container.InputContainer:
    """`handle` opened for decoding its pictures and sound (not as a template): the video stream's opening
    decodes no picture. Only the first stream is told so (the options go by stream number, known only once
    opened); where that is not the video, or the format shows no streams before probing, it opens as usual."""
    return _opened_with(handle, _NO_PICTURE_AT_OPENING, None)


def _opened_with(handle: SeekableFile, first_stream_options: dict[str, str],
                 codec: str | None) -> av.container.InputContainer:
    """`handle` opened with `first_stream_options` where its first stream is video (of `codec`, if given);
    otherwise opened again from the same place, as usual."""
    start = handle.tell()
    try:
        options: Any = [first_stream_options]  # by stream number (PyAV's stub says a list of str)
        container = av.open(handle, "r", stream_options=options)
    except ValueError:  # no streams before probing (MPEG-TS and the like)
        container = None
    if (container is not None and container.streams and container.streams[0].type == "video"
            and (codec is None or container.streams[0].codec_context.name == codec)):
        return container
    if container is not None:
        container.close()
    handle.seek(start)
    return av.open(handle, "r")


def _late_frame(got: FrameIndex, source: FrameIndex, first: int, end: int) -> int | None:
    """The first frame (of the source) the clip shows at another time than the source does, beyond one tick
    of the source's clock; exact integer arithmetic, no floats."""
    g = got.pts - got.pts[0]
    w = source.pts[first:end] - source.pts[first]
    # g * tb_got - w * tb_src, over the common denominator; compared with one tick of the source.
    gn, gd = got.time_base.numerator, got.time_base.denominator
    sn, sd = source.time_base.numerator, source.time_base.denominator
    apart = np.abs(g * (gn * sd) - w * (sn * gd))
    late = np.flatnonzero(apart > sn * gd)
    return first + int(late[0]) if late.size else None


@dataclass(frozen=True)
class CopiedPackets:
    """What a clip's copied frames must be: the film's own packets as the cut read them from the film, by the
    clip's frame number, with the film's parameter sets (length-prefixed, as the film's avcC/hvcC holds them)
    in front of the first and of every one marked a keyframe, and `ending` (an end-of-sequence unit) after the
    last in decode order."""

    frames: range  # the clip's frames that are copied
    data: Mapping[int, bytes]
    parameter_sets: bytes
    ending: bytes
    # How many pictures a decoder of the film holds back (B-frames): the check's runs over the junctions are
    # widened by at least as many, whatever the clip's first parameter sets (the head's, without B-frames)
    # make its own decoder say.
    reorder: int = 0


def junctions(count: int, copied: range) -> list[int]:
    """The clip's frames at which a part starts after another, for a clip of `count` frames whose frames
    `copied` are the film's own packets (the others re-encoded)."""
    if not copied:
        return []
    return [j for j in (copied.start, copied.stop) if 0 < j < count]


def run_around(junction: int, reorder: int, first: int, end: int) -> tuple[int, int]:
    """The frames [a, b) of [first, end) decoded over a junction: from the frame before it to the one after the
    part's first, widened by the film's reordering depth (with B-frames, the pictures on either side come
    out of the decoder in another order than they went in, and any of them could be the one lost)."""
    return max(junction - 1 - reorder, first), min(junction + 2 + reorder, end)


def decode_runs(count: int, copied: range, reorder: int, last: bool = True) -> list[tuple[int, int]]:
    """The runs [a, b] of clip frames the check decodes, each straight through without a seek and every frame
    of it required: `run_around` each junction, and (with `last`) the last frame; overlapping runs merged."""
    runs = [(a, b - 1) for a, b in (run_around(j, reorder, 0, count) for j in junctions(count, copied))]
    if last:
        runs.append((count - 1, count - 1))
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def check_clip(path: Path, source: FrameIndex, first: int, end: int, rotation: int,
               pictures: Mapping[int, np.ndarray], copied: range | CopiedPackets = range(0)) -> list[str]:
    """What is wrong with the clip at `path` (empty when it holds exactly frames [first, end) of the source).

    `pictures`: the source's frames as stored (before rotation, `picture_of`), by the clip's frame number;
    the first, the last (unless its packet is compared), and every one the check decodes over a junction
    between the clip's frames `copied` (the film's own packets) and the re-encoded ones are required: a
    picture decoded with nothing to compare it with refuses the clip. A copied picture must come out exactly
    as the film's (the same bytes decode to the same pixels), a re-encoded one within MIN_PSNR. With `CopiedPackets`,
    every copied packet must be the film's, byte for byte, and a copied last frame is not decoded; with a
    bare range, the last frame is decoded and compared whatever it is. The clip is probed as any film is on
    import (its first picture kept); then the runs of `decode_runs` are decoded, the first on a second
    reading of the file alongside the others (and alongside the packets' comparison).
    """
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        return [f"the clip cannot be read back ({exc.strerror or exc})"]
    try:
        size = path.stat().st_size
        container = opened_as_template(handle)  # no picture decoded but the one probe_container keeps
    except (OSError, av.error.FFmpegError) as exc:
        handle.close()
        return [f"the clip cannot be read back ({exc})"]
    try:
        if container.streams.video:
            # Slice threads, not frame threads: the runs are short (a head of 15-30 pictures, a window of a
            # few), and each frame thread's own copy of the decoder costs more than it saves there: the
            # check of bench/clip_export.py's phone film took 0.145 CPU-s against 0.207 with frame threads.
            # Where there are two runs, they are decoded side by side on two readings (both cores).
            container.streams.video[0].thread_type = "SLICE"
        with stage("check_probe"):
            probe, first_frame = probe_container(container, name, size)
    except MediaError as exc:
        container.close()
        handle.close()
        return [f"the clip cannot be read back ({exc})"]
    decoder = FrameDecoder(handle, probe.index, name, threading="SLICE", container=container)  # closes both
    try:
        problems = _container_problems(probe, source, first, end, rotation)
        if problems:
            return problems
        packets = copied if isinstance(copied, CopiedPackets) else None
        reorder = max(int(container.streams.video[0].codec_context.reorder_depth or 0),
                      packets.reorder if packets is not None else 0)
        frames = packets.frames if packets is not None else copied
        assert isinstance(frames, range)
        last = packets is None or end - first - 1 not in frames  # decoded and compared, or its packet compared
        runs = decode_runs(end - first, frames, reorder, last)
        try:
            sync = video_sync_samples(path) if packets is not None and packets.frames else None
        except MediaError as exc:
            return [f"the clip's sample table cannot be read ({exc.problem})"]
        return _picture_problems(path, probe, first_frame, decoder, first, runs, pictures, frames, last,
                                 lambda reading: _packet_problems(reading, probe.index, source, first, packets, sync))
    finally:
        decoder.close()


def _container_problems(probe: ProbeResult, source: FrameIndex, first: int, end: int, rotation: int) -> list[str]:
    problems = []
    if probe.frame_count != end - first:
        problems.append(f"it has {probe.frame_count} frames, not {end - first}")
    if probe.rotation != rotation:
        problems.append(f"it is turned {probe.rotation}°, the film {rotation}°")
    if not problems and (late := _late_frame(probe.index, source, first, end)) is not None:
        problems.append(f"frame {late} is shown at the wrong time")
    return problems


def _decoded_run(decoder: FrameDecoder, a: int, b: int, first: int) -> tuple[dict[int, np.ndarray], list[str]]:
    """Clip frames [a, b] decoded straight through (from the keyframe before `a`: in an H.264 head, the IDR the
    cut puts where the run over the head's junction starts), every one of them required."""
    with stage("check_decode"):
        return _decoded_run_here(decoder, a, b, first)


def _decoded_run_here(decoder: FrameDecoder, a: int, b: int, first: int) -> tuple[dict[int, np.ndarray], list[str]]:
    shown: dict[int, np.ndarray] = {}
    try:
        for target in range(a, b + 1):
            for at, frame in decoder.decode_to(target, skip_unneeded=True, margin=0):
                if a <= at <= b:
                    shown[at] = picture_of(frame)
    except MediaError as exc:
        return shown, [f"it does not decode through frame {first + target} ({exc.problem})"]
    lost = [first + n for n in range(a, b + 1) if n not in shown]
    return shown, [f"frame {n} is missing where it was decoded" for n in lost[:1]]


def _packet_problems(container: av.container.InputContainer, index: FrameIndex, source: FrameIndex, first: int,
                     expected: CopiedPackets | None, sync: frozenset[int] | None) -> list[str]:
    """Whether every copied packet of the clip is the film's own (see CopiedPackets), a sync sample of the clip
    (`sync`: vigtool.media.mp4_sync, None: every sample is one) exactly where the film has a true keyframe.
    Reads the clip's packets without decoding them (before or after `container`'s decoder has run, not
    while)."""
    if expected is None or not expected.frames:
        return []
    with stage("check_packets"):
        video = container.streams.video[0]
        keys = set(source.keyframes.tolist())
        container.seek(0, stream=video)
        seen: set[int] = set()
        last = len(expected.frames) - 1
        sample = 0  # the clip's video samples, 1-based, in decode order (as its sample table numbers them)
        # One packet at a time, in decode order: the clip's copy is never held twice in memory.
        for packet in container.demux(video):
            if not packet.size or packet.pts is None:
                continue
            sample += 1
            if (n := index.frame_at_pts(packet.pts)) not in expected.frames:
                continue
            # The sample table, not the packet's flag: FFmpeg's parser flags a recovery point (intra-refresh)
            # a keyframe too, but a player seeks by the table.
            k, key = len(seen), sync is None or sample in sync
            if n in seen or key != (first + n in keys) or (k == 0 and not key):
                return [f"its frame {first + n}, copied, is there twice, or marked a keyframe where the film's is "
                        "not (or not where it is)"]
            seen.add(n)
            problem = _packet_problem(expected, n, bytes(packet), leading=k == 0 or key, ending=k == last)
            if problem:
                return [problem.format(first + n)]
        if len(seen) != len(expected.frames):
            return ["its copied frames are not all there"]
    return []


def _packet_problem(expected: CopiedPackets, n: int, data: bytes, *, leading: bool, ending: bool) -> str:
    """What is wrong with one copied packet (a message with {} for the film's frame number), or ''."""
    # bytes, not memoryviews: a memoryview compares item by item, a hundred times slower (0.2 s a clip).
    sets, end = expected.parameter_sets, expected.ending
    start, stop = 0, len(data)
    if leading:
        if not data.startswith(sets):
            return "the film's parameter sets are not before its frame {}, copied"
        start = len(sets)
    if ending:
        if not data.endswith(end) or stop - len(end) < start:
            return "the copy does not end its sequence after frame {}"
        stop -= len(end)
    own = expected.data.get(n)
    return "" if own is not None and data[start:stop] == own else "its packet of frame {}, copied, is not the film's"


def _picture_problems(path: Path, probe: ProbeResult, first_frame: av.VideoFrame, decoder: FrameDecoder, first: int,
                      runs: list[tuple[int, int]], pictures: Mapping[int, np.ndarray], copied: range, last: bool,
                      packet_problems: Callable[[av.container.InputContainer], list[str]]) -> list[str]:
    count = probe.frame_count
    shown: dict[int, np.ndarray] = {0: picture_of(first_frame)}
    problems: list[str] = []
    # The run over the first junction on a reading of its own, on the other core; the other runs here. The
    # packets' comparison (10-15 ms for a 10-second phone clip) goes with whichever decodes fewer pictures: on
    # H.264 the head's run (from the head's IDR, a few pictures; the tail's decodes the last copied GOP from its
    # keyframe), on HEVC the tail's (an HEVC head's run starts at its first picture).
    pool = ThreadPoolExecutor(1, thread_name_prefix="clip-check") if len(runs) > 1 else None
    try:
        decodes = [b - probe.index.keyframe_before(a) + 1 for a, b in runs]
        there = pool is not None and decodes[0] <= sum(decodes[1:])
        ahead = pool.submit(_decoded_run_of, path, probe, runs[0], first,
                            packet_problems if there else lambda _reading: []) if pool else None
        if not there:
            problems += packet_problems(decoder.container)  # before this reading's decoder starts
        for a, b in runs[1:] if ahead is not None else runs:
            got, trouble = _decoded_run(decoder, a, b, first)
            shown.update(got)
            problems += trouble
        if ahead is not None:
            got, trouble = ahead.result()
            shown.update(got)
            problems = trouble + problems
    finally:
        if pool is not None:
            pool.shutdown()
    if problems:
        return problems
    with stage("check_compare"):
        return _compared(shown, pictures, count, first, copied, last)


def _compared(shown: Mapping[int, np.ndarray], pictures: Mapping[int, np.ndarray], count: int, first: int,
              copied: range, last: bool) -> list[str]:
    problems: list[str] = []
    required = {0} | ({count - 1} if last else set()) | {j + d for j in junctions(count, copied) for d in (-1, 0)}
    # Every picture decoded is compared (fail closed): a cut that kept fewer around a junction than the check
    # decodes there (a reordering depth of its own) is refused, not half checked.
    for n in sorted(required | shown.keys()):
        expected = pictures.get(n)
        if expected is None:
            problems.append(f"there is no picture of the film's frame {first + n} to compare it with")
            continue
        quality = psnr(shown[n], expected)
        if n in copied and quality != float("inf"):
            problems.append(f"its picture of frame {first + n}, copied, is not the film's ({quality:.1f} dB)")
        elif quality < MIN_PSNR:
            problems.append(f"its picture of frame {first + n} differs from the film's ({quality:.1f} dB)")
    return problems


def _decoded_run_of(path: Path, probe: ProbeResult, run: tuple[int, int], first: int,
                    then: Callable[[av.container.InputContainer], list[str]]) \
        -> tuple[dict[int, np.ndarray], list[str]]:
    """`run` decoded on a reading of its own, and then `then` on the same reading."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        return {}, [f"the clip cannot be read back ({exc.strerror or exc})"]
    try:
        container = opened_for_decoding(handle)
    except (OSError, av.error.FFmpegError) as exc:
        handle.close()
        return {}, [f"the clip cannot be read back ({exc})"]
    decoder = FrameDecoder(handle, probe.index, str(path), threading="SLICE", container=container)
    try:
        shown, problems = _decoded_run(decoder, *run, first)
        return shown, problems + then(container)
    finally:
        decoder.close()
