"""Typing into every text field of the window, key by key to whatever has the focus, as a practitioner does:
the field keeps every key, and nothing else happens (no marks, no clips, no extra undo steps, the playhead
stays where it was). One-key shortcuts (1–6, Q–R, I, O, C, S, T, B, P, J, K, L, Space) must never fire there,
and no view may rebuild the widget being typed in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import give_consent, open_vault
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget
from pytestqt.qtbot import QtBot

from ui import qt_supervision
from ui.main_window import MainWindow
from vigtool.services.demo import ensure_demo_case
from vigtool.services.vault import Vault

# Every one-key shortcut of the window is in it, and a space (play) and capitals (Shift+key marks in–out).
SENTENCE = "You waited, and your baby answered you. 1 2 3 Quiet RTIOCSBPJKL!"

TextField = QLineEdit | QPlainTextEdit | QTextEdit


def text_of(field: QWidget) -> str:
    if isinstance(field, QLineEdit):
        return field.text()
    assert isinstance(field, QPlainTextEdit | QTextEdit)
    return field.toPlainText()


def editable_fields(root: QWidget) -> list[QWidget]:
    """The visible, enabled, writable text fields under `root` (spin boxes' own line edits left out)."""
    found: list[QWidget] = []
    for kind in (QLineEdit, QPlainTextEdit, QTextEdit):
        for field in root.findChildren(kind):
            if isinstance(field.parent(), QAbstractSpinBox) or not field.isVisible() or not field.isEnabled():
                continue
            if field.isReadOnly():
                continue
            found.append(field)
    return found


def state_of(window: MainWindow) -> tuple[object, ...]:
    ws = window.workspace
    assert ws is not None
    marks = sorted((a.id, a.track_id, a.code_id, a.range.start, a.range.end) for a in ws.layer)
    return (marks, sorted(ws.clips), sorted(ws.stills), window.player.frame, window.marks.pair(),
            window.actions_.turn_mode.isChecked(), window.player.playing)


def type_into(qtbot: QtBot, window: MainWindow, field: QWidget) -> None:
    """Click into the field, go to its end, then send each key to whatever has the focus."""
    field.window().activateWindow()
    field.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=2000)
    qtbot.keyClick(field, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    before_text = text_of(field)
    ws = window.workspace
    assert ws is not None
    before, steps = state_of(window), len(ws.undo_stack)
    for char in SENTENCE:
        focused = QApplication.focusWidget()
        assert focused is field, f"the focus left {field!r} for {focused!r} before {char!r}"
        qtbot.keyClicks(focused, char)
        qtbot.wait(10)  # as a person types: timers, repaints and the views' redraws run between keys
    assert text_of(field) == before_text + SENTENCE, field.objectName() or repr(field)
    assert state_of(window) == before
    assert len(ws.undo_stack) <= steps + 1  # a note or a prompt is one step, however many keys it took


@pytest.fixture
def demo_window(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[MainWindow, Vault]]:
    with open_vault(tmp_path / "v") as vault:
        demo = ensure_demo_case(vault)
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(demo.recording.id, 100)
        yield window, vault
        window.close()


def test_typing_in_the_docks_keeps_every_key_and_changes_nothing_else(
        qtbot: QtBot, demo_window: tuple[MainWindow, Vault]) -> None:
    window, _vault = demo_window
    ws = window.workspace
    assert ws is not None
    window.show_first_moment()  # the inspector shows a mark: its note field is there
    window.review_dock.raise_()
    window.review_panel.items.setCurrentRow(0)
    fields = editable_fields(window)
    window.inspector.parentWidget().raise_()  # type: ignore[union-attr]
    window.findChild(QWidget, "dock-Inspector").raise_()  # type: ignore[union-attr]
    fields = list(dict.fromkeys([*fields, *editable_fields(window)]))
    assert window.inspector.note in fields and window.review_panel.prompt in fields
    for field in fields:
        dock = field.parentWidget()
        while dock is not None and not dock.objectName().startswith("dock-"):
            dock = dock.parentWidget()
        if dock is not None:
            dock.raise_()
        type_into(qtbot, window, field)


def type_into_dialog(qtbot: QtBot, window: MainWindow, dialog: QWidget | None) -> int:
    """Type into every text field of a dialog opened from the window; returns how many there were."""
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    fields = editable_fields(dialog)
    for field in fields:
        type_into(qtbot, window, field)
    dialog.close()
    return len(fields)


def test_typing_in_every_dialog_keeps_every_key_and_changes_nothing_else(
        qtbot: QtBot, demo_window: tuple[MainWindow, Vault]) -> None:
    window, vault = demo_window
    ws = window.workspace
    assert ws is not None
    give_consent(vault, ws.recording)
    window.clip_bin.setCurrentRow(0)
    typed = {
        "consent": type_into_dialog(qtbot, window, window.sharing.consent_dialog()),
        "export": type_into_dialog(qtbot, window, window.sharing.export_clip_dialog()),
        "training": type_into_dialog(qtbot, window, window.sharing.training_dialog()),
        "package": type_into_dialog(qtbot, window, window.sharing.package_review_dialog()),
        "handout": type_into_dialog(qtbot, window, window.sharing.handout_dialog()),
        "partners": type_into_dialog(qtbot, window, qt_supervision.show_partners(window)),
        "supervision": type_into_dialog(qtbot, window, qt_supervision.send_for_supervision(window)),
    }
    del typed["partners"]  # its keys are files, chosen with a file dialog: nothing to type there
    assert all(typed.values()), typed  # each other dialog had fields to type in
