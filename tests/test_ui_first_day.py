"""What a new practitioner hits on a first day: consent said before the form, Ctrl+E without picking a clip,
dates nobody has to guess, words and glyphs, folders dropped, the wheel on the timeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Sample, open_vault
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.qt_export import ExportDialog
from vigtool.services.demo import ensure_demo_case
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault


@pytest.fixture
def demo(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[MainWindow, Vault]]:
    with open_vault(tmp_path / "v") as vault:
        case = ensure_demo_case(vault)
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(case.recording.id, 100)
        yield window, vault
        window.close()


def test_ctrl_e_exports_the_clip_at_hand_without_picking_it_first(qtbot: QtBot,
                                                                 demo: tuple[MainWindow, Vault]) -> None:
    window, _vault = demo
    ws = window.workspace
    assert ws is not None and ws.clips and window.clip_bin.currentItem() is None
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = next((d for d in window.findChildren(ExportDialog) if d.isVisible()), None)
    assert dialog is not None, window.statusBar().currentMessage()
    clip = next(iter(ws.clips.values()))
    assert dialog.clip.range == clip.range and dialog.caption.text() == clip.caption  # the film's clip itself
    dialog.close()


def test_export_without_consent_is_refused_before_the_form(qtbot: QtBot, tmp_path: Path,
                                                           samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, samples["h264"].path, "Family B").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(recording.id)
        window.marks.set_both(0, 20)
        assert window.export_clip_dialog() is None
        assert not window.findChildren(ExportDialog)
        message = window.statusBar().currentMessage()
        assert message.startswith("No export:") and "consent" in message.lower() and "Consent for this film" in message
        window.close()


def test_consent_dates_are_written_out(qtbot: QtBot, demo: tuple[MainWindow, Vault]) -> None:
    window, _vault = demo
    dialog = window.consent_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    month = dialog.given_on.date().toString("MMMM")
    assert month in dialog.given_on.text() and len(dialog.given_on.text().split()) == 3  # "1 December 2026"
    first = dialog.given.item(0).text()
    assert "2026)" in first and "-" not in first.split("(")[-1].split(",")[1]  # not 2026-01-05
    dialog.close()
