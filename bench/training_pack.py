"""Training packs on a 1080p clip from the encrypted vault, against plain ffmpeg in the same run. Prints one
JSON document.

    python bench/training_pack.py [--seconds 2]

The clip: the generator's 1080p film with sensor grain and sound (x264 CRF 20, 2-second GOPs). Seconds per
frame, each timed once (start-up, the vault's opening and the film's import outside every timing):
- `baseline_boxblur_s_per_frame`: `ffmpeg -i PLAIN.mp4 -vf boxblur=20 -c:v libx264 -preset veryfast -crf 20
  -c:a aac` on the plain file: the naive baseline, a re-encode with a blur filter;
- `decode_s_per_frame`: the pack's own decoding of the clip from the vault (training.pictures), alone;
- `find_faces_s_per_frame`: training.find_faces (CenterFace on every frame) and, beside it,
  `finder_alone_s_per_frame`: the finder alone (scaling, forward pass, picking) on a 1080p picture;
- `write_whole_picture_s_per_frame`: training_pack(whole_picture=True), voice disguised;
- `write_faces_s_per_frame`: training_pack with the finds given and every frame confirmed, voice disguised.
Ratios to the baseline (`*_ratio`); target: the whole-picture pack within about 2x of the baseline.
`peak_rss_growth_mb`: the process's largest resident size during each step above its size before the step
(sampled every 20 ms): flat memory means it does not grow with the clip's length (compare --seconds 1 and 4).
Timings are noisy on a shared machine: compare them within one run; the load is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np

from storage.keys import KdfParams
from vigtool.analysis.faces import CenterFaceFinder
from vigtool.domain.consent import Purpose
from vigtool.domain.time import FrameRange
from vigtool.services import training
from vigtool.services.consent import record_consent
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, render

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault


def _resident_mb() -> float:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measured(work: Callable[[], Any]) -> tuple[float, float]:
    """Seconds `work` took, and how far the resident size rose above where it started (MB)."""
    before = _resident_mb()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _resident_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        work()
    finally:
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    return seconds, max(peak[0], _resident_mb()) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    figures: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="vigtool-bench-") as name:
        folder = Path(name)
        film = folder / "hd.mp4"
        render(RecordingSpec(duration=args.seconds, width=1920, height=1080, grain=3.0), film)
        light = KdfParams(iterations=1, lanes=1, memory_cost_kib=8192)
        with Vault.create(folder / "vault", PASSPHRASE, light) as vault:
            recording = import_recording(vault, film, "Bench family").recording
            record_consent(vault, recording, "Parent", list(Purpose), recorded_by="Bench",
                           given_on=date(2026, 1, 5), form_reference="B-1")
            frames = FrameRange(0, recording.frame_count)
            figures["frames"] = frames.length
            per_frame: dict[str, float] = {}
            growth: dict[str, float] = {}

            def run(key: str, work: Callable[[], Any]) -> None:
                seconds, grew = measured(work)
                per_frame[key] = round(seconds / frames.length, 4)
                growth[key] = round(grew, 1)

            run("baseline_boxblur", lambda: subprocess.run(
                [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", "-i", str(film),
                 "-vf", "boxblur=20", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-c:a", "aac",
                 str(folder / "baseline.mp4")], check=True))
            run("decode", lambda: sum(1 for _ in training.pictures(vault, recording, frames)))
            found: list[Any] = []
            run("find_faces", lambda: found.extend(training.find_faces(vault, recording, frames)))
            finder = CenterFaceFinder()
            picture = np.full((1080, 1920, 3), 128, np.uint8)
            finder.finds(picture)
            start = time.perf_counter()
            for _ in range(5):
                finder.finds(picture)
            per_frame["finder_alone"] = round((time.perf_counter() - start) / 5, 4)
            whole = folder / "whole"
            whole.mkdir()
            every = frozenset(range(frames.start, frames.end))  # the practitioner looked at every frame
            run("write_whole_picture", lambda: training.training_pack(
                vault, recording, frames, whole, training.TrainingOptions(whole_picture=True, confirmed=every)))
            faces = folder / "faces"
            faces.mkdir()
            run("write_faces", lambda: training.training_pack(
                vault, recording, frames, faces, training.TrainingOptions(confirmed=every), found=found))
    base = per_frame["baseline_boxblur"]
    figures.update({f"{key}_s_per_frame": value for key, value in per_frame.items()})
    figures.update({f"{key}_ratio": round(value / base, 2) for key, value in per_frame.items()
                    if key not in ("baseline_boxblur", "finder_alone")})
    figures["peak_rss_growth_mb"] = growth
    figures["load_after"] = os.getloadavg()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
