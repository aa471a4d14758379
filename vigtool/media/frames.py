"""Exact frames by index, in display orientation, from any seekable binary file.

Frame N is the N-th frame in presentation order (0-based), identified by its timestamp from the probe's
frame index, never by a float time: seek to the keyframe before it, decode forward to its timestamp.
Stepping forward continues decoding without seeking again.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Literal

import av
import numpy as np
import numpy.typing as npt

from vigtool.media.errors import MediaError
from vigtool.media.probe import FrameIndex, SeekableFile

RGBImage = npt.NDArray[np.uint8]

CONTINUE_WITHIN = 30  # frames ahead that are decoded on to rather than sought
SKIP_MARGIN = 8  # frames before the one wanted from which every picture is decoded (reordering depth)
_SENT_KEPT = 1024  # packets since a seek whose timestamps are kept for decode_to(last=True)


def to_display(image: RGBImage, rotation: int) -> RGBImage:
    """Turn a stored picture clockwise by `rotation` degrees, as a player shows it."""
    if rotation % 360 == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-(rotation // 90)))


class FrameDecoder:
    """One demuxer + decoder over one handle; remembers where it is so forward steps need no seek."""

    def __init__(self, handle: SeekableFile, index: FrameIndex, name: str, *,
                 threading: Literal["AUTO", "SLICE"] = "AUTO",
                 container: av.container.InputContainer | None = None, rough: bool = False) -> None:
        """`threading`: AUTO (frame threads) for runs of frames; SLICE for a frame or two, where frame threads
        only add start-up and a pipeline delay. `container`: one already opened over `handle` and not yet
        decoded from (opening a long film's index costs about 10 ms); the decoder takes it over.

        `rough` skips the loop filter (deblocking): 4K HEVC decodes about a fifth faster here
        (bench/playback.py), but the pictures are no longer the film's own pixels (blocks show, and the
        error runs on to the end of the GOP). Only for frames shown for a moment while a film plays:
        a paused, marked or exported frame never comes from a rough decoder."""
        self._handle = handle
        self._index = index
        self._name = name
        if container is None:
            handle.seek(0)
            try:
                container = av.open(handle, "r")
            except av.error.FFmpegError as exc:
                handle.close()
                raise MediaError(name, f"cannot be opened for decoding ({exc})") from exc
        self._container = container
        self._stream = self._container.streams.video[0]
        if not self._stream.codec_context.is_open:  # a container that decoded already keeps its threading
            self._stream.thread_type = threading
            if rough:
                self._stream.codec_context.options = {"skip_loop_filter": "all"}
        self._frames: Generator[av.VideoFrame, None, None] | None = None
        self._skip_below = -1
        self._sought = 0  # the keyframe decoding last started from
        self._skipping = "DEFAULT"
        self._drain_after: int | None = None  # the pts of the packet after which the decoder is drained
        # decode_to(last=True): (the last frame's pts, how many packets up to it are still to go in)
        self._finish: tuple[int, int] | None = None
        # The pts of every packet gone in since the seek, from its keyframe on; None past _SENT_KEPT of them
        # (playback runs on through a whole film): then `last` drains nothing.
        self._sent: list[int] | None = []
        self._start_pts = -1  # the pts of the keyframe decoding last started from
        self.position = -1  # the last frame decoded; -1 after a seek

    @property
    def holds_back(self) -> bool:
        """The decoder gives a picture only after more packets than its own (B-frame reordering, frame
        threads' pipeline): a lone frame after a seek comes sooner drained (`decode_to(drain=True)`)."""
        context = self._stream.codec_context
        frame_threads = bool(context.thread_type & av.codec.context.ThreadType.FRAME) and context.thread_count != 1
        return bool(context.has_b_frames) or frame_threads

    def decode_to(self, number: int, *, skip_unneeded: bool = False, margin: int = SKIP_MARGIN,
                  drain: bool = False, last: bool = False) -> Iterator[tuple[int, av.VideoFrame]]:
        """(index, frame) for every frame decoded on the way to `number`, which comes last.

        With `skip_unneeded`, a fresh seek lets the decoder drop non-reference pictures more than `margin`
        frames before `number` (nobody refers to them, nobody will see them): a third less work on a
        random seek. Export passes 0: it wants `number` and what it refers to, nothing shown before it.

        With `drain`, a call that has to seek sends no packet after `number`'s own and drains the decoder:
        the frame (the same pixels) comes without decoding the pictures a decoder waits for before giving
        one out (B-frame reordering, frame threads): the first frame of a 4K HEVC film with B-frames costs
        one picture's decoding instead of three to five. The next call seeks again.

        With `last`, nothing after `number` is wanted: once the packet of every frame from the keyframe
        decoding started at up to `number` has gone in (in decode order, a B-frame's anchor shown after it
        goes in before it), the decoder is drained instead of fed the packets it would wait for before
        giving the last frames out (B-frame reordering, frame threads: 3-5 pictures decoded for nothing at
        the end of an export's head on bench/clip_export.py's films). The next call seeks again.
        """
        keyframe = self._index.keyframe_before(number)
        # Decoding on from where the decoder is beats a seek, even across the next keyframe.
        # Drained, a frame past a keyframe is decoded from that keyframe: a seek never costs more there.
        near = keyframe <= self.position or (number - self.position <= CONTINUE_WITHIN and not drain)
        if self._frames is None or not (self.position < number and near):
            self._sought = keyframe
            self._container.seek(int(self._index.pts[keyframe]), stream=self._stream, backward=True)
            self._skip_below = int(self._index.pts[max(number - margin, keyframe)]) if skip_unneeded else -1
            self._drain_after = int(self._index.pts[number]) if drain else None
            self._frames = self._decoded()
            self.position = -1
            self._sent, self._start_pts = [], int(self._index.pts[keyframe])
        target = int(self._index.pts[number])
        if last and self._sent is not None:
            going_in = sum(self._start_pts <= pts <= target for pts in self._sent)
            self._finish = (target, number - self._sought + 1 - going_in)
        while True:
            try:
                frame = next(self._frames)
            except StopIteration:
                self._frames = None
                raise MediaError(self._name, f"ended before frame {number} (is it damaged?)") from None
            except av.error.FFmpegError as exc:
                self._frames = None
                raise MediaError(self._name, f"could not be decoded ({exc})") from exc
            if frame.pts is None:
                continue
            at = self._index.frame_at_pts(frame.pts)
            if at < self._sought:  # a leading picture of an open GOP: it may refer to frames not decoded
                continue
            self.position = at
            if frame.pts > target:
                self._frames = None
                raise MediaError(self._name, f"frame {number} is not where the index puts it")
            yield at, frame
            if frame.pts == target:
                if self._drain_after is not None or last:  # drained: nothing more comes without a seek
                    self.forget_position()
                return

    def decode_on(self) -> Iterator[tuple[int, av.VideoFrame]]:
        """(index, frame) of every frame after the last one decoded, in order, to the end of the film (for
        playback, after `decode_to`). Pictures left out by `skip_nonref_before` do not come."""
        while self._frames is not None:
            try:
                frame = next(self._frames)
            except StopIteration:
                self._frames = None
                return
            except av.error.FFmpegError as exc:
                self._frames = None
                raise MediaError(self._name, f"could not be decoded ({exc})") from exc
            if frame.pts is None:
                continue
            at = self._index.frame_at_pts(frame.pts)
            if at < self._sought or at <= self.position:
                continue
            self.position = at
            yield at, frame

    def skip_nonref_before(self, number: int) -> None:
        """Leave out pictures nobody refers to until frame `number` (playback catching up with its clock)."""
        self._skip_below = int(self._index.pts[min(max(number, 0), len(self._index) - 1)])

    def _decoded(self) -> Generator[av.VideoFrame, None, None]:
        context = self._stream.codec_context
        for packet in self._container.demux(self._stream):
            # Packets come in decode order, so the margin covers B-frames shown before their reference.
            skip: Literal["NONREF", "DEFAULT"] = (
                "NONREF" if packet.pts is not None and packet.pts < self._skip_below else "DEFAULT")
            if skip != self._skipping:
                context.skip_frame = skip
                self._skipping = skip
            yield from packet.decode()
            if self._sent is not None and packet.pts is not None and packet.size and packet.pts >= self._start_pts:
                self._sent.append(packet.pts)
                if len(self._sent) > _SENT_KEPT:
                    self._sent = None
                if self._finish is not None and packet.pts <= self._finish[0]:
                    self._finish = (self._finish[0], self._finish[1] - 1)
            if (self._drain_after is not None and packet.pts == self._drain_after) or (
                    self._finish is not None and self._finish[1] <= 0):
                yield from context.decode(None)
                context.flush_buffers()
                return

    @property
    def container(self) -> av.container.InputContainer:
        """The demuxer, for reading other streams or packets before decoding starts."""
        return self._container

    def forget_position(self) -> None:
        """Seek afresh on the next call (to decode frames that were skipped over)."""
        self._frames = None
        self._drain_after = None
        self._finish = None
        self.position = -1

    def close(self) -> None:
        # The decoding generator refers back to this decoder: let go of it, or the decoder, its codec and
        # its pool of decoded pictures (tens of MB at 1080p) wait for the cycle collector.
        if self._frames is not None:
            self._frames.close()
            self._frames = None
        self._container.close()
        self._handle.close()


class FrameReader:
    """Decodes exact frames of one recording at full size. Not thread-safe: one reader per thread."""

    def __init__(self, handle: SeekableFile, index: FrameIndex, rotation: int, name: str) -> None:
        self._index = index
        self._rotation = rotation
        self._name = name
        self._decoder = FrameDecoder(handle, index, name)

    @property
    def frame_count(self) -> int:
        return len(self._index)

    def close(self) -> None:
        """Close the decoder and the file it reads (the reader owns its handle)."""
        self._decoder.close()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def frame(self, number: int) -> RGBImage:
        """The RGB picture of frame `number`, as displayed (rotation applied)."""
        if not 0 <= number < self.frame_count:
            raise IndexError(f"{self._name} has frames 0 to {self.frame_count - 1}; there is no frame {number}")
        *_, (_at, decoded) = self._decoder.decode_to(number, skip_unneeded=True)  # it comes last
        picture = np.asarray(decoded.to_ndarray(format="rgb24"), dtype=np.uint8)
        return to_display(picture, self._rotation)
