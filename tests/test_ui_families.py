"""Families in the window: the import asks which family (offering the open one), and a family is renamed
(F2, a double-click, the context menu) or merged into another from the Families panel, each undoable, with
the names sealed in the vault."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from conftest import PASSPHRASE, Sample, WindowOn, open_vault
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QInputDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from vigtool.services.demo import ensure_demo_case
from vigtool.services.families import Families, FamilyError
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault


def family_names(window: MainWindow) -> list[str]:
    return [window.cases.topLevelItem(i).text(0) for i in range(window.cases.topLevelItemCount())]


def rename_in_place(qtbot: QtBot, window: MainWindow, case_id: int, name: str, how: str) -> None:
    item = window.cases.family_item(case_id)
    assert item is not None
    window.activateWindow()
    window.cases.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.cases, timeout=2000)
    window.cases.setCurrentItem(item)
    if how == "F2":
        qtbot.keyClick(window.cases, Qt.Key.Key_F2)
    elif how == "double-click":
        rect = window.cases.visualItemRect(item)
        qtbot.mouseClick(window.cases.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(window.cases.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    else:
        menu = window.cases.family_menu(item, case_id)
        next(a for a in menu.actions() if a.text() == "Rename…").trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit), timeout=2000)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), f"{how} opened no editor"
    editor.selectAll()
    qtbot.keyClicks(editor, name)  # as typed: one-key shortcuts must not take the letters
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: name in family_names(window), timeout=3000)


def test_a_family_is_renamed_three_ways_and_each_rename_undoes(qtbot: QtBot, tmp_path: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        demo = ensure_demo_case(vault)
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(demo.recording.id, 100)
        marks_before = len(window.workspace.layer) if window.workspace else 0
        case_id = demo.recording.case_id
        rename_in_place(qtbot, window, case_id, "Family Rose", "F2")
        rename_in_place(qtbot, window, case_id, "Family Oak", "double-click")
        rename_in_place(qtbot, window, case_id, "Family Elm", "menu")
        assert family_names(window) == ["Family Elm"]
        assert "Family Elm" in window.windowTitle()
        assert window.workspace is not None and len(window.workspace.layer) == marks_before  # no letter marked
        window.cases.setFocus()
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert family_names(window) == ["Family Oak"]
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert family_names(window) == ["Family Rose"]
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert family_names(window) == ["Family Oak"]
        window.close()
    # Sealed: the name is in the vault (reopened), and not in the database file in plaintext.
    with open_vault(tmp_path / "v", create=False) as vault:
        assert [c.label for c in vault.repo.cases.list()] == ["Family Oak"]
    assert b"Family Oak" not in b"".join(p.read_bytes() for p in (tmp_path / "v").rglob("*") if p.is_file())
    assert PASSPHRASE


def test_merging_moves_the_films_and_undo_puts_the_family_back(qtbot: QtBot, tmp_path: Path,
                                                               samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        demo = ensure_demo_case(vault)
        other = import_recording(vault, samples["h264"].path, "Family B").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(other.id)
        item = window.cases.family_item(other.case_id)
        assert item is not None
        menu = window.cases.family_menu(item, other.case_id)
        merge_into = next(a for a in menu.actions() if a.text() == "Merge into").menu()
        next(a for a in merge_into.actions() if a.text() == "Demo family").trigger()
        assert family_names(window) == ["Demo family"]
        assert {r.id for r in vault.repo.recordings.list(demo.recording.case_id)} == {demo.recording.id, other.id}
        assert "Demo family" in window.windowTitle() and window.workspace is not None
        window.activateWindow()
        window.cases.setFocus()
        qtbot.waitUntil(window.cases.hasFocus, timeout=2000)
        window.undo()
        assert family_names(window) == ["Demo family", "Family B"]
        assert [r.id for r in vault.repo.recordings.list(other.case_id)] == [other.id]
        window.redo()
        assert family_names(window) == ["Demo family"]
        window.close()


def test_the_import_asks_which_family_offering_the_open_one(qtbot: QtBot, demo_window: MainWindow,
                                                          samples: dict[str, Sample]) -> None:
    window = demo_window
    seen: list[tuple[str, list[str]]] = []

    def answer(name: str | None) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        combo = dialog.findChild(QComboBox)
        assert combo is not None
        seen.append((dialog.textValue(), [combo.itemText(i) for i in range(combo.count())]))
        if name is None:
            dialog.reject()
            return
        editor = combo.lineEdit()
        assert editor is not None
        editor.selectAll()
        qtbot.keyClicks(editor, name)
        dialog.accept()

    QTimer.singleShot(200, lambda: answer(None))
    window.importing.import_asking([samples["h264"].path])
    assert seen == [("Demo family", ["Demo family"])] and not window.importer.running  # cancelled: nothing
    QTimer.singleShot(200, lambda: answer("Family Birch"))
    window.importing.import_asking([samples["h264"].path])
    qtbot.waitUntil(lambda: not window.importer.running, timeout=30000)
    assert family_names(window) == ["Demo family", "Family Birch"]


def test_families_refuse_a_taken_or_empty_name_and_offer_an_unused_one(vault: Vault) -> None:
    families = Families(vault)
    assert families.offered_label(None) == "Family A"
    a = vault.repo.cases.create("Family A")
    b = vault.repo.cases.create("Family B")
    assert families.offered_label(None) == "Family C"
    families.imported_into("Family B")
    assert families.offered_label(None) == "Family B"
    for bad in ("family a", "  "):
        try:
            families.rename(b.id, bad)
        except FamilyError:
            pass
        else:
            raise AssertionError(f"{bad!r} was accepted")
    assert not families.undo_stack.can_undo  # a refused name is never an undo step
    try:
        families.merge(a.id, a.id)
    except FamilyError as exc:
        assert "itself" in str(exc)
    else:
        raise AssertionError("merged into itself")


def test_what_is_plainly_no_film_is_said_before_the_family_is_asked(
        qtbot: QtBot, tmp_path: Path, vault: Vault, window_on: WindowOn, samples: dict[str, Sample]) -> None:
    photo, empty = tmp_path / "baby.png", tmp_path / "nothing.mp4"
    cv2.imwrite(str(photo), np.full((48, 64, 3), 200, np.uint8))
    empty.write_bytes(b"")
    window = window_on(vault, None)
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        asked.append(dialog.labelText())
        dialog.reject()

    QTimer.singleShot(200, answer)
    window.importing.import_asking([photo, empty, samples["h264"].path])
    assert len(asked) == 1 and asked[0].startswith("Which family is this film of?")  # the one film only
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert f"{photo}: is a photo, not a film" in boxes[0].text()
    assert f"{empty}: is empty (0 bytes)" in boxes[0].text()
    boxes[0].close()
    window.importing.import_asking([photo])  # nothing to import: nothing is asked
    assert len(asked) == 1 and not window.importer.running
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and f"{photo}: is a photo, not a film" in boxes[0].text()  # only why not
    boxes[0].close()
