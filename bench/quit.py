"""Quitting: from File ▸ Quit (the window's close) to the process gone, while background work is under way.
Prints one JSON document.

    nice python bench/quit.py [--film CAMERA.mp4] [--tree PATH] [--runs 3]

Each run is a fresh `vigtool gui` process (offscreen) on a copy of one vault holding a 1080p camera film
with 8-s GOPs whose previews are not made yet. It reopens the film; after `--wait` seconds the window is
closed, in three cases, with `--hogs` busy processes beside it at its own priority (other people's work):
- `second_pass`: its filmstrip's second pass (the pictures between keyframes, niced decoders) under way;
- `working_copy`: the film taken as heavy (the bar lowered in the child), its working copy being made;
- `idle`: everything made already (the first run's vault): nothing but the window and the interpreter.
`baseline_bare_exit_s` is a bare PySide6 window's process, closed the same way: what no app can avoid.
`--tree` runs another checkout's code (e.g. a `git archive` of main) on the same vaults.
Target: every case's median ≤ 1.0 s, or within 3x the bare window's exit, whichever is larger. Quote
`uptime`'s load beside the figures: the niced workers wait longest on a busy machine.
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

from storage.keys import KdfParams
from vigtool.services import library
from vigtool.services.importing import import_recording
from vigtool.services.previews import build_previews
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, render

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
CHILD = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
qapp = QApplication(sys.argv[:1])
from ui.main_window import MainWindow
from vigtool.services import working_copy
if {heavy}:
    working_copy.HEAVY_BITS_PER_SECOND = 0

def close_later():
    window = next(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
    window.answer_stop_question = lambda _titles: True
    def close():
        if window.workspace is None:
            print("NO FILM", flush=True)
        print("CLOSING", time.time(), flush=True)
        window.close()
    QTimer.singleShot({wait_ms}, close)

QTimer.singleShot(0, close_later)
from vigtool.cli import main
sys.exit(main(["--vault", {vault!r}, "gui"]))
"""
BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel("hello")
label.show()
QTimer.singleShot({wait_ms}, lambda: (print("CLOSING", time.time(), flush=True), label.close()))
sys.exit(app.exec())
"""


def load() -> float:
    return os.getloadavg()[0]


def quit_time(code: str, env: dict[str, str]) -> float:
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True, env=env)
    assert child.stdout is not None
    closing = None
    for line in child.stdout:
        if line.startswith("NO FILM"):
            raise SystemExit("the app did not reopen the film")
        if line.startswith("CLOSING"):
            closing = float(line.split()[1])
    child.wait(timeout=300)
    if closing is None or child.returncode != 0:
        raise SystemExit(f"the app did not close as asked (exit {child.returncode})")
    return time.time() - closing


def make_vault(folder: Path, film: Path | None) -> Path:
    if film is None:
        film = folder / "camera.mp4"
        render(RecordingSpec(duration=30, width=1920, height=1080, seed=6, gop_seconds=8.0), film)
    vault_dir = folder / "vault"
    with Vault.create(vault_dir, PASSPHRASE, KdfParams(iterations=1, lanes=1, memory_cost_kib=8 * 1024)) as vault:
        recording = import_recording(vault, film, "Bench family").recording
    config = folder / "config"
    (config / "vigtool").mkdir(parents=True)
    (config / "vigtool" / "vigtool.conf").write_text(  # the place she left off: the app reopens it
        f"[session]\nvault={vault_dir}\nrecording={recording.id}\nframe=0\n", encoding="utf-8")
    return vault_dir


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--film", type=Path, help="a camera film to use (default: one rendered, 30 s 1080p)")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=6.0, help="seconds from the start to the close")
    parser.add_argument("--hogs", type=int, default=2, help="busy processes beside the app, at its priority "
                        "(the load under which quitting took 5-8 s)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-quit-"))
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)]
    try:
        made = make_vault(folder, args.film)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(folder / "config"),
               "VIGTOOL_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(args.tree)}
        wait_ms = int(args.wait * 1000)
        results: dict[str, list[float]] = {"second_pass": [], "working_copy": [], "idle": []}
        loads = [load()]
        for _ in range(args.runs):
            for case in ("second_pass", "working_copy"):
                run = folder / "run"
                shutil.rmtree(run, ignore_errors=True)
                shutil.copytree(made, run)
                config = folder / "config" / "vigtool" / "vigtool.conf"
                config.write_text(config.read_text(encoding="utf-8").replace(str(made), str(run)), encoding="utf-8")
                code = CHILD.format(heavy=case == "working_copy", wait_ms=wait_ms, vault=str(run))
                results[case].append(quit_time(code, env))
                config.write_text(config.read_text(encoding="utf-8").replace(str(run), str(made)), encoding="utf-8")
        idle = folder / "idle"  # its previews whole: nothing in the background
        shutil.copytree(made, idle)
        with Vault.open(idle, PASSPHRASE) as vault:
            build_previews(vault, library.films_of(vault)[0])
        config = folder / "config" / "vigtool" / "vigtool.conf"
        config.write_text(config.read_text(encoding="utf-8").replace(str(made), str(idle)), encoding="utf-8")
        for _ in range(args.runs):
            results["idle"].append(quit_time(CHILD.format(heavy=False, wait_ms=wait_ms, vault=str(idle)), env))
        baseline = [quit_time(BARE.format(wait_ms=wait_ms), env) for _ in range(args.runs)]
        loads.append(load())
        bare = statistics.median(baseline)
        print(json.dumps({
            "tree": str(args.tree),
            **{f"{case}_median_s": round(statistics.median(times), 3) for case, times in results.items()},
            **{f"{case}_runs_s": [round(t, 3) for t in times] for case, times in results.items()},
            "baseline_bare_exit_s": round(bare, 3),
            "target_s": round(max(1.0, 3 * bare), 3),
            "hogs": args.hogs,
            "load_before_after": [round(x, 2) for x in loads],
        }, indent=2))
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
