"""Frame stepping and random seeking through the encrypted vault. Prints one JSON document.

    python bench/frame_step.py [VIDEO]      (without VIDEO: renders a 60-second 1080p film, 2-second GOPs)

The film is imported into a throwaway vault and served by the FrameServer from the decrypting reader, the
way the workspace shows it (frames scaled into a 960×540 box). Figures, all from this one run:
- `step_forward_p95_ms` / `step_backward_p95_ms`: one frame on (→) or back (←), 40 steps from each of
  12 random places, one step per 40 ms (a held arrow key repeats at about 25–30 per second). Target ≤ 16.
- `random_seek_p95_ms`: a frame anywhere in the film, cold (nothing cached nearby). Target ≤ 150 and
  below `baseline_opencv_seek_p95_ms`: OpenCV's CAP_PROP_POS_FRAMES + read of the same frames from the
  plain file (its usual way to show frame N; full size, no scaling).
- `unpaced_step_*`: the same steps as fast as the machine goes (no pacing), for scale.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import cv2

from storage.keys import KdfParams
from vigtool.media.frame_server import FrameServer
from vigtool.services.frames import open_frame_server
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, render

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
STEPS = 40
PLACES = 12
KEY_REPEAT_S = 0.040


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1] * 1000, 2)


def timed(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - started


def steps(server: FrameServer, starts: list[int], direction: int, pace: float) -> list[float]:
    times = []
    for start in starts:
        server.frame(start)  # arrive (a seek, not timed), then step
        time.sleep(pace)
        for k in range(1, STEPS + 1):
            times.append(timed(lambda n=start + direction * k: server.frame(n)))
            time.sleep(pace)
    return times


def opencv_seeks(video: Path, frames: list[int]) -> list[float]:
    capture = cv2.VideoCapture(str(video))
    times = []
    for number in frames:
        started = time.perf_counter()
        capture.set(cv2.CAP_PROP_POS_FRAMES, number)
        ok, _ = capture.read()
        times.append(time.perf_counter() - started)
        assert ok, f"OpenCV could not read frame {number}"
    capture.release()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-"))
    video = args.video
    if video is None:
        video = folder / "steps-1080p.mp4"
        render(RecordingSpec(duration=60, width=1920, height=1080, grain=3, crf=20, seed=5), video)
    rng = random.Random(args.seed)
    with Vault.create(folder / "vault", PASSPHRASE, KdfParams(iterations=1, lanes=1, memory_cost_kib=8192)) as vault:
        recording = import_recording(vault, video, "Bench family").recording
        last = recording.frame_count - 1
        forward_starts = [rng.randrange(0, last - STEPS) for _ in range(PLACES)]
        backward_starts = [rng.randrange(STEPS, last) for _ in range(PLACES)]
        seeks = [rng.randrange(0, last) for _ in range(60)]
        results: dict[str, object] = {"video": str(video), "frames": recording.frame_count,
                                      "size": f"{recording.width}x{recording.height}"}
        for pace, prefix in ((KEY_REPEAT_S, ""), (0.0, "unpaced_")):
            with open_frame_server(vault, recording) as server:
                results[f"{prefix}step_forward_p95_ms"] = p95(steps(server, forward_starts, 1, pace))
            with open_frame_server(vault, recording) as server:
                results[f"{prefix}step_backward_p95_ms"] = p95(steps(server, backward_starts, -1, pace))
        with open_frame_server(vault, recording, prefetch=False) as server:
            results["random_seek_p95_ms"] = p95([timed(lambda n=n: server.frame(n)) for n in seeks])
            results["served_size"] = "x".join(map(str, server.display_size))
        with open_frame_server(vault, recording) as server:
            results["random_seek_with_prefetch_p95_ms"] = p95([timed(lambda n=n: server.frame(n)) for n in seeks])
    results["baseline_opencv_seek_p95_ms"] = p95(opencv_seeks(video, seeks))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
