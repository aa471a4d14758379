"""Clip export from the encrypted vault: smart cut, full re-encode, and plain ffmpeg, on several films side by
side in one run. Prints one JSON document.

    python bench/clip_export.py [--quick] [VIDEO ...]

Without VIDEO, the films (all 1080p, rendered by the generator with sensor grain, looped by stream copy;
`--quick` leaves out the first):
- `h264-2s-gop`: 10 minutes, x264 CRF 20, 2-second GOPs with B-frames (the film of issue 5);
- `phone-h264`: as Android phones write: no B-frames, 1-second GOPs, capped at 16 Mb/s;
- `phone-h264-b`: the same with B-frames (x264's default three);
- `phone-hevc`: as iPhones write HEVC: x265, 1-second GOPs with B-frames, capped at 10 Mb/s.

On each, a 10-second clip from the middle of the film, starting half-way between two keyframes, each way
five times, interleaved (medians):
- `smart_cut_s`: export_clip(mode=auto, which must take the smart cut: `auto_took`) from the vault,
  including the check that reads the clip back.
- `reencode_s`: export_clip(mode=reencode) from the vault (PyAV feeds ffmpeg through a pipe).
- `baseline_ffmpeg_s`: `ffmpeg -ss … -i PLAIN.mp4 -t 10 -c:v libx264 -preset veryfast` on the plain file.
Targets: `smart_speedup` (baseline / smart) ≥ 10 for H.264 and ≥ 4 for HEVC, with `smart_exact` true;
`cpu_ratio` is the same ratio in CPU seconds (all threads of each), which the machine's load changes least;
`reencode_ratio` (re-encode / baseline) ≤ 1; `resident_growth_mb` over eight more smart cuts in a row
about 0. `smart_exact` reads the generator's frame stamps of every exported frame; `smart_worst_psnr_db` is
the clip's worst picture against the film's (the re-encoded head's and tail's: the copied ones are the
film's own); `smart_stages` is one more smart cut stage by stage (vigtool.media.stages: CPU seconds on the
stage's own Python thread, which leaves out the codecs' own threads, and wall seconds). Start-up (imports,
the vault's opening, the film's import) is outside every timing; ffmpeg's own start is inside the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np

from storage.keys import KdfParams
from vigtool.domain.export import ExportMode
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.media.clip_check import psnr
from vigtool.media.heap import keep_freed_memory
from vigtool.media.stages import recording as recording_stages
from vigtool.services.consent import Purpose, record_consent
from vigtool.services.exporting import export_clip
from vigtool.services.frames import open_frames
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, loop_recording, render
from vigtool.synth.stamp import read_stamp

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
RUNS = 5
# The stages one after the other on the export's own thread (vigtool.media.stages): what a smart cut's wall
# time is made of.
MAIN_STAGES = ("export_checks", "export_source", "cut", "check", "fsync_wait", "export_commit", "export_log")
MEMORY_RUNS = 8
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def timed(call: object, cpu: list[float] | None = None, who: int = resource.RUSAGE_SELF) -> float:
    """Seconds `call` took; with `cpu`, the CPU seconds of `who` (this process, all its threads, or its
    children) appended to it."""
    before = resource.getrusage(who)
    started = time.perf_counter()
    call()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    after = resource.getrusage(who)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return seconds


def resident_mb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def stamps(path: Path, width: int, height: int) -> list[int | None]:
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-fps_mode", "passthrough", "-vf",
                          "scale=640:-2", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True,
                         check=True).stdout
    small_h = 640 * height // width // 2 * 2
    frames = np.frombuffer(raw, np.uint8).reshape(-1, small_h, 640, 3)
    return [read_stamp(f) for f in frames]




# ffmpeg's options for each phone-like film, re-encoded from one nearly lossless rendering.
_PHONE_GOP = ["-g", "30", "-keyint_min", "30", "-sc_threshold", "0"]
PHONE_STYLES = {
    "phone-h264": ["-c:v", "libx264", "-preset", "veryfast", "-bf", "0", *_PHONE_GOP, "-b:v", "16M", "-maxrate", "16M",
                   "-bufsize", "16M"],
    "phone-h264-b": ["-c:v", "libx264", "-preset", "veryfast", *_PHONE_GOP, "-b:v", "16M", "-maxrate", "16M",
                     "-bufsize", "16M"],
    "phone-hevc": ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-b:v", "10M", "-maxrate", "10M",
                   "-bufsize", "10M", "-x265-params", "log-level=error:keyint=30:min-keyint=30:scenecut=0"],
}


def worst_psnr(clip: Path, vault: Vault, recording: Recording, first: int) -> float:
    """The lowest PSNR (dB, RGB) of the clip's pictures against the film's own (copied ones are infinite)."""
    worst = float("inf")
    with open_frames(vault, recording) as reader, av.open(str(clip)) as container:
        for k, frame in enumerate(container.decode(video=0)):
            worst = min(worst, psnr(frame.to_ndarray(format="rgb24"), reader.frame(first + k)))
    return round(worst, 1)


def make_films(folder: Path, quick: bool) -> dict[str, Path]:
    """The default films (see the module docstring) in `folder`, made unless they are there already;
    `quick`: shorter loops."""
    films: dict[str, Path] = {"h264-2s-gop": folder / "ten-minutes.mp4"}
    minute = folder / "minute.mp4"
    if not films["h264-2s-gop"].exists():
        render(RecordingSpec(duration=60, width=1920, height=1080, grain=3, crf=20, seed=5), minute)
        loop_recording(minute, films["h264-2s-gop"], 10)
    master = folder / "master.mp4"  # 8 seconds, looped: rendering and x265 at 1080p are slow on 2 cores
    for name, options in PHONE_STYLES.items():
        films[name] = folder / f"{name}.mp4"
        if films[name].exists():
            continue
        if not master.exists():
            render(RecordingSpec(duration=8, width=1920, height=1080, grain=3, crf=14, seed=7, gop_seconds=1.0),
                   master)
        once = folder / f"{name}-once.mp4"
        subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(master), *options, "-c:a", "aac", "-b:a", "128k",
                        str(once)], check=True)
        loop_recording(once, films[name], 15)  # 2 minutes
    if quick:
        films.pop("h264-2s-gop")
    return films


def bench_film(vault: Vault, video: Path, folder: Path, runs: int) -> dict[str, object]:
    """One film: its import (untimed), then the three ways interleaved, then the memory run."""
    recording = import_recording(vault, video, "Bench family").recording
    record_consent(vault, recording, "Bench family", [Purpose.REVIEW], recorded_by="bench", given_on=date.today())
    index = vault.repo.recordings.frame_index(recording.id)
    # Mid-GOP, as a moment rarely starts on a keyframe: half-way between the keyframes around the middle.
    middle = recording.frame_count // 2 - round(5 * recording.rate)
    after = index.keyframes[index.keyframes > middle]
    before = index.keyframe_before(middle)
    first = (before + int(after[0])) // 2 if after.size else middle
    frames = FrameRange(first, first + round(10 * recording.rate))
    start_s = float(index.pts[first] * index.time_base)
    out = folder / "clip.mp4"
    baseline_out = folder / "baseline.mp4"
    baseline_cmd = [FFMPEG, "-v", "error", "-y", "-ss", f"{start_s:.6f}", "-i", str(video), "-t", "10",
                    "-c:v", "libx264", "-preset", "veryfast", str(baseline_out)]
    smart: list[float] = []
    reencode: list[float] = []
    baseline: list[float] = []
    smart_cpu: list[float] = []
    baseline_cpu: list[float] = []
    smart_exact = reencode_exact = True
    with open_frames(vault, recording) as reader:  # the film may be looped: its own stamps are the truth
        expected = [read_stamp(reader.frame(n)) for n in range(frames.start, frames.end)]
    modes: set[str] = set()
    export_clip(vault, recording, frames, out, overwrite=True)  # once, untimed: what the cut's pictures are
    quality = worst_psnr(out, vault, recording, frames.start)
    walls: list[dict[str, float]] = []  # each timed smart cut's main stages, wall seconds
    for _ in range(runs):  # interleaved, so a slow spell of the machine touches all three alike
        with recording_stages() as run_stages:
            smart.append(timed(lambda: modes.add(export_clip(vault, recording, frames, out,
                                                             overwrite=True).mode.value), smart_cpu))
        walls.append({k: v["wall_s"] for k, v in run_stages.items() if k in MAIN_STAGES})
        smart_exact &= stamps(out, *recording.display_size) == expected
        reencode.append(timed(lambda: export_clip(vault, recording, frames, out, mode=ExportMode.REENCODE,
                                                  overwrite=True)))
        reencode_exact &= stamps(out, *recording.display_size) == expected
        baseline.append(timed(lambda: subprocess.run(baseline_cmd, check=True), baseline_cpu, resource.RUSAGE_CHILDREN))
    with recording_stages() as stages:  # one more, stage by stage
        export_clip(vault, recording, frames, out, mode=ExportMode.SMART, overwrite=True)
    resident: list[int] = []
    for _ in range(MEMORY_RUNS):  # back to back, as a practitioner exports one moment after another
        export_clip(vault, recording, frames, out, mode=ExportMode.SMART, overwrite=True)
        resident.append(resident_mb())
    smart_s, reencode_s, baseline_s = (statistics.median(t) for t in (smart, reencode, baseline))
    return {
        "load_average": [round(x, 1) for x in os.getloadavg()],  # the machine is shared: how busy it was
        "video": video.name, "codec": recording.video_codec, "frames": recording.frame_count,
        "keyframes": int(index.keyframes.size), "clip": [frames.start, frames.end],
        "auto_took": sorted(modes),  # "smart" only: auto mode never fell back
        "smart_cut_s": round(smart_s, 3), "reencode_s": round(reencode_s, 3), "baseline_ffmpeg_s": round(baseline_s, 3),
        "smart_speedup": round(baseline_s / smart_s, 1),
        # Each run's own ratio (smart cut and baseline side by side): the spread under the machine's load.
        "smart_speedup_runs": [round(b / t, 1) for t, b in zip(smart, baseline, strict=True)],
        # CPU seconds (all threads) of each: what the machine's load changes least. Their ratio is what the
        # speed-up would be on a machine whose cores both ways kept equally busy.
        "smart_cpu_s": round(statistics.median(smart_cpu), 3),
        "baseline_cpu_s": round(statistics.median(baseline_cpu), 3),
        "cpu_ratio": round(statistics.median(baseline_cpu) / statistics.median(smart_cpu), 1),
        "reencode_ratio": round(reencode_s / baseline_s, 2),
        "smart_exact": smart_exact, "reencode_exact": reencode_exact,
        # The clip's worst picture against the film's (the head's and tail's; copied ones are the film's own).
        "smart_worst_psnr_db": quality,
        # One more smart cut, stage by stage (vigtool.media.stages): CPU seconds on the stage's own thread, the
        # process's CPU seconds meanwhile (all threads: the stage's own for `cut` and `check`, which run one
        # after the other with nothing beside them), wall seconds. Other stages overlap on other threads.
        "smart_stages": stages,
        "smart_stage_walls_runs": walls,
        # Memory the process holds after each of further smart cuts in a row: flat once the first has
        # sized the heap (exports used to leave their decoders behind until the cycle collector ran, and
        # each export's fresh threads used to fill glibc arenas of their own: vigtool.media.heap).
        "resident_mb_after_each_smart_cut": resident,
        "resident_growth_mb": resident[-1] - resident[0],
        "runs": {"smart": [round(t, 3) for t in smart], "reencode": [round(t, 3) for t in reencode],
                 "baseline": [round(t, 3) for t in baseline]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--quick", action="store_true", help="the phone-like films only, three runs each")
    parser.add_argument("--only", nargs="*", help="of the default films, only these")
    parser.add_argument("--runs", type=int, help="runs of each way on each film (default 5, --quick 3)")
    parser.add_argument("--films", type=Path, help="a folder to keep the default films in between runs")
    args = parser.parse_args()
    keep_freed_memory()  # as vigtool's own main() does, before any thread starts (it caps glibc's arenas)
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-"))
    films = {v.name: v for v in args.videos} or make_films(args.films or folder, args.quick)
    if args.only:
        films = {k: v for k, v in films.items() if k in args.only}
    results = {}
    with Vault.create(folder / "vault", PASSPHRASE, KdfParams(iterations=1, lanes=1, memory_cost_kib=8192)) as vault:
        for name, video in films.items():
            results[name] = bench_film(vault, video, folder, args.runs or (3 if args.quick else RUNS))
            print(json.dumps({name: results[name]}), file=sys.stderr, flush=True)  # a film at a time, as it goes
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
