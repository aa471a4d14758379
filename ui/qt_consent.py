"""The consent register for one film: who agreed to what (from the signed forms), and withdrawal.

A thin view over vigtool.services.consent: recording a person's consent replaces what was recorded for
them before; withdrawal is honoured at once and, when nothing is allowed any more, lists the copies made
earlier so the practitioner can recall them.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vigtool.domain.consent import Consent, Purpose
from vigtool.domain.model import Recording
from vigtool.services import consent, sharing
from vigtool.services.vault import Vault

DATE_FORMAT = "d MMMM yyyy"  # "1 December 2026": never "1 12 2026", whose day and month a reader must guess


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _day(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


CHECKED_FIRST = "Exports, packages, handouts and the shared review check this first."


class ConsentDialog(QDialog):
    shredded = Signal(int)  # the recording's id: its film is gone

    def __init__(self, vault: Vault, recording: Recording, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.recording = vault, recording
        self.setWindowTitle(f"Consent for {sharing.shown_name(vault, recording)}")
        self.resize(620, 560)
        self.given = QListWidget()
        self.given.setToolTip("Click a person to record a new form for them")
        self._rows: dict[str, Consent] = {}
        self.given.itemClicked.connect(self._row_chosen)
        self.given.setWordWrap(True)
        form = self._form()
        record = QPushButton("Record this consent")
        record.clicked.connect(self.record)
        self.withdraw_button = QPushButton("Withdraw all consent…")
        self.withdraw_button.clicked.connect(self.withdraw_all)
        self.shred_button = QPushButton("Destroy the film now…")
        self.shred_button.setToolTip("Crypto-shredding: the film's key is destroyed first, then its files")
        self.shred_button.setEnabled(False)
        self.shred_button.clicked.connect(self._shred_clicked)
        self.status = QLabel(CHECKED_FIRST)
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Recorded so far"))
        layout.addWidget(self.given)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(record)
        row.addWidget(self.withdraw_button)
        row.addWidget(self.shred_button)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.refresh()

    def _form(self) -> QFormLayout:
        self.person = QLineEdit(placeholderText="as the signed form names them, e.g. Mother")
        # A new form replaces what the person agreed to before: typing (or choosing) someone already
        # recorded ticks what they agreed to so far, so adding one purpose does not drop the others.
        self._known_person: str | None = None
        self.person.textChanged.connect(self._person_typed)
        self.purposes = {p: QCheckBox(p.plain[0].upper() + p.plain[1:]) for p in Purpose}
        self.form_reference = QLineEdit(placeholderText="the signed form's reference")
        today = QDate.currentDate()
        self.given_on = QDateEdit(date=today)
        self.given_on.setCalendarPopup(True)
        self.given_on.setDisplayFormat(DATE_FORMAT)
        self.expires = QCheckBox("Until")
        self.expires_on = QDateEdit(date=today.addYears(1))
        self.expires_on.setCalendarPopup(True)
        self.expires_on.setDisplayFormat(DATE_FORMAT)
        self.expires_on.setEnabled(False)
        self.expires.toggled.connect(self.expires_on.setEnabled)
        purposes = QVBoxLayout()
        for box in self.purposes.values():
            purposes.addWidget(box)
        until = QHBoxLayout()
        until.addWidget(self.expires)
        until.addWidget(self.expires_on, 1)
        form = QFormLayout()
        form.addRow("Person", self.person)
        form.addRow("Agreed to", purposes)
        form.addRow("Signed form", self.form_reference)
        form.addRow("Given on", self.given_on)
        form.addRow("", until)
        return form

    def refresh(self) -> None:
        self.given.clear()
        rows = consent.consents(self.vault, self.recording)
        for c in rows:
            allowed = ", ".join(p.value for p in sorted(c.purposes - c.withdrawn)) or "nothing"
            withdrawn = f" — withdrew {', '.join(p.value for p in sorted(c.withdrawn))}" if c.withdrawn else ""
            until = f", until {long_date(c.expires_on)}" if c.expires_on else ""
            item = QListWidgetItem(f"{c.person}: {allowed}{withdrawn} (form {c.form_reference or '—'}, "
                                   f"{long_date(c.given_on)}{until})")
            item.setData(Qt.ItemDataRole.UserRole, c.person)
            self.given.addItem(item)
        if not rows:
            self.given.addItem("No consent recorded: the film cannot be exported or shown yet.")
        self.withdraw_button.setEnabled(bool(rows))
        self._rows = {c.person.casefold(): c for c in rows}

    def _row_chosen(self, item: QListWidgetItem) -> None:
        person = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(person, str):  # not the "No consent recorded" line
            self.person.setText(person)

    def _person_typed(self, text: str) -> None:
        known = self._rows.get(text.strip().casefold())
        name = known.person.casefold() if known is not None else None
        if name == self._known_person:
            return  # still the same person (or still nobody recorded): her ticks are left as they are
        was_known, self._known_person = self._known_person, name
        if known is not None:
            allowed = known.purposes - known.withdrawn
            for purpose, box in self.purposes.items():
                box.setChecked(purpose in allowed)
            self.status.setText(f"What {known.person} agreed to so far is ticked: recording replaces it.")
        elif was_known is not None:  # typed on past her name: her ticks are not another person's consent
            for box in self.purposes.values():
                box.setChecked(False)
            self.status.setText(CHECKED_FIRST)

    def record(self) -> bool:
        chosen = [p for p, box in self.purposes.items() if box.isChecked()]
        try:
            made = consent.record_consent(
                self.vault, self.recording, self.person.text(), chosen,
                recorded_by=self.vault.identity.public.name if self.vault.identity else "",
                given_on=_day(self.given_on), form_reference=self.form_reference.text().strip(),
                expires_on=_day(self.expires_on) if self.expires.isChecked() else None)
        except ValueError as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(f"Recorded: {made.person} agreed to "
                            f"{', '.join(p.plain for p in sorted(made.purposes)) or 'nothing'}.")
        self.refresh()
        self.person.clear()  # ready for the next person on the form: her ticks are not carried over
        for box in self.purposes.values():
            box.setChecked(False)
        return True

    def withdraw_all(self) -> list[str]:
        """Withdraw everything for everybody; the copies to recall are listed in the dialog."""
        _, copies = consent.withdraw(self.vault, self.recording)
        files = [str(e.detail.get("file", "")) for e in copies]
        self.status.setText("Withdrawn: nothing may be done with this film any more."
                            + ("\nCopies made earlier, to recall:\n" + "\n".join(files) if files else "")
                            + "\nYou can now destroy the film for good.")
        self.refresh()
        self.shred_button.setEnabled(True)
        return files

    def _shred_clicked(self) -> None:
        self.shred()

    def shred(self, *, confirm: bool = True) -> bool:
        """Crypto-shred the film (after asking): its key goes first, then its files and notes."""
        if confirm and QMessageBox.question(
                self, "Destroy the film", f"Destroy {sharing.shown_name(self.vault, self.recording)} (imported "
                f"from {self.recording.source_name}) and everything marked on it, "
                "for good? This cannot be undone.") != QMessageBox.StandardButton.Yes:
            return False
        self.vault.delete_recording(self.recording)
        self.shredded.emit(self.recording.id)
        self.accept()
        return True
