"""File ▸ Open vault: the other vault is unlocked over this one's window, and only then is this one closed. A
wrong passphrase and then Cancel leave the practitioner in her vault, on her film (the app used to close her
window first, and Cancel then quit the app)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSPHRASE, open_vault
from pytestqt.qtbot import QtBot

from ui import app
from ui.main_window import MainWindow
from ui.qt_unlock_dialog import UnlockDialog
from vigtool.services.vault import Vault


def typing(qtbot: QtBot, *passphrases: str) -> type[UnlockDialog]:
    """An unlock dialog into which the practitioner types each passphrase and presses Return; when none is
    left to type, she presses Cancel."""
    class Typed(UnlockDialog):
        def exec(self) -> int:
            for text in passphrases:
                self.passphrase.clear()
                qtbot.keyClicks(self.passphrase, text)
                self.try_unlock()  # what Return (the default button) does
                if self.vault is not None:
                    return int(UnlockDialog.DialogCode.Accepted.value)
                assert "does not open this vault" in self.message.text()
            return int(UnlockDialog.DialogCode.Rejected.value)
    return Typed


def test_a_wrong_passphrase_and_cancel_leave_her_where_she_was(qtbot: QtBot, tmp_path: Path, demo_window: MainWindow,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with open_vault(tmp_path / "other"):
        pass
    window = demo_window
    film = window.workspace.recording.id if window.workspace else None
    waiting: list[tuple[Path, Vault]] = []
    monkeypatch.setattr(app, "UnlockDialog", typing(qtbot, "not the passphrase"))
    app._switch(waiting, str(tmp_path / "other"), window)
    assert window.isVisible() and not waiting
    assert "still in this one" in window.statusBar().currentMessage()
    assert window.workspace is not None and window.workspace.recording.id == film
    window.player.show_frame(101)  # the film is still there to work on
    assert window.player.frame == 101
    app._switch(waiting, str(window.vault.path), window)  # the vault open now: nothing to switch to
    assert window.isVisible() and not waiting
    assert "the one open now" in window.statusBar().currentMessage()
    # The right passphrase, after a wrong one: then this window closes, the other vault is open.
    monkeypatch.setattr(app, "UnlockDialog", typing(qtbot, "wrong", PASSPHRASE))
    app._switch(waiting, str(tmp_path / "other"), window)
    assert not window.isVisible()
    assert [folder for folder, _v in waiting] == [tmp_path / "other"]
    waiting[0][1].close()
