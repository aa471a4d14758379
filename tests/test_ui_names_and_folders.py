"""What a film is called on the screen, and where the save dialogs open.

A phone names a film by the minute it was made ("VID_20261114_093012.mp4"), people by the family: the
window calls it by its pseudonym wherever others can see (title bar, lists, dialogs, refusals) and only the
Families panel's tooltip gives the file it came from. Save dialogs open in the folder last used for that
kind of file and propose a name not taken there.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Sample, WindowOn, give_consent, open_vault
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from tests.test_ui_review import visible_text
from ui.main_window import MainWindow
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.services import sharing
from vigtool.services.importing import import_recording
from vigtool.services.session import MemorySettings, SaveFolders, unused_name
from vigtool.services.vault import Vault

PHONE_NAME = "VID_20261114_093012.mp4"


@pytest.fixture
def phone_film(qtbot: QtBot, tmp_path: Path,
               samples: dict[str, Sample]) -> Iterator[tuple[MainWindow, Vault, Recording]]:
    film = tmp_path / PHONE_NAME
    shutil.copy(samples["h264"].path, film)
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, film, "Family A").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(recording.id)
        yield window, vault, recording
        window.close()


def test_the_vault_folder_is_not_in_the_title(qtbot: QtBot, tmp_path: Path, window_on: WindowOn) -> None:
    """A practitioner may name her vault's folder after the family it holds; the title bar (seen in the
    taskbar, the window switcher and on a shared screen) never shows it, with a film open or none."""
    with open_vault(tmp_path / "Smith family") as vault:
        window = window_on(vault, None)
        assert window.windowTitle() == "vigtool"
        assert "Smith" not in window.windowTitle()


def test_the_phone_file_name_is_not_on_the_screen(qtbot: QtBot,
                                                  phone_film: tuple[MainWindow, Vault, Recording]) -> None:
    window, vault, recording = phone_film
    pseudonym = f"recording-{recording.id}.mp4"
    assert window.windowTitle() == f"vigtool — Family A — {pseudonym}"  # the taskbar and a shared screen see it
    family = window.cases.topLevelItem(0)
    assert family is not None and family.child(0) is not None
    item = family.child(0)
    assert item.text(0).startswith(pseudonym) and "VID_" not in item.text(0)
    assert PHONE_NAME in item.toolTip(0)  # for the practitioner who points at it
    # Refused in front of the family (no consent yet): the box names the film by its pseudonym too.
    refusal = sharing.refusal(vault, recording, sharing.Use.PRESENTER)
    assert refusal is not None and refusal.startswith(f"{pseudonym}: ") and "VID_" not in refusal
    give_consent(vault, recording)
    window.workspace.clips.add(FrameRange(30, 60), "")  # type: ignore[union-attr]
    window.marks.set_both(30, 59)
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    assert not [text for text in visible_text(dialog) if "VID_" in text]
    assert f"from {pseudonym}" in " ".join(visible_text(dialog))
    assert Path(dialog.path.text()).name == "moment at 0m01s.mp4"  # where in the film; nothing of the family
    dialog.close()
    consent = window.sharing.consent_dialog()
    assert consent is not None and consent.windowTitle() == f"Consent for {pseudonym}"
    consent.close()


def test_save_dialogs_open_where_the_last_one_saved_and_never_offer_a_taken_name(
        qtbot: QtBot, phone_film: tuple[MainWindow, Vault, Recording], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window, vault, recording = phone_film
    give_consent(vault, recording)
    ws = window.workspace
    assert ws is not None
    ws.clips.add(FrameRange(30, 60), "")
    window.marks.set_both(30, 59)
    exports = tmp_path / "for the family"
    exports.mkdir()
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    dialog.path.setText(str(exports / "moment at 0m01s.mp4"))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60000)
    dialog.close()
    again = window.sharing.export_clip_dialog()  # the next day's export: the same folder, a name not taken
    assert again is not None
    assert Path(again.path.text()) == exports / "moment at 0m01s (2).mp4"
    again.close()

    proposed: list[str] = []

    def save_as(_parent: object, _caption: str, where: str, _filter: str) -> tuple[str, str]:
        proposed.append(where)  # she takes what is proposed, but the first time picks the clip's folder
        return (where if len(proposed) > 1 else str(exports / "moments.pdf")), "PDF (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    ws.review.session()  # the clip goes into the review, so there is a handout to write
    handout = window.sharing.handout_dialog()
    assert handout is not None
    assert "1. Clip at 00:01.0 (1.0 s)" in visible_text(handout)  # where in the film, not the vault's number
    assert handout.save() == exports / "moments.pdf"
    assert handout.save() == exports / "moments (2).pdf"
    assert Path(proposed[1]) == exports / "moments (2).pdf"  # it opened in that folder, on a free name
    handout.close()


def test_a_folder_is_remembered_per_kind_and_forgotten_when_it_is_gone(tmp_path: Path) -> None:
    home, clips, handouts = tmp_path / "home", tmp_path / "clips", tmp_path / "handouts"
    for folder in (home, clips, handouts):
        folder.mkdir()
    folders = SaveFolders(MemorySettings(), home=home)
    assert folders.folder("clip") == home
    folders.remember("clip", clips / "moment at 0m01s.mp4")
    assert folders.folder("handout") == clips  # the first handout goes beside the clip just exported
    folders.remember("handout", handouts)
    assert (folders.folder("clip"), folders.folder("handout"), folders.folder("marks")) == (clips, handouts, handouts)
    folders.remember("key card", home / "theirs.json", saved=False)  # opened from Downloads, say
    assert folders.folder("key card") == home and folders.folder("still") == handouts  # not the family's folder
    (clips / "moment at 0m01s.mp4").write_bytes(b"")
    (clips / "moment at 0m01s (2).mp4").write_bytes(b"")
    assert folders.proposal("clip", "moment at 0m01s.mp4") == clips / "moment at 0m01s (3).mp4"
    assert unused_name(clips / "for supervision.vigpkg") == clips / "for supervision.vigpkg"
    shutil.rmtree(clips)  # a USB stick taken out: the last folder used, or home; not an error
    assert folders.folder("clip") == handouts
    shutil.rmtree(handouts)
    assert folders.folder("clip") == home


def test_after_an_import_the_window_says_which_file_is_which_pseudonym(
        qtbot: QtBot, phone_film: tuple[MainWindow, Vault, Recording], tmp_path: Path,
        samples: dict[str, Sample]) -> None:
    window, _vault, _recording = phone_film
    second = tmp_path / "VID_20261115_101500.mp4"
    shutil.copy(samples["portrait"].path, second)
    window.importing.import_files([second], "Family A")
    qtbot.waitUntil(lambda: not window.importer.running, timeout=60000)
    (result,) = [r for _name, r in window.importer.imported]
    said = window.statusBar().currentMessage()
    assert f"VID_20261115_101500.mp4 is recording-{result.recording.id}.mp4" in said, said
