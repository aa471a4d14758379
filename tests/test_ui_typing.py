"""Typing into every text field of the window, key by key to whatever has the focus, as a practitioner does:
the field keeps every key, and nothing else happens (no marks, no clips, no extra undo steps, the playhead
stays where it was). One-key shortcuts (1–6, Q–R, I, O, C, S, T, B, P, J, K, L, Space) must never fire there,
and no view may rebuild the widget being typed in."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from conftest import give_consent, open_vault
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QKeySequenceEdit,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui import qt_supervision
from ui.main_window import MainWindow
from ui.qt_unlock_dialog import UnlockDialog
from vigtool.services.supervision import save_key_card

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
    # An editable combo box has the focus for its line (it passes the keys on).
    holder = field.parentWidget() if isinstance(field.parentWidget(), QComboBox) else field
    assert holder is not None
    field.window().activateWindow()
    holder.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is holder, timeout=2000)
    # To the end, as a click after the text does (a line's End; a text's Ctrl+End, which a line leaves to
    # its parent: in a list's in-place editor that would move the list).
    qtbot.keyClick(holder, Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier if isinstance(field, QLineEdit)
                   else Qt.KeyboardModifier.ControlModifier)
    before_text = text_of(field)
    ws = window.workspace
    assert ws is not None
    before, steps = state_of(window), len(ws.undo_stack)
    for char in SENTENCE:
        focused = QApplication.focusWidget()
        assert focused is holder, f"the focus left {field!r} for {focused!r} before {char!r}"
        qtbot.keyClicks(focused, char)
        qtbot.wait(10)  # as a person types: timers, repaints and the views' redraws run between keys
    assert text_of(field) == before_text + SENTENCE, field.objectName() or repr(field)
    assert state_of(window) == before
    assert len(ws.undo_stack) <= steps + 1  # a note or a prompt is one step, however many keys it took


def test_typing_in_the_docks_keeps_every_key_and_changes_nothing_else(
        qtbot: QtBot, demo_window: MainWindow) -> None:
    window = demo_window
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
        qtbot: QtBot, demo_window: MainWindow) -> None:
    window, vault = demo_window, demo_window.vault
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


# -- modal dialogs: they block in exec(), so the typing happens from inside their own event loop ----------
def type_into_modal(qtbot: QtBot, window: MainWindow, open_it: Callable[[], object]) -> list[str]:
    """Call `open_it` (which opens a modal dialog and waits in its exec()), type the sentence key by key
    into each text field of the dialog, then cancel it. Returns what each field held after the typing."""
    typed: list[str] = []
    failure: list[BaseException] = []
    shown_title: list[str] = []
    deadline = time.monotonic() + 20

    def when_shown() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if time.monotonic() < deadline:
                QTimer.singleShot(20, when_shown)
            return
        shown_title.append(dialog.windowTitle())
        try:
            qtbot.waitExposed(dialog)
            fields = editable_fields(dialog)
            assert fields, f"{dialog.windowTitle()!r} has no field to type in"
            for field in fields:
                type_into(qtbot, window, field)
                typed.append(text_of(field))
        except BaseException as exc:  # noqa: BLE001 - raised again once the dialog's loop has ended
            failure.append(exc)
        finally:
            assert isinstance(dialog, QDialog)
            dialog.reject()

    QTimer.singleShot(0, when_shown)
    open_it()
    if failure:
        raise AssertionError(f"{shown_title[0] if shown_title else ''}: {failure[0]}") from failure[0]
    assert typed, "no modal dialog appeared"
    return typed


def test_typing_in_every_modal_dialog_keeps_every_key_and_changes_nothing_else(
        qtbot: QtBot, demo_window: MainWindow, tmp_path: Path) -> None:
    """The passphrase of a new vault (twice) and of this one, your name at the first start and later, the
    family of an import, a lane's new name and a new lane's, a package's passphrase and a partner's name."""
    window, vault = demo_window, demo_window.vault
    ws = window.workspace
    assert ws is not None
    with open_vault(tmp_path / "partner") as partner:
        card = tmp_path / "partner card.json"
        save_key_card(partner, card)
    names_before = (vault.identity.public.name if vault.identity else None, [t.name for t in ws.layer.tracks])
    families_before = window.families.families.labels()
    opened = {
        "new vault": lambda: UnlockDialog(tmp_path / "new vault", window).exec(),
        "unlock": lambda: UnlockDialog(vault.path, window).exec(),
        "your name at the first start": lambda: qt_supervision.ask_name(window, first=True),
        "your name": lambda: qt_supervision.ask_name(window),
        "the family of an import": lambda: window.families.ask_family(2),
        "rename a lane": lambda: window.timeline.headers.rename_track(ws.layer.tracks[0]),
        "add a lane": window.timeline.headers.add_track,
        "a package's passphrase": lambda: window.sharing.open_package_dialog(tmp_path / "review.vigpkg"),
        "a partner's name": lambda: qt_supervision.show_partners(window).add_key_card(card),
    }
    held = {name: type_into_modal(qtbot, window, open_it) for name, open_it in opened.items()}
    assert len(held["new vault"]) == 2 and len(held["unlock"]) == 1  # a new passphrase is asked twice
    assert all(SENTENCE in text for texts in held.values() for text in texts), held
    # Cancelled, each left everything as it was: no vault made, no name, family or lane changed.
    assert not (tmp_path / "new vault").exists()
    assert (vault.identity.public.name if vault.identity else None, [t.name for t in ws.layer.tracks]) == names_before
    assert window.families.families.labels() == families_before
    for partners in window.findChildren(qt_supervision.PartnersDialog):  # where the key card was added from
        partners.close()


def test_a_key_being_chosen_for_a_code_takes_each_key_and_fires_none(
        qtbot: QtBot, demo_window: MainWindow) -> None:
    """The rebind dialog records the key pressed (the last one, as it takes one key); no key typed there
    marks, plays or steps; Backspace leaves no key, Esc cancels (it took Esc as the key to bind), and
    cancelling keeps the codebook's keys."""
    window = demo_window
    ws = window.workspace
    assert ws is not None
    keys_before = [(c.id, c.key) for c in ws.codebook.codes]
    shown: list[str] = []
    closed: list[bool] = []
    failure: list[BaseException] = []

    def press_keys() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, press_keys)
            return
        try:
            edit = dialog.findChild(QKeySequenceEdit)
            assert edit is not None and edit.isVisible()
            edit.setFocus()
            qtbot.waitUntil(lambda: QApplication.focusWidget() is edit, timeout=2000)
            before, steps = state_of(window), len(ws.undo_stack)
            for char in "Y1 3QRTIOCSBPJKL,":
                assert QApplication.focusWidget() is edit
                qtbot.keyClicks(edit, char)
                qtbot.wait(10)
                shown.append(edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText))
            assert state_of(window) == before and len(ws.undo_stack) == steps
            qtbot.keyClick(edit, Qt.Key.Key_Backspace)  # no key for this code
            shown.append(edit.keySequence().toString())
            qtbot.keyClick(edit, Qt.Key.Key_Escape)  # cancels, as in every dialog (it is no key to bind)
            closed.append(not dialog.isVisible())
        except BaseException as exc:  # noqa: BLE001 - raised again once the dialog's loop has ended
            failure.append(exc)
        finally:
            assert isinstance(dialog, QDialog)
            dialog.reject()

    QTimer.singleShot(0, press_keys)
    window.codebook_files.rebind_key(ws.codebook.codes[0].id)
    if failure:
        raise failure[0]
    assert shown == ["Y", "1", "Space", "3", "Q", "R", "T", "I", "O", "C", "S", "B", "P", "J", "K", "L", ",", ""]
    assert closed == [True]
    assert [(c.id, c.key) for c in ws.codebook.codes] == keys_before


def test_renaming_a_family_in_place_keeps_every_key(qtbot: QtBot, demo_window: MainWindow) -> None:
    """F2 on a family opens its name for editing in the Families panel: every key of the sentence goes into
    it (none marks or plays), and Esc leaves the family's name as it was."""
    window = demo_window
    ws = window.workspace
    assert ws is not None
    label = window.families.families.label_of(ws.recording.case_id)
    item = window.cases.family_item(ws.recording.case_id)
    assert item is not None
    window.cases.setCurrentItem(item)
    window.cases.setFocus()
    qtbot.waitUntil(window.cases.hasFocus, timeout=2000)
    qtbot.keyClick(window.cases, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == label
    type_into(qtbot, window, editor)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(window.cases.hasFocus, timeout=2000)
    assert window.families.families.label_of(ws.recording.case_id) == label
