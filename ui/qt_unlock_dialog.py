"""The dialog that unlocks a vault (or creates one): the passphrase never leaves this process."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from vigtool.domain.wording import sentence
from vigtool.services.vault import Vault, VaultError, WrongPassphraseError


class UnlockDialog(QDialog):
    """Asks for the passphrase; for a new vault, twice. `vault` is the opened vault after acceptance."""

    def __init__(self, vault_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault_dir = vault_dir
        self.vault: Vault | None = None
        self.creating = not Vault.exists(vault_dir)
        self.setWindowTitle("Create your vault" if self.creating else "Unlock your vault")
        self.setMinimumWidth(460)
        intro = QLabel(
            f"vigtool keeps films and notes encrypted in <b>{vault_dir}</b>.<br>"
            + ("Choose a passphrase of at least 8 characters. Nobody can recover it for you."
               if self.creating else "Enter the vault's passphrase."))
        intro.setWordWrap(True)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #a33;")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Passphrase", self.passphrase)
        if self.creating:
            form.addRow("The same again", self.again)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create" if self.creating else "Unlock")
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def try_unlock(self) -> None:
        text = self.passphrase.text()
        if self.creating and text != self.again.text():
            self.message.setText("The two passphrases differ.")
            return
        try:
            self.vault = Vault.create(self.vault_dir, text) if self.creating else Vault.open(self.vault_dir, text)
        except WrongPassphraseError:
            self.message.setText("That passphrase does not open this vault. Check Caps Lock and try again.")
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        except (VaultError, ValueError) as exc:
            self.message.setText(sentence(str(exc)))
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        self.passphrase.clear()
        self.again.clear()
        self.accept()
