"""Exports: the one place where footage leaves the vault in the clear, and only where the user said.

Every export is written under a temp name beside its destination and renamed into place only when whole
(and, for a smart cut, checked): a cancel, a failure or a crash leaves no partial file. Each one is logged
in the vault (what, when, where). Clips: smart cut when nothing forces a re-encode, checked against the
source afterwards, with an automatic fall back to a full re-encode (mode "auto").
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import ffmpeg
import imageio_ffmpeg
import numpy as np

from storage.atomic import fsync_dir, temp_name_for
from vigtool.domain.export import ClipOptions, ExportMode
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.media.clip_check import check_clip
from vigtool.media.errors import MediaError
from vigtool.media.reencode import Source, caption_band, output_frames, reencode
from vigtool.media.smart_cut import (
    ENCODERS,
    Cancelled,
    ExportCancelledError,
    Progress,
    SmartCutUnsupportedError,
    smart_cut,
)
from vigtool.media.stages import stage
from vigtool.services import consent
from vigtool.services.consent import Purpose
from vigtool.services.frames import read_frame
from vigtool.services.vault import Vault

CLIP_SUFFIXES = (".mp4",)
STILL_SUFFIXES = (".png", ".jpg", ".jpeg")

__all__ = ["ExportCancelledError", "ExportError", "ExportResult", "export_clip", "export_still"]


class ExportError(MediaError):
    """An export that could not be written; the message names the file and why. Nothing was left behind."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    mode: ExportMode  # the path actually taken (SMART or REENCODE)
    frames: int  # pictures in the written file
    seconds: float  # how long it took
    note: str = ""  # e.g. why a smart cut fell back to re-encoding


def _check_destination(out: Path, suffixes: tuple[str, ...], what: str, overwrite: bool = False) -> None:
    if out.suffix.lower() not in suffixes:
        raise ExportError(str(out), f"a {what} is written as {' or '.join(suffixes)}")
    if out.exists() and not overwrite:
        raise ExportError(str(out), "already exists and was left as it is; choose another name, or say to "
                          "replace it (--overwrite)")
    if not out.parent.is_dir():
        raise ExportError(str(out), "its folder does not exist")
    if not os.access(out.parent, os.W_OK):
        raise ExportError(str(out), "its folder cannot be written to (permission denied)")
    try:  # as root, access() says yes to /proc and to read-only disks: a nameless empty file tells the truth
        with tempfile.TemporaryFile(dir=out.parent):
            pass
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise ExportError(str(out.parent), f"this folder cannot be written to ({reason}); choose another") from None


def _source(vault: Vault, recording: Recording) -> Source:
    return Source(lambda: vault.open_film(recording), vault.repo.recordings.frame_index(recording.id), recording.rate,
                  recording.rotation, *recording.display_size, recording.has_audio, recording.source_name)


def _smart(recording: Recording, source: Source, frames: FrameRange, out: Path,
           progress: Progress | None, cancelled: Cancelled | None) -> list[str]:
    """Smart-cut into `out` (a temp file); the problems the check found (empty: it is exact)."""
    if recording.video_codec not in ENCODERS:
        raise SmartCutUnsupportedError(recording.source_name,
                                       f"smart cut handles H.264 and HEVC, not {recording.video_codec}")
    with out.open("wb") as sink:
        with stage("cut"):
            report = smart_cut(source.open_handle, source.index, recording.rate, frames.start, frames.end, sink,
                               recording.source_name, progress=progress, cancelled=cancelled)
        sink.flush()
        # The disk writes the clip while the check reads it back from the page cache (_commit's fsync
        # then finds nothing left to do).
        with ThreadPoolExecutor(1, thread_name_prefix="export-sync") as pool:
            synced = pool.submit(os.fsync, sink.fileno())
            with stage("check"):
                problems = check_clip(out, source.index, frames.start, frames.end, recording.rotation,
                                      report.pictures, report.copy)
            with stage("fsync_wait"):
                synced.result()
    return problems


def export_clip(vault: Vault, recording: Recording, frames: FrameRange, out: Path,
                options: ClipOptions | None = None, mode: ExportMode = ExportMode.AUTO, *,
                progress: Progress | None = None, cancelled: Cancelled | None = None,
                purpose: Purpose = Purpose.REVIEW, overwrite: bool = False) -> ExportResult:
    """Write frames [start, end) of `recording` to `out` (.mp4), exactly, with `options` applied, if the
    family consented to `purpose`. An existing `out` is kept unless `overwrite`."""
    options = options or ClipOptions()
    with stage("export_checks"):
        _check_destination(out, CLIP_SUFFIXES, "clip", overwrite)
        consent.check(vault, recording, purpose)
    started = time.perf_counter()
    with pending_export(vault, out) as temp:
        used, note = write_clip(vault, recording, frames, temp, options, mode, progress=progress,
                                cancelled=cancelled)
        with stage("export_commit"):
            _commit(temp, out)
    count = output_frames(frames.start, frames.end, options, recording.rate)
    with stage("export_log"):
        vault.exports.add("clip", recording.id, {
            "file": str(out.resolve()), "source": recording.source_name, "frames": [frames.start, frames.end],
            "options": options.describe(), "mode": used.value, "bytes": out.stat().st_size,
            "purpose": purpose.value, "note": note})  # why a smart cut fell back, if it did
    return ExportResult(out, used, count, time.perf_counter() - started, note)


def write_clip(vault: Vault, recording: Recording, frames: FrameRange, work: Path, options: ClipOptions,
               mode: ExportMode, *, progress: Progress | None = None, cancelled: Cancelled | None = None,
               keep_fds: tuple[int, ...] = ()) -> tuple[ExportMode, str]:
    """Write the clip to `work` (a temp file, or a memory file whose descriptors are `keep_fds`).

    Returns the path taken and, when a smart cut fell back to re-encoding, why. Raises ExportError,
    ExportCancelledError or MediaError; the caller removes `work`.
    """
    if not (0 <= frames.start < frames.end <= recording.frame_count):
        raise ExportError(recording.source_name, f"has frames 0 to {recording.frame_count - 1}; "
                          f"{frames.start} to {frames.end - 1} is not within them")
    if mode is ExportMode.SMART and options.needs_reencode:
        raise ExportError(str(work), f"a smart cut copies the film as it is; {options.describe()} needs re-encoding")
    with stage("export_source"):
        source = _source(vault, recording)
    if mode is not ExportMode.REENCODE and not options.needs_reencode:
        why = "a smart cut was not exact"
        try:
            problems = _smart(recording, source, frames, work, progress, cancelled)
        except SmartCutUnsupportedError as exc:
            problems, why = [exc.problem], "a smart cut cannot copy this film"
        except MediaError as exc:  # the film decodes wrongly somewhere; the re-encode says so if it fails too
            problems, why = [exc.problem], "a smart cut could not be made"
        if not problems:
            return ExportMode.SMART, ""
        if mode is ExportMode.SMART:
            raise ExportError(str(work), f"{why} (" + "; ".join(problems) + ")")
        note = f"re-encoded, because {why}: " + "; ".join(problems)
    else:
        note = ""
    reencode(source, frames.start, frames.end, options, work, progress=progress, cancelled=cancelled,
             keep_fds=keep_fds)
    return ExportMode.REENCODE, note


@contextlib.contextmanager
def pending_export(vault: Vault, out: Path) -> Iterator[Path]:
    """A temp name beside `out`, noted in the vault first: if the process dies while the plaintext is half
    written, the next opening of the vault removes it (see Vault.remove_leftovers)."""
    temp = temp_name_for(out)
    with stage("export_log"):
        marker = vault.exports.begin(temp.resolve())
    try:
        yield temp
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        with stage("export_log"):
            vault.exports.end(marker)


def _commit(temp: Path, out: Path) -> None:
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    temp.chmod(0o644)
    temp.replace(out)
    fsync_dir(out.parent)


def still_with_caption(image: np.ndarray, caption: str, suffix: str) -> bytes:
    """The picture with a caption band under it, drawn by the same filter as clip captions."""
    height, width = image.shape[:2]
    codec = "png" if suffix == ".png" else "mjpeg"
    picture = ffmpeg.input("pipe:0", f="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}")
    banded = caption_band(picture.video, caption, width, height)
    if codec == "mjpeg":
        banded = banded.filter("format", "yuvj444p")
    command = ffmpeg.output(banded, "pipe:1", f="image2pipe", vcodec=codec, frames=1, map_metadata=-1,
                            **({"q:v": 2} if codec == "mjpeg" else {})).global_args(
        "-hide_banner", "-v", "error").compile(cmd=imageio_ffmpeg.get_ffmpeg_exe())
    done = subprocess.run(command, input=np.ascontiguousarray(image).tobytes(), capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout:
        raise ExportError("the still", f"could not get its caption ({done.stderr.decode(errors='replace').strip()})")
    return done.stdout


def still_bytes(vault: Vault, recording: Recording, frame: int, suffix: str, caption: str = "") -> bytes:
    """The exact frame `frame` at full resolution, upright, encoded as `suffix` (.png/.jpg), with a caption band
    if `caption` is given."""
    if not 0 <= frame < recording.frame_count:
        raise ExportError(recording.source_name, f"has frames 0 to {recording.frame_count - 1}; there is no "
                          f"frame {frame}")
    image = read_frame(vault, recording, frame)
    if caption.strip():
        return still_with_caption(image, caption, suffix)
    ok, encoded = cv2.imencode(suffix, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ExportError(f"frame {frame} of {recording.source_name}", "the still could not be encoded")
    return bytes(encoded.tobytes())


def export_still(vault: Vault, recording: Recording, frame: int, out: Path, caption: str = "", *,
                 purpose: Purpose = Purpose.REVIEW, overwrite: bool = False) -> Path:
    """The exact frame `frame` at full resolution, upright, as PNG or JPEG, optionally with a caption band
    (if the family consented to `purpose`). An existing `out` is kept unless `overwrite`."""
    _check_destination(out, STILL_SUFFIXES, "still", overwrite)
    consent.check(vault, recording, purpose)
    data = still_bytes(vault, recording, frame, out.suffix.lower(), caption)
    with pending_export(vault, out) as temp:
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            _commit(temp, out)
        except OSError as exc:
            raise ExportError(str(out), f"cannot be written ({exc.strerror})") from exc
    vault.exports.add("still", recording.id, {"file": str(out.resolve()), "source": recording.source_name,
                                              "frames": [frame, frame + 1], "caption": bool(caption.strip()),
                                              "bytes": len(data), "purpose": purpose.value})
    return out
