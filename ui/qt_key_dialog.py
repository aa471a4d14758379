"""A small dialog that asks for one key to bind to a code."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QKeySequenceEdit, QLabel, QVBoxLayout, QWidget


def ask_key(parent: QWidget, label: str) -> str | None:
    """The key chosen ("" to unbind), or None if the practitioner cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Choose a key")
    edit = QKeySequenceEdit()
    edit.setMaximumSequenceLength(1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(f"Press the key for “{label}” (leave empty for no key):"))
    layout.addWidget(edit)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
