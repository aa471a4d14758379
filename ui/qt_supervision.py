"""Supervision from the window: the people packages go to and come from (key cards and fingerprints),
sending films with their marks to a supervisor, sending a supervisor's comments back, and how closely two
lanes agree (Cohen's kappa).

Thin over `vigtool.services.supervision`: the dialogs choose, the services do the work (the sending on an
export job, off the GUI thread, with progress and Cancel)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.qt_export import JobDialog
from vigtool.domain.agreement import NONE, Agreement
from vigtool.domain.codebook import Codebook
from vigtool.domain.consent import Purpose
from vigtool.domain.model import Recording
from vigtool.domain.wording import count
from vigtool.media.errors import MediaError
from vigtool.services import consent, library, supervision
from vigtool.services.library import PACKAGE_SUFFIX, IdentityError, PublicIdentity
from vigtool.services.vault import Vault

if TYPE_CHECKING:
    from ui.main_window import MainWindow

KEY_CARD_FILTER = "Key card (*.json)"
AGREE_COLOUR = "#dcefdc"  # the cells where both lanes say the same: a quiet green
_COMPARE = ("Read your fingerprints to each other by phone (or side by side): send footage only when they "
            "match. Someone else's key card with your partner's name on it would show a different one.")


class PartnersDialog(QDialog):
    """Your key card to give out, and the key cards of the people you send packages to."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.setWindowTitle("Supervision partners")
        assert vault.identity is not None
        public = vault.identity.public
        layout = QVBoxLayout(self)
        you = QLabel(f"<b>You</b>: {public.name}<br>Your fingerprint: <tt>{public.fingerprint}</tt>")
        you.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(you)
        save = QPushButton("Save my key card…")
        save.clicked.connect(lambda _checked=False: self.save_key_card())  # not clicked(bool) as a path
        layout.addWidget(save, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel("<b>Partners</b> (supervisors, and the practitioners you supervise)"))
        self.partners = QListWidget()
        layout.addWidget(self.partners)
        add = QPushButton("Add a partner's key card…")
        add.clicked.connect(lambda _checked=False: self.add_key_card())
        layout.addWidget(add, alignment=Qt.AlignmentFlag.AlignLeft)
        self.status = QLabel(_COMPARE)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 440)
        self._fill()

    def _fill(self) -> None:
        self.partners.clear()
        for contact in library.contacts(self.vault):
            self.partners.addItem(f"{contact.name} — {contact.fingerprint}")
        if self.partners.count() == 0:
            item = QListWidgetItem("Nobody yet: add your supervisor's key card.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.partners.addItem(item)

    def save_key_card(self, out: Path | None = None) -> Path | None:
        if out is None:
            name, _ = QFileDialog.getSaveFileName(self, "Save my key card as",
                                                  str(Path.home() / "my vigtool key card.json"), KEY_CARD_FILTER)
            if not name:
                return None
            out = Path(name)
        try:
            public = supervision.save_key_card(self.vault, out)
        except OSError as exc:
            self.status.setText(f"Not saved: {out}: {exc.strerror or exc}")
            return None
        self.status.setText(f"Saved {out.name}. It holds no secret: give it to your partner, then compare "
                            f"fingerprints ({public.fingerprint}).")
        return out

    def add_key_card(self, path: Path | None = None, name: str | None = None) -> PublicIdentity | None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "A partner's key card", str(Path.home()), KEY_CARD_FILTER)
            if not chosen:
                return None
            path = Path(chosen)
        if name is None:
            try:
                suggested = PublicIdentity.from_file(path.read_text(), str(path)).name
            except (OSError, UnicodeDecodeError, IdentityError) as exc:
                self.status.setText(f"Not added: {exc}")
                return None
            name, ok = QInputDialog.getText(self, "Add a partner", "Their name, as you want to see it:",
                                            QLineEdit.EchoMode.Normal, suggested)
            if not ok:
                return None
        try:
            contact, added = supervision.add_contact(self.vault, path, name)
        except ValueError as exc:  # IdentityError included: not a key card, damaged, changed
            self.status.setText(f"Not added: {exc}")
            return None
        self._fill()
        self.status.setText(f"{'Added' if added else 'Already a partner:'} {contact.name}. Their fingerprint: "
                            f"{contact.fingerprint}. {_COMPARE}")
        return contact


class SendForSupervisionDialog(JobDialog):
    """Films of one case with their marks, encrypted to one partner and signed by you."""

    def __init__(self, vault: Vault, recordings: list[Recording], chosen: int | None, folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.sent: Path | None = None
        self.setWindowTitle("Send for supervision")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Films to send, with every mark and chain on them:"))
        self.films = QListWidget()
        self._recordings: list[Recording] = []
        for recording in recordings:
            self._add_film(recording, recording.id == chosen)
        layout.addWidget(self.films)
        self.partners = QComboBox()
        self._contacts = library.contacts(vault)
        for contact in self._contacts:
            self.partners.addItem(f"{contact.name} — {contact.fingerprint}")
        row = QHBoxLayout()
        row.addWidget(QLabel("To:"))
        row.addWidget(self.partners, 1)
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Save as:"))
        row.addLayout(self._save_path(folder / f"for supervision{PACKAGE_SUFFIX}", "Save the package as",
                                      lambda: f"Encrypted package (*{PACKAGE_SUFFIX})"), 1)
        layout.addLayout(row)
        self.send_button = self._controls(
            layout, "Only the partner you choose can open it; it shows them it came from you.", "Send", self.start)
        if not self._contacts:
            self.status.setText("Add your supervisor's key card first (File ▸ Supervision partners…).")
            self.send_button.setEnabled(False)
        self.resize(560, 420)

    def _add_film(self, recording: Recording, checked: bool) -> None:
        item = QListWidgetItem(recording.source_name)
        try:
            consent.check(self.vault, recording, Purpose.SUPERVISION)
        except MediaError as exc:  # shown, not hidden: the practitioner sees why it cannot go
            item.setText(f"{recording.source_name} — the family has not consented to supervision")
            item.setToolTip(f"{exc}. Record their consent under File ▸ Consent for this film.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
        else:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, len(self._recordings))
        self._recordings.append(recording)
        self.films.addItem(item)

    def chosen(self) -> list[Recording]:
        return [self._recordings[int(item.data(Qt.ItemDataRole.UserRole))]
                for item in (self.films.item(k) for k in range(self.films.count()))
                if item.flags() & Qt.ItemFlag.ItemIsUserCheckable and item.checkState() == Qt.CheckState.Checked]

    def start(self) -> None:
        recordings = self.chosen()
        if not recordings:
            self.status.setText("Tick at least one film.")
            return
        to = self._contacts[self.partners.currentIndex()]
        out = Path(self.path.text())
        if out.suffix != PACKAGE_SUFFIX:
            out = out.with_name(out.name + PACKAGE_SUFFIX)
        vault = self.vault
        job = self._run(lambda progress, cancelled: supervision.send_for_supervision(
            vault, recordings, to, out, progress=progress, cancelled=cancelled))
        job.finished.connect(lambda written: self._ended(
            f"Wrote {out.name}: {count(len(recordings), 'film')} with their marks, for {to.name} only, signed by you.",
            written))
        job.failed.connect(lambda message: self._ended(f"Not sent: {message}"))
        job.cancelled.connect(lambda: self._ended("Cancelled; nothing was written."))
        self.send_button.setEnabled(False)
        self.status.setText(f"Encrypting {count(len(recordings), 'film')} for {to.name}…")
        job.start()

    def _ended(self, message: str, written: Path | None = None) -> None:
        self._end_job()
        self.status.setText(message)
        self.send_button.setEnabled(written is None)
        if written is not None:
            self.sent = written
            self.path.setText(str(written))
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")


def send_for_supervision(window: MainWindow) -> SendForSupervisionDialog | None:
    ws = window.workspace
    if ws is None:
        window.statusBar().showMessage("Open a film first; its case's films can then be sent.", 5000)
        return None
    recordings = library.sendable_films(window.vault, ws.recording.case_id)  # received films go back as comments
    dialog = SendForSupervisionDialog(window.vault, recordings, ws.recording.id, Path.home(), window)
    dialog.show()
    return dialog


def send_comments(window: MainWindow, out: Path | None = None) -> Path | None:
    """The Supervision lane of a film that came for supervision, back to the practitioner (no footage)."""
    ws = window.workspace
    if ws is None or not library.is_received(window.vault, ws.recording.id):
        window.statusBar().showMessage("Comments go back on a film that came to you for supervision "
                                       "(File ▸ Open a package).", 8000)
        return None
    if out is None:
        name, _ = QFileDialog.getSaveFileName(window, "Save your comments as",
                                              str(Path.home() / f"comments on {ws.recording.source_name}"
                                                  f"{PACKAGE_SUFFIX}"), f"Encrypted package (*{PACKAGE_SUFFIX})")
        if not name:
            return None
        out = Path(name)
    try:
        supervision.send_comments(window.vault, ws.recording, out)
    except (MediaError, ValueError, OSError) as exc:
        QMessageBox.warning(window, "Comments not sent", str(exc))
        return None
    window.statusBar().showMessage(f"Wrote {out.name}: your comments on the Supervision lane, no footage, "
                                   "for the practitioner who sent the film.", 10000)
    return out


def show_partners(window: MainWindow) -> PartnersDialog:
    dialog = PartnersDialog(window.vault, window)
    dialog.show()
    return dialog


def _strength(kappa: float) -> str:
    """Landis and Koch's words for a kappa, the scale supervisors are taught."""
    for bound, words in ((0.0, "less than chance"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                         (0.8, "substantial")):
        if kappa <= bound:
            return words
    return "almost perfect"


class AgreementDialog(QDialog):
    """How closely two lanes of one film agree, frame by frame: Cohen's kappa and where they differ."""

    def __init__(self, vault: Vault, recording: Recording, lanes: list[str], codebook: Codebook,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.recording, self.codebook = vault, recording, codebook
        self.agreement: Agreement | None = None
        self.setWindowTitle(f"Agreement — {recording.source_name}")
        layout = QVBoxLayout(self)
        self.lane_a, self.lane_b = QComboBox(), QComboBox()
        for combo in (self.lane_a, self.lane_b):
            combo.addItems(lanes)
        supervisors = [k for k, name in enumerate(lanes) if name.startswith("Supervision")]
        self.lane_b.setCurrentIndex(supervisors[0] if supervisors else min(1, len(lanes) - 1))
        parent_lanes = [k for k, name in enumerate(lanes) if "Parent" in name]
        self.lane_a.setCurrentIndex(parent_lanes[0] if parent_lanes else 0)
        row = QHBoxLayout()
        row.addWidget(self.lane_a, 1)
        row.addWidget(QLabel("and"))
        row.addWidget(self.lane_b, 1)
        layout.addLayout(row)
        self.coded_only = QCheckBox("Only the frames at least one lane marks")
        layout.addWidget(self.coded_only)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.table = QTableWidget()
        self.table.horizontalHeader().setMinimumSectionSize(64)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for combo in (self.lane_a, self.lane_b):
            combo.currentIndexChanged.connect(lambda _index: self.refresh())
        self.coded_only.toggled.connect(lambda _on: self.refresh())
        self.resize(640, 480)
        self.refresh()

    def _header(self, label: str) -> QTableWidgetItem:
        """The code's id (short enough for a column), its words as the tooltip."""
        item = QTableWidgetItem("not marked" if label == NONE else label)
        with contextlib.suppress(KeyError):  # a code no longer in the codebook keeps its id only
            item.setToolTip(self.codebook.code(label).label)
        return item

    def refresh(self) -> None:
        a, b = self.lane_a.currentText(), self.lane_b.currentText()
        try:
            self.agreement = supervision.agreement(self.vault, self.recording, a, b,
                                                coded_only=self.coded_only.isChecked())
        except ValueError as exc:
            self.agreement = None
            self.summary.setText(str(exc))
            self.table.clear()
            return
        result = self.agreement
        if result.frames == 0:
            self.summary.setText("Neither lane marks any frame yet.")
        elif result.kappa is None:
            self.summary.setText(f"Both lanes say the same throughout these {result.frames} frames, so kappa "
                                 "is not defined: there is nothing to tell apart.")
        else:
            self.summary.setText(
                f"Cohen's kappa <b>{result.kappa:.2f}</b> ({_strength(result.kappa)}) over {result.frames} "
                f"frames: the lanes agree on {float(result.observed):.0%} of them, where chance alone would "
                f"give {float(result.expected):.0%}.")
        rows = sorted({la for la, _lb in result.confusion})
        columns = sorted({lb for _la, lb in result.confusion})
        self.table.clear()
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(len(columns))
        for k, label in enumerate(rows):
            self.table.setVerticalHeaderItem(k, self._header(label))
        for k, label in enumerate(columns):
            self.table.setHorizontalHeaderItem(k, self._header(label))
        self.caption.setText(f"Frames in each cell: rows as {a} marks them, columns as {b} does. "
                             "Point at a code for its words.")
        for i, row_label in enumerate(rows):
            for j, column_label in enumerate(columns):
                frames = result.confusion.get((row_label, column_label), 0)
                item = QTableWidgetItem(str(frames) if frames else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if row_label == column_label and frames:
                    item.setBackground(QColor(AGREE_COLOUR))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()


def show_agreement(window: MainWindow) -> AgreementDialog | None:
    ws = window.workspace
    if ws is None:
        window.statusBar().showMessage("Open a film first.", 5000)
        return None
    lanes = [t.name for t in ws.layer.tracks]
    dialog = AgreementDialog(window.vault, ws.recording, lanes, ws.codebook, window)
    dialog.show()
    return dialog
