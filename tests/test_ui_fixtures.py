"""The shared window fixture (conftest's `window_on`) fails a test that leaves a dialog open or a thread
running, and passes a tidy one: run on three small tests in a pytest of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LEAKY_TESTS = '''
import threading
import time
from pathlib import Path

from PySide6.QtWidgets import QDialog

from vigtool.services.importing import import_recording
from vigtool.synth.generator import RecordingSpec, render

LEFT = []


def open_a_film(vault, window_on, tmp_path: Path):
    film = tmp_path / "film.mp4"
    render(RecordingSpec(duration=1.0, width=160, height=90, seed=1), film)
    return window_on(vault, import_recording(vault, film, "Family A").recording.id)


def test_tidy(vault, window_on, tmp_path):
    open_a_film(vault, window_on, tmp_path)


def test_leaves_a_dialog_open(vault, window_on, tmp_path):
    open_a_film(vault, window_on, tmp_path)
    LEFT.append(QDialog())
    LEFT[-1].setWindowTitle("Forgotten")
    LEFT[-1].show()


def test_leaves_a_thread_running(vault, window_on, tmp_path):
    open_a_film(vault, window_on, tmp_path)
    threading.Thread(target=time.sleep, args=(4,), name="forgotten").start()
'''


def test_the_window_fixture_fails_a_test_that_leaks_a_dialog_or_a_thread(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.conftest"]\n')
    (tmp_path / "test_leaky.py").write_text(LEAKY_TESTS)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                          "-o", "addopts=", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=240, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"})
    out = run.stdout + run.stderr
    assert "3 passed, 2 errors" in out, out[-3000:]  # each ran; two failed at their teardown
    assert "ERROR test_leaky.py::test_leaves_a_dialog_open" in out
    assert "ERROR test_leaky.py::test_leaves_a_thread_running" in out and "ERROR test_leaky.py::test_tidy" not in out
    assert "left open after the test: [\"QDialog 'Forgotten'\"]" in out
    assert "threads left running" in out and "forgotten" in out
