"""The shared review as it is used: the real app on a real X server (Xvfb) with a real window manager
(openbox), the real keyboard through xdotool to whatever window has the focus, and screens plugged in and
pulled out with xrandr. Offscreen Qt has no window manager, so focus and full-screen only show here.

Each test starts its own X server on a display number found free at run time (never a developer's own).
They are skipped, saying why, only where Xvfb, openbox, xdotool or xrandr are not installed; `.ci/run`
installs them, so CI runs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import Sample

APP = Path(__file__).with_name("presenter_app.py")
TOOLS = ("Xvfb", "openbox", "xdotool", "xrandr", "xprop")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)} (Debian: xvfb openbox "
                                "xdotool x11-xserver-utils x11-utils; .ci/run installs them)")

State = dict[str, Any]


def free_display() -> int:
    """A display number no X server holds: from 140 up, far from the ones developers keep for themselves."""
    for number in range(140, 400):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number between 140 and 400")


def run_x(env: dict[str, str], *argv: str) -> str:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=20, check=True).stdout


@contextmanager
def x_server(width: int, height: int, monitors: list[tuple[str, str]]) -> Iterator[dict[str, str]]:
    """Xvfb with openbox running on it; `monitors` (name, xrandr geometry) split its screen into screens."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for _attempt in range(5):  # another run may take the same number at the same moment
            number = free_display()
            server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{width}x{height}x24", "-nolisten",
                                       "tcp", "-noreset"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            env = {**os.environ, "DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
            deadline = time.monotonic() + 10
            while server.poll() is None and time.monotonic() < deadline:
                if subprocess.run(["xdotool", "getdisplaygeometry"], env=env, capture_output=True,
                                  check=False).returncode == 0:
                    break
                time.sleep(0.1)
            if server.poll() is None:
                started.append(server)
                break
        else:
            raise RuntimeError("Xvfb did not start")
        for index, (name, geometry) in enumerate(monitors):
            run_x(env, "xrandr", "--setmonitor", name, geometry, "screen" if index == 0 else "none")
        started.append(subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until(lambda: "window id" in run_x(env, "xprop", "-root", "_NET_SUPPORTING_WM_CHECK"), "openbox")
        yield env
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class App:
    """The app in its own process, answering "state" on its stdin."""

    def __init__(self, env: dict[str, str], folder: Path, film: Path) -> None:
        self.env = env
        self.log = (folder / "app.log").open("w")
        self.process = subprocess.Popen([sys.executable, str(APP), str(folder / "vault"), str(film)], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[str] = self.process.stdin
        self.stdout: IO[str] = self.process.stdout
        line = self.stdout.readline()
        assert line.strip() == "READY", f"the app did not start: {line!r} {(folder / 'app.log').read_text()[-2000:]}"

    def state(self) -> State:
        self.stdin.write("state\n")
        self.stdin.flush()
        line = self.stdout.readline()
        assert line.startswith("STATE "), f"the app answered {line!r}"
        state: State = json.loads(line[6:])
        return state

    def wait(self, what: str, condition: Callable[[State], bool], timeout: float = 10.0) -> State:
        seen: list[State] = []

        def check() -> bool:
            seen.append(self.state())
            return condition(seen[-1])

        try:
            wait_until(check, what, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last seen {seen[-1] if seen else None}") from None
        return seen[-1]

    def key(self, *keys: str) -> None:
        """Real key presses, to the window the window manager has given the focus."""
        run_x(self.env, "xdotool", "key", *keys)

    def focused_window_name(self) -> str:
        return run_x(self.env, "xdotool", "getactivewindow", "getwindowname").strip()

    def close(self) -> None:
        self.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def film(samples: dict[str, Sample]) -> Path:
    return samples["h264"].path  # 4 s, 320×240 (4:3: black at the sides of a 16:9 laptop)


def test_one_laptop_screen_keys_work_at_once_and_esc_comes_back(tmp_path: Path, film: Path) -> None:
    with x_server(1600, 900, []) as env:
        app = App(env, tmp_path, film)
        try:
            app.wait("the workspace", lambda s: s["main_active"])
            app.key("F5")
            shown = app.wait("the family's view", lambda s: s["presenting"] and s["family_active"]
                             and s["family_full_screen"] and s["frame"] == 10)
            assert shown["one_window"] and shown["practitioner_screen"] is None  # one window, nothing behind
            assert shown["family_geometry"] == [0, 0, 1600, 900]
            assert shown["family_text"] == [] and not shown["bar"]  # footage only: no prompt, no buttons
            assert not app.focused_window_name().startswith("vigtool")  # the focus is on the review itself

            app.key("space")  # at once, no click first
            app.wait("playing", lambda s: s["playing"] and s["frame"] > 10)
            run_x(env, "xdotool", "mousemove", "700", "400", "sleep", "0.2", "mousemove", "760", "430")
            time.sleep(0.3)
            playing = app.state()
            # the 4:3 film fills the laptop's height: no bar comes up over the moment while it plays
            assert playing["playing"] and not playing["bar"], playing
            app.key("space")
            paused = app.wait("paused", lambda s: not s["playing"])["frame"]
            assert 10 < paused < 99
            run_x(env, "xdotool", "mousemove", "800", "450")
            bar = app.wait("the bar, paused", lambda s: s["bar"])
            assert "▶ Play" in bar["family_text"] and "End review" in bar["family_text"]
            app.key("space")  # on from where it paused, to the end of the moment
            on = app.wait("playing on", lambda s: s["playing"] and s["frame"] >= paused)
            assert not on["bar"]  # the bar went down as the moment started to play
            app.wait("the end of the moment", lambda s: not s["playing"] and s["frame"] == 99)

            app.key("Right")
            app.wait("the still", lambda s: s["moment"] == 1 and s["frame"] == 110)
            app.key("Left")
            app.wait("the clip again", lambda s: s["moment"] == 0 and s["frame"] == 10)
            app.key("s")
            app.wait("the key instant", lambda s: s["frame"] == 50 and not s["playing"])
            app.key("a")
            slow = app.wait("again slowly", lambda s: s["playing"] and s["frame"] > 10)
            assert slow["speed"] == 0.5
            app.key("p")
            asked = app.wait("the prompt", lambda s: s["prompt"])
            assert "What do you notice your baby doing here?" in asked["family_text"]
            app.key("Right")
            moved = app.wait("the still", lambda s: s["moment"] == 1 and s["frame"] == 110)
            assert not moved["prompt"]  # the next moment comes up without it

            app.key("Escape")
            back = app.wait("the workspace", lambda s: not s["presenting"] and s["main_active"])
            assert back["review_row"] == 1 and back["main_frame"] == 110  # on the same moment
            assert app.focused_window_name().startswith("vigtool")
        finally:
            app.close()


def test_a_second_screen_shows_the_family_footage_only_and_follows_plugging(tmp_path: Path, film: Path) -> None:
    laptop, tv = ("laptop", "1600/340x900/190+0+0"), ("tv", "1280/1000x720/560+1600+0")
    with x_server(2880, 900, [laptop, tv]) as env:
        app = App(env, tmp_path, film)
        try:
            app.wait("the workspace", lambda s: s["main_active"] and s["screens"] == ["laptop", "tv"])
            app.key("F5")
            shown = app.wait("two views", lambda s: s["presenting"] and s["family_full_screen"]
                             and s["family_screen"] == "tv" and s["practitioner_active"])
            assert not shown["one_window"] and shown["practitioner_screen"] == "laptop"
            assert shown["family_geometry"] == [1600, 0, 1280, 720]
            assert shown["family_text"] == []  # the TV: footage only
            assert shown["practitioner_prompt"] == "What do you notice your baby doing here?"  # on hers
            app.key("Right")  # her keys, on her own window
            app.wait("the still", lambda s: s["moment"] == 1 and s["frame"] == 110)

            run_x(env, "xrandr", "--delmonitor", "tv")  # the TV's cable pulled out
            alone = app.wait("one window on the laptop", lambda s: s["presenting"] and s["one_window"]
                             and s["family_screen"] == "laptop" and s["family_full_screen"]
                             and s["family_geometry"] == [0, 0, 1600, 900] and s["family_active"])
            assert alone["moment"] == 1 and alone["family_text"] == []  # the review goes on where it was
            app.key("Left")
            app.wait("the clip", lambda s: s["moment"] == 0 and s["frame"] == 10)

            run_x(env, "xrandr", "--setmonitor", *tv, "none")  # and plugged in again
            again = app.wait("the TV again", lambda s: not s["one_window"] and s["family_screen"] == "tv"
                             and s["family_geometry"] == [1600, 0, 1280, 720] and s["practitioner_active"])
            assert again["family_text"] == [] and again["practitioner_screen"] == "laptop"
            app.key("Escape")
            back = app.wait("the workspace", lambda s: not s["presenting"] and s["main_active"])
            assert back["review_row"] == 0 and back["main_frame"] == 10
        finally:
            app.close()
