"""Training packs: teaching material from a film whose family consented to training, never the original.

Faces are found in every frame and tracked (vigtool.analysis.faces); a frame is written only when every
face in it can be shown to be covered: where the finder was unsure, or found nothing, or filled a face in
from the frames around it, the practitioner must have looked and settled the frame (a box drawn, or "no
face left uncovered") or the pack is refused (vigtool.analysis.face_cover). Or the whole picture is blurred
but for the outline of the scene: no finder is needed, but every frame is still looked at (WHOLE_NOT_ENOUGH).
The voice can be disguised (pitch moved, as rubberband does without changing the pace) or left out. The
watermark and about.txt carry a pseudonymous reference made for this pack (the export log ties it to the
film); never the consent form's reference, never a name.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import ffmpeg
import imageio_ffmpeg
import numpy as np

from vigtool.analysis.face_cover import CoverPlan, plan_cover, ranges
from vigtool.analysis.faces import Box, CenterFaceFinder, FaceFinderMissingError, Find, ManualBox, blur, outline_only
from vigtool.domain.consent import Purpose
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.media.frames import FrameDecoder, to_display
from vigtool.media.reencode import caption_band
from vigtool.media.smart_cut import ExportCancelledError, decoded_sound, end_pts
from vigtool.services import consent
from vigtool.services.exporting import ExportError, pending_export
from vigtool.services.sharing import shown_name
from vigtool.services.vault import Vault

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
VOICES = ("disguise", "keep", "mute")
DISGUISED_PITCH = 0.8  # a voice made lower by about a third of an octave: still warm, no longer theirs
_REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class FramesNotSettledError(ExportError):
    """Frames where the finder cannot show every face covered, not yet looked at by the practitioner."""


class FinderMissingError(ExportError):
    """The face finder's model is not installed: the film cannot be searched for faces."""


@dataclass(frozen=True)
class TrainingOptions:
    caption: str = ""  # a pseudonym and context, e.g. "Parent and baby (4 months), first visit"
    voice: str = "disguise"
    manual: tuple[ManualBox, ...] = ()
    confirmed: frozenset[int] = frozenset()  # frames (absolute) she looked at: no face left uncovered
    whole_picture: bool = False  # blur everything but the outline of the scene (no finder; every frame looked at)


TRIM_EVERY = 8  # frames between two hand-backs of freed memory (a 1080p frame is 6 MB)
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6") if sys.platform.startswith("linux") else None


def give_back_memory() -> None:
    """Hand freed pictures back to the system. glibc keeps what a worker thread frees in that thread's own
    arena, and once one 6-MB frame has been freed the next come from there too (its mmap threshold rises):
    frames decoded off the GUI thread kept a few MB each resident, though only one is held at a time."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def pictures(vault: Vault, recording: Recording, frames: FrameRange) -> Iterator[np.ndarray]:
    """Frames [start, end) upright, each exactly once and in order, one at a time (a 1080p clip does not
    fit in memory whole). Frame by frame: decoding to the last one alone would start at its keyframe."""
    index = vault.repo.recordings.frame_index(recording.id)
    decoder = FrameDecoder(vault.open_film(recording), index, shown_name(vault, recording))
    try:
        for number in range(frames.start, frames.end):
            for at, frame in decoder.decode_to(number):
                if at == number:
                    yield to_display(np.asarray(frame.to_ndarray(format="rgb24"), np.uint8), recording.rotation)
            if (number - frames.start) % TRIM_EVERY == TRIM_EVERY - 1:
                give_back_memory()
    finally:
        decoder.close()


def find_faces(vault: Vault, recording: Recording, frames: FrameRange, *,
               progress: Progress | None = None, cancelled: Cancelled | None = None,
               keep: Callable[[int, np.ndarray], None] | None = None) -> list[list[Find]]:
    """The finder's finds in each frame of `frames`, every frame searched. `keep(k, picture)` sees each
    picture on the way (the preview keeps small copies). Raises ExportError without the finder's model."""
    try:
        finder = CenterFaceFinder()
    except FaceFinderMissingError as exc:
        raise FinderMissingError(shown_name(vault, recording), f"cannot be searched for faces: {exc}") from exc
    found: list[list[Find]] = []
    for k, picture in enumerate(pictures(vault, recording, frames)):
        if cancelled is not None and cancelled():
            raise ExportCancelledError("training pack cancelled")
        found.append(finder.finds(picture))
        if keep is not None:
            keep(k, picture)
        if progress is not None:
            progress(k + 1, 2 * frames.length)
    return found


def faces_or_pictures(vault: Vault, recording: Recording, frames: FrameRange, keep: Callable[[int, np.ndarray], None],
                      *, progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> list[list[Find]] | FinderMissingError:
    """`find_faces` for the window; without the finder's model, every picture is still handed to `keep` (to be
    looked at blurred whole, the one pack that needs no finder) and the reason is returned instead."""
    try:
        return find_faces(vault, recording, frames, progress=progress, cancelled=cancelled, keep=keep)
    except FinderMissingError as missing:
        for k, picture in enumerate(pictures(vault, recording, frames)):
            if cancelled is not None and cancelled():
                raise ExportCancelledError("training pack cancelled") from None
            keep(k, picture)
            if progress is not None:
                progress(k + 1, frames.length)
        return missing


def cover_plan(found: list[list[Find]], frames: FrameRange, options: TrainingOptions) -> CoverPlan:
    return plan_cover(found, frames.start, options.manual, options.confirmed)


# Why a frame blurred whole still needs a look. The blocks are a fortieth of the picture's longer side: a
# face filling the picture's height in a 16:9 film still spans 27 blocks by about 20: enough, as pixelated
# portraits show, for someone who knows the person. Nothing here can show that no face is left recognisable.
WHOLE_NOT_ENOUGH = ("a face that fills much of the picture can still be known by its shape and colours through "
                    "the blur")


def waiting_frames(found: list[list[Find]] | None, frames: FrameRange, options: TrainingOptions) -> list[int]:
    """The frames (absolute) that must still be looked at before a pack may be written, in order. Blurred
    whole, every frame not confirmed (WHOLE_NOT_ENOUGH); else those the cover plan cannot vouch for."""
    if options.whole_picture:
        return [f for f in range(frames.start, frames.end) if f not in options.confirmed]
    return cover_plan(found or [[] for _ in range(frames.length)], frames, options).waiting()


def whole_picture_lines(frames: FrameRange, confirmed: frozenset[int]) -> list[str]:
    """What the window and about.txt say of a pack blurred whole."""
    looked = sum(1 for f in range(frames.start, frames.end) if f in confirmed)
    said = [f"Every one of the {frames.length} frames is blurred whole but for the outline of the scene "
            "(colours in blocks of a fortieth of the picture). That alone does not show that no one can be "
            f"recognised: {WHOLE_NOT_ENOUGH}."]
    said.append(f"Looked at and confirmed by the practitioner: {looked} of {frames.length} frames "
                "(no face left recognisable).")
    return said


PACK_NAME = "training-clip.mp4"  # the pack's film, beside its about.txt


def pack_reference() -> str:
    """A fresh pseudonymous reference for one pack, e.g. TP-7K3QX2: it names nobody and no paperwork."""
    return "TP-" + "".join(secrets.choice(_REFERENCE_LETTERS) for _ in range(6))


def training_pack(vault: Vault, recording: Recording, frames: FrameRange, out_dir: Path,
                  options: TrainingOptions | None = None, *, found: list[list[Find]] | None = None,
                  progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
    """Write `out_dir`/training-clip.mp4 and about.txt. Refused without the family's training consent, and
    while any frame needs the practitioner's look. `found`: the finds `find_faces` gave for these frames
    already (the preview's), not searched again."""
    options = options or TrainingOptions()
    if options.voice not in VOICES:
        raise ValueError(f"the voice is {', '.join(VOICES)}, not {options.voice!r}")
    consent.check(vault, recording, Purpose.TRAINING)
    if not 0 <= frames.start < frames.end <= recording.frame_count:
        raise ExportError(shown_name(vault, recording), f"has frames 0–{recording.frame_count - 1}: frames "
                          f"{frames.start}–{frames.end - 1} cannot all be in a pack")
    if not out_dir.is_dir():
        raise ExportError(str(out_dir), "is not a folder")
    if options.whole_picture:
        waiting = waiting_frames(None, frames, options)
        if waiting:
            plural = "s" if len(waiting) > 1 else ""
            raise FramesNotSettledError(
                shown_name(vault, recording), f"has {len(waiting)} frame{plural} blurred whole that no one has "
                f"looked at (frame{plural} {ranges(waiting)}): {WHOLE_NOT_ENOUGH}. Watch them in the training window "
                "and confirm that no face is left recognisable")
        boxes: list[list[Box]] | None = None
        said = whole_picture_lines(frames, options.confirmed)
    else:
        if found is None or len(found) != frames.length:
            found = find_faces(vault, recording, frames, progress=progress, cancelled=cancelled)
        plan = cover_plan(found, frames, options)
        waiting = plan.waiting()
        if waiting:
            plural = "s" if len(waiting) > 1 else ""
            raise FramesNotSettledError(
                shown_name(vault, recording), f"has {len(waiting)} frame{plural} where no one has shown that every "
                f"face is covered (frame{plural} {ranges(waiting)}): look at each, draw a box over any face still "
                "showing or confirm none is")
        boxes = plan.boxes()
        said = plan.counts().lines()
    reference = pack_reference()
    watermark = f"For training only · {reference}"
    out = out_dir / PACK_NAME
    with pending_export(vault, out) as temp:  # a kill halfway leaves nothing once the vault opens again
        _encode(vault, recording, frames, boxes, options, watermark, temp, progress, cancelled)
        temp.replace(out)
    voice = {"disguise": "disguised", "mute": "left out", "keep": "as recorded"}[options.voice]
    (out_dir / "about.txt").write_text(
        f"{options.caption or 'A parent and baby'}\n\nFor training only. Pack {reference} "
        f"(the practitioner's vault ties this reference to the family's consent).\n\n" + "\n".join(said) +
        ("" if options.whole_picture else
         "\nA face the finder did not see, in a frame where it found every other face with certainty, is not "
         "blurred: watch the pack through before showing it.") +
        f"\n\nThe voice is {voice}. No metadata is carried over from the original film.\n")
    vault.exports.add("training", recording.id, {"file": str(out.resolve()), "source": recording.source_name,
                                                 "frames": [frames.start, frames.end], "voice": options.voice,
                                                 "reference": reference, "whole_picture": options.whole_picture,
                                                 "purpose": Purpose.TRAINING.value})
    return out


def _encode(vault: Vault, recording: Recording, frames: FrameRange, boxes: list[list[Box]] | None,
            options: TrainingOptions, watermark: str, out: Path, progress: Progress | None,
            cancelled: Cancelled | None) -> None:
    outputs = [_picture(vault, recording, frames, options, watermark)]
    sound_read = sound_write = None
    sound = None
    if options.voice != "mute" and recording.has_audio:
        sound_read, sound_write = os.pipe()
        sample_rate, sound = _sound(vault, recording, frames)
        audio = ffmpeg.input(f"pipe:{sound_read}", f="f32le", ac=1, ar=sample_rate).audio
        if options.voice == "disguise":
            audio = audio.filter("rubberband", pitch=DISGUISED_PITCH, formant="shifted")
        outputs.append(audio)
    command = ffmpeg.output(*outputs, str(out), vcodec="libx264", preset="veryfast", crf=20, f="mp4",
                            map_metadata=-1, movflags="+faststart", **({"acodec": "aac"} if sound is not None else {})
                            ).global_args("-hide_banner", "-nostdin", "-v", "error").overwrite_output().compile(
        cmd=imageio_ffmpeg.get_ffmpeg_exe())
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                               pass_fds=(sound_read,) if sound_read is not None else ())
    assert process.stdin is not None and process.stderr is not None
    feeder = None
    if sound_read is not None and sound_write is not None and sound is not None:
        os.close(sound_read)
        data = sound.astype("<f4").tobytes()
        feeder = threading.Thread(target=_write_all, args=(sound_write, data), name="training-sound", daemon=True)
        feeder.start()
    try:
        for k, picture in enumerate(pictures(vault, recording, frames)):
            if cancelled is not None and cancelled():
                raise ExportCancelledError("training pack cancelled")
            hidden = outline_only(picture) if boxes is None else blur(picture, boxes[k])
            try:
                process.stdin.write(np.ascontiguousarray(hidden).tobytes())
            except BrokenPipeError:  # ffmpeg stopped: its own words say why, below
                break
            if progress is not None:
                progress(frames.length + k + 1, 2 * frames.length)
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        errors = process.stderr.read()
        code = process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if feeder is not None:
            feeder.join()
        process.stderr.close()
    if code != 0:
        raise ExportError(str(out), f"could not be written ({errors.decode(errors='replace').strip()})")


def _picture(vault: Vault, recording: Recording, frames: FrameRange, options: TrainingOptions,
             watermark: str) -> Any:
    """The pack's picture: raw frames from stdin, watermarked (bottom left: the top left is where the
    generator's frame stamp is read in the tests), captioned, even-sized, 4:2:0."""
    width, height = recording.display_size
    # The clip's own average rate: its frames then last exactly as long as its sound, also in a film of
    # variable frame rate (where they are shown at an even pace instead of the phone's uneven one).
    index = vault.repo.recordings.frame_index(recording.id)
    seconds = Fraction(end_pts(index, frames.end) - int(index.pts[frames.start])) * index.time_base
    rate = Fraction(frames.length) / seconds if seconds > 0 else recording.rate
    video = ffmpeg.input("pipe:0", f="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}",
                         framerate=f"{rate.numerator}/{rate.denominator}").video
    size = max(12, height // 28)
    video = video.filter("drawtext", text=watermark, fontsize=size, fontcolor="white@0.85", box=1,
                         boxcolor="black@0.45", boxborderw=size // 3, x=size // 2, y=f"h-th-{size // 2}")
    if options.caption.strip():
        video = caption_band(video, options.caption.strip(), width, height)
    video = video.filter("pad", "ceil(iw/2)*2", "ceil(ih/2)*2", 0, 0, color="white")  # 4:2:0 wants even sizes
    return video.filter("format", "yuv420p")


def _write_all(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError), os.fdopen(fd, "wb") as sink:
        sink.write(data)


def _sound(vault: Vault, recording: Recording, frames: FrameRange) -> tuple[int, np.ndarray]:
    """The sound of [start, end) frames, mono float, at the film's own rate."""
    index = vault.repo.recordings.frame_index(recording.id)
    start = Fraction(int(index.pts[frames.start])) * index.time_base
    stop = Fraction(end_pts(index, frames.end)) * index.time_base
    with vault.open_film(recording) as handle, av.open(handle, "r") as container:
        stream = container.streams.audio[0]
        samples = decoded_sound(container, stream, start, stop)
        return int(stream.codec_context.sample_rate), np.asarray(samples.mean(axis=0), np.float32)
