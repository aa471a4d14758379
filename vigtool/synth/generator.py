"""Render synthetic parent-infant recordings and their ground truth.

Variants cover what phones hand us: H.264 and HEVC, portrait with a rotation tag, variable frame rate,
no audio, and a truncated file. Every frame is stamped with its own index (vigtool.synth.stamp).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import av
import cv2
import imageio_ffmpeg
import numpy as np

from vigtool.synth.scene import Scene
from vigtool.synth.voices import Signal, Vocalisation, VoiceSettings, render_voices, turn_script

TRUTH_FORMAT = "vigtool.synth.truth"
TRUTH_VERSION = 1
SAMPLE_RATE = 48000
VARIANTS = ("h264", "hevc", "portrait", "vfr", "noaudio", "truncated")


@dataclass(frozen=True)
class RecordingSpec:
    """What to render. `width`×`height` is the display size; a rotated file stores it turned."""

    duration: float = 4.0
    rate: Fraction = Fraction(30)
    width: int = 320
    height: int = 240
    codec: str = "h264"  # or "hevc"
    rotation: int = 0  # clockwise degrees a player turns the stored picture (as phones tag portrait: 90)
    variable_frame_rate: bool = False
    audio: bool = True
    gop_seconds: float = 2.0
    crf: int = 20
    seed: int = 1
    voices: VoiceSettings = field(default_factory=VoiceSettings)
    grain: float = 0.0  # sensor noise (standard deviation in 0..255 levels): phone-like bitrates for benches
    faststart: bool = True  # False puts the index at the end, as most phones write it
    bit_depth: int = 8  # 10: HEVC as recent phones record it by default (yuv420p10le)


@dataclass(frozen=True)
class GroundTruth:
    frame_count: int
    rate: Fraction
    rotation: int
    has_audio: bool
    vocalisations: list[Vocalisation]
    frame_times: list[float]  # seconds at which each frame starts (what a VFR file really holds)

    def to_json(self) -> str:
        return json.dumps({
            "format": TRUTH_FORMAT, "version": TRUTH_VERSION,
            "frame_count": self.frame_count, "rate": f"{self.rate.numerator}/{self.rate.denominator}",
            "rotation": self.rotation, "has_audio": self.has_audio,
            "vocalisations": [asdict(v) for v in self.vocalisations],
            "frame_times": [round(t, 6) for t in self.frame_times],
        }, indent=1)


def variant_spec(name: str, base: RecordingSpec | None = None) -> RecordingSpec:
    """The spec of a named variant, derived from `base` (default: a short 320×240 landscape film)."""
    spec = base or RecordingSpec()
    match name:
        case "h264" | "truncated":
            return spec
        case "hevc":
            return replace(spec, codec="hevc")
        case "portrait":
            return replace(spec, width=spec.height, height=spec.width, rotation=90)
        case "vfr":
            return replace(spec, variable_frame_rate=True)
        case "noaudio":
            return replace(spec, audio=False)
    raise ValueError(f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}")


def _frame_times(spec: RecordingSpec, rng: np.random.Generator) -> list[Fraction]:
    """Start time of each frame: regular, or (VFR) a phone's mix of 1/30 s, 1/24 s and 1/20 s gaps."""
    if not spec.variable_frame_rate:
        count = int(Fraction(spec.duration) * spec.rate)
        return [Fraction(i) / spec.rate for i in range(count)]
    times, t = [], Fraction(0)
    steps = (Fraction(1, 30), Fraction(1, 24), Fraction(1, 20))
    while t < spec.duration:
        times.append(t)
        t += steps[int(rng.choice(3, p=(0.6, 0.25, 0.15)))]
    return times


def _mouth_levels(track: Signal, times: list[Fraction]) -> list[float]:
    """How open a mouth is at each frame: the voice's loudness around that instant, 0..1."""
    levels = []
    for t in times:
        start = int(float(t) * SAMPLE_RATE)
        window = track[start:start + SAMPLE_RATE // 25]
        levels.append(min(1.0, float(np.sqrt(np.mean(window ** 2))) * 4) if window.size else 0.0)
    return levels


def render(spec: RecordingSpec, out: Path) -> GroundTruth:
    """Write an MP4 per `spec` to `out` and return its ground truth (also written as `out`.truth.json)."""
    rng = np.random.default_rng(spec.seed)
    times = _frame_times(spec, rng)
    script = turn_script(spec.duration, rng)
    mix, tracks = render_voices(script, spec.duration, spec.voices, SAMPLE_RATE, rng)
    parent_mouth = _mouth_levels(tracks["adult"], times)
    baby_mouth = _mouth_levels(tracks["infant"], times)
    scene = Scene(spec.width, spec.height)
    time_base = Fraction(1, 90000) if spec.variable_frame_rate else 1 / spec.rate
    out.parent.mkdir(parents=True, exist_ok=True)
    grain = _grain_bank(spec, rng)
    options = {"movflags": "+faststart"} if spec.faststart else {}
    with av.open(str(out), "w", format="mp4", options=options) as container:
        video = _add_video_stream(container, spec, time_base)
        audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono") if spec.audio else None
        for index, t in enumerate(times):
            image = scene.render(index, float(t), parent_mouth[index], baby_mouth[index])
            if grain:
                image = np.asarray(cv2.add(image, grain[index % len(grain)], dtype=cv2.CV_8U), dtype=np.uint8)
            stored = np.ascontiguousarray(np.rot90(image, k=spec.rotation // 90))  # players turn it back
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts = int(t / time_base)
            frame.time_base = time_base
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            for sound in _audio_frames(mix):
                container.mux(audio.encode(sound))
            container.mux(audio.encode(None))
    truth = GroundTruth(len(times), spec.rate if not spec.variable_frame_rate else _average_rate(times),
                        spec.rotation, spec.audio, script, [float(t) for t in times])
    out.with_suffix(".truth.json").write_text(truth.to_json())
    return truth


def _grain_bank(spec: RecordingSpec, rng: np.random.Generator) -> list[np.ndarray]:
    """A few frames of signed noise, cycled (drawing fresh noise for every 1080p frame is slow)."""
    if spec.grain <= 0:
        return []
    bank = []
    for _ in range(7):
        noise = rng.normal(0.0, spec.grain, (spec.height, spec.width, 1)).clip(-127, 127).astype(np.int16)
        bank.append(np.repeat(noise, 3, axis=2))
    return bank


def loop_recording(source: Path, out: Path, times: int, *, faststart: bool = True) -> None:
    """Write `source` played `times` times over, by stream copy (quick long films for benches)."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", str(times - 1),
               "-i", str(source), "-c", "copy", "-map", "0"]
    command += ["-movflags", "+faststart"] if faststart else []
    subprocess.run([*command, str(out)], check=True, capture_output=True)


def _add_video_stream(container: av.container.OutputContainer, spec: RecordingSpec,
                      time_base: Fraction) -> av.video.stream.VideoStream:
    gop = max(1, int(spec.rate * Fraction(spec.gop_seconds)))
    stored_w, stored_h = (spec.height, spec.width) if spec.rotation in (90, 270) else (spec.width, spec.height)
    if spec.codec == "hevc":
        options = {"crf": str(spec.crf), "preset": "veryfast", "tag": "hvc1",
                   "x265-params": f"log-level=error:keyint={gop}:min-keyint={gop}:scenecut=0"}
        stream = container.add_stream("libx265", rate=spec.rate, options=options)
        stream.codec_tag = "hvc1"  # QuickTime and most players want hvc1 for HEVC in MP4
    elif spec.codec == "h264":
        options = {"crf": str(spec.crf), "preset": "veryfast", "g": str(gop), "keyint_min": str(gop),
                   "sc_threshold": "0"}
        stream = container.add_stream("libx264", rate=spec.rate, options=options)
    else:
        raise ValueError(f"unknown codec {spec.codec!r}")
    stream.width, stream.height = stored_w, stored_h
    stream.pix_fmt = "yuv420p10le" if spec.bit_depth == 10 else "yuv420p"
    stream.codec_context.time_base = time_base
    if spec.rotation:
        stream.set_display_rotation(-spec.rotation)  # PyAV counts counter-clockwise
    return stream


def _audio_frames(mix: Signal) -> Iterator[av.AudioFrame]:
    samples = (np.clip(mix, -1, 1) * 32767).astype(np.int16)
    for pos in range(0, samples.size, 1024):
        chunk = samples[pos:pos + 1024]
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = pos
        frame.time_base = Fraction(1, SAMPLE_RATE)
        yield frame


def _average_rate(times: list[Fraction]) -> Fraction:
    return Fraction(len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else Fraction(30)


def render_variant(name: str, out: Path, base: RecordingSpec | None = None) -> GroundTruth:
    """Render a named variant; "truncated" is a whole file cut off at 60% of its bytes."""
    spec = variant_spec(name, base)
    if name != "truncated":
        return render(spec, out)
    whole = out.with_name(out.stem + ".whole.mp4")
    truth = render(spec, whole)
    data = whole.read_bytes()
    out.write_bytes(data[: len(data) * 6 // 10])
    whole.unlink()
    shutil.move(whole.with_suffix(".truth.json"), out.with_suffix(".truth.json"))
    return truth
