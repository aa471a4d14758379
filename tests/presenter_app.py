"""Run by test_presenter_x11 in a child process on a real X server: the real app window over a vault with
one synthetic film, a clip (frames 10-99, key instant 50) and a still (frame 110) in its shared review.

    python tests/presenter_app.py VAULT_FOLDER FILM

It prints "READY" once the window shows the film; then, for each line "state" on stdin, one line
"STATE <json>" of what is on the screens, so the test can press real keys (xdotool) and look.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_display_platform = os.environ.get("QT_QPA_PLATFORM", "xcb")
from tests.conftest import give_consent, open_vault  # noqa: E402 - it sets the test's own settings folders

os.environ["QT_QPA_PLATFORM"] = _display_platform  # conftest asks for offscreen; this runs on the X server
from PySide6.QtCore import QSocketNotifier, QTimer  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget  # noqa: E402

from ui.main_window import MainWindow  # noqa: E402
from vigtool.domain.model import Clip  # noqa: E402
from vigtool.domain.time import FrameRange  # noqa: E402
from vigtool.services.importing import import_recording  # noqa: E402


def readable_text(window: QWidget) -> list[str]:
    """Every label and button text a person could read on the window now."""
    return [child.text() for child in window.findChildren(QWidget)
            if isinstance(child, QLabel | QAbstractButton) and child.isVisible() and child.text().strip()]


def screen_of(window: QWidget) -> str | None:
    return window.screen().name() if window.isVisible() else None


def state(window: MainWindow) -> dict[str, object]:
    active = QApplication.activeWindow()
    presenter = window.sharing.presenter
    seen: dict[str, object] = {
        "main_active": active is window, "main_frame": window.player.frame,
        "review_row": window.review_panel.items.currentRow(),
        "screens": [s.name() for s in QApplication.screens()],
    }
    if presenter is None or presenter.over:
        return {**seen, "presenting": False}
    family, mine, player = presenter.family, presenter.practitioner, presenter.family.player
    geometry = family.geometry()
    return {**seen, "presenting": True, "one_window": family.one_window,
            "family_active": active is family, "practitioner_active": active is mine,
            "family_full_screen": family.isFullScreen(), "family_screen": screen_of(family),
            "family_geometry": [geometry.x(), geometry.y(), geometry.width(), geometry.height()],
            "family_text": readable_text(family), "practitioner_screen": screen_of(mine),
            "practitioner_prompt": mine.prompt.text() if mine.isVisible() else None,
            "moment": presenter.presentation.position, "frame": player.frame, "playing": player.playing,
            "speed": player.speed, "bar": family.bar.isVisible(), "prompt": family.banner.isVisible()}


def main() -> None:
    folder, film = Path(sys.argv[1]), Path(sys.argv[2])
    app = QApplication(sys.argv[:1])
    vault = open_vault(folder)
    recording = import_recording(vault, film, "Family A").recording
    give_consent(vault, recording)
    window = MainWindow(vault, restore_state=False)
    window.open_recording(recording.id)
    ws = window.workspace
    assert ws is not None
    clip = ws.clips.add(FrameRange(10, 100), "Turn-taking")
    ws.clips.update(Clip(clip.id, clip.recording_id, clip.range, clip.title, "You waited, and she answered.",
                        key_frame=50))
    ws.stills.add(110)
    window.showMaximized()

    def answer() -> None:
        line = sys.stdin.readline()
        if not line:
            app.quit()
        elif line.strip() == "state":
            print("STATE " + json.dumps(state(window)), flush=True)

    listener = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    listener.activated.connect(answer)

    def ready() -> None:
        if window.player.canvas.image is None or not window.isActiveWindow():
            QTimer.singleShot(100, ready)
            return
        print("READY", flush=True)

    QTimer.singleShot(100, ready)
    app.exec()
    if window.sharing.presenter is not None:
        window.sharing.presenter.close()
    window.close()
    vault.close()


if __name__ == "__main__":
    main()
