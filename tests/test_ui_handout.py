"""The family's handout: readable type, a preview before saving, the practitioner's own prompt at each
moment, the date of the review, and the family's pseudonym only when ticked."""

from __future__ import annotations

from pathlib import Path

from conftest import open_vault
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from vigtool.services.demo import ensure_demo_case


def test_the_handout_is_prepared_previewed_and_saved_readable(qtbot: QtBot, tmp_path: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        demo = ensure_demo_case(vault)
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(demo.recording.id, 100)
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
        # The prompt is the review's too (the shared review shows it), as one undo step.
        assert window.review_session().items[first].prompt == "What did you do just before she smiled?"  # type: ignore[union-attr]
        out = dialog.save(tmp_path / "moments.pdf")
        assert out is not None and "Saved the handout moments.pdf" in dialog.status.text()
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
        window.close()
