"""A small dialog that asks for one key to bind to a code."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QKeySequenceEdit, QLabel, QVBoxLayout, QWidget


class OneKeyEdit(QKeySequenceEdit):
    """Records the key pressed, except Esc, which cancels as in every dialog (a key field would take Esc as
    the key to bind), and Backspace or Delete, which leave no key."""

    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setMaximumSequenceLength(1)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        plain = event.modifiers() == Qt.KeyboardModifier.NoModifier
        if plain and event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        elif plain and event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.clear()
        else:
            super().keyPressEvent(event)


def key_dialog(parent: QWidget, label: str) -> tuple[QDialog, OneKeyEdit]:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Choose a key")
    edit = OneKeyEdit()
    edit.cancelled.connect(dialog.reject)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(f"Press the key for “{label}”.\nBackspace leaves it without a key; Esc changes nothing."))
    layout.addWidget(edit)
    layout.addWidget(buttons)
    edit.setFocus()
    return dialog, edit


def ask_key(parent: QWidget, label: str) -> str | None:
    """The key chosen ("" to unbind), or None if the practitioner cancelled."""
    dialog, edit = key_dialog(parent, label)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
