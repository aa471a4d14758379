"""Training packs: teaching material from a film whose family consented to training, never the original.

Every face is found, tracked and blurred in every frame (vigtool.analysis.faces; the practitioner's own
boxes added or removed, and a preview before anything is written). The voice can be disguised (pitch
moved, as rubberband does without changing the pace) or left out. A watermark names the purpose and the
consent reference; the caption is the pseudonym the practitioner writes; no metadata is carried over.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import ffmpeg
import imageio_ffmpeg
import numpy as np

from vigtool.analysis.faces import Box, FaceDetector, ManualBox, blur, track
from vigtool.domain.consent import Purpose
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.media.frames import FrameDecoder, to_display
from vigtool.media.reencode import caption_band
from vigtool.media.smart_cut import ExportCancelledError, decoded_sound, end_pts
from vigtool.services import consent
from vigtool.services.exporting import ExportError, pending_export
from vigtool.services.vault import Vault

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
VOICES = ("disguise", "keep", "mute")
DISGUISED_PITCH = 0.8  # a voice made lower by about a third of an octave: still warm, no longer theirs


@dataclass(frozen=True)
class TrainingOptions:
    caption: str = ""  # a pseudonym and context, e.g. "Parent and baby (4 months), first visit"
    voice: str = "disguise"
    manual: tuple[ManualBox, ...] = ()
    detect_every: int = 2  # faces are searched in every n-th frame and tracked between


def pictures(vault: Vault, recording: Recording, frames: FrameRange) -> Iterator[np.ndarray]:
    """Frames [start, end) upright, one at a time (a 1080p clip does not fit in memory whole)."""
    index = vault.repo.frame_index(recording.id)
    decoder = FrameDecoder(vault.open_film(recording), index, recording.source_name)
    try:
        for at, frame in decoder.decode_to(frames.end - 1):
            if at >= frames.start:
                yield to_display(np.asarray(frame.to_ndarray(format="rgb24"), np.uint8), recording.rotation)
    finally:
        decoder.close()


def find_faces(vault: Vault, recording: Recording, frames: FrameRange, options: TrainingOptions, *,
               progress: Progress | None = None, cancelled: Cancelled | None = None,
               keep: Callable[[int, np.ndarray], None] | None = None) -> list[list[Box]]:
    """The faces found in each frame (searched in every `detect_every`-th; `track` fills the rest).
    `keep(k, picture)` sees each picture on the way (the preview keeps small copies)."""
    detector = FaceDetector()
    found: list[list[Box]] = []
    for k, picture in enumerate(pictures(vault, recording, frames)):
        if cancelled is not None and cancelled():
            raise ExportCancelledError("training pack cancelled")
        found.append(detector.detect(picture) if k % max(options.detect_every, 1) == 0 else [])
        if keep is not None:
            keep(k, picture)
        if progress is not None:
            progress(k + 1, 2 * frames.length)
    return found


def training_pack(vault: Vault, recording: Recording, frames: FrameRange, out_dir: Path,
                  options: TrainingOptions | None = None, *, found: list[list[Box]] | None = None,
                  progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
    """Write `out_dir`/training-clip.mp4 and about.txt (refused without the family's training consent).
    `found`: the faces `find_faces` gave for these frames already (the preview's), not searched again."""
    options = options or TrainingOptions()
    if options.voice not in VOICES:
        raise ValueError(f"the voice is {', '.join(VOICES)}, not {options.voice!r}")
    consent.check(vault, recording, Purpose.TRAINING)
    if not out_dir.is_dir():
        raise ExportError(str(out_dir), "is not a folder")
    references = sorted({c.form_reference for c in consent.consents(vault, recording) if c.form_reference})
    watermark = f"For training only — consent {', '.join(references) or 'on file'}"
    if found is None or len(found) != frames.length:
        found = find_faces(vault, recording, frames, options, progress=progress, cancelled=cancelled)
    boxes = track(found, options.manual, frames.start)
    out = out_dir / "training-clip.mp4"
    with pending_export(vault, out) as temp:  # a kill halfway leaves nothing once the vault opens again
        _encode(vault, recording, frames, boxes, options, watermark, temp, progress, cancelled)
        temp.replace(out)
    (out_dir / "about.txt").write_text(
        f"{options.caption or 'A parent and baby'}\n\n{watermark}.\nFaces are blurred in every frame; the voice is "
        f"{'disguised' if options.voice == 'disguise' else 'left out' if options.voice == 'mute' else 'as recorded'}"
        ". Nothing identifying is carried over from the original film.\n")
    vault.exports.add("training", recording.id, {"file": str(out.resolve()), "source": recording.source_name,
                                                 "frames": [frames.start, frames.end], "voice": options.voice,
                                                 "purpose": Purpose.TRAINING.value})
    return out


def _encode(vault: Vault, recording: Recording, frames: FrameRange, boxes: list[list[Box]],
            options: TrainingOptions, watermark: str, out: Path, progress: Progress | None,
            cancelled: Cancelled | None) -> None:
    width, height = recording.display_size
    video = ffmpeg.input("pipe:0", f="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}",
                         framerate=f"{recording.rate.numerator}/{recording.rate.denominator}").video
    size = max(12, height // 28)
    video = video.filter("drawtext", text=watermark, fontsize=size, fontcolor="white@0.85", box=1,
                         boxcolor="black@0.45", boxborderw=size // 3, x=size // 2, y=size // 2)
    if options.caption.strip():
        video = caption_band(video, options.caption.strip(), width, height)
    video = video.filter("pad", "ceil(iw/2)*2", "ceil(ih/2)*2", 0, 0, color="white")  # 4:2:0 wants even sizes
    outputs = [video.filter("format", "yuv420p")]
    sound_read = sound_write = None
    sound = None
    if options.voice != "mute" and recording.has_audio:
        sound_read, sound_write = os.pipe()
        rate, sound = _sound(vault, recording, frames)
        audio = ffmpeg.input(f"pipe:{sound_read}", f="f32le", ac=1, ar=rate).audio
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
        for k, (picture, covered) in enumerate(zip(pictures(vault, recording, frames), boxes, strict=True)):
            if cancelled is not None and cancelled():
                raise ExportCancelledError("training pack cancelled")
            try:
                process.stdin.write(np.ascontiguousarray(blur(picture, covered)).tobytes())
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


def _write_all(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError), os.fdopen(fd, "wb") as sink:
        sink.write(data)


def _sound(vault: Vault, recording: Recording, frames: FrameRange) -> tuple[int, np.ndarray]:
    """The sound of [start, end) frames, mono float, at the film's own rate."""
    index = vault.repo.frame_index(recording.id)
    start = Fraction(int(index.pts[frames.start])) * index.time_base
    stop = Fraction(end_pts(index, frames.end)) * index.time_base
    with vault.open_film(recording) as handle, av.open(handle, "r") as container:
        stream = container.streams.audio[0]
        samples = decoded_sound(container, stream, start, stop)
        return int(stream.codec_context.sample_rate), np.asarray(samples.mean(axis=0), np.float32)
