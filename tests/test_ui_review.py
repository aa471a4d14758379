"""Export dialog, presenter mode and the review handout, with real widgets offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QListWidget, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import Sample, WindowOn, give_consent
from ui.handout_pdf import handout_pdf
from ui.main_window import MainWindow
from ui.qt_player import PlayerView
from vigtool.domain.export import ExportMode
from vigtool.domain.model import Actor
from vigtool.domain.time import FrameRange
from vigtool.services import review
from vigtool.services.importing import import_recording
from vigtool.services.packaging import open_package
from vigtool.services.vault import Vault
from vigtool.synth.stamp import read_stamp


@pytest.fixture
def window(vault: Vault, samples: dict[str, Sample], window_on: WindowOn) -> Iterator[MainWindow]:
    """A film with one clip (key frame 50) and one still (frame 90) chosen for the review."""
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    give_consent(vault, recording)
    window = window_on(vault, recording.id, first_frame=True)
    ws = window.workspace
    assert ws is not None
    clip = ws.clips.add(FrameRange(30, 70), "Turn-taking")
    ws.clips.update(clip.__class__(clip.id, clip.recording_id, clip.range, clip.title,
                                  "You waited, and she answered.", key_frame=50))
    ws.stills.add(90)
    yield window
    if window.sharing.presenter is not None:
        window.sharing.presenter.close()


def stamp_of(player: PlayerView) -> int | None:
    """The frame-index stamp of the still picture the family sees."""
    if player.canvas.image is None:
        return None
    image = player.canvas.image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())[:, : width * 3]
    return read_stamp(data.reshape(height, width, 3))


def visible_text(widget: QWidget) -> list[str]:
    """Every piece of text a person could read on the widget."""
    texts = []
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if isinstance(child, QLabel | QAbstractButton | QLineEdit) and child.text().strip():
            texts.append(child.text())
        if isinstance(child, QListWidget) and child.count():
            texts.append("list")
    return texts


def test_preparing_the_review_in_its_panel(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.review_panel
    window.review_dock.raise_()
    assert [panel.items.item(r).text()[:8] for r in range(panel.items.count())] == ["1. Clip ", "2. Still"]
    panel.items.setCurrentRow(1)
    qtbot.mouseClick(panel.up, Qt.MouseButton.LeftButton)  # the still first
    assert panel.items.currentRow() == 0 and panel.items.item(0).text().startswith("1. Still")
    panel.prompt.selectAll()
    qtbot.keyClicks(panel.prompt, "What is your baby telling you here?")
    panel.items.item(1).setCheckState(Qt.CheckState.Unchecked)  # the clip stays out of the handout
    session = window.review_session()
    assert session is not None
    assert [i.kind.value for i in session.items] == ["still", "clip"]
    assert session.items[0].prompt == "What is your baby telling you here?" and not session.items[1].in_handout
    assert len(review.build_handout(window.vault, session).images) == 1  # only what was ticked
    assert window.workspace is not None
    window.open_recording(window.workspace.recording.id)  # as at the next meeting: read back from the vault
    assert window.review_session() == session


def test_each_review_change_is_one_undo_step(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.review_panel
    before = window.review_session()
    panel.items.setCurrentRow(1)
    qtbot.mouseClick(panel.up, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.prompt, " Look!")
    panel.items.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert window.review_session() != before
    for _ in range(3):
        window.undo()
    assert window.review_session() == before
    assert panel.items.item(0).text().startswith("1. Clip") and panel.prompt.text() == review.DEFAULT_PROMPT


def test_a_moment_dragged_or_added_is_the_one_worked_on(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.review_panel
    window.review_dock.raise_()
    panel.items.setCurrentRow(0)
    assert panel.items.model().moveRow(QModelIndex(), 1, QModelIndex(), 0)  # the still dragged to the top
    qtbot.waitUntil(lambda: panel.items.item(0).text().startswith("1. Still"))
    session = window.review_session()
    assert session is not None and [i.kind.value for i in session.items] == ["still", "clip"]
    assert panel.items.currentRow() == 0 and panel.editor is not None and panel.editor.current == 0
    qtbot.keyClicks(panel.prompt, "?")
    assert window.review_session().items[0].prompt.endswith("?")  # typed for the moment dragged, not the clip
    ws = window.workspace
    assert ws is not None
    late = ws.stills.add(100, "Later on")
    window.clip_bin.setCurrentRow(window.clip_bin.count() - 1)  # the new still, chosen in the bin
    window.sharing.add_to_review()
    assert panel.items.count() == 3 and panel.items.currentRow() == 2  # ready for its prompt
    assert panel.items.item(2).text().endswith("Later on")
    assert panel.prompt.text() == review.DEFAULT_PROMPT and panel.prompt.isEnabled()
    assert [i.ref_id for i in window.review_session().items][-1] == late.id


def test_handout_pdf_holds_the_stills(window: MainWindow, tmp_path: Path) -> None:
    session = window.review_session()
    assert session is not None
    handout = review.build_handout(window.vault, session)
    assert len(handout.images) == 2 and "What do you notice" in handout.body
    assert "Turn-taking" not in handout.body  # the clip's working title is the practitioner's, not the family's
    pdf_path = review.save_handout(window.vault, session, tmp_path / "moments.pdf", render=handout_pdf)
    assert window.vault.exports.entries()[-1].detail["file"] == str(pdf_path.resolve())  # logged
    document = QPdfDocument()
    document.load(str(pdf_path))
    assert document.pageCount() >= 1
    pages = []
    for page in range(document.pageCount()):
        size = document.pagePointSize(page).toSize() * 2
        image = document.render(page, QSize(size.width(), size.height())).convertToFormat(
            document.render(page, QSize(1, 1)).Format.Format_RGB888)
        pages.append(np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
                     [:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy())
    for name, png in handout.images.items():
        still = cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        best = 0.0
        for page in pages:  # the still, at whatever scale the page laid it out
            for scale in np.linspace(0.5, 2.5, 41):
                templ = cv2.resize(still, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                if templ.shape[0] > page.shape[0] or templ.shape[1] > page.shape[1]:
                    continue
                best = max(best, float(cv2.matchTemplate(page, templ, cv2.TM_CCOEFF_NORMED).max()))
        assert best > 0.9, f"{name} is not on the handout's pages (best match {best:.2f})"


def test_export_dialog_writes_in_the_background_and_cancel_leaves_nothing(qtbot: QtBot, window: MainWindow,
                                                                         tmp_path: Path) -> None:
    window.clip_bin.setCurrentRow(0)
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    assert dialog.caption.text() == "You waited, and she answered."  # the clip's caption, ready to burn in
    dialog.caption.clear()  # without it, nothing forces a re-encode
    out = tmp_path / "moment.mp4"
    dialog.path.setText(str(out))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20000)
    assert out.exists() and dialog.outcome is not None and dialog.outcome.mode is ExportMode.SMART
    assert "Saved moment.mp4" in dialog.status.text()

    slow = tmp_path / "slow.mp4"
    dialog.outcome = None
    dialog.path.setText(str(slow))
    dialog.speed.setCurrentIndex(2)  # a quarter speed: long enough to cancel
    dialog.export_button.setEnabled(True)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.bar.maximum() > 0 and dialog.bar.value() > 0, timeout=20000)
    dialog._cancel_or_close()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    assert "nothing was written" in dialog.status.text() or dialog.outcome is not None
    if dialog.outcome is None:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["moment.mp4", "v"]
    dialog.close()


def test_the_review_travels_as_a_package_and_opens_again(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    dialog = window.sharing.package_review_dialog()
    assert dialog is not None
    out = tmp_path / "review.vigpkg"
    dialog.path.setText(str(out))
    dialog.passphrase.setText("for the family visit")
    dialog.passphrase_again.setText("for the family visi")
    dialog.start()
    assert "differ" in dialog.status.text() and dialog.job is None  # a typo is caught before anything is written
    dialog.passphrase_again.setText("for the family visit")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30000)
    assert out.exists() and "Saved review.vigpkg (2 moments" in dialog.status.text()
    dialog.close()

    viewer = window.sharing.open_package_dialog(out, "for the family visit")
    assert viewer is not None
    qtbot.addWidget(viewer)
    assert [viewer.list.item(r).text() for r in range(viewer.list.count())] == [
        "1. Clip — You waited, and she answered.", "2. Still"]
    assert viewer.prompt.text() == review.DEFAULT_PROMPT
    shown: list[int | None] = []

    def frame_shown(frame: QVideoFrame) -> None:
        image = frame.toImage().convertToFormat(QImage.Format.Format_RGB888)
        if not image.isNull():
            data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
            shown.append(read_stamp(data[:, :image.width() * 3].reshape(image.height(), image.width(), 3)))

    viewer.video.videoSink().videoFrameChanged.connect(frame_shown)
    viewer.play()  # the clip plays from the package itself: frames 30.. of the film
    qtbot.waitUntil(lambda: len(shown) >= 5, timeout=15000)
    assert shown[0] == 30 and shown == sorted(shown)
    viewer.list.setCurrentRow(1)
    assert viewer.stage.currentWidget() is viewer.picture and not viewer.picture.pixmap().isNull()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.vigpkg", "vault"]  # nothing else on the disk
    folder = tmp_path / "saved"
    folder.mkdir()
    assert sorted(p.name for p in viewer.save_files(folder)) == ["01 clip.mp4", "02 still.png", "handout.html"]
    assert "unencrypted" in viewer.status.text()
    viewer.close()


def test_export_dialog_can_seal_the_clip_in_a_package(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.clip_bin.setCurrentRow(0)
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    dialog.path.setText(str(tmp_path / "moment.mp4"))
    dialog.encrypt.setChecked(True)
    assert dialog.path.text().endswith("moment.vigpkg") and dialog.passphrase.isEnabled()
    dialog.passphrase.setText("a passphrase for one clip")
    dialog.passphrase_again.setText("a passphrase for one clip")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30000)
    assert "encrypted package moment.vigpkg" in dialog.status.text()
    package = open_package(tmp_path / "moment.vigpkg", "a passphrase for one clip")
    assert [(i["frames"], i["pause_at"]) for i in package.manifest["items"]] == [([30, 70], 20)]
    dialog.close()


def test_what_is_chosen_in_the_export_dialog_is_what_is_written(qtbot: QtBot, window: MainWindow,
                                                                tmp_path: Path) -> None:
    """Qt hands back an enum member of a drop-down as a plain string: the caption drawn under the picture
    and "Encode afresh" were silently ignored while the dialog said the clip was saved."""
    window.clip_bin.setCurrentRow(0)
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    dialog.caption_mode.setCurrentIndex(dialog.caption_mode.findText("Drawn under the picture"))
    out = tmp_path / "captioned.mp4"
    dialog.path.setText(str(out))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30000)
    with av.open(str(out)) as film:
        height = film.streams.video[0].codec_context.height
    assert height > 240  # the film is 320×240: the caption's band is drawn under it
    assert "encoded afresh" in dialog.status.text()
    dialog.close()

    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    dialog.caption.clear()
    dialog.mode.setCurrentIndex(dialog.mode.findText("Encode afresh"))
    again = tmp_path / "afresh.mp4"
    dialog.path.setText(str(again))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30000)
    assert dialog.outcome is not None and dialog.outcome.mode is ExportMode.REENCODE
    assert "encoded afresh" in dialog.status.text()
    dialog.close()


def test_the_inspector_changes_who_did_a_mark(qtbot: QtBot, window: MainWindow) -> None:
    ws = window.workspace
    assert ws is not None
    mark = ws.marks.add("init.look", FrameRange(10, 11))
    window.inspector.show_annotations([mark])
    who = window.inspector.actor
    assert who.currentText() == "Baby"
    who.setCurrentIndex(who.findText("Parent"))
    who.activated.emit(who.currentIndex())  # as when the practitioner picks it
    (changed,) = [a for a in window.vault.repo.annotations.list(ws.recording.id) if a.id == mark.id]
    assert changed.actor is Actor.PARENT
    ws.undo()
    (back,) = [a for a in window.vault.repo.annotations.list(ws.recording.id) if a.id == mark.id]
    assert back.actor == mark.actor
