"""The main window, driven as a user would: real widgets, offscreen."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, Sample, WindowOn, open_vault, wait_shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.qt_unlock_dialog import UnlockDialog
from vigtool.services import importing
from vigtool.services.demo import ensure_demo_case
from vigtool.services.importing import import_recording
from vigtool.services.previews import missing_previews
from vigtool.services.vault import Vault


def test_window_opens_on_the_demo_case_and_steps_exact_frames(qtbot: QtBot, demo_vault: Vault,
                                                             window_on: WindowOn) -> None:
    demo = ensure_demo_case(demo_vault)  # there already: its case and film
    window = window_on(demo_vault, None)  # no film open yet: the practitioner clicks one
    assert window.cases.topLevelItem(0).text(0) == "Demo family"
    window.cases.itemClicked.emit(window.cases.topLevelItem(0).child(0), 0)
    assert window.workspace is not None and window.workspace.recording.id == demo.recording.id
    wait_shown(qtbot, window, 0)
    for _ in range(5):
        qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.player.frame == 5
    wait_shown(qtbot, window, 5)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    wait_shown(qtbot, window, 4)
    assert "Frame 4 / 719" in window.player.position.text()
    assert window.timeline.playhead == 4
    qtbot.keyClick(window, Qt.Key.Key_End)
    wait_shown(qtbot, window, 719)  # past the end stops at the last frame
    # The summary says what went well, in the practitioner's words.
    assert "from baby" in window.codebook_panel.summary.text()
    assert window.clip_bin.count() == 2
    # The demo was sealed without previews; opening it builds them in the background.
    qtbot.waitUntil(lambda: not missing_previews(demo_vault, demo.recording), timeout=20_000)
    qtbot.waitUntil(lambda: bool(window.timeline.thumbs) and window.timeline.envelope is not None, timeout=5000)


def test_empty_vault_says_how_to_begin(qtbot: QtBot, tmp_path: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        assert "import a film" in window.cases.topLevelItem(0).text(0)
        assert "Choose a film" in window.player.canvas.empty_text
        assert window.codebook_panel.tree.topLevelItemCount() == 7
        assert "Select a mark" in window.inspector.empty.text()
        assert "No clips yet" in window.clip_bin.item(0).text()
        window.close()


def test_import_runs_off_the_gui_thread_and_can_be_stopped(qtbot: QtBot, tmp_path: Path, samples: dict[str, Sample],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with open_vault(tmp_path / "v") as vault:
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        try:
            _import_then_stop(qtbot, window, vault, samples, monkeypatch)
        finally:
            window.close()


def _import_then_stop(qtbot: QtBot, window: MainWindow, vault: Vault, samples: dict[str, Sample],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    window.importing.import_files([samples["h264"].path, samples["truncated"].path], "Family C")
    assert window.importer.job is not None  # the window stays responsive while the job runs
    qtbot.waitUntil(lambda: not window.importer.running, timeout=20_000)
    case = window.cases.topLevelItem(0)
    assert case.text(0) == "Family C" and case.childCount() == 1
    # The bad file was reported, not imported; the message names it (closed here, as a user would).
    box = next(w for w in window.findChildren(QMessageBox) if w.isVisible())
    assert "truncated.mp4: is cut short" in box.text()
    box.close()
    # Previews follow on their own worker thread.
    recording = vault.repo.recordings.list()[0]
    qtbot.waitUntil(lambda: not missing_previews(vault, recording), timeout=20_000)
    # Stopping before the film is sealed leaves nothing behind. The real import waits for the stop
    # (a small film would otherwise be done before the click could land).
    def import_once_stopped(*args: Any) -> object:
        cancelled = args[-1]
        deadline = time.monotonic() + 10
        while not cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)
        return import_recording(*args)

    monkeypatch.setattr(importing, "import_recording", import_once_stopped)
    window.importing.import_files([samples["hevc"].path, samples["vfr"].path], "Family C")
    assert window.importer.running
    window.importer.stop()  # what the dialog's "Stop importing" does
    qtbot.waitUntil(lambda: not window.importer.running, timeout=20_000)
    assert [r.source_name for r in vault.repo.recordings.list()] == ["h264.mp4"]
    assert len(list(vault.media.folder.glob("*.film.vigm"))) == 1


def test_unlock_dialog_refuses_a_wrong_passphrase_and_opens_with_the_right_one(qtbot: QtBot,
                                                                               tmp_path: Path) -> None:
    open_vault(tmp_path / "v").close()
    dialog = UnlockDialog(tmp_path / "v")
    qtbot.addWidget(dialog)
    assert not dialog.creating and dialog.passphrase.echoMode() == QLineEdit.EchoMode.Password
    dialog.passphrase.setText("not it at all")
    dialog.try_unlock()
    assert dialog.vault is None and "does not open this vault" in dialog.message.text()
    dialog.passphrase.setText(PASSPHRASE)
    dialog.try_unlock()
    assert dialog.vault is not None and dialog.passphrase.text() == ""
    dialog.vault.close()
    creating = UnlockDialog(tmp_path / "new")
    qtbot.addWidget(creating)
    creating.passphrase.setText("one long passphrase")
    creating.again.setText("another long passphrase")
    creating.try_unlock()
    assert creating.vault is None and "differ" in creating.message.text()
    creating.again.setText("one long passphrase")
    creating.try_unlock()
    assert creating.vault is not None
    creating.vault.close()
