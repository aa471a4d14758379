"""Cold start to a usable window: process start to the main window shown, unlocked, on the last film and
frame, and taking input. Prints one JSON document.

    python bench/cold_start.py

Each run is a fresh `python -m vigtool gui` process (offscreen) on a vault with the RFC 9106 Argon2id
setting a real vault uses, reopening the film it was on. `baseline_qt_window_s` is a bare PySide6 window
in a fresh process, measured in the same run: the part of the time no application can avoid.
Target: `cold_start_median_s` ≤ 1.5.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storage.keys import KdfParams
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, render

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
RUNS = 5
BARE_QT = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel("hello")
label.show()
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
app.exec()
"""


def timed(command: list[str], env: dict[str, str], ready: str) -> float:
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(ready):
            elapsed = time.perf_counter() - started
            if ready == "{" and json.loads(line)["frame"] != 300:
                raise SystemExit(f"the app did not reopen the film where it was left: {line}")
            break
    else:
        raise SystemExit(f"{command} never became ready")
    child.wait(timeout=60)
    return elapsed


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-"))
    film = folder / "film.mp4"
    render(RecordingSpec(duration=20, width=1280, height=720, seed=2), film)
    with Vault.create(folder / "vault", PASSPHRASE, KdfParams()) as vault:
        recording = import_recording(vault, film, "Bench family").recording
    config = folder / "config"
    (config / "vigtool").mkdir(parents=True)
    # The place a practitioner left off: the app reopens it.
    (config / "vigtool" / "vigtool.conf").write_text(
        f"[session]\nvault={folder / 'vault'}\nrecording={recording.id}\nframe=300\n", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config),
           "VIGTOOL_PASSPHRASE": PASSPHRASE}
    app = [sys.executable, "-m", "vigtool", "--vault", str(folder / "vault"), "gui", "--report-startup"]
    bare = [sys.executable, "-c", BARE_QT]
    timed(app, env, "{")  # warm the page cache for both sides alike
    runs = [timed(app, env, "{") for _ in range(RUNS)]
    baseline = [timed(bare, env, "ready") for _ in range(RUNS)]
    print(json.dumps({
        "cold_start_median_s": round(statistics.median(runs), 3),
        "cold_start_runs_s": [round(r, 3) for r in runs],
        "baseline_qt_window_s": round(statistics.median(baseline), 3),
        "vs_bare_qt_window": round(statistics.median(runs) / statistics.median(baseline), 2),
        "target_s": 1.5,
    }, indent=2))


if __name__ == "__main__":
    main()
