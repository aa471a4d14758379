"""The films the playback and frame-step benches play: 4K HEVC 10-bit (as recent phones record by default)
and 1080p H.264, made at bench time from the generator's stamped scene.

The generator renders 10 seconds at 960×540 (its scene at 4K would take many minutes on 2 shared
cores); the ffmpeg binary scales them up and adds temporal sensor noise, and the encoders are held to a
phone's bitrate, as phones hold theirs (a constant quality let x265 smooth the noise away: 3.5 Mbit/s,
far lighter to decode than a phone's film):
- `4k-hevc10`: 3840×2160 HEVC Main 10 (yuv420p10le), 45 Mbit/s (50 at most), 1-second GOPs with
  B-frames, as an iPhone or a recent Android phone records 4K by default;
- `1080p-h264`: 1920×1080 H.264 High, 16 Mbit/s, 1-second GOPs, no B-frames, as Android phones write
  (no scene cuts: x264 took the grain for one and made a keyframe of every third frame).
The result is looped by stream copy to `seconds`. Every frame keeps its index stamp (its geometry is a
fraction of the width). Made once into `folder` (under /tmp, never committed) and reused while the files
are there: `python bench/heavy_films.py [DIR]` makes them ahead of a bench.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

from vigtool.synth.generator import RecordingSpec, loop_recording, render

PIECE_SECONDS = 10
NOISE = 14  # temporal noise strength: enough grain that the encoders spend a phone's bitrate on it


def _encode(source: Path, out: Path, width: int, height: int, video: list[str]) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(source),
               "-vf", f"scale={width}:{height}:flags=bicubic,noise=alls={NOISE}:allf=t", *video,
               "-c:a", "copy", "-movflags", "+faststart", str(out.with_suffix(".part.mp4"))]
    subprocess.run(command, check=True, capture_output=True)
    out.with_suffix(".part.mp4").replace(out)  # only a whole piece is reused


def heavy_film(folder: Path, kind: str, seconds: int = 60) -> Path:
    """`kind` "4k-hevc10" or "1080p-h264": a film of `seconds` (a multiple of 10) in `folder`."""
    out = folder / f"{kind}-{seconds}s.mp4"
    if out.exists():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "source-540p.mp4"
    if not source.exists():
        render(RecordingSpec(duration=PIECE_SECONDS, width=960, height=540, crf=16, seed=11), source)
    piece = folder / f"{kind}-piece.mp4"
    if piece.exists():  # made for another length: 4K takes minutes to make again
        loop_recording(piece, out, seconds // PIECE_SECONDS)
        return out
    if kind == "4k-hevc10":
        _encode(source, piece, 3840, 2160, [
            "-c:v", "libx265", "-preset", "ultrafast", "-b:v", "45M", "-maxrate", "50M", "-bufsize", "100M",
            "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1",
            "-x265-params", "log-level=error:keyint=30:min-keyint=30:scenecut=0:bframes=2"])
    elif kind == "1080p-h264":
        _encode(source, piece, 1920, 1080, [
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", "16M", "-maxrate", "16M", "-bufsize", "32M",
            "-pix_fmt", "yuv420p", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-bf", "0"])
    else:
        raise ValueError(f"unknown film kind {kind!r}")
    loop_recording(piece, out, seconds // PIECE_SECONDS)
    return out


if __name__ == "__main__":
    import sys
    import tempfile

    where = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "vigtool-bench-films"
    for name in ("4k-hevc10", "1080p-h264"):
        print(heavy_film(where, name))
