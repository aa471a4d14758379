"""Long films in flat memory: peak resident memory and time of `vigtool import` (with its filmstrip and sound
wave) and `vigtool analyse` for 10 minutes, 1 hour and 2 hours of 1080p, side by side. Prints one JSON document.

    nice python bench/long_film.py [--films DIR] [--lengths 10,60,120] [--code DIR]

The films are made here, never committed: 20 s rendered by the project's generator, looped by ffmpeg stream
copy (index at the end, as phones write it), and kept in DIR for the next run. Each command runs in a
fresh process (the real CLI, with its heap settings); its peak is that process's VmHWM. Then a clip from
the last minutes of the longest film is exported and its frames' stamps read back, to show the export is
exact. Last, bench/filmstrip.py times the filmstrip of a 10-minute phone-like film (grain, 16 Mb/s).

Targets (ratios in the same run; the machine is shared): the longest film's peaks ≤ 300 MB and within 1.3×
of the 10-minute ones; its import ≤ 12× as long as the 10-minute one (the film is 12× as long); the
phone-like filmstrip ≤ 3 s. `--code DIR` measures another checkout (an older commit, for a before/after).
Each command's CPU seconds (its process's user + system time) are printed beside its wall time, with the load
average as it started: on a machine shared by others, wall time follows their load, CPU time the work.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import av
import numpy as np

from storage.keys import KdfParams
from vigtool.domain.consent import Purpose
from vigtool.services.consent import record_consent
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, loop_recording, render
from vigtool.synth.stamp import read_stamp

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
LOOP_SECONDS = 20
RATE = 30
ROOT = Path(__file__).resolve().parent.parent

# Runs the real CLI in this process and reports its peak resident memory (VmHWM is this process image's
# own: ru_maxrss would count a forking parent's too), the peak of each stage and the wall time on the
# descriptor it is given. A stage's peak: VmHWM is reset (/proc/self/clear_refs) as the stage starts and
# read as it ends, with the resident memory it started "from"; "start" is the peak before the first stage
# (the interpreter, its modules, Argon2id's 64 MiB as the vault opens).
CHILD = """
import json, os, sys, time
from pathlib import Path
import vigtool.cli as cli
import vigtool.services.previews as previews
def status(field):
    return next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines()
                if l.startswith(field)) / 1024
peaks, overall = {}, [0.0]
def staged(name, call):
    def run(*args, **kwargs):
        overall[0] = max(overall[0], status("VmHWM:"))
        peaks.setdefault("start", {"peak": round(overall[0])})
        Path("/proc/self/clear_refs").write_text("5")
        resident = status("VmRSS:")
        try:
            return call(*args, **kwargs)
        finally:
            peak = max(peaks.get(name, {}).get("peak", 0), round(status("VmHWM:")))
            peaks[name] = {"from": round(resident), "peak": peak}
            overall[0] = max(overall[0], peak)
    return run
cli.import_recording = staged("seal_and_index", cli.import_recording)
previews.make_filmstrip = staged("filmstrip", previews.make_filmstrip)
previews.make_audio_envelope = staged("sound_wave", previews.make_audio_envelope)
if sys.argv[3] == "analyse":  # imported as the CLI does: for that command only, once the vault is open
    def found(*args, **kwargs):
        import vigtool.services.analysis as analysis
        analysis.analyse_recording = staged("analyse", analysis.analyse_recording)
        return find_recording(*args, **kwargs)
    find_recording, cli.find_recording = cli.find_recording, found
started, cpu = time.perf_counter(), os.times()
code = cli.main(sys.argv[1:])
elapsed, cpu_s = time.perf_counter() - started, sum(os.times()[:2]) - sum(cpu[:2])
report = {"code": code, "peak_mb": max(overall[0], status("VmHWM:")), "seconds": elapsed, "cpu_s": cpu_s,
          "stages_mb": peaks}
os.write(int(os.environ["BENCH_REPORT_FD"]), json.dumps(report).encode())
sys.exit(code)
"""


def run_cli(code_root: Path, vault: Path, *args: str) -> tuple[float, float, str, dict[str, Any], float]:
    """(seconds, peak RSS MB, stdout, peak MB of each stage, CPU seconds) of `vigtool --vault VAULT ARGS` in a
    fresh process (run in `code_root`: `python -c` puts the working folder first on the path)."""
    read_end, write_end = os.pipe()
    env = {**os.environ, "PYTHONPATH": str(code_root), "VIGTOOL_PASSPHRASE": PASSPHRASE,
           "BENCH_REPORT_FD": str(write_end)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, "--vault", str(vault), *args], env=env,
                             stdout=subprocess.PIPE, text=True, pass_fds=(write_end,), cwd=code_root)
    os.close(write_end)
    output, _ = child.communicate()
    with os.fdopen(read_end) as report_file:
        text = report_file.read()
    if child.returncode != 0 or not text:
        raise SystemExit(f"vigtool {' '.join(args)} failed ({child.returncode}): {output}")
    report = json.loads(text)
    return (float(report["seconds"]), float(report["peak_mb"]), output, dict(report["stages_mb"]),
            float(report["cpu_s"]))


def make_films(folder: Path, lengths: list[int]) -> dict[int, Path]:
    """One film per length in minutes, looped from 20 s of 1080p (kept in `folder` for the next run)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / "phone-20s.mp4"
    if not base.exists():
        render(RecordingSpec(duration=LOOP_SECONDS, width=1920, height=1080, grain=3, crf=20, seed=4,
                             faststart=False), base)
    films = {}
    for minutes in lengths:
        film = folder / f"long-{minutes}min.mp4"
        if not film.exists():
            loop_recording(base, film, minutes * 60 // LOOP_SECONDS, faststart=False)
        films[minutes] = film
    return films


def fresh_vault(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    Vault.create(path, PASSPHRASE, KdfParams()).close()
    return path


def measure(code_root: Path, film: Path, vault: Path, analyse: bool = True) -> dict[str, Any]:
    load = round(os.getloadavg()[0], 1)
    import_s, import_mb, out, import_stages, import_cpu = run_cli(code_root, fresh_vault(vault), "import", str(film),
                                                                  "--case", "Bench family", "--json")
    imported = {"film_mb": round(film.stat().st_size / 1e6), "import_with_previews_s": round(import_s, 1),
                "import_cpu_s": round(import_cpu, 1), "import_peak_rss_mb": round(import_mb),
                "import_stage_peaks_mb": import_stages, "load_average_before_import": load}
    if not analyse:
        return imported
    recording_id = json.loads(out)[0]["recording"]
    load = round(os.getloadavg()[0], 1)
    analyse_s, analyse_mb, out, analyse_stages, analyse_cpu = run_cli(code_root, vault, "analyse", str(recording_id),
                                                                      "--json")
    found = json.loads(out)
    return {**imported, "analyse_s": round(analyse_s, 1), "analyse_cpu_s": round(analyse_cpu, 1),
            "load_average_before_analyse": load, "analyse_peak_rss_mb": round(analyse_mb),
            "analyse_stage_peaks_mb": analyse_stages, "vocalisations": len(found.get("vocalisations", []))}


def stamps(clip: Path) -> list[int | None]:
    with av.open(str(clip)) as container:
        return [read_stamp(np.asarray(f.to_ndarray(format="rgb24"))) for f in container.decode(video=0)]


def export_from_the_end(code_root: Path, vault: Path, minutes: int, folder: Path) -> dict[str, Any]:
    """A 4-s clip starting 3 minutes before the end (off any keyframe): every frame's stamp must be the
    looped film's own (frame k shows k mod the loop's length)."""
    with Vault.open(vault, PASSPHRASE) as opened:
        recording = opened.repo.recordings.list()[0]
        record_consent(opened, recording, "Bench family", [Purpose.REVIEW], recorded_by="bench",
                       given_on=date.today())
        count = recording.frame_count
    start = count - 3 * 60 * RATE + 7
    end = start + 4 * RATE
    clip = folder / "end-clip.mp4"
    clip.unlink(missing_ok=True)
    seconds, peak_mb, _, _, _ = run_cli(code_root, vault, "export", str(recording.id), "--from", str(start), "--to",
                                  str(end), "-o", str(clip))
    seen = stamps(clip)
    loop = LOOP_SECONDS * RATE
    expected = [k % loop for k in range(start, end)]
    clip.unlink()
    return {"film_minutes": minutes, "frames": [start, end], "at_s": round(start / RATE),
            "exact": seen == expected, "frames_out": len(seen), "export_s": round(seconds, 1),
            "export_peak_rss_mb": round(peak_mb)}


def filmstrip_time(code_root: Path, folder: Path) -> dict[str, Any]:
    """bench/filmstrip.py's figures (one run each way), in a fresh process of the checkout measured."""
    done = subprocess.run([sys.executable, str(code_root / "bench" / "filmstrip.py"), "--films", str(folder),
                           "--runs", "1"], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(code_root)}, cwd=code_root)
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", default=str(Path(tempfile.gettempdir()) / "vigtool-long-films"),
                        help="where the films are made and kept")
    parser.add_argument("--lengths", default="10,60,120", help="film lengths in minutes (the first is the baseline)")
    parser.add_argument("--code", default=str(ROOT), help="the vigtool checkout to measure")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--no-analyse", action="store_true", help="the imports only")
    parser.add_argument("--no-filmstrip", action="store_true")
    args = parser.parse_args()
    folder, code_root = Path(args.films), Path(args.code)
    lengths = [int(n) for n in args.lengths.split(",")]
    started = time.perf_counter()
    films = make_films(folder, lengths)
    made_s = time.perf_counter() - started
    vault = folder / "vault"
    figures: dict[str, Any] = {"code": str(code_root), "films_made_s": round(made_s, 1), "lengths": {}}
    for minutes in lengths:
        figures["lengths"][f"{minutes} min"] = measure(code_root, films[minutes], vault, not args.no_analyse)
        print(json.dumps({f"{minutes} min": figures["lengths"][f"{minutes} min"]}), file=sys.stderr, flush=True)
        if minutes != lengths[-1]:
            shutil.rmtree(vault, ignore_errors=True)  # the vault's sealed copy takes as much disk as the film
    first, last = figures["lengths"][f"{lengths[0]} min"], figures["lengths"][f"{lengths[-1]} min"]
    figures["longest_vs_first"] = {
        "length": round(lengths[-1] / lengths[0], 1),
        "import_peak": round(last["import_peak_rss_mb"] / first["import_peak_rss_mb"], 2),
        "import_time": round(last["import_with_previews_s"] / first["import_with_previews_s"], 2),
        "import_cpu": round(last["import_cpu_s"] / first["import_cpu_s"], 2),
    }
    if not args.no_analyse:
        figures["longest_vs_first"] |= {
            "analyse_peak": round(last["analyse_peak_rss_mb"] / first["analyse_peak_rss_mb"], 2),
            "analyse_time": round(last["analyse_s"] / first["analyse_s"], 2),
            "analyse_cpu": round(last["analyse_cpu_s"] / first["analyse_cpu_s"], 2)}
    if not args.no_export:
        figures["export_from_the_end"] = export_from_the_end(code_root, vault, lengths[-1], folder)
    shutil.rmtree(vault, ignore_errors=True)
    if not args.no_filmstrip:
        figures["phone_like_filmstrip"] = filmstrip_time(code_root, folder)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
