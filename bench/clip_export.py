"""Clip export from the encrypted vault: smart cut, full re-encode, and plain ffmpeg. Prints one JSON document.

    python bench/clip_export.py [VIDEO]    (without VIDEO: a 10-minute 1080p H.264 film with 2-second GOPs,
                                            rendered for a minute and looped by stream copy)

A 10-second clip centred on the middle of the film, each way five times, interleaved (medians reported):
- `smart_cut_s`: export_clip(mode=smart) from the vault, including the check that reads the clip back.
- `reencode_s`: export_clip(mode=reencode) from the vault (PyAV feeds ffmpeg through a pipe).
- `baseline_ffmpeg_s`: `ffmpeg -ss … -i PLAIN.mp4 -t 10 -c:v libx264 -preset veryfast` on the plain file.
Targets: `smart_speedup` (baseline / smart) ≥ 10 with `smart_exact` true; `reencode_ratio`
(re-encode / baseline) ≤ 1; `resident_growth_mb` over eight more smart cuts in a row about 0.
`smart_exact` reads the generator's frame stamps of every exported frame.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from storage.keys import KdfParams
from vigtool.domain.export import ExportMode
from vigtool.domain.time import FrameRange
from vigtool.services.consent import Purpose, record_consent
from vigtool.services.exporting import export_clip
from vigtool.services.frames import open_frames
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, loop_recording, render
from vigtool.synth.stamp import read_stamp

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
RUNS = 5
MEMORY_RUNS = 8
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def timed(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - started


def resident_mb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def stamps(path: Path, width: int, height: int) -> list[int | None]:
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-fps_mode", "passthrough", "-vf",
                          "scale=640:-2", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True,
                         check=True).stdout
    small_h = 640 * height // width // 2 * 2
    frames = np.frombuffer(raw, np.uint8).reshape(-1, small_h, 640, 3)
    return [read_stamp(f) for f in frames]




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-"))
    video = args.video
    if video is None:
        minute = folder / "minute.mp4"
        render(RecordingSpec(duration=60, width=1920, height=1080, grain=3, crf=20, seed=5), minute)
        video = folder / "ten-minutes.mp4"
        loop_recording(minute, video, 10)
    with Vault.create(folder / "vault", PASSPHRASE, KdfParams(iterations=1, lanes=1, memory_cost_kib=8192)) as vault:
        recording = import_recording(vault, video, "Bench family").recording
        record_consent(vault, recording, "Bench family", [Purpose.REVIEW], recorded_by="bench", given_on=date.today())
        first = recording.frame_count // 2 - round(5 * recording.rate)
        frames = FrameRange(first, first + round(10 * recording.rate))
        index = vault.repo.frame_index(recording.id)
        start_s = float(index.pts[first] * index.time_base)
        out = folder / "clip.mp4"
        baseline_out = folder / "baseline.mp4"
        baseline_cmd = [FFMPEG, "-v", "error", "-y", "-ss", f"{start_s:.6f}", "-i", str(video), "-t", "10",
                        "-c:v", "libx264", "-preset", "veryfast", str(baseline_out)]
        smart: list[float] = []
        reencode: list[float] = []
        baseline: list[float] = []
        smart_exact = reencode_exact = True
        with open_frames(vault, recording) as reader:  # the film may be looped: its own stamps are the truth
            expected = [read_stamp(reader.frame(n)) for n in range(frames.start, frames.end)]
        for _ in range(RUNS):  # interleaved, so a slow spell of the machine touches all three alike
            smart.append(timed(lambda: export_clip(vault, recording, frames, out, mode=ExportMode.SMART)))
            smart_exact &= stamps(out, *recording.display_size) == expected
            reencode.append(timed(lambda: export_clip(vault, recording, frames, out, mode=ExportMode.REENCODE)))
            reencode_exact &= stamps(out, *recording.display_size) == expected
            baseline.append(timed(lambda: subprocess.run(baseline_cmd, check=True)))
        resident: list[int] = []
        for _ in range(MEMORY_RUNS):  # back to back, as a practitioner exports one moment after another
            export_clip(vault, recording, frames, out, mode=ExportMode.SMART)
            resident.append(resident_mb())
    smart_s, reencode_s, baseline_s = (statistics.median(t) for t in (smart, reencode, baseline))
    print(json.dumps({
        "video": str(video), "frames": recording.frame_count, "clip": [frames.start, frames.end],
        "smart_cut_s": round(smart_s, 3), "reencode_s": round(reencode_s, 3), "baseline_ffmpeg_s": round(baseline_s, 3),
        "smart_speedup": round(baseline_s / smart_s, 1), "reencode_ratio": round(reencode_s / baseline_s, 2),
        "smart_exact": smart_exact, "reencode_exact": reencode_exact,
        # Memory the process holds after each of further smart cuts in a row: flat once the first has
        # sized the heap (exports used to leave their decoders behind until the cycle collector ran).
        "resident_mb_after_each_smart_cut": resident,
        "resident_growth_mb": resident[-1] - resident[0],
        "runs": {"smart": [round(t, 3) for t in smart], "reencode": [round(t, 3) for t in reencode],
                 "baseline": [round(t, 3) for t in baseline]},
    }, indent=2))


if __name__ == "__main__":
    main()
