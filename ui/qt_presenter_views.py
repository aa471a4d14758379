"""The views of the shared review: the family's full-screen window and the practitioner's own window.

The family's window holds the footage on black and nothing else, unless the practitioner is presenting
on one screen: then her slim control bar slides up when she moves the mouse (and only where it does not
cover the moment while it plays), and the prompt appears at the top when she asks for it. Every button is
a shared QAction, so the same keys work in whichever of the windows has the focus.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QCursor, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.qt_player import PlayerView
from vigtool.services.review import Area

# name, button text, key, what it does (tooltip). The order is the bar's, left to right.
COMMANDS = (
    ("previous", "◀ Previous", "Left", "The moment before (←)"),
    ("play", "▶ Play", "Space", "Play the moment, or pause it (Space)"),
    ("moment", "To the moment", "K", "Play from the start and pause on the key instant (K)"),
    ("slowly", "Again, slowly", "A", "The whole moment again at half speed (A)"),
    ("still", "The still", "S", "Pause on the key instant (S)"),
    ("next", "Next ▶", "Right", "The next moment (→)"),
    ("prompt", "Prompt", "P", "Show or hide the prompt for this moment (P)"),
    ("end", "End review", "Escape", "End the review and go back to your notes on this moment (Esc)"),
)

BAR_STYLE = """
QFrame#presenterBar { background: rgba(24, 26, 30, 235); border-top: 1px solid #3a3f47; }
QFrame#presenterBar QToolButton { color: #e8eaee; background: transparent; border: 1px solid #4a505a;
    border-radius: 4px; padding: 4px 10px; font-size: 11pt; }
QFrame#presenterBar QToolButton:hover { background: #3a3f47; }
QFrame#presenterBar QToolButton:disabled { color: #5c626c; border-color: #33373e; }
QFrame#presenterBar QLabel { color: #9aa0a8; background: transparent; font-size: 10pt; }
"""


def action_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must stay "play", never "press the last button"
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


class ControlBar(QFrame):
    """The practitioner's slim bar across the foot of the one full-screen window."""

    HEIGHT = 44

    def __init__(self, actions: dict[str, QAction], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("presenterBar")
        # Its own native window, so it stacks above the video (QVideoWidget draws in a native child).
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setStyleSheet(BAR_STYLE)
        self.place = QLabel()  # "Moment 2 of 3"
        keys = QLabel("Keys: Space ← → S A K P Esc")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addWidget(self.place, 1)
        for name, *_ in COMMANDS:
            layout.addWidget(action_button(actions[name]))
        layout.addWidget(keys, 1, Qt.AlignmentFlag.AlignRight)
        self.hide()


class PromptBanner(QLabel):
    """The prompt across the top of the one full-screen window, only when the practitioner asks for it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: rgba(24, 26, 30, 235); color: #f1f3f5; font-size: 20pt; padding: 14px;")
        self.hide()


class FamilyWindow(QWidget):
    """The family's view: the footage full screen on black. No title, no cursor, no text of ours, except the
    practitioner's bar and prompt when she presents on this one screen and calls them up."""

    clicked = Signal()  # on the footage: the bar comes up (a click lands before the pointer is seen moving)

    def __init__(self, actions: dict[str, QAction]) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.setWindowTitle(" ")
        self.setStyleSheet("background: black;")
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.player = PlayerView(self)
        self.player.set_controls_visible(False)
        self.player.notes.hide()  # notes on playback are for the practitioner, never on the family's screen
        self.player.canvas.empty_text = ""
        self.player.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.player)
        self.bar = ControlBar(actions, self)
        self.banner = PromptBanner(self)
        self.addActions(list(actions.values()))
        self.one_window = True

    def area(self) -> Area:
        return Area(0, 0, self.width(), self.height())

    def pointer_on_bar(self) -> bool:
        return self.bar.isVisible() and self.bar.rect().contains(self.bar.mapFromGlobal(QCursor.pos()))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        self.clicked.emit()
        super().mousePressEvent(event)

    def show_bar_at(self, where: Area | None) -> None:
        if where is None or not self.one_window:
            self.bar.hide()
            self.setCursor(Qt.CursorShape.BlankCursor)
            return
        self.bar.setGeometry(where.x, where.y, where.width, where.height)
        self.bar.show()
        self.bar.raise_()
        self.setCursor(Qt.CursorShape.ArrowCursor)

    def show_prompt(self, text: str | None) -> None:
        if text is None or not self.one_window:
            self.banner.hide()
            return
        self.banner.setText(text)
        width = min(self.width() - 80, 1200)
        self.banner.setFixedWidth(max(width, 200))
        self.banner.adjustSize()
        self.banner.move((self.width() - self.banner.width()) // 2, 24)
        self.banner.show()
        self.banner.raise_()


class PractitionerWindow(QWidget):
    """The practitioner's own window on her own screen, when the family's footage is on another one: the
    moments, the prompt to ask, and the same buttons and keys."""

    def __init__(self, title: str, labels: list[str], actions: dict[str, QAction]) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle(f"Presenting: {title}")
        self.moments = QListWidget()
        self.moments.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrows stay "previous" and "next"
        self.moments.addItems(labels)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setStyleSheet("font-size: 16pt; color: #2f6f5e; padding: 6px;")
        self.prompt.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.note = QLabel("The family's screen shows the footage only. "
                           "Space plays, ←/→ change the moment, S the still, A again slowly, Esc ends.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #707680;")
        buttons = QHBoxLayout()
        for name, *_ in COMMANDS:
            if name != "prompt":  # the prompt is always shown here, on her own screen
                buttons.addWidget(action_button(actions[name]))
        layout = QVBoxLayout(self)
        layout.addWidget(self.moments, 1)
        layout.addWidget(QLabel("Ask the parent:"))
        layout.addWidget(self.prompt)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        self.addActions(list(actions.values()))
        self.end_action = actions["end"]
        self.resize(760, 360)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        # Closing her window (the title bar's ×) ends the review, as Esc does, once.
        if self.isVisible() and self.end_action.isEnabled():
            self.end_action.trigger()
        super().closeEvent(event)
