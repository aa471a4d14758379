"""A lighter working copy of a heavy film (4K, HEVC 10-bit, high frame rates, a phone's dense 1080p), for
watching only.

A phone's 4K HEVC film decodes slower than it plays on an ordinary laptop. After import, a copy is made
in the background at a size and GOP chosen for fast decoding and stepping: H.264, 8-bit, within
1280×720, a keyframe every 8 frames, no B-frames, every frame of the original in the same order. It is
sealed with the film's own data key next to it in the vault (`<media id>.working_copy.vigm`), so deleting
the recording's key shreds it with the film.

Playback, scrubbing, the filmstrip and the paused frame server read the copy when it exists
(`viewing_source`); exact stills, clip exports, training packs and packages always read the original
film, frame for frame (they open it through `Vault.open_film`, never through this module).

Frame N of the copy is frame N of the original: the copy is written one frame for each frame decoded
from the original, its timestamps are the original's (moved to start at 0, in the muxer's time base),
and the finished copy is demuxed and checked against that before it is used; one that does not match is
deleted and the original is watched instead.

It is made in pieces of whole GOPs, each sealed as soon as it is finished
(`vigtool/services/working_copy_pieces.py`): stopped when the window closes, or killed, it goes on
next time from the first piece not finished (a torn one is found and made again), and the finished
pieces are then muxed into one fragmented MP4 (one fragment per GOP) written straight into the sealed
writer. Nothing of it is ever in the clear on the disk and little is held in memory (a piece's packets
while it is muxed). It is derived data: the vault is whole without it.

It never delays the practitioner: the builder's thread is niced, and it waits (`ViewerActivity`) while a
film plays and for a few seconds after a step, a seek, a pause or a film opened, so the film opens and
plays at once (from the original, dropping frames, until the copy is there).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from av.video.frame import PictureType

from storage.sealed_media import MediaKind, SealedMediaReader
from vigtool.domain.model import Recording
from vigtool.media.errors import MediaError
from vigtool.media.frame_server import fit_in_box
from vigtool.media.frames import FrameDecoder
from vigtool.media.probe import FrameIndex, SeekableFile
from vigtool.services.vault import Vault
from vigtool.services.working_copy_pieces import COPY_GOP, KIND, PIECE_GOPS, encode_piece, mux_pieces, pieces_kept

Progress = Callable[[int, int], None]
COPY_BOX = (1280, 720)  # the frame server's largest box: the copy is never shown smaller than it is
HEAVY_PIXELS = 1920 * 1088
HEAVY_RATE = 50
# Above the copy's size, a film of more than this many bits a second (a phone's 1080p: 16-20 Mbit/s) cannot
# be decoded at 2x on a shared core of a 2-core laptop (bench/playback.py: 1080p at 17 Mbit/s drifted
# 0.45-1.29 s at 2x at a load of 3-4, where its 720p copy decodes at 500 frames a second).
HEAVY_BITS_PER_SECOND = 8_000_000
NICE = 15  # the copy is made with what the practitioner's own work leaves over
QUIET_S = 3.0  # wall seconds after the practitioner's last step, seek or pause before the copy goes on


class WorkingCopyCancelledError(Exception):
    """Making the copy was stopped; nothing was stored."""


@dataclass(frozen=True)
class ViewingSource:
    """What the player and the frame server read: the working copy when there is one, else the film."""

    open_handle: Callable[[], SeekableFile]
    index: FrameIndex  # of the file read: frame N here is frame N of the original
    size: tuple[int, int]  # stored (width, height) of the file read
    rotation: int
    name: str
    working_copy: bool
    heavy: bool  # the original is heavy to decode on this kind of machine


def is_heavy(recording: Recording, bit_depth: int = 8, bits_per_second: float = 0.0) -> bool:
    """Films that decode slower than they play (at 1x or 2x) on an ordinary 2-core laptop without hardware
    decoding: 4K, above 50 fps, HEVC above 8 bits; and films larger than the copy's 1280x720 that are HEVC
    or carry more than `HEAVY_BITS_PER_SECOND` (a phone's 1080p)."""
    pixels = recording.width * recording.height
    rate = float(recording.rate)
    hevc = recording.video_codec == "hevc"
    if pixels > HEAVY_PIXELS or rate > HEAVY_RATE or (hevc and bit_depth > 8):
        return True
    return pixels > COPY_BOX[0] * COPY_BOX[1] and (hevc or bits_per_second > HEAVY_BITS_PER_SECOND)


def film_bits_per_second(vault: Vault, recording: Recording) -> float:
    """The film's bitrate, from its sealed file (sealing adds a few bytes in 64 KiB: it does not count)."""
    path = vault.media.path_for(recording.media_id, MediaKind.FILM)
    try:
        size = path.stat().st_size
    except OSError:
        return 0.0
    return size * 8 / max(float(recording.duration), 1e-3)


def bit_depth_of(stream: av.video.stream.VideoStream) -> int:
    name = stream.codec_context.pix_fmt or ""
    for depth in (16, 14, 12, 10, 9):
        if f"p{depth}" in name:
            return depth
    return 8


def copy_size(width: int, height: int) -> tuple[int, int]:
    box = COPY_BOX if width >= height else (COPY_BOX[1], COPY_BOX[0])
    return fit_in_box(width, height, 0, box)


def has_working_copy(vault: Vault, recording: Recording) -> bool:
    return vault.media.exists(recording.media_id, MediaKind.WORKING_COPY)


def open_working_copy(vault: Vault, recording: Recording) -> SealedMediaReader:
    """A decrypting reader over the working copy (close it when done); never for stills or exports."""
    return vault.media.open(recording.media_id, MediaKind.WORKING_COPY, vault.data_key(recording),
                            f"the working copy of {recording.source_name}")


def copy_index(original: FrameIndex, time_base: Fraction, frames: int, gop: int = COPY_GOP) -> FrameIndex:
    """The copy's frame index, from the original's: the same frames, timestamps from 0 in `time_base`, a
    keyframe every `gop` frames."""
    scale = original.time_base / time_base
    ticks = [(int(p) - int(original.pts[0])) * scale for p in original.pts]
    if any(t.denominator != 1 for t in ticks):
        raise MediaError("working copy", f"time base {time_base} cannot hold the film's timestamps exactly")
    return FrameIndex(np.array([int(t) for t in ticks], dtype=np.int64),
                      np.arange(0, frames, gop, dtype=np.int64), time_base)


def _gop_of(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int:
    """The copy's GOP, from its first packets (a copy made before the GOP was shortened keeps its own)."""
    for count, packet in enumerate(itertools.islice(container.demux(stream), 1, 4 * COPY_GOP), start=1):
        if packet.is_keyframe:
            return count
    return COPY_GOP


def viewing_source(vault: Vault, recording: Recording) -> ViewingSource:
    """The working copy (when it exists and reads as it should), else the original film."""
    original = vault.repo.recordings.frame_index(recording.id)
    heavy = is_heavy(recording, bits_per_second=film_bits_per_second(vault, recording))
    if has_working_copy(vault, recording):
        try:
            with open_working_copy(vault, recording) as handle, av.open(handle, "r") as container:
                stream = container.streams.video[0]
                time_base, size = stream.time_base, (stream.codec_context.width, stream.codec_context.height)
                gop = _gop_of(container, stream)
            assert time_base is not None
            index = copy_index(original, time_base, len(original), gop)
        except (MediaError, av.error.FFmpegError):
            pass  # a damaged copy: watch the original (verify reports the damage)
        else:
            return ViewingSource(lambda: open_working_copy(vault, recording), index, size, recording.rotation,
                                 recording.source_name, working_copy=True, heavy=True)
    return original_source(vault, recording, original, heavy)


def original_source(vault: Vault, recording: Recording, index: FrameIndex | None = None,
                    heavy: bool | None = None) -> ViewingSource:
    return ViewingSource(lambda: vault.open_film(recording), index or vault.repo.recordings.frame_index(recording.id),
                         (recording.width, recording.height), recording.rotation, recording.source_name,
                         working_copy=False,
                         heavy=is_heavy(recording, bits_per_second=film_bits_per_second(vault, recording))
                         if heavy is None else heavy)


class _SinkFile(io.RawIOBase):
    """The sealed sink as a write-only, unseekable file for the muxer (a fragmented MP4 needs no seek)."""

    def __init__(self, write: Callable[[bytes | memoryview], None]) -> None:
        super().__init__()
        self._write = write

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        self._write(data)
        return len(data)


@dataclass(frozen=True)
class WorkingCopyMade:
    recording_id: int
    frames: int
    size: tuple[int, int]
    bytes: int


def make_working_copy(vault: Vault, recording: Recording, progress: Progress | None = None,
                      cancelled: Callable[[], bool] | None = None, *, force: bool = False,
                      piece_frames: int = PIECE_GOPS * COPY_GOP,
                      piece_sealed: Callable[[int], None] | None = None,
                      yield_to_viewer: Callable[[], None] | None = None) -> WorkingCopyMade | None:
    """Make and store the working copy of `recording` if it is heavy (or `force`); None when not needed.

    It is made in pieces of `piece_frames` (a multiple of the GOP), each sealed when finished
    (`piece_sealed(number)`); stopped or killed, it goes on from the first piece not finished next time.
    `yield_to_viewer()` is called before each frame is decoded and may wait (while the practitioner plays
    or steps: `ViewerActivity.wait_until_quiet`).
    """
    if piece_frames <= 0 or piece_frames % COPY_GOP:
        raise ValueError(f"pieces are whole GOPs of {COPY_GOP} frames, not {piece_frames}")
    original = vault.repo.recordings.frame_index(recording.id)
    name = recording.source_name
    film = vault.open_film(recording)
    try:
        source = av.open(film, "r")
    except av.error.FFmpegError as exc:
        film.close()
        raise MediaError(name, f"cannot be opened to make its working copy ({exc})") from exc
    # Slice threads with the loop filter skipped: 15-18 % less CPU a frame than frame threads with it
    # (4K HEVC 10-bit: 81 against 95 ms; 1080p H.264 13 against 15 ms; measured in one run), and no frame
    # threads' pictures held. The copy is for watching only, scaled down 3x (41 dB from the exact
    # frame's at a GOP's end); stills and exports always decode the original exactly.
    decoder = FrameDecoder(film, original, name, container=source, threading="SLICE", rough=True)  # it closes both
    try:
        stream = source.streams.video[0]
        if not force and not is_heavy(recording, bit_depth_of(stream), film_bits_per_second(vault, recording)):
            return None
        size = copy_size(stream.codec_context.width, stream.codec_context.height)
        rate = Fraction(stream.average_rate or 30)
        pieces = -(-len(original) // piece_frames)
        kept = pieces_kept(vault, recording, original, piece_frames, size)
        if kept < pieces:
            _encode_pieces(vault, recording, decoder, original, kept, piece_frames, size, rate,
                           progress, cancelled, piece_sealed, yield_to_viewer)
    finally:
        decoder.close()
    return _assemble(vault, recording, original, pieces, size, rate)


def _encode_pieces(vault: Vault, recording: Recording, decoder: FrameDecoder, original: FrameIndex, kept: int,
                   piece_frames: int, size: tuple[int, int], rate: Fraction, progress: Progress | None,
                   cancelled: Callable[[], bool] | None, piece_sealed: Callable[[int], None] | None,
                   yield_to_viewer: Callable[[], None] | None) -> None:
    """Decode the original from the first piece not kept to its end, and encode and seal piece after piece."""
    total = len(original)
    first = kept * piece_frames
    written = [first]

    def done_one() -> None:
        written[0] += 1
        if progress is not None:
            progress(written[0], total)

    frames = _scaled_frames(decoder, original, first, size, recording.source_name, cancelled, yield_to_viewer)
    for number in range(kept, -(-total // piece_frames)):
        start = number * piece_frames
        try:
            encode_piece(vault, recording, number, start, frames, min(piece_frames, total - start), size, rate,
                         original.time_base, done_one)
        except StopIteration:
            raise MediaError(recording.source_name, f"gave {written[0]} of its {total} frames; "
                             "no working copy was made") from None
        if piece_sealed is not None:
            piece_sealed(number)


def _scaled_frames(decoder: FrameDecoder, original: FrameIndex, first: int, size: tuple[int, int], name: str,
                   cancelled: Callable[[], bool] | None,
                   yield_to_viewer: Callable[[], None] | None = None) -> Iterator[av.VideoFrame]:
    """Every frame of the original from `first` on, in order, scaled for the copy, timed from 0."""
    pts0 = int(original.pts[0])
    expected = first

    def yielding(frames: Iterator[tuple[int, av.VideoFrame]]) -> Iterator[tuple[int, av.VideoFrame]]:
        for decoded in frames:
            yield decoded
            if yield_to_viewer is not None:
                yield_to_viewer()  # before the decoder is asked for more: it rests meanwhile

    try:
        if yield_to_viewer is not None:
            yield_to_viewer()
        *_, head = decoder.decode_to(first, skip_unneeded=True)  # the frame wanted comes last
        for at, frame in itertools.chain([head], yielding(decoder.decode_on())):
            if at != expected or frame.pts != int(original.pts[at]):
                raise MediaError(name, f"decodes frame {at} where frame {expected} was expected; "
                                 "no working copy was made")
            if cancelled is not None and cancelled():
                raise WorkingCopyCancelledError(f"{name}: making its working copy was stopped")
            scaled = frame.reformat(width=size[0], height=size[1], format="yuv420p", interpolation="AREA")
            scaled.pts, scaled.time_base = int(original.pts[at]) - pts0, original.time_base
            # The copy's GOPs are its own: x264 makes a keyframe of every picture marked I, and the
            # original's (every 25 frames at 25 fps, or where a scene cut) are not every 8th.
            scaled.pict_type = PictureType.NONE
            yield scaled
            expected += 1
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"could not be decoded to make its working copy ({exc})") from exc


def _assemble(vault: Vault, recording: Recording, original: FrameIndex, pieces: int, size: tuple[int, int],
              rate: Fraction) -> WorkingCopyMade:
    """Mux the finished pieces into the one sealed copy, check it frame for frame, remove the pieces."""
    try:
        with vault.media.create(recording.media_id, MediaKind.WORKING_COPY, vault.data_key(recording)) as sink:
            with av.open(_SinkFile(sink.write), "w", format="mp4",
                         options={"movflags": "frag_keyframe+empty_moov+default_base_moof"}) as out:
                video = mux_pieces(vault, recording, pieces, out, size, rate, original.time_base)
            time_base = video.time_base
            assert time_base is not None
            sink.commit()
            written = sink.plaintext_bytes
        _check_copy(vault, recording, original, time_base)
    except MediaError:
        vault.media.delete_kind(recording.media_id, MediaKind.WORKING_COPY)
        vault.media.delete_pieces(recording.media_id, KIND)
        raise
    vault.media.delete_pieces(recording.media_id, KIND)
    return WorkingCopyMade(recording.id, len(original), size, written)


def _check_copy(vault: Vault, recording: Recording, original: FrameIndex, time_base: Fraction) -> None:
    """Fail closed: the stored copy has exactly the frames and keyframes the index of the copy claims."""
    expected = copy_index(original, time_base, len(original))
    pts, keys = [], []
    with open_working_copy(vault, recording) as handle, av.open(handle, "r") as container:
        stream = container.streams.video[0]
        if stream.time_base != time_base:
            raise MediaError(recording.source_name, "its working copy has another time base than written")
        for packet in container.demux(stream):
            if packet.pts is not None:
                if packet.is_keyframe:
                    keys.append(packet.pts)
                pts.append(packet.pts)
    pts.sort()
    if pts != expected.pts.tolist() or sorted(keys) != [int(expected.pts[k]) for k in expected.keyframes]:
        raise MediaError(recording.source_name, "its working copy does not match the film frame for frame; "
                         "it was removed and the film itself is shown")


COPY_WAITS, FILMSTRIP_WAITS = "working copy", "filmstrip"  # who waited, in ViewerActivity.waited_by


class ViewerActivity:
    """What the practitioner does in the player, for the copy's worker to yield to: it makes nothing while a
    film plays (forwards or backwards) nor for `quiet_s` after a step, a seek, a pause or a film opened, so
    the copy never delays the picture (it is niced too, but a nice thread still takes a share of a core,
    and its decoder's memory traffic, from a 4K film playing on two cores). Thread-safe."""

    def __init__(self, quiet_s: float = QUIET_S, now: Callable[[], float] = time.monotonic) -> None:
        self._quiet_s = quiet_s
        self._now = now
        self._changed = threading.Condition()
        self._playing = False
        self._busy_until = 0.0
        # How long each worker has waited for the practitioner, all told, by who waited ("working copy",
        # "filmstrip"): the copy's bench figure is its own waits only.
        self.waited_by: dict[str, float] = {}

    def playing(self, on: bool) -> None:
        with self._changed:
            self._playing = on
            self._busy_until = self._now() + self._quiet_s
            self._changed.notify_all()

    def touched(self) -> None:
        """A step, a seek or a film opened: the copy waits until `quiet_s` after it."""
        with self._changed:
            self._busy_until = self._now() + self._quiet_s
            self._changed.notify_all()

    @property
    def busy(self) -> bool:
        with self._changed:
            return self._playing or self._now() < self._busy_until

    @property
    def waited_s(self) -> float:
        """How long the working copy's worker has waited for the practitioner, all told."""
        with self._changed:
            return self.waited_by.get(COPY_WAITS, 0.0)

    def wait_until_quiet(self, stop: threading.Event, who: str = COPY_WAITS) -> None:
        """Return once the practitioner has neither played nor stepped for `quiet_s`, or `stop` is set; the
        time waited counts for `who` (`waited_by`)."""
        started = self._now()
        with self._changed:
            while not stop.is_set() and (self._playing or self._now() < self._busy_until):
                left = self._busy_until - self._now()
                self._changed.wait(0.25 if self._playing else min(max(left, 0.01), 0.25))
            self.waited_by[who] = self.waited_by.get(who, 0.0) + self._now() - started

    def release(self) -> None:
        """Wake a waiting worker (it is being stopped)."""
        with self._changed:
            self._changed.notify_all()


class WorkingCopyBuilder:
    """Makes working copies one film at a time on a low-priority worker thread that yields to the player
    (`activity`); `close()` stops it."""

    def __init__(self, vault: Vault, activity: ViewerActivity | None = None) -> None:
        self._vault = vault
        self.activity = activity or ViewerActivity()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigtool-working-copy",
                                            initializer=_lower_priority)
        self._stop = threading.Event()
        self._queued: set[int] = set()
        self._lock = threading.Lock()

    def ensure(self, recording: Recording, progress: Progress | None = None) -> Future[WorkingCopyMade | None] | None:
        """Queue the copy of `recording` unless it exists or is queued (films that are not heavy are
        looked at on the worker thread and left as they are)."""
        with self._lock:
            if recording.id in self._queued or has_working_copy(self._vault, recording):
                return None
            bits = film_bits_per_second(self._vault, recording)
            if not is_heavy(recording, bit_depth=16 if recording.video_codec == "hevc" else 8, bits_per_second=bits):
                return None  # neither large, fast, dense nor HEVC: not even worth opening
            self._queued.add(recording.id)
        return self._executor.submit(self._make, recording, progress)

    def _make(self, recording: Recording, progress: Progress | None) -> WorkingCopyMade | None:
        try:
            return make_working_copy(self._vault, recording, progress, self._stop.is_set,
                                     yield_to_viewer=lambda: self.activity.wait_until_quiet(self._stop))
        finally:
            with self._lock:
                self._queued.discard(recording.id)

    def wait(self) -> None:
        self._executor.shutdown(wait=True)

    def close(self) -> None:
        self._stop.set()
        self.activity.release()
        self._executor.shutdown(wait=True, cancel_futures=True)


def _lower_priority() -> None:
    """The worker thread (and the decoder and encoder threads it starts, which inherit it) runs niced."""
    with contextlib.suppress(OSError, AttributeError):  # elsewhere than Linux: made at normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
