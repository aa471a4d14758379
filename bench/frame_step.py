"""Frame stepping and random seeking through the encrypted vault. Prints one JSON document.

    nice python bench/frame_step.py [VIDEO] [--films DIR] [--film 4k-hevc10|1080p-h264] [--also 1080p-h264]

Without VIDEO: a 60-second 4K HEVC 10-bit film made at bench time (bench/heavy_films.py), as recent phones
record by default. The film is imported into a throwaway vault and served by the FrameServer from the
decrypting reader, the way the workspace shows it (frames scaled into a 960×540 box): first from the film
itself (`original`, as right after an import), then from its working copy (`working_copy`, made here,
timed as `working_copy_seconds`) when the film is heavy. Figures, per source, all from this one run:
- `step_forward_p95_ms` / `step_backward_p95_ms`: one frame on (→) or back (←), 40 steps from each of
  12 random places, one step per 40 ms (a held arrow key repeats at about 25–30 per second). Target ≤ 16.
- `random_seek_p95_ms`: a frame anywhere in the film, cold (nothing cached nearby). Target ≤ 150 and
  below `baseline_opencv_seek_p95_ms`: OpenCV's CAP_PROP_POS_FRAMES + read of the same frames from the
  plain file (its usual way to show frame N; full size, no scaling). `random_seek_cpu_p95_ms`: the CPU
  time the process (all its threads) spent on each seek, the part that does not grow with the load.
- `unpaced_step_*`: the same steps as fast as the machine goes (no pacing), for scale.
- `decoding_options`: per source, decoding throughput (frames a second over two GOPs) and a cold seek's
  decode (to a GOP's last frame) with frame threads (AUTO, the server's and playback's choice), slice
  threads and one thread, and with the loop filter skipped (`rough`: only for frames glimpsed while a
  film plays, never for a paused, marked or exported frame).
`--also` measures another film the same way in the same run (1080p beside 4K: at 17 Mbit/s it is dense
enough for a working copy too, so both are measured from the film and from the copy); `--no-original`
leaves out the 4K film's own steps and seeks (minutes under load), keeping its decoding options.
The machine's two cores are shared with other work: `load_average` says how busy it was.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import av
import cv2

from bench.heavy_films import heavy_film
from storage.keys import KdfParams
from vigtool.domain.model import Recording
from vigtool.media.frame_server import FrameServer
from vigtool.services.frames import open_frame_server
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.services.working_copy import ViewingSource, make_working_copy, original_source, viewing_source

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
STEPS = 40
PLACES = 12
KEY_REPEAT_S = 0.040


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1] * 1000, 2)


def timed(call: object, cpu: list[float] | None = None) -> float:
    started, used = time.perf_counter(), time.process_time()
    call()  # type: ignore[operator]
    if cpu is not None:
        cpu.append(time.process_time() - used)
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


def measure(vault: Vault, recording: Recording, original: bool, rng: random.Random) -> dict[str, object]:
    last = recording.frame_count - 1
    forward_starts = [rng.randrange(0, last - STEPS) for _ in range(PLACES)]
    backward_starts = [rng.randrange(STEPS, last) for _ in range(PLACES)]
    seeks = [rng.randrange(0, last) for _ in range(60)]
    results: dict[str, object] = {}
    for pace, prefix in ((KEY_REPEAT_S, ""), (0.0, "unpaced_")):
        with open_frame_server(vault, recording, original=original) as server:
            results[f"{prefix}step_forward_p95_ms"] = p95(steps(server, forward_starts, 1, pace))
        with open_frame_server(vault, recording, original=original) as server:
            results[f"{prefix}step_backward_p95_ms"] = p95(steps(server, backward_starts, -1, pace))
    with open_frame_server(vault, recording, prefetch=False, original=original) as server:
        cpu: list[float] = []
        results["random_seek_p95_ms"] = p95([timed(lambda n=n: server.frame(n), cpu) for n in seeks])
        results["random_seek_cpu_p95_ms"] = p95(cpu)  # CPU of the whole process: what a busy machine must give
        results["served_size"] = "x".join(map(str, server.display_size))
    with open_frame_server(vault, recording, original=original) as server:
        results["random_seek_with_prefetch_p95_ms"] = p95([timed(lambda n=n: server.frame(n)) for n in seeks])
    results["seeks"] = seeks
    return results


def decode_rate(source: ViewingSource, thread_type: str, rough: bool) -> dict[str, float]:
    """Frames a second decoding two GOPs on from a keyframe in the middle, and the ms a cold seek to the end
    of a GOP takes (median of three), with these options."""
    keys = [int(k) for k in source.index.keyframes]
    middle = keys[len(keys) // 2]
    gop = (keys[1] - keys[0]) if len(keys) > 1 else len(source.index)
    seeks = []
    for attempt in range(4):
        with source.open_handle() as handle, av.open(handle, "r") as container:
            stream = container.streams.video[0]
            stream.thread_type = thread_type  # type: ignore[assignment]
            if rough:
                stream.codec_context.options = {"skip_loop_filter": "all"}
            key = keys[(len(keys) // 3 + attempt) % len(keys)]
            target = int(source.index.pts[min(key + gop - 1, len(source.index) - 1)])
            started = time.perf_counter()
            container.seek(int(source.index.pts[key]), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.pts is not None and frame.pts >= target:
                    break
            if attempt:  # the first opens the codec's threads
                seeks.append(time.perf_counter() - started)
            if attempt == 3:
                container.seek(int(source.index.pts[middle]), stream=stream, backward=True)
                count, started = 0, time.perf_counter()
                for _frame in container.decode(stream):
                    count += 1
                    if count >= 2 * gop:
                        break
                rate = count / (time.perf_counter() - started)
    return {"fps": round(rate, 1), "seek_to_gop_end_ms": round(statistics.median(seeks) * 1000, 1)}


def decoding_options(source: ViewingSource) -> dict[str, object]:
    return {f"{threads.lower()}{'_rough' if rough else ''}": decode_rate(source, threads, rough)
            for threads in ("AUTO", "SLICE", "NONE") for rough in (False, True)}


def measure_film(vault: Vault, video: Path, seed: int, with_original: bool) -> dict[str, object]:
    recording = import_recording(vault, video, "Bench family").recording
    results: dict[str, object] = {"video": str(video), "frames": recording.frame_count,
                                  "size": f"{recording.width}x{recording.height} {recording.video_codec}",
                                  "load_average": os.getloadavg()}
    rng = random.Random(seed)
    last = recording.frame_count - 1
    seeks = [rng.randrange(0, last) for _ in range(60)]
    if with_original:
        original = measure(vault, recording, True, random.Random(seed))
        seeks = original.pop("seeks")  # type: ignore[assignment]
        results["original"] = original
    results["original_decoding_options"] = decoding_options(original_source(vault, recording))
    started = time.perf_counter()
    made = make_working_copy(vault, recording)
    if made is not None:
        results["working_copy_seconds"] = round(time.perf_counter() - started, 1)
        copy = measure(vault, recording, False, random.Random(seed))  # the same places and seeks
        copy.pop("seeks")
        results["working_copy"] = copy
        results["working_copy_decoding_options"] = decoding_options(viewing_source(vault, recording))
    results["baseline_opencv_seek_p95_ms"] = p95(opencv_seeks(video, seeks[:20]))
    results["load_average_at_end"] = os.getloadavg()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path)
    parser.add_argument("--films", type=Path, default=Path(tempfile.gettempdir()) / "vigtool-bench-films")
    parser.add_argument("--film", default="4k-hevc10", choices=["4k-hevc10", "1080p-h264"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--also", choices=["4k-hevc10", "1080p-h264"], action="append", default=[])
    parser.add_argument("--no-original", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-"))
    videos = [args.video or heavy_film(args.films, args.film), *(heavy_film(args.films, k) for k in args.also)]
    results: dict[str, object] = {}
    with Vault.create(folder / "vault", PASSPHRASE, KdfParams(iterations=1, lanes=1, memory_cost_kib=8192)) as vault:
        for n, video in enumerate(videos):
            heavy = n == 0 and args.video is None and args.film == "4k-hevc10"
            results[video.stem] = measure_film(vault, video, args.seed, not (args.no_original and heavy))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
