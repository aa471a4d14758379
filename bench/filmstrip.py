"""The filmstrip of a 10-minute 1080p phone-like film, read from the encrypted vault: how long until it is
whole, and the CPU it takes, against today's one-decoder path in the same run. Prints one JSON document.

    nice python bench/filmstrip.py [--films DIR] [--runs 3]

The film is made here, never committed, as bench/clip_export.py makes its `phone-h264` film: 8 s rendered
by the generator at 1080p with sensor grain, re-encoded as Android phones write (no B-frames, 1-second GOPs,
capped at 16 Mb/s), looped by stream copy to 10 minutes (index at the end, as phones write it); it is kept
in DIR for the next run. It is imported into a fresh vault (untimed), then the filmstrip is made from the
vault's decrypting reader, as the preview builder's worker thread makes it, each way in turn (medians):
- `one_decoder`: every batch of keyframes decoded by the stream's own decoder on the calling thread (the
  path before this bench: the naive baseline);
- `two_decoders`: the calling thread demuxes, two decoders on two threads decode, scale and encode.
Per way: `whole_s` (the strip whole), `overview_s` (the first OVERVIEW thumbnails, spread over the whole
film coarse to fine: what a timeline zoomed out shows), `cpu_s` (process CPU, all threads) and
`peak_over_start_mb` (VmHWM above the resident memory before it). Both ways must give the same strip
(`same_thumbnails`). Target: `two_decoders.whole_s` ≤ 3. The load average is printed: the machine is
shared, and a loaded machine gives this process less than its two cores.

`long_gops` (skipped with --no-long-gops): a 2-minute 1080p camera-like film with 8-second GOPs (x264 at
12 Mb/s, B-frames), whose keyframes alone give a picture every 8 s. Its strip is made keyframes only (the
path before the second pass: `keyframes_only`), whole (`with_second_pass`, from the original) and from its
working copy (`from_working_copy`: what the app does for a heavy film once the copy is made), two decoders
each; per way the figures above, `pictures_per_30s` (distinct thumbnails in the film's first 30 s) and
`psnr_first_30s`, and the CPU ratios. `--only-long-gops` runs this part alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from clip_export import FFMPEG, PHONE_STYLES

from storage.keys import KdfParams
from vigtool.media import previews as media_previews
from vigtool.media.previews import Filmstrip, make_filmstrip
from vigtool.media.probe import FrameIndex
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.services.working_copy import make_working_copy, original_source, viewing_source
from vigtool.synth.generator import RecordingSpec, loop_recording, render

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
OVERVIEW = 20  # thumbnails across a zoomed-out timeline (1400 px of 75-px thumbnails)
WAYS = {"one_decoder": 1, "two_decoders": 2}


def phone_like_film(folder: Path) -> Path:
    """10 minutes of 1080p as bench/clip_export.py's phone-h264 (made unless it is in `folder` already)."""
    film = folder / "phone-h264-10min.mp4"
    if film.exists():
        return film
    master, once = folder / "phone-master.mp4", folder / "phone-h264-8s.mp4"
    if not master.exists():
        render(RecordingSpec(duration=8, width=1920, height=1080, grain=3, crf=14, seed=7, gop_seconds=1.0), master)
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(master), *PHONE_STYLES["phone-h264"], "-c:a", "aac",
                    "-b:a", "128k", str(once)], check=True)
    loop_recording(once, film, 75, faststart=False)
    return film


def long_gop_film(folder: Path) -> Path:
    """2 minutes of 1080p with 8-second GOPs, as a camera writes them (made unless it is in `folder`)."""
    film = folder / "camera-h264-8s-gops-2min.mp4"
    if film.exists():
        return film
    once = folder / "camera-h264-16s.mp4"
    render(RecordingSpec(duration=16, width=1920, height=1080, grain=3, crf=14, seed=7, gop_seconds=8.0), once)
    encoded = folder / "camera-h264-16s-12M.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(once), "-c:v", "libx264", "-preset", "veryfast",
                    "-x264-params", "keyint=240:min-keyint=240:scenecut=0", "-b:v", "12M", "-maxrate", "12M",
                    "-bufsize", "12M", "-c:a", "aac", "-b:a", "128k", str(encoded)], check=True)
    loop_recording(encoded, film, 8)
    return film


def _no_second_pass(_index: FrameIndex, _shown: list[int] | None = None) -> dict[int, list[int]]:
    return {}


def long_gop_runs(folder: Path, runs: int) -> dict[str, Any]:
    """`keyframes_only`, `with_second_pass` (from the original) and `from_working_copy`: the camera film is
    heavy (1080p above 8 Mb/s), so it gets a working copy with a keyframe every 8 frames for playback anyway;
    made once here (untimed in the strip's figures, its own CPU in `working_copy_cpu_s`), the strip is then
    made from the copy's keyframes, as the app makes it once the copy is there. `psnr_first_30s`: the
    thumbnails of the first 30 s against the original decoded straight (every filter on), area-scaled."""
    film = long_gop_film(folder)
    vault_path = folder / "vault-long-gops"
    shutil.rmtree(vault_path, ignore_errors=True)
    found: dict[str, list[dict[str, float]]] = {"keyframes_only": [], "with_second_pass": [], "from_working_copy": []}
    strips: dict[str, Filmstrip] = {}
    whole = media_previews.frames_between_keyframes
    with Vault.create(vault_path, PASSPHRASE, KdfParams()) as vault:
        import_recording(vault, film, "Camera family")
        recording = vault.repo.recordings.list()[0]
        rate = recording.rate
        cpu = time.process_time()
        made = make_working_copy(vault, recording)
        copy_cpu = time.process_time() - cpu
        assert made is not None, "the camera film is not heavy: no working copy"
        for _ in range(runs):
            for way, figures_so_far in found.items():
                if way == "keyframes_only":
                    media_previews.frames_between_keyframes = _no_second_pass
                try:
                    figures, strip = one_run(vault, 2, from_copy=way == "from_working_copy")
                finally:
                    media_previews.frames_between_keyframes = whole
                figures["thumbnails"] = len(strip.frames)
                figures["pictures_per_30s"] = sum(1 for f in strip.frames if f < 30 * rate)
                figures_so_far.append(figures)
                strips[way] = strip
                print(json.dumps({way: figures}), file=sys.stderr, flush=True)
    shutil.rmtree(vault_path, ignore_errors=True)
    result: dict[str, Any] = {way: {key: round(statistics.median(r[key] for r in found[way]), 2)
                                    for key in found[way][0]} for way in found}
    for way, strip in strips.items():
        result[way]["psnr_first_30s"] = first_seconds_psnr(film, strip, int(30 * rate))
    result["cpu_ratio"] = round(result["with_second_pass"]["cpu_s"] / result["keyframes_only"]["cpu_s"], 2)
    result["cpu_ratio_from_copy"] = round(result["from_working_copy"]["cpu_s"] / result["keyframes_only"]["cpu_s"],
                                          2)
    result["working_copy_cpu_s"] = round(copy_cpu, 1)
    return result


def first_seconds_psnr(film: Path, strip: Filmstrip, frames: int) -> dict[str, float]:
    """PSNR (dB) of the strip's thumbnails of frames below `frames` against the film decoded straight."""
    wanted = {frame: position for position, frame in enumerate(strip.frames) if frame < frames}
    found: list[float] = []
    with av.open(str(film)) as container:
        for number, frame in enumerate(container.decode(video=0)):  # display order: frame N is picture N
            if number in wanted:
                thumb = strip.image(wanted[number]).astype(np.float64)
                picture = cv2.resize(frame.to_ndarray(format="rgb24"), (thumb.shape[1], thumb.shape[0]),
                                     interpolation=cv2.INTER_AREA).astype(np.float64)
                error = float(np.mean((picture - thumb) ** 2))
                found.append(99.0 if error == 0 else float(10 * np.log10(255 ** 2 / error)))
            if number >= frames:
                break
    return {"thumbnails": len(found), "min_db": round(min(found), 1), "median_db": round(statistics.median(found), 1)}


def status_mb(field: str) -> float:
    line = next(t for t in Path("/proc/self/status").read_text().splitlines() if t.startswith(field))
    return int(line.split()[1]) / 1024


def one_run(vault: Vault, workers: int, *, from_copy: bool = False) -> tuple[dict[str, float], Filmstrip]:
    recording = vault.repo.recordings.list()[0]
    source = viewing_source(vault, recording) if from_copy else original_source(vault, recording)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here
    resident = status_mb("VmRSS:")
    overview: list[float] = []
    cpu, started = time.process_time(), time.perf_counter()

    def partial(strip: Filmstrip) -> None:
        if not overview and len(strip.frames) >= OVERVIEW:
            overview.append(time.perf_counter() - started)

    handle = source.open_handle()
    try:
        strip = make_filmstrip(handle, source.index, recording.rotation, recording.source_name, partial=partial,
                               workers=workers)
    finally:
        handle.close()
    figures = {"whole_s": time.perf_counter() - started, "overview_s": overview[0] if overview else float("nan"),
               "cpu_s": time.process_time() - cpu, "peak_over_start_mb": status_mb("VmHWM:") - resident}
    return figures, strip


def straight_psnr(film: Path, strip: Filmstrip, count: int = 20) -> dict[str, float]:
    """PSNR (dB) of `count` thumbnails spread over the strip against the same frames decoded straight (every
    filter on, the loop filter included) and scaled down by area averaging: how far the strip's shortcuts
    (no deblocking, a fast scale, JPEG) take a thumbnail from the picture."""
    positions = sorted({round(k * (len(strip.frames) - 1) / max(count - 1, 1)) for k in range(count)})
    wanted = {strip.frames[position]: position for position in positions}
    found: list[float] = []
    with av.open(str(film)) as container:
        stream = container.streams.video[0]
        # The film has no B-frames: packet k is frame k, and each thumbnail's frame is a keyframe.
        for number, packet in enumerate(p for p in container.demux(stream) if p.size):
            if number in wanted:
                frame = next(iter(stream.codec_context.decode(packet)), None) or stream.codec_context.decode(None)[0]
                stream.codec_context.flush_buffers()
                thumb = strip.image(wanted.pop(number)).astype(np.float64)
                picture = cv2.resize(frame.to_ndarray(format="rgb24"), (thumb.shape[1], thumb.shape[0]),
                                     interpolation=cv2.INTER_AREA).astype(np.float64)
                error = float(np.mean((picture - thumb) ** 2))
                found.append(99.0 if error == 0 else float(10 * np.log10(255 ** 2 / error)))
            if not wanted:
                break
    return {"thumbnails": len(found), "min_db": round(min(found), 1), "median_db": round(statistics.median(found), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", default=str(Path(tempfile.gettempdir()) / "vigtool-filmstrip-films"),
                        help="where the film is made and kept")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-long-gops", action="store_true", help="only the phone-like film")
    parser.add_argument("--only-long-gops", action="store_true", help="only the camera-like film")
    args = parser.parse_args()
    folder = Path(args.films)
    folder.mkdir(parents=True, exist_ok=True)
    if args.only_long_gops:
        media_previews.PARTIAL_EVERY_S = 0.0
        load = os.getloadavg()[0]
        figures = long_gop_runs(folder, args.runs)
        print(json.dumps({"long_gops": figures, "load_average_before_after": [round(load, 1),
                                                                              round(os.getloadavg()[0], 1)]},
                         indent=2))
        return
    film = phone_like_film(folder)
    media_previews.PARTIAL_EVERY_S = 0.0  # every batch reported, so `overview_s` is exact
    vault_path = folder / "vault"
    shutil.rmtree(vault_path, ignore_errors=True)
    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    strips: dict[str, Filmstrip] = {}
    with Vault.create(vault_path, PASSPHRASE, KdfParams()) as vault:
        import_recording(vault, film, "Phone family")
        for _ in range(args.runs):
            for way, workers in WAYS.items():  # interleaved, so both see the same load
                figures, strips[way] = one_run(vault, workers)
                runs[way].append(figures)
                print(json.dumps({way: figures}), file=sys.stderr, flush=True)
    shutil.rmtree(vault_path, ignore_errors=True)
    result: dict[str, Any] = {
        "film": {"mb": round(film.stat().st_size / 1e6), "mbit_s": round(film.stat().st_size * 8 / 600 / 1e6, 1),
                 "thumbnails": len(strips["one_decoder"].frames)},
        "load_average_before_after": [round(load_before[0], 1), round(os.getloadavg()[0], 1)],
        "nice": os.nice(0), "runs": args.runs,
    }
    for way in WAYS:
        result[way] = {key: round(statistics.median(r[key] for r in runs[way]), 2) for key in runs[way][0]}
    result["speedup_whole"] = round(result["one_decoder"]["whole_s"] / result["two_decoders"]["whole_s"], 2)
    result["same_thumbnails"] = strips["one_decoder"] == strips["two_decoders"]
    result["psnr_against_straight_decode"] = straight_psnr(film, strips["two_decoders"])
    result["target_whole_s"] = 3.0
    if not args.no_long_gops:
        result["long_gops"] = long_gop_runs(folder, args.runs)
    result["load_average_at_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
