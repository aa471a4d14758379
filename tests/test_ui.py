"""The main window, driven as a user would: real widgets, offscreen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from conftest import open_vault
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from vigtool.services.demo import ensure_demo_case
from vigtool.synth.stamp import read_stamp


def shown_frame(window: MainWindow) -> int | None:
    """Read the frame-index stamp off the picture the user sees (scaled as on screen)."""
    image = window.video.picture.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())[:, : width * 3]
    return read_stamp(data.reshape(height, width, 3))


def test_window_opens_on_the_demo_case_and_steps_exact_frames(qtbot: QtBot, tmp_path: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        demo = ensure_demo_case(vault)
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        assert window.cases.topLevelItem(0).text(0) == "Demo family"
        window.cases.itemClicked.emit(window.cases.topLevelItem(0).child(0), 0)
        assert window.recording is not None and window.recording.id == demo.recording.id
        assert shown_frame(window) == 0
        for _ in range(5):
            qtbot.keyClick(window, Qt.Key.Key_Right)
        assert window.video.frame == 5 and shown_frame(window) == 5
        qtbot.keyClick(window, Qt.Key.Key_Left)
        assert shown_frame(window) == 4
        assert "Frame 4 / 719" in window.video.position.text()
        window.video.slider.setValue(500)
        assert shown_frame(window) == 500
        window.video.step(10_000)  # stepping past the end stops at the last frame
        assert shown_frame(window) == 719
        # The moments panel lists the demo's annotations; choosing one jumps to its first frame.
        parent = next(window.moments.topLevelItem(i) for i in range(window.moments.topLevelItemCount())
                      if window.moments.topLevelItem(i).text(0).startswith("Baby"))
        first = parent.child(0)
        window.moments.itemClicked.emit(first, 0)
        start = vault.repo.list_annotations(demo.recording.id)
        baby_starts = sorted(a.start for a in start if a.actor is not None and a.actor.value == "infant")
        assert shown_frame(window) == baby_starts[0]
        chains = vault.repo.list_turn_chains(demo.recording.id)
        summary = window.moments.topLevelItem(0).text(0)
        assert summary.startswith(f"{len(chains)} turn-taking exchange")
        assert f"{len(baby_starts)} sounds from baby" in summary
        assert "started by baby and received" in summary
        window.close()


def test_empty_vault_says_how_to_begin(qtbot: QtBot, tmp_path: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        assert "import a film" in window.cases.topLevelItem(0).text(0)
        assert "Choose a recording" in window.video.picture.text()
        assert window.codebook.topLevelItemCount() == 7
        window.close()
