"""Presenter mode for the shared review: the family's screen shows the picture and nothing else; the
practitioner's controls and private prompts are on her own screen (or, with one screen, in a small window
that stays on top in a corner).

Nothing clinical can reach the family's screen by accident: it holds one video area on black with no
buttons, labels, titles or cursor, and it never shows anything but the footage of the session's items.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from ui.qt_player import PlayerView
from vigtool.domain.model import ReviewSession
from vigtool.services.review import ResolvedItem, resolve
from vigtool.services.vault import Vault

SLOW = 0.5


class FamilyScreen(QWidget):
    """The picture only, on black."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.setWindowTitle(" ")
        self.setStyleSheet("background: black;")
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.player = PlayerView(self)
        self.player.set_controls_visible(False)
        self.player.canvas.empty_text = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.player)


class PresenterControls(QWidget):
    """The practitioner's side: the items, the prompt to ask, and the buttons."""

    ended = Signal()

    def __init__(self, vault: Vault, session: ReviewSession, family: FamilyScreen, *, compact: bool) -> None:
        flags = Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint if compact else Qt.WindowType.Window
        super().__init__(None, flags)
        self.vault, self.session, self.family = vault, session, family
        self.items: list[ResolvedItem] = resolve(vault, session)
        self.current = -1
        self.setWindowTitle(f"Presenting: {session.title}")
        self.list = QListWidget()
        for entry in self.items:
            self.list.addItem(entry.label)
        self.list.currentRowChanged.connect(self.go_to)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setStyleSheet("font-size: 14pt; color: #2f6f5e;")
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (("play", "▶ Play", self.play), ("key", "Pause on the moment", self.pause_on_key),
                                ("slow", "Again, slowly", self.replay_slowly),
                                ("still", "Show the still", self.show_still),
                                ("next", "Next ▶▶", self.next_item), ("end", "End", self.end)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        if not compact:
            layout.addWidget(self.list, 1)
        layout.addWidget(self.prompt)
        layout.addLayout(buttons)

    def go_to(self, position: int) -> None:
        if not 0 <= position < len(self.items) or position == self.current:
            return
        self.current = position
        entry = self.items[position]
        self.list.setCurrentRow(position)
        self.prompt.setText(entry.item.prompt or "(no prompt)")
        player = self.family.player
        player.pause()
        if player.recording is None or player.recording.id != entry.recording.id:
            player.open(self.vault, entry.recording, entry.key_frame)
        first = entry.clip.range.start if entry.clip is not None else entry.key_frame
        player.show_frame(first)

    @property
    def entry(self) -> ResolvedItem | None:
        return self.items[self.current] if 0 <= self.current < len(self.items) else None

    def play(self, speed: float = 1.0) -> None:
        entry = self.entry
        if entry is None or entry.clip is None:
            return
        self.family.player.set_speed(speed)
        self.family.player.play_range(entry.clip.range.start, entry.clip.range.end - 1)

    def pause_on_key(self) -> None:
        entry = self.entry
        if entry is None or entry.clip is None:
            return
        self.family.player.set_speed(1.0)
        self.family.player.play_range(entry.clip.range.start, entry.key_frame)

    def replay_slowly(self) -> None:
        self.play(SLOW)

    def show_still(self) -> None:
        entry = self.entry
        if entry is not None:
            self.family.player.pause()
            self.family.player.show_frame(entry.key_frame)

    def next_item(self) -> None:
        self.go_to(min(self.current + 1, len(self.items) - 1))

    def end(self) -> None:
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        keys = {Qt.Key.Key_Space: self.play, Qt.Key.Key_K: self.pause_on_key, Qt.Key.Key_S: self.show_still,
                Qt.Key.Key_Right: self.next_item, Qt.Key.Key_Escape: self.end}
        action = keys.get(Qt.Key(event.key()))
        if action is None:
            super().keyPressEvent(event)
        else:
            action()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.family.player.close_film()
        self.family.close()
        self.ended.emit()
        super().closeEvent(event)


def start_presenting(vault: Vault, session: ReviewSession) -> PresenterControls:
    """Family screen full-screen on the second screen if there is one; controls on this one (or a corner)."""
    screens = QGuiApplication.screens()
    family = FamilyScreen()
    controls = PresenterControls(vault, session, family, compact=len(screens) < 2)
    if len(screens) >= 2:
        family.setScreen(screens[1])
        family.move(screens[1].geometry().topLeft())
    family.showFullScreen()
    if len(screens) < 2:
        area = screens[0].availableGeometry()
        controls.adjustSize()  # as wide as its buttons need, so the corner placement keeps it on screen
        controls.resize(min(max(controls.width(), 520), area.width() - 32), controls.height())
        controls.move(area.right() - controls.width() - 16, area.bottom() - controls.height() - 16)
    controls.show()
    controls.raise_()
    if controls.items:
        controls.go_to(0)
    return controls
