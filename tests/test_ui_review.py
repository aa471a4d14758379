"""Export dialog, presenter mode and the review handout, with real widgets offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QListWidget, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import Sample, open_vault
from tests.test_ui import wait_shown
from ui.handout_pdf import handout_pdf
from ui.main_window import MainWindow
from ui.qt_player import PlayerView
from vigtool.domain.export import ExportMode
from vigtool.domain.time import FrameRange
from vigtool.services import review
from vigtool.services.importing import import_recording
from vigtool.synth.stamp import read_stamp


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, samples: dict[str, Sample]) -> Iterator[MainWindow]:
    """A film with one clip (key frame 50) and one still (frame 90) chosen for the review."""
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(recording.id)
        wait_shown(qtbot, window, 0)
        ws = window.workspace
        assert ws is not None
        clip = ws.add_clip(FrameRange(30, 70), "Turn-taking")
        ws.update_clip(clip.__class__(clip.id, clip.recording_id, clip.range, clip.title,
                                      "You waited, and she answered.", key_frame=50))
        ws.add_still(90)
        yield window
        if window.presenter is not None:
            window.presenter.close()
        window.close()


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


def test_presenter_shows_the_family_only_footage(qtbot: QtBot, window: MainWindow) -> None:
    controls = window.present_review()
    assert controls is not None
    family = controls.family
    qtbot.waitUntil(lambda: family.isVisible() and family.isFullScreen())
    assert visible_text(family) == []  # no buttons, counters, titles, codes or notes
    assert "answered" not in " ".join(visible_text(family))
    assert controls.prompt.text() == review.DEFAULT_PROMPT  # the prompt is on the practitioner's side
    qtbot.waitUntil(lambda: family.player.frame == 30)  # the clip's first frame, waiting

    controls.pause_on_key()  # plays from the start and stops exactly on the key frame
    qtbot.waitUntil(lambda: not family.player.playing and family.player.frame == 50, timeout=10000)
    qtbot.waitUntil(lambda: stamp_of(family.player) == 50, timeout=5000)

    controls.replay_slowly()
    assert family.player.speed == 0.5
    qtbot.waitUntil(lambda: not family.player.playing and family.player.frame == 69, timeout=15000)

    controls.next_item()  # the still
    qtbot.waitUntil(lambda: stamp_of(family.player) == 90, timeout=5000)
    controls.end()
    assert not family.isVisible()


def test_session_is_kept_for_the_next_meeting(window: MainWindow) -> None:
    first = window.review_session()
    assert first is not None and [i.kind.value for i in first.items] == ["clip", "still"]
    moved = review.move_item(window.vault, first, 1, 0)
    moved = review.set_prompt(window.vault, moved, 0, "What is your baby telling you here?")
    again = window.review_session()
    assert again == moved  # the same session, in the new order, with the new prompt


def test_handout_pdf_holds_the_stills(window: MainWindow, tmp_path: Path) -> None:
    session = window.review_session()
    assert session is not None
    handout = review.build_handout(window.vault, session)
    assert len(handout.images) == 2 and "What do you notice" in handout.body
    assert "Turn-taking" not in handout.body  # the clip's working title is the practitioner's, not the family's
    pdf_path = tmp_path / "moments.pdf"
    pdf_path.write_bytes(handout_pdf(handout))
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
    dialog = window.export_clip_dialog()
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
