"""The handout for the family, prepared before it is saved: which moments, the practitioner's own prompt
at each, the date of the review, the family's pseudonym only if ticked, and a preview of the very pages.

Questions typed here become the review's prompts when the handout is saved (one undo step), so the shared
review and the handout say the same thing. Nothing is written until Save: Cancel leaves both as they were
(`vigtool.services.handout_draft`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.handout_pdf import handout_pdf
from ui.qt_consent import DATE_FORMAT
from ui.qt_save import ask_save_name, remember
from vigtool.domain.model import DEFAULT_PROMPT, ReviewSession
from vigtool.domain.wording import count
from vigtool.media.errors import MediaError
from vigtool.services import review
from vigtool.services.handout_draft import HandoutDraft
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace


class HandoutDialog(QDialog):
    def __init__(self, vault: Vault, workspace: Workspace, family_label: str, folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.workspace, self.family_label, self.folder = vault, workspace, family_label, folder
        self.saved: Path | None = None
        self.draft = HandoutDraft(vault, workspace)  # the questions typed here, until Save
        self.setWindowTitle("Handout for the family")
        self.resize(1180, 760)
        moments = self._moments()
        self.review_date = QDateEdit(date=QDate.currentDate())
        self.review_date.setDisplayFormat(DATE_FORMAT)
        self.review_date.setCalendarPopup(True)
        self.review_date.dateChanged.connect(self._changed)
        self.with_name = QCheckBox(f"Put the family's name in the vault (“{family_label}”) on it")
        self.with_name.setToolTip("Off unless you tick it: the handout may be seen by others in the home.")
        self.with_name.toggled.connect(self._changed)
        options = QFormLayout()
        options.addRow("Date of the review", self.review_date)
        options.addRow("", self.with_name)
        self.preview = QTextBrowser()
        self.preview.setMinimumHeight(320)
        self.status = QLabel("The preview shows the pages as they will be printed." + self._left_out())
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save as PDF…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.clicked.connect(lambda _c=False: self.save())
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(moments)
        left.addLayout(options)
        left.addStretch(1)
        top.addLayout(left, 2)
        top.addWidget(self.preview, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._preview_timer = QTimer(self, singleShot=True, interval=300)  # not on every key: pictures decode
        self._preview_timer.timeout.connect(self.refresh_preview)
        self.refresh_preview()

    def _moments(self) -> QGridLayout:
        """A tick (in the handout) and the question for the parent, for each moment of the review."""
        self.ticks: dict[int, QCheckBox] = {}
        self.prompts: dict[int, QLineEdit] = {}
        moments = QGridLayout()
        moments.addWidget(QLabel("<b>Moment</b>"), 0, 0)
        moments.addWidget(QLabel("<b>Your question for the parent</b>"), 0, 1)
        for row, entry in enumerate(review.resolve(self.vault, self.session), 1):
            tick = QCheckBox(f"{row}. {entry.caption or entry.label}")
            tick.setChecked(entry.item.in_handout)
            tick.toggled.connect(self._changed)
            prompt = QLineEdit(entry.item.prompt)
            prompt.setPlaceholderText(DEFAULT_PROMPT)
            prompt.setMinimumWidth(300)  # the whole question readable, not its last words
            prompt.setCursorPosition(0)
            prompt.textEdited.connect(lambda text, at=entry.position: self._prompt_edited(at, text))
            self.ticks[entry.position], self.prompts[entry.position] = tick, prompt
            moments.addWidget(tick, row, 0)
            moments.addWidget(prompt, row, 1)
        moments.setColumnStretch(1, 1)
        return moments

    def _left_out(self) -> str:
        left = self.draft.left_out()
        if not left:
            return ""
        return (f" {count(left, 'clip or still', 'clips and stills')} of this film {'is' if left == 1 else 'are'} "
                "not in the shared review yet, so not here: choose one under Clips and stills and press Add "
                "chosen clip or still in the Shared review panel.")

    @property
    def session(self) -> ReviewSession:
        return self.workspace.review.session()

    def chosen(self) -> set[int]:
        return {position for position, tick in self.ticks.items() if tick.isChecked()}

    def options(self) -> tuple[str, date]:
        day = self.review_date.date()
        return (self.family_label if self.with_name.isChecked() else "", date(day.year(), day.month(), day.day()))

    def _prompt_edited(self, position: int, text: str) -> None:
        self.draft.set_prompt(position, text)  # the review's prompt only once the handout is saved
        self._changed()

    def _changed(self) -> None:
        self._preview_timer.start()

    def refresh_preview(self) -> None:
        family, day = self.options()
        try:
            handout = self.draft.build(self.chosen(), family, day)
        except MediaError as exc:
            self.preview.setPlainText(str(exc))
            self.save_button.setEnabled(False)
            return
        document = QTextDocument(self.preview)
        for name, png in handout.images.items():
            image = QImage.fromData(png)
            small = image.scaledToWidth(min(image.width(), 420), Qt.TransformationMode.SmoothTransformation)
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), small)
        document.setHtml(handout.body.replace("width='", "data-width='"))  # the preview fits its pane
        self.preview.setDocument(document)
        self.save_button.setEnabled(bool(handout.images))
        if not handout.images:
            self.status.setText("Tick at least one moment for the handout.")

    def save(self, out: Path | None = None) -> Path | None:
        if out is None:
            chosen, _ = ask_save_name(self, "handout", "Save the handout as", "moments.pdf",
                                      "PDF (*.pdf);;Web page (*.html)")
            if chosen is None:
                return None
            out = chosen
        family, day = self.options()
        try:
            self.draft.save(out, self.chosen(), render=None if out.suffix.lower() == ".html" else handout_pdf,
                            family_name=family, review_date=day)
        except (MediaError, OSError) as exc:
            self.status.setText(f"Handout not saved: {exc}")
            return None
        self.saved = out
        remember("handout", out)
        self.status.setText(f"Saved the handout {out.name}.")
        self.cancel_button.setText("Close")  # nothing is left to cancel
        return out
