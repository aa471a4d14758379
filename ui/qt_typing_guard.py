"""While a text field has the focus, the window's one-key shortcuts keep out of it.

Qt asks the focused widget first (a ShortcutOverride event) whether it wants a key before any shortcut
fires. Line edits claim most printable keys, but not every widget does (an editable combo box, a spin box
for some keys, a key-sequence field), and a key the field leaves unclaimed marks a moment, makes a still or
starts playback behind the practitioner's back. This guard claims for the field every key typed without
Ctrl, Alt or Meta (letters, digits, space, arrows, Home/End, Delete, Return, Escape), so those reach the
field; F-keys and Ctrl-chords (Ctrl+Z, F5) still work as shortcuts everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QKeySequenceEdit,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

_CHORD = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
          | Qt.KeyboardModifier.MetaModifier)
_FUNCTION_KEYS = range(Qt.Key.Key_F1.value, Qt.Key.Key_F35.value + 1)


def is_typing_into(widget: QObject | None) -> bool:
    """True when `widget` takes typed text (a writable line, text, spin or key field, an editable combo)."""
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    if isinstance(widget, QAbstractSpinBox):
        return not widget.isReadOnly()
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, QKeySequenceEdit)


def claims_key(event: QKeyEvent) -> bool:
    """A key a text field should have rather than a shortcut: no Ctrl/Alt/Meta, not an F-key."""
    return not (event.modifiers() & _CHORD) and event.key() not in _FUNCTION_KEYS


class TypingGuard(QObject):
    """An application-wide event filter (one per application: see `install`)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and isinstance(watched, QWidget) and is_typing_into(watched) and claims_key(event)):
            event.accept()  # the key goes to the field as an ordinary key press
            return True
        return False


_guard: TypingGuard | None = None


def install() -> None:
    """Install the guard on the running application (again: no-op)."""
    global _guard  # noqa: PLW0603 - one guard per process, as there is one QApplication
    app = QApplication.instance()
    if _guard is None and app is not None:
        _guard = TypingGuard(app)
        app.installEventFilter(_guard)
