"""Supervision from the window: your name, the people packages go to and come from (key cards and
fingerprints), sending films with their marks to a supervisor, and sending a supervisor's comments back.
(How closely two coders agree is in `ui.qt_agreement`.)

Thin over `vigtool.services.supervision`: the dialogs choose, the services do the work (the sending on an
export job, off the GUI thread, with progress and Cancel)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.qt_export import JobDialog
from ui.qt_refusal import refused
from ui.qt_save import ask_open_name, ask_save_name, remember, save_folders
from vigtool.domain.model import Recording
from vigtool.domain.wording import count
from vigtool.media.errors import MediaError
from vigtool.services import lanes, library, sharing, supervision
from vigtool.services.library import PACKAGE_SUFFIX, IdentityError, PublicIdentity
from vigtool.services.session import unused_name
from vigtool.services.vault import Vault

if TYPE_CHECKING:
    from ui.main_window import MainWindow

KEY_CARD_FILTER = "Key card (*.json)"
_COMPARE = ("Read your fingerprints to each other by phone (or side by side): send footage only when they "
            "match. Someone else's key card with your partner's name on it would show a different one.")


class PartnersDialog(QDialog):
    """Your key card to give out, and the key cards of the people you send packages to."""

    def __init__(self, vault: Vault, parent: QWidget | None = None, window: MainWindow | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.window_of_vault = window  # whose lanes to relabel when the name changes
        self.setWindowTitle("Supervision partners")
        layout = QVBoxLayout(self)
        self.you = QLabel()
        self.you.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.you)
        row = QHBoxLayout()
        save = QPushButton("Save my key card…")
        save.clicked.connect(lambda _checked=False: self.save_key_card())  # not clicked(bool) as a path
        row.addWidget(save)
        rename = QPushButton("Change my name…")
        rename.clicked.connect(lambda _checked=False: self.change_name())
        row.addWidget(rename)
        row.addStretch(1)
        layout.addLayout(row)
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
        assert self.vault.identity is not None
        public = self.vault.identity.public
        self.you.setText(f"<b>You</b>: {escape(public.name)}<br>Your fingerprint: <tt>{public.fingerprint}</tt>")
        self.partners.clear()
        for contact in library.contacts(self.vault):
            self.partners.addItem(f"{contact.name} — {contact.fingerprint}")
        if self.partners.count() == 0:
            item = QListWidgetItem("Nobody yet: add your supervisor's key card.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.partners.addItem(item)

    def change_name(self, name: str | None = None) -> bool:
        if self.window_of_vault is not None:
            changed = ask_name(self.window_of_vault, name)
        else:
            problem = _ask_name(self, self.vault, name)
            changed = not problem
            if problem not in ("", "-"):
                self.status.setText(f"Name not changed: {problem}")
        if changed:
            self._fill()
            self.status.setText("Your name is changed here. Save your key card again for your partners: they "
                                "see you under the name they gave you when they added you.")
        return changed

    def save_key_card(self, out: Path | None = None) -> Path | None:
        if out is None:
            chosen, _ = ask_save_name(self, "key card", "Save my key card as", "my vigtool key card.json",
                                      KEY_CARD_FILTER)
            if chosen is None:
                return None
            out = chosen
        try:
            public = supervision.save_key_card(self.vault, out)
        except OSError as exc:
            self.status.setText(f"Not saved: {out}: {exc.strerror or exc}")
            return None
        remember("key card", out, saved=False)  # a key card is not for the family: not where their exports go
        self.status.setText(f"Saved {out.name}. It holds no secret: give it to your partner, then compare "
                            f"fingerprints ({public.fingerprint}).")
        return out

    def add_key_card(self, path: Path | None = None, name: str | None = None) -> PublicIdentity | None:
        if path is None:
            opened = ask_open_name(self, "key card", "A partner's key card", KEY_CARD_FILTER)
            if opened is None:
                return None
            path = opened
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

    save_kind = "supervision"
    for_the_family = False

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
        row.addLayout(self._save_path(unused_name(folder / f"for supervision{PACKAGE_SUFFIX}"), "Save the package as",
                                      lambda: f"Encrypted package (*{PACKAGE_SUFFIX})"), 1)
        layout.addLayout(row)
        self.send_button = self._controls(
            layout, "Only the partner you choose can open it; it shows them it came from you.", "Send", self.start)
        if not self._contacts:
            self.status.setText("Add your supervisor's key card first (File ▸ Supervision partners…).")
            self.send_button.setEnabled(False)
        self.resize(560, 420)

    def _add_film(self, recording: Recording, checked: bool) -> None:
        name = sharing.shown_name(self.vault, recording)  # as the Families panel, and as it will arrive
        item = QListWidgetItem(name)
        why = sharing.refusal(self.vault, recording, sharing.Use.SUPERVISION)
        if why is not None:  # shown, not hidden: the practitioner sees why it cannot go
            short = why.removeprefix(f"{name}: ").split(";")[0].split(", so")[0]
            item.setText(f"{name} — {short}")
            item.setToolTip(why)
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
            self._saved(written)
            self.path.setText(str(written))
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")


def send_for_supervision(window: MainWindow) -> SendForSupervisionDialog | None:
    ws = window.workspace
    if ws is None:
        window.statusBar().showMessage("Open a film first; its case's films can then be sent.", 5000)
        return None
    # A film sent to you goes back only as comments; the consent of each film of the case the dialog shows
    # itself, so a film without it does not hide the ones that may go.
    if refused(window, window.vault, [ws.recording], sharing.Use.SUPERVISION, standing_only=True):
        return None
    recordings = library.sendable_films(window.vault, ws.recording.case_id)  # received films go back as comments
    dialog = SendForSupervisionDialog(window.vault, recordings, ws.recording.id, save_folders().folder("supervision"),
                                      window)
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
        film = Path(sharing.shown_name(window.vault, ws.recording)).stem
        chosen, _ = ask_save_name(window, "comments", "Save your comments as", f"comments on {film}{PACKAGE_SUFFIX}",
                                  f"Encrypted package (*{PACKAGE_SUFFIX})")
        if chosen is None:
            return None
        out = chosen
    try:
        supervision.send_comments(window.vault, ws.recording, out)
    except (MediaError, ValueError, OSError) as exc:
        QMessageBox.warning(window, "Comments not sent", str(exc))
        return None
    remember("comments", out, saved=False)
    window.statusBar().showMessage(f"Wrote {out.name}: your comments on the Supervision lane, no footage, "
                                   "for the practitioner who sent the film.", 10000)
    return out


def show_partners(window: MainWindow) -> PartnersDialog:
    dialog = PartnersDialog(window.vault, window, window)
    dialog.show()
    return dialog


def _ask_name(parent: QWidget, vault: Vault, name: str | None = None, *, first: bool = False) -> str:
    """Ask for (or take) the user's name and keep it; "" if it changed, else why not ("-" if cancelled)."""
    assert vault.identity is not None
    asking, problem = name is None, ""
    while True:
        if asking:
            text = ("Your name, as your partners will see it on your key card and your lanes\n(you can change "
                    "it later under File ▸ Your name):" if first else "Your name, on your key card and your lanes:")
            name, ok = QInputDialog.getText(parent, "Welcome to vigtool" if first else "Your name",
                                            f"{problem}\n\n{text}" if problem else text, QLineEdit.EchoMode.Normal,
                                            name or vault.identity.public.name)
            if not ok:
                return "-"
        assert name is not None
        try:
            lanes.set_my_name(vault, name)
        except ValueError as exc:
            if not asking:
                return str(exc)
            problem = str(exc)  # asked again, saying why
            continue
        return ""


def ask_name(window: MainWindow, name: str | None = None, *, first: bool = False) -> bool:
    """Your name in the window (asked at the first start, changeable under File ▸ Your name)."""
    problem = _ask_name(window, window.vault, name, first=first)
    if problem:
        if problem != "-":
            window.statusBar().showMessage(f"Name not changed: {problem}", 8000)
        return False
    assert window.vault.identity is not None
    if window.workspace is not None:  # your lanes carry your name
        window.workspace.lanes.people = lanes.people(window.vault)
        window.timeline.update_labels()
    window.statusBar().showMessage(f"You are {window.vault.identity.public.name} on your key card and your lanes.",
                                   8000)
    return True
