"""The encode styles real phones and cameras write, made at test time from the project's generator.

One short stamped film (`vigtool.synth`) is rendered once and re-encoded by the ffmpeg binary in each style;
nothing is committed. Every style has keyframes at frames 0, 30, 60, 90 and 120 (1-second GOPs at 30 frames a second)
except intra-refresh, whose only true keyframe is frame 0 (its MP4 still marks a recovery point every 30).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import imageio_ffmpeg

from vigtool.synth.generator import RecordingSpec, render

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
GOP = 30
FRAMES = 150
_FIXED_GOP = ["-g", str(GOP), "-keyint_min", str(GOP), "-sc_threshold", "0"]
_X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", *_FIXED_GOP]
_X265_GOP = f"keyint={GOP}:min-keyint={GOP}:scenecut=0"


@dataclass(frozen=True)
class Style:
    name: str
    video: tuple[str, ...]  # ffmpeg's output options for the picture
    master: str = "plain"  # which rendering it starts from: plain, vfr or portrait
    suffix: str = ".mp4"
    late_sound: bool = False
    true_keyframes: tuple[int, ...] = (0, 30, 60, 90, 120)
    copies: bool = True  # whether a clip can copy its packets (H.264 copies start at an IDR)


STYLES = (
    # x264's own defaults (preset medium, 3 B-frames, 3 references, scene cuts), 1-second GOPs.
    Style("x264-defaults", ("-c:v", "libx264", "-g", str(GOP))),
    Style("no-b-frames", (*_X264, "-bf", "0")),  # as Android's encoders write
    Style("vbv-capped", (*_X264, "-maxrate", "300k", "-bufsize", "300k")),
    # Its I pictures are keyframes to seek to but no IDR: x264's open GOP has one IDR, at frame 0.
    Style("open-gop", (*_X264, "-x264-params", "open-gop=1"), copies=False),
    Style("10-bit", (*_X264, "-pix_fmt", "yuv420p10le")),
    Style("4:2:2", (*_X264, "-pix_fmt", "yuv422p")),
    Style("interlaced", (*_X264, "-flags", "+ildct+ilme", "-x264-params", "interlaced=1:tff=1")),
    Style("mov", tuple(_X264), suffix=".mov"),
    Style("rotated", tuple(_X264), master="portrait"),
    Style("vfr", (*_X264, "-fps_mode", "passthrough"), master="vfr"),
    Style("late-sound", tuple(_X264), late_sound=True),
    Style("x265", ("-c:v", "libx265", "-preset", "veryfast", "-crf", "20", "-tag:v", "hvc1",
                   "-x265-params", f"log-level=error:{_X265_GOP}")),
    Style("x265-10-bit", ("-c:v", "libx265", "-preset", "veryfast", "-crf", "20", "-tag:v", "hvc1",
                          "-pix_fmt", "yuv420p10le", "-x265-params", f"log-level=error:{_X265_GOP}")),
    Style("intra-refresh", ("-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-bf", "0", "-g", str(GOP),
                            "-x264-params", "intra-refresh=1"), true_keyframes=(0,), copies=False),
)


def render_masters(folder: Path) -> dict[str, Path]:
    """The generator's films every style is made from: 5 s at 30 frames a second, 256×192, nearly lossless."""
    base = RecordingSpec(duration=FRAMES / 30, width=256, height=192, crf=8, gop_seconds=1.0, seed=18)
    specs = {"plain": base, "vfr": replace(base, variable_frame_rate=True),
             "portrait": replace(base, width=base.height, height=base.width, rotation=90)}
    masters = {}
    for name, spec in specs.items():
        masters[name] = folder / f"master-{name}.mp4"
        render(spec, masters[name])
    return masters


def encode(style: Style, masters: dict[str, Path], folder: Path) -> Path:
    """`style`'s encode of its master (sound re-encoded as AAC; 0.4 s late for late-sound)."""
    master = masters[style.master]
    out = folder / f"{style.name.replace(':', '')}{style.suffix}"
    sound = ["-itsoffset", "0.4", "-i", str(master), "-map", "0:v", "-map", "1:a"] if style.late_sound else []
    turned = ["-noautorotate"] if style.master == "portrait" else []  # keep the tag, not turn the pictures
    subprocess.run([FFMPEG, "-v", "error", "-y", *turned, "-i", str(master), *sound, *style.video, "-c:a", "aac",
                    "-b:a", "96k", str(out)], check=True)
    return out
