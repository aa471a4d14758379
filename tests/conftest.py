"""Shared fixtures: synthetic recordings made once per session, throwaway vaults, leak checks."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

# Keep Qt off any screen and away from the user's own settings and data folders.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_isolated_home = tempfile.mkdtemp(prefix="vigtool-test-home-")
os.environ["XDG_CONFIG_HOME"] = str(Path(_isolated_home) / "config")
os.environ["XDG_DATA_HOME"] = str(Path(_isolated_home) / "data")
os.environ.pop("VIGTOOL_VAULT", None)

from storage.keys import KdfParams  # noqa: E402 - after the environment is set
from vigtool.domain.consent import Purpose  # noqa: E402
from vigtool.domain.model import Recording  # noqa: E402
from vigtool.services.consent import record_consent  # noqa: E402
from vigtool.services.demo import ensure_demo_case  # noqa: E402
from vigtool.services.importing import import_recording  # noqa: E402
from vigtool.services.vault import Vault  # noqa: E402
from vigtool.synth.generator import VARIANTS, GroundTruth, render_variant  # noqa: E402

if TYPE_CHECKING:  # the core's tests run without Qt: the window is imported only by the fixtures that open it
    from pytestqt.qtbot import QtBot

    from ui.main_window import MainWindow


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    truth: GroundTruth


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sample]:
    """Every generator variant, rendered once for the whole run."""
    folder = tmp_path_factory.mktemp("samples")
    made = {}
    for name in VARIANTS:
        path = folder / f"{name}.mp4"
        made[name] = Sample(name, path, render_variant(name, path))
    return made


PASSPHRASE = "a kind and long test passphrase"  # noqa: S105 - a throwaway test vault


def vigtool(*args: str, vault: Path | None = None, env: dict[str, str] | None = None,
            python_prelude: str = "") -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process; the passphrase comes from the environment as in a script."""
    argv = ([*(["--vault", str(vault)] if vault else []), *args])
    code = f"{python_prelude}import sys; from vigtool.cli import main; sys.exit(main({argv!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "VIGTOOL_PASSPHRASE": PASSPHRASE, **(env or {})}, check=False)
# Tests create many vaults; a light Argon2id keeps them quick (real vaults use the RFC 9106 default).
FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=8 * 1024)


def open_vault(path: Path, *, create: bool = True) -> Vault:
    return Vault.open(path, PASSPHRASE, create=create, kdf=FAST_KDF)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    with open_vault(tmp_path / "vault") as opened:
        yield opened


def give_consent(vault: Vault, recording: Recording, *purposes: Purpose) -> None:
    """The family's consent, as the practitioner records it from the signed forms (every purpose unless named)."""
    for person in ("Mother", "Baby (by mother)"):
        record_consent(vault, recording, person, purposes or list(Purpose), recorded_by="Test practitioner",
                       given_on=date(2026, 1, 5), form_reference="F-1")


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes: to show that something left a vault untouched."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def no_failing_listeners(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A view that raised while following the model fails the test (the app only logs it)."""
    yield
    failed = [r for r in caplog.get_records("call") if r.name == "vigtool.events" and r.levelno >= logging.ERROR]
    assert not failed, f"a listener failed: {failed[0].getMessage()}\n{failed[0].exc_text}"


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """A test that leaves a thread running fails (as napari's fixtures do), daemon threads included: a job
    thread that died without a word, or one that never ends, is where such leaks live. A thread about to end
    gets a moment to do so."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2
    for thread in [t for t in threading.enumerate() if t not in before]:
        thread.join(max(0.0, deadline - time.monotonic()))
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


def ffmpeg_frame(path: Path, number: int) -> np.ndarray:
    """Frame `number` as the ffmpeg binary decodes it (its own autorotation): an independent reference."""
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf",
                            f"select=eq(n\\,{number})", "-fps_mode", "passthrough", "-frames:v", "1",
                            "-f", "image2pipe", "-vcodec", "png", "-"], capture_output=True, check=True)
    image = cv2.imdecode(np.frombuffer(probe.stdout, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, probe.stderr
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


# -- windows on a film, for the UI tests ------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_vault_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault holding the demo case (its film rendered, imported and marked), made once a worker: each test
    opens a copy of its own (`demo_vault`), 4 CPU-seconds less each time."""
    folder = tmp_path_factory.mktemp("demo-made") / "vault"
    with open_vault(folder) as vault:
        ensure_demo_case(vault)
    return folder


@pytest.fixture
def demo_vault(demo_vault_made: Path, tmp_path: Path) -> Iterator[Vault]:
    """A vault of this test's own with the demo case in it, as `ensure_demo_case` leaves it."""
    shutil.copytree(demo_vault_made, tmp_path / "demo-vault")
    with open_vault(tmp_path / "demo-vault", create=False) as vault:
        yield vault


WindowOn = Callable[..., "MainWindow"]


def shown_frame(window: MainWindow) -> int | None:
    """Read the frame-index stamp off the picture the user sees."""
    from PySide6.QtGui import QImage  # noqa: PLC0415 - the core's tests run where Qt is not installed

    from vigtool.synth.stamp import read_stamp  # noqa: PLC0415

    image = window.player.canvas.image
    assert image is not None
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())[:, : width * 3]
    return read_stamp(data.reshape(height, width, 3))


def wait_shown(qtbot: QtBot, window: MainWindow, frame: int) -> None:
    qtbot.waitUntil(lambda: window.player.canvas.image is not None and shown_frame(window) == frame, timeout=5000)


@pytest.fixture
def window_on(qtbot: QtBot) -> Iterator[WindowOn]:
    """`window_on(vault, recording_id, frame=None, size=None, first_frame=False)`: the main window, shown
    (at `size`), on that film at `frame` (on none if `recording_id` is None); with `first_frame`, once the
    film's first frame is on the screen.

    At the end each window is closed (a job still running is stopped, as the practitioner would agree to),
    and the test fails if it left a window or dialog open; a thread left running fails it too
    (`no_leaked_threads`)."""
    # Here, not at the top: the core's tests run where Qt is not installed.
    import shiboken6  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from ui.main_window import MainWindow  # noqa: PLC0415

    before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    opened: list[MainWindow] = []

    def stop_jobs_when_closed(window: MainWindow) -> None:
        window.answer_stop_question = lambda _titles: True

    def open_on(vault: Vault, recording_id: int | None, frame: int | None = None, *,
                size: tuple[int, int] | None = None, first_frame: bool = False) -> MainWindow:
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window, before_close_func=stop_jobs_when_closed)
        opened.append(window)
        if size is not None:
            window.resize(*size)
        window.show()
        if recording_id is not None:  # None: no film open yet
            window.open_recording(recording_id, frame or 0)
        if first_frame:
            wait_shown(qtbot, window, 0 if frame is None else frame)
        return window

    yield open_on
    for window in opened:  # qtbot has closed them (its teardown comes first), unless one was kept open
        if shiboken6.isValid(window) and window.isVisible():
            stop_jobs_when_closed(window)
            window.close()
    QApplication.processEvents()
    left = [w for w in QApplication.topLevelWidgets()
            if w.isVisible() and id(w) not in before and w not in opened]
    assert not left, f"left open after the test: {[f'{type(w).__name__} {w.windowTitle()!r}' for w in left]}"


@pytest.fixture
def demo_window(demo_vault: Vault, window_on: WindowOn) -> MainWindow:
    """The window on the demo case's film at frame 100 (its clip, still, marks and turn chains; consent to
    review and supervision)."""
    case = ensure_demo_case(demo_vault)
    return window_on(demo_vault, case.recording.id, 100)


@pytest.fixture
def film_window(vault: Vault, samples: dict[str, Sample], window_on: WindowOn) -> MainWindow:
    """The window, 1400 × 900, on the h264 sample imported for "Family A" (no consent, nothing marked), once
    its first frame is shown."""
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    return window_on(vault, recording.id, size=(1400, 900), first_frame=True)
