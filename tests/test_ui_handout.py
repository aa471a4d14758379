"""The family's handout: readable type, a preview before saving, the practitioner's own prompt at each
moment, the date of the review, and the family's pseudonym only when ticked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
from conftest import give_consent, open_vault
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QImage
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from ui.handout_pdf import handout_pdf
from ui.main_window import MainWindow
from vigtool.services import library, review
from vigtool.services.demo import ensure_demo_case
from vigtool.services.importing import import_recording


def test_the_handout_is_prepared_previewed_and_saved_readable(qtbot: QtBot, demo_window: MainWindow,
                                                              tmp_path: Path) -> None:
    window = demo_window
    dialog = window.sharing.handout_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    first = sorted(dialog.prompts)[0]
    dialog.prompts[first].clear()
    qtbot.keyClicks(dialog.prompts[first], "What did you do just before she smiled?")
    dialog.refresh_preview()
    text = dialog.preview.toPlainText()
    assert "What did you do just before she smiled?" in text  # the practitioner's own words
    assert "From our review on" in text
    assert "Demo family" not in text  # the pseudonym only if ticked
    dialog.with_name.setChecked(True)
    dialog.refresh_preview()
    assert "Demo family" in dialog.preview.toPlainText()
    dialog.with_name.setChecked(False)
    assert window.review_session().items[first].prompt != "What did you do just before she smiled?"  # type: ignore[union-attr]
    steps = len(window.workspace.undo_stack)  # type: ignore[union-attr]
    out = dialog.save(tmp_path / "moments.pdf")
    assert out is not None and "Saved the handout moments.pdf" in dialog.status.text()
    # Saved, the question is the review's too (the shared review shows it), as one undo step.
    assert window.review_session().items[first].prompt == "What did you do just before she smiled?"  # type: ignore[union-attr]
    assert len(window.workspace.undo_stack) == steps + 1  # type: ignore[union-attr]
    assert dialog.cancel_button.text() == "Close"  # after saving, nothing is left to cancel
    document = QPdfDocument()
    document.load(str(out))
    page_text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
    assert "What did you do just before she smiled?" in page_text.replace("\n", " ")
    assert "Demo family" not in page_text
    # The type size, read off the page: the width in points of the body's first words, against their
    # width in the same font at 100 px a letter.
    words = "These are moments"
    first_page = document.getAllText(0).text()
    on_page = document.getSelectionAtIndex(0, first_page.index(words), len(words)).boundingRectangle().width()
    font = QFont("DejaVu Sans")
    font.setPixelSize(100)
    body_pt = 100 * on_page / QFontMetricsF(font).horizontalAdvance(words)
    assert body_pt >= 11, f"body text {body_pt:.1f} pt"  # was about 7.5 pt
    dialog.close()


def test_cancel_leaves_the_questions_as_they_were(qtbot: QtBot, demo_window: MainWindow) -> None:
    """Questions typed and then Cancel: the shared review still asks what it asked, and nothing can be undone
    (nothing was written); the handout opened again shows the questions as they were."""
    window, vault = demo_window, demo_window.vault
    demo = ensure_demo_case(vault)  # there already: its case and film
    ws = window.workspace
    assert ws is not None
    before = window.review_session()
    assert before is not None
    steps = len(ws.undo_stack)
    dialog = window.sharing.handout_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    for field in dialog.prompts.values():
        field.selectAll()
        qtbot.keyClicks(field, "Something I changed my mind about")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert window.review_session() == before
    assert vault.repo.reviews.list(demo.recording.case_id)[0] == before  # nothing written
    assert len(ws.undo_stack) == steps
    assert window.review_panel.editor is not None
    panel_prompts = [r.prompt for r in window.review_panel.editor.rows]
    assert "Something I changed my mind about" not in panel_prompts
    again = window.sharing.handout_dialog()
    assert again is not None
    qtbot.addWidget(again)
    assert again.prompts and {p: f.text() for p, f in again.prompts.items()} == \
        {p: before.items[p].prompt for p in again.prompts}
    again.close()


def test_the_handout_says_which_new_moments_are_not_in_the_review(qtbot: QtBot, demo_window: MainWindow) -> None:
    """A clip made after the shared review was put together is not in its handout until it is added: the
    handout says so and where to add it, rather than leaving the practitioner to wonder where it went."""
    window = demo_window
    dialog = window.sharing.handout_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert "not in the shared review" not in dialog.status.text()  # every moment of the film is in it
    moments = len(dialog.prompts)
    dialog.close()
    window.marks.set_both(400, 460)
    window.player.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_C)  # a clip, as the practitioner makes one
    again = window.sharing.handout_dialog()
    assert again is not None
    qtbot.addWidget(again)
    assert len(again.prompts) == moments
    assert "1 clip or still of this film is not in the shared review yet" in again.status.text()
    assert "Add chosen clip or still" in again.status.text()
    again.close()


def test_a_portrait_phone_picture_is_whole_on_one_page(tmp_path: Path) -> None:
    """A phone held upright films 720×1280: each picture of the handout is on one page, never cut across two."""
    film = tmp_path / "upright.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=720x1280:rate=30", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(film)],
                   check=True)
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, film, "Family A").recording
        give_consent(vault, recording)
        workspace = library.open_workspace(vault, recording)
        for frame in (5, 20):
            workspace.stills.add(frame)
        session = workspace.review.session()
        assert session is not None
        handout = review.build_handout(vault, session)
        out = review.save_handout(vault, session, tmp_path / "moments.pdf", render=handout_pdf)
    document = QPdfDocument()
    document.load(str(out))
    pages = []
    for page in range(document.pageCount()):
        size = document.pagePointSize(page).toSize()
        image = document.render(page, size).convertToFormat(QImage.Format.Format_RGB888)
        pages.append(np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
                     [:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy())
    for name, png in handout.images.items():
        picture = cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        best = 0.0
        for page in pages:  # rendered at 72 dpi, a picture comes out at about three quarters of its pixels
            for scale in np.linspace(0.70, 0.80, 5):
                template = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                if template.shape[0] <= page.shape[0] and template.shape[1] <= page.shape[1]:
                    best = max(best, float(cv2.matchTemplate(page, template, cv2.TM_CCOEFF_NORMED).max()))
        assert best > 0.9, f"{name} is not whole on any page of the handout (best match {best:.2f})"
