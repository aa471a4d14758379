"""Smart cut's writing: the output container every part goes into (the film's packets as the copy plan read
them, with the film's parameter sets before every keyframe; the head and tail encoded afresh, each closed
by an end-of-sequence unit), the encoders of the head and tail, and the sound, decoded, cut to the sample
and encoded afresh."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any, BinaryIO

import av
import numpy as np

from vigtool.media.copy_plan import CopyPlan, SmartCutUnsupportedError
from vigtool.media.nal import BitstreamError, annexb_units, end_of_sequence, length_prefixed, parameter_sets
from vigtool.media.probe import FrameIndex
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
# forced-idr: a picture asked to be a keyframe (the head's, see smart_cut._head_idr) is an IDR with its parameter sets.
_X264 = {"preset": "ultrafast", "qp": "21", "bf": "0", "forced-idr": "1"}
# One thread: the head's pictures come from a decoder on the other core, one at a time, and x264's frame
# threads (three on two cores, and a lookahead thread) only add their own copies of the picture and a
# pipeline to fill and drain (issue 18, the 10-minute film's 30-picture head: 0.124-0.136 CPU-s against
# 0.152-0.177; the tail, often one picture, no longer starts four threads for it).
_X264_THREADS = 1
# x265 costs about five times x264's CPU per picture even at ultrafast. Mode decision at rd 1, a 16-pixel
# motion search and a two-picture lookahead take a third of it off (measured on 1080p frames with grain:
# 0.64-0.67 CPU-s for 10 frames against 0.99-1.26 s) at the same worst-frame PSNR (38.7 dB).
_X265 = {"preset": "ultrafast", "crf": "16",
         "x265-params": "log-level=error:bframes=0:rd=1:merange=16:rc-lookahead=2:lookahead-slices=0"}
AUDIO_BITRATE = 128_000


class ExportCancelledError(Exception):
    """The user cancelled the export; no file was left behind."""


# A part of the clip as written: (data, pts, duration, keyframe) per packet, in decode order. Encoded parts
# show no B-frames, so their decode times are their presentation times, lowered where they must come
# before a copied part's.
Part = list[tuple[bytes, int, int, bool]]


class Writer:
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
        if name == "libx264":
            context.thread_count = _X264_THREADS
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

    def write_copied(self, plan: CopyPlan) -> None:
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


def encode_part(writer: Writer, frames: Iterator[av.VideoFrame], index: FrameIndex, rate: Fraction,
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


def encoded_sound(container: av.container.InputContainer, writer: Writer, start: Fraction,
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
