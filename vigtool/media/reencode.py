"""Full re-encode of frames [first, end) through the ffmpeg binary's filter graph (built with ffmpeg-python).

The binary cannot read the vault, and nothing may reach the disk in the clear but the export itself: PyAV
copies the packets from the keyframe before the in point (through the decrypting reader) into ffmpeg's
stdin as NUT, a stream format that keeps every timestamp. ffmpeg decodes, cuts at half-frame boundaries
(so no rounding can take or drop a frame), turns the picture upright, applies the options and encodes. A
soft caption goes in through a second pipe. Every container and stream tag is dropped on the way out.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import ffmpeg
import imageio_ffmpeg

from vigtool.domain.export import CaptionMode, ClipOptions, SlowSound
from vigtool.media.errors import MediaError
from vigtool.media.nal import BitstreamError, is_disposable, parameter_sets
from vigtool.media.probe import FrameIndex, SeekableFile, probe_path
from vigtool.media.smart_cut import Cancelled, ExportCancelledError, Progress, end_pts

CAPTION_FONT = "DejaVu Sans"  # fontconfig falls back to any sans face where it is missing
_FRAME_LINE = re.compile(rb"^frame=(\d+)$", re.MULTILINE)
# Added to every timestamp sent to ffmpeg: a muxer would otherwise shift them by an amount of its own
# choosing to keep B-frame decode times non-negative, and the cut points would move with it.
PIPE_OFFSET = Fraction(10)


@dataclass(frozen=True)
class Source:
    """The film to cut: how to open it, its frame index and geometry."""

    open_handle: Callable[[], SeekableFile]
    index: FrameIndex
    rate: Fraction
    rotation: int
    display_width: int
    display_height: int
    has_audio: bool
    name: str


class _PipeWriter(io.RawIOBase):
    """ffmpeg's stdin as a file object PyAV can mux into (a pipe cannot seek; NUT never needs to)."""

    def __init__(self, sink: Any) -> None:
        super().__init__()
        self._sink = sink

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        self._sink.write(data)
        return len(data)


def _seconds(value: Fraction) -> str:
    return f"{float(value):.9f}"


def output_frames(first: int, end: int, options: ClipOptions, rate: Fraction) -> int:
    """How many pictures the export will have (a freeze-frame adds its hold)."""
    held = round(options.hold_seconds * rate) if options.hold_frame is not None else 0
    return end - first + held


def output_duration(source: Source, first: int, end: int, options: ClipOptions) -> Fraction:
    tb = source.index.time_base
    span = (Fraction(end_pts(source.index, end)) - int(source.index.pts[first])) * tb
    if options.hold_frame is not None:
        span += Fraction(round(options.hold_seconds * source.rate)) / source.rate
    return span / options.speed


def _wrapped(text: str, per_line: int) -> str:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > per_line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    return "\n".join(lines[:4])


def caption_band(stream: Any, caption: str, width: int, height: int) -> Any:
    """A white band under the picture with the caption in dark text, wrapped to fit (stills and clips)."""
    size = max(12, min(height, width) // 18)
    text = _wrapped(caption, max(12, int(width * 0.92 / (size * 0.58))))
    lines = text.count("\n") + 1
    band = int(size * (1.5 * lines + 1.2))
    stream = stream.filter("pad", "iw", f"ih+{band}", 0, 0, color="white")
    return stream.filter("drawtext", text=text, font=CAPTION_FONT, fontsize=size, fontcolor="0x303030",
                         x="(w-text_w)/2", y=f"h-{band}+{int(size * 0.6)}", line_spacing=size // 2)


def upright(stream: Any, rotation: int) -> Any:
    if rotation == 90:
        return stream.filter("transpose", "clock")
    if rotation == 180:
        return stream.filter("hflip").filter("vflip")
    if rotation == 270:
        return stream.filter("transpose", "cclock")
    return stream


def _video_graph(source: Source, first: int, end: int, options: ClipOptions, stream: Any) -> Any:
    index, tb = source.index, source.index.time_base
    start = (Fraction(int(index.pts[first - 1]) + int(index.pts[first]), 2) if first > 0
             else int(index.pts[0]) - Fraction(1, 2)) * tb
    stop = Fraction(int(index.pts[end - 1]) + end_pts(index, end), 2) * tb
    v = stream.filter("trim", start=_seconds(start + PIPE_OFFSET), end=_seconds(stop + PIPE_OFFSET))
    v = v.filter("setpts", f"PTS-{_seconds(int(index.pts[first]) * tb + PIPE_OFFSET)}/TB")
    v = upright(v, source.rotation)
    if options.hold_frame is not None:
        # By time, half a frame before the one held: the loop filter's frame count is off by one.
        hold = options.hold_frame
        at = (Fraction(int(index.pts[hold - 1]) + int(index.pts[hold]), 2) if hold > first
              else Fraction(int(index.pts[hold]))) * tb
        v = v.filter("loop", loop=round(options.hold_seconds * source.rate), size=1, start=-1,
                     time=_seconds(at - int(index.pts[first]) * tb))
    if options.speed != 1:
        v = v.filter("setpts", f"{float(1 / options.speed):g}*PTS")
    if options.height is not None and options.height != source.display_height:
        v = v.filter("scale", -2, options.height)
    if options.caption and options.caption_mode is CaptionMode.BURN:
        height = options.height or source.display_height
        width = source.display_width * height // source.display_height
        v = caption_band(v, options.caption, width, height)
    if options.fade_seconds:
        length = output_duration(source, first, end, options)
        v = v.filter("fade", type="in", start_time=0, duration=_seconds(options.fade_seconds))
        v = v.filter("fade", type="out", start_time=_seconds(max(length - options.fade_seconds, Fraction(0))),
                     duration=_seconds(options.fade_seconds))
    return v.filter("format", "yuv420p")


def _audio_graph(source: Source, first: int, end: int, options: ClipOptions, stream: Any) -> Any | None:
    if options.mute or not source.has_audio or (options.speed != 1 and options.slow_sound is SlowSound.MUTE):
        return None
    index, tb = source.index, source.index.time_base
    start = int(index.pts[first]) * tb
    stop = end_pts(index, end) * tb
    a = stream.filter("atrim", start=_seconds(start + PIPE_OFFSET), end=_seconds(stop + PIPE_OFFSET))
    a = a.filter("asetpts", f"PTS-{_seconds(start + PIPE_OFFSET)}/TB")
    if options.hold_frame is not None:  # silence while the picture holds
        at = (int(index.pts[options.hold_frame]) - int(index.pts[first])) * tb
        held = Fraction(round(options.hold_seconds * source.rate)) / source.rate
        parts = a.filter_multi_output("asplit", 2)
        before = parts[0].filter("atrim", end=_seconds(at))
        after = parts[1].filter("atrim", start=_seconds(at)).filter("asetpts", "PTS-STARTPTS")
        quiet = ffmpeg.input(f"anullsrc=r=48000:cl=mono:d={_seconds(held)}", f="lavfi")
        a = ffmpeg.concat(before, quiet, after, v=0, a=1)
    if options.speed != 1:
        a = a.filter("rubberband", tempo=f"{float(options.speed):g}", pitch=1)
    if options.fade_seconds:
        length = output_duration(source, first, end, options)
        a = a.filter("afade", type="in", start_time=0, duration=_seconds(options.fade_seconds))
        a = a.filter("afade", type="out", start_time=_seconds(max(length - options.fade_seconds, Fraction(0))),
                     duration=_seconds(options.fade_seconds))
    return a


def _srt(caption: str, seconds: Fraction) -> bytes:
    def stamp(value: Fraction) -> str:
        ms = int(value * 1000)
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"
    return f"1\n{stamp(Fraction(0))} --> {stamp(seconds)}\n{caption.strip()}\n\n".encode()


def ffmpeg_command(source: Source, first: int, end: int, options: ClipOptions, out: Path,
                   subtitle_fd: int | None = None) -> list[str]:
    """The ffmpeg command line for this export (stdin carries the film as NUT)."""
    film = ffmpeg.input("pipe:0", f="nut", copyts=None)
    outputs = [_video_graph(source, first, end, options, film.video)]
    sound = _audio_graph(source, first, end, options, film.audio)
    if sound is not None:
        outputs.append(sound)
    kwargs: dict[str, Any] = {"vcodec": "libx264", "preset": "veryfast", "crf": 23, "pix_fmt": "yuv420p",
                              "fps_mode": "passthrough", "map_metadata": -1, "map_chapters": -1,
                              "movflags": "+faststart", "f": "mp4"}
    if sound is not None:
        kwargs |= {"acodec": "aac", "audio_bitrate": "128k", "aac_coder": "fast"}  # as smart cut: no audible loss
    if options.caption and options.caption_mode is CaptionMode.SOFT and subtitle_fd is not None:
        outputs.append(ffmpeg.input(f"pipe:{subtitle_fd}", f="srt"))
        kwargs |= {"scodec": "mov_text", "metadata:s:s:0": "language=eng"}
    args: list[str] = ffmpeg.output(*outputs, str(out), **kwargs).global_args(
        "-hide_banner", "-nostdin", "-v", "error", "-progress", "pipe:1", "-nostats").overwrite_output().compile(
        cmd=imageio_ffmpeg.get_ffmpeg_exe())
    return args


def _nal_size(video: av.video.stream.VideoStream) -> int:
    """The length-prefix size of the film's NAL units (0: not H.264/HEVC in MP4 form)."""
    try:
        return parameter_sets(video.codec_context.name, bytes(video.codec_context.extradata or b""))[0]
    except BitstreamError:
        return 0


def _feed(source: Source, first: int, end: int, sink: Any, failure: list[BaseException]) -> None:
    """Copy packets from the keyframe before `first` past `end` into ffmpeg, as NUT."""
    index, tb = source.index, source.index.time_base
    key = index.keyframe_before(first)
    key_pts = int(index.pts[key])
    end_at = end_pts(index, end)
    stop_seconds = end_at * tb + 1
    handle = source.open_handle()
    try:
        with av.open(handle, "r") as film, av.open(_PipeWriter(sink), "w", format="nut") as pipe:
            video = film.streams.video[0]
            streams = [video] + ([film.streams.audio[0]] if source.has_audio and film.streams.audio else [])
            targets = {s.index: pipe.add_stream_from_template(s) for s in streams}
            film.seek(key_pts, stream=video, backward=True)
            video_done = False
            first_pts, nal_size = int(index.pts[first]), _nal_size(video)
            for packet in film.demux(streams):
                if packet.dts is None:
                    continue
                if packet.stream.type == "video":
                    if packet.pts is not None and packet.pts < key_pts:
                        continue  # leading pictures of an open GOP: their references are not sent
                    # Pictures before the in point that nothing refers to: the trim would drop them anyway.
                    if nal_size and packet.pts is not None and packet.pts < first_pts \
                            and is_disposable(video.codec_context.name, bytes(packet), nal_size):
                        continue
                    # Every packet from here on is shown at or after the out point (pts >= dts, and dts
                    # only grows): ffmpeg need not decode the rest of the GOP only for the trim to drop it.
                    if packet.dts >= end_at:
                        video_done = True
                elif packet.pts is not None and packet.stream.time_base is not None \
                        and packet.pts * packet.stream.time_base > stop_seconds:
                    if video_done:
                        break
                    continue
                if video_done and packet.stream.type == "video":
                    continue
                offset = round(PIPE_OFFSET / packet.stream.time_base) if packet.stream.time_base else 0
                packet.pts = packet.pts + offset if packet.pts is not None else None
                packet.dts += offset
                packet.stream = targets[packet.stream.index]
                pipe.mux(packet)
    except (BrokenPipeError, OSError, av.error.FFmpegError) as exc:
        failure.append(exc)
    finally:
        handle.close()
        with contextlib.suppress(OSError):
            sink.close()


def reencode(source: Source, first: int, end: int, options: ClipOptions, out: Path, *,
             progress: Progress | None = None, cancelled: Cancelled | None = None,
             keep_fds: tuple[int, ...] = ()) -> None:
    """Write frames [first, end) with `options` applied to `out` (an MP4 with H.264 and AAC).

    `keep_fds`: descriptors ffmpeg must inherit to open `out` (a memory file's).
    """
    if not 0 <= first < end <= len(source.index):
        raise ValueError(f"{source.name} has frames 0 to {len(source.index) - 1}; [{first}, {end}) is not within them")
    if options.hold_frame is not None and not first <= options.hold_frame < end:
        raise ValueError(f"the freeze-frame {options.hold_frame} is not inside the clip [{first}, {end})")
    subtitle_read = subtitle_write = None
    if options.caption and options.caption_mode is CaptionMode.SOFT:
        subtitle_read, subtitle_write = os.pipe()
    command = ffmpeg_command(source, first, end, options, out, subtitle_read)
    total = output_frames(first, end, options, source.rate)
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               pass_fds=keep_fds + ((subtitle_read,) if subtitle_read is not None else ()))
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    if subtitle_read is not None and subtitle_write is not None:
        os.close(subtitle_read)
        os.write(subtitle_write, _srt(options.caption, output_duration(source, first, end, options)))
        os.close(subtitle_write)
    failure: list[BaseException] = []
    errors: list[bytes] = []
    feeder = threading.Thread(target=_feed, args=(source, first, end, process.stdin, failure),
                              name="export-feed", daemon=True)
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read() if process.stderr else b""),
                              name="export-errors", daemon=True)
    feeder.start()
    reader.start()
    try:
        for line in iter(process.stdout.readline, b""):
            if cancelled is not None and cancelled():
                raise ExportCancelledError("export cancelled")
            match = _FRAME_LINE.match(line.strip())
            if match and progress is not None:
                progress(min(int(match.group(1)), total), total)
        code = process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        feeder.join()
        reader.join()
        process.stdout.close()
        process.stderr.close()
    if code != 0:
        detail = b"".join(errors).decode(errors="replace").strip().splitlines()
        raise MediaError(source.name, f"could not be exported ({detail[-1] if detail else f'ffmpeg exit {code}'})")
    # A feeder that failed after ffmpeg had all it needed (ffmpeg stops reading at the out point) is no
    # failure; one that stopped early shows as too few frames, which the caller checks.
    written = probe_path(out).frame_count
    if written != total:
        cause = f" ({failure[0]})" if failure else ""
        raise MediaError(source.name, f"could not be exported whole: {written} of {total} frames{cause}")
