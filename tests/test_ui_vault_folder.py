"""File ▸ Open vault: typing the name of a new folder makes it (Qt's chooser said "Directory not found" and
greyed Choose), and a name that cannot be a folder says which and why; a folder made for a vault that was
then not created (Cancel at the passphrase) is taken away again."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from ui import app, qt_vault_folder
from ui.main_window import MainWindow
from ui.qt_unlock_dialog import UnlockDialog
from ui.qt_vault_folder import VaultFolderDialog
from vigtool.services.vault import Vault


def _type_in_chooser(qtbot: QtBot, text: str, seen: list[VaultFolderDialog]) -> None:
    """Once the chooser is up: type `text` in its name field and press Return, as the practitioner does."""
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, VaultFolderDialog)
        seen.append(dialog)
        dialog.name_field().setFocus()
        qtbot.keyClicks(dialog.name_field(), text)
        qtbot.keyClick(dialog.name_field(), Qt.Key.Key_Return)
    QTimer.singleShot(200, act)


def test_a_typed_name_becomes_the_new_vaults_folder(qtbot: QtBot, demo_window: MainWindow, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    window = demo_window
    asked: list[str] = []
    window.vault_switch_requested.connect(asked.append)
    seen: list[VaultFolderDialog] = []
    _type_in_chooser(qtbot, "Family B", seen)
    next(a for a in window.findChildren(QAction) if a.text() == "&Open vault…").trigger()  # Ctrl+O
    assert seen and Path(seen[0].directory().absolutePath()) == window.vault.path.parent  # beside this vault
    made = window.vault.path.parent / "Family B"
    assert made.is_dir() and not Vault.exists(made)
    assert asked == [str(made)]
    # She then cancels the new vault's passphrase: the empty folder made for it is not left behind.
    class Cancelled(UnlockDialog):
        def exec(self) -> int:
            return int(UnlockDialog.DialogCode.Rejected.value)
    monkeypatch.setattr(app, "UnlockDialog", Cancelled)
    app._switch([], asked[0], window)
    assert not made.exists()
    assert window.isVisible() and "still in this one" in window.statusBar().currentMessage()


def test_choose_is_offered_for_a_new_name_and_an_existing_folder_is_opened(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "Family A").mkdir()
    dialog = VaultFolderDialog(None, tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_field().setFocus()
    qtbot.keyClicks(dialog.name_field(), "Family C")
    box = dialog.findChild(QDialogButtonBox, "buttonBox")
    assert box is not None
    choose = box.button(QDialogButtonBox.StandardButton.Open)
    assert choose.isEnabled() and choose.text() == "Open"
    qtbot.keyClick(dialog.name_field(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # typed over
    qtbot.keyClicks(dialog.name_field(), "Family A")
    qtbot.mouseClick(choose, Qt.MouseButton.LeftButton)
    assert dialog.result() == VaultFolderDialog.DialogCode.Accepted and dialog.chosen == tmp_path / "Family A"
    assert not (tmp_path / "Family C").exists()  # only the name she chose is made


@pytest.mark.parametrize("case", ["a file", "inside a file", "no permission"])
def test_a_name_that_cannot_be_a_folder_says_which_and_why(qtbot: QtBot, tmp_path: Path, case: str) -> None:
    (tmp_path / "notes.txt").write_text("a practitioner's notes")
    typed, start, words = {
        "a file": ("notes.txt", tmp_path, "is a file, not a folder"),
        "inside a file": ("notes.txt/Family B", tmp_path, "is a file, so no folder can be made inside it"),
        # sysfs refuses a new folder to everyone, root too
        "no permission": ("/sys/vigtool Family B", tmp_path, "You may not make folders in /sys"),
    }[case]
    dialog = VaultFolderDialog(None, start)
    qtbot.addWidget(dialog)
    shown: list[str] = []
    dialog.answer_problem = shown.append
    dialog.show()
    dialog.activateWindow()
    dialog.name_field().setFocus()  # as when she clicks into it (else Qt writes the list's selection there)
    qtbot.waitUntil(dialog.name_field().hasFocus)
    qtbot.keyClicks(dialog.name_field(), typed)
    qtbot.keyClick(dialog.name_field(), Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.chosen is None  # she stays in the chooser to type another name
    assert len(shown) == 1 and words in shown[0]
    assert Path(typed).name in shown[0]  # the message names the folder she asked for
    assert (tmp_path / "notes.txt").read_text() == "a practitioner's notes"
    dialog.reject()
    assert qt_vault_folder._made == set()
