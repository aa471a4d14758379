"""Smart cut's plan of what to copy: where a copy of the film's own packets can start (a keyframe a decoder
entering after another part decodes cleanly from), and the run of packets from there that shows exactly the
frames before the out point (read once, kept for writing and for the check's byte comparison)."""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np

from vigtool.media.errors import MediaError
from vigtool.media.nal import BitstreamError, is_idr, parameter_sets
from vigtool.media.probe import FrameIndex


class SmartCutUnsupportedError(MediaError):
    """This film cannot be smart-cut (codec or codec data); a full re-encode will do it."""


def end_pts(index: FrameIndex, end: int) -> int:
    """The presentation time at which frame `end - 1` stops showing (the film's end for the last frame)."""
    if end < len(index):
        return int(index.pts[end])
    step = int(np.median(np.diff(index.pts))) if len(index) > 1 else 1
    return int(index.pts[-1]) + max(step, 1)


@dataclass
class CopyPlan:
    first_key: int  # the first keyframe at or after the in point (copying starts there)
    packets: list[tuple[bytes, int, int, int, bool]]  # (data, pts, dts, duration, keyframe), decode order

    @property
    def first_dts(self) -> int:
        return self.packets[0][2]

    @property
    def shows_until(self) -> int:
        """The first frame after the copied ones (they show [first_key, shows_until))."""
        return self.first_key + len(self.packets)


def copy_start(container: av.container.InputContainer, index: FrameIndex, first: int, end: int) -> int | None:
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


def plan_copy(container: av.container.InputContainer, stream: av.video.stream.VideoStream, index: FrameIndex,
               key: int, end: int, stop: int) -> CopyPlan:
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
    return CopyPlan(key, read[:best])

