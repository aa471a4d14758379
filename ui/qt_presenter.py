"""Presenting the shared review: the family sees the footage; the practitioner keeps the controls.

On one screen (a laptop on the sofa) it is one full-screen window, and the keyboard drives it from the
first moment: Space, ←/→, S, A, K, P for the prompt, Esc to end. A slim bar of the same controls appears
when the mouse moves and hides again, and never covers the moment while it plays. On two screens the
family's window on the other screen is footage only, and the practitioner's window (moments, prompt,
buttons) stays on hers. A screen plugged in or pulled out mid-review moves the views, without ending it.

What goes where is decided by `vigtool.services.review` (Presentation, plan_screens, bar_area), so it is
tested without a window; this module only applies it to Qt's windows and screens.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QTimer, Signal
from PySide6.QtGui import QAction, QCursor, QGuiApplication, QKeySequence, QScreen

from ui.qt_presenter_views import COMMANDS, ControlBar, FamilyWindow, PractitionerWindow
from vigtool.domain.model import ReviewSession
from vigtool.services.review import (
    Area,
    Playback,
    Presentation,
    ScreenPlan,
    bar_area,
    picture_area,
    plan_screens,
    resolve,
)
from vigtool.services.vault import Vault

BAR_SHOWN_MS = 2500  # after the mouse last moved
MOUSE_POLL_MS = 120  # the video is a native window of its own, so the pointer is watched, not its events


def area_of(screen: QScreen) -> Area:
    rect = screen.geometry()
    return Area(rect.x(), rect.y(), rect.width(), rect.height())


class Presenter(QObject):
    """One shared review being presented. `ended(moment, recording id, frame)` when it is over: the moment
    (its row in the review) and the frame the family saw last, for the workspace to come back to."""

    ended = Signal(int, int, int)

    def __init__(self, vault: Vault, session: ReviewSession, home: QScreen | None = None) -> None:
        super().__init__()
        self.vault, self.session = vault, session
        self.presentation = Presentation(resolve(vault, session))
        self.home = home.name() if home is not None else None
        self.actions = self._make_actions()
        self.family = FamilyWindow(self.actions)
        self.practitioner = PractitionerWindow(session.title, self.presentation.labels(),
                                               self.actions)
        self.practitioner.moments.currentRowChanged.connect(self.go_to)
        self.plan: ScreenPlan | None = None
        self.over = False
        self.family.player.playing_changed.connect(self._playing_changed)
        self._hide_bar = QTimer(self, singleShot=True, interval=BAR_SHOWN_MS)
        self._hide_bar.timeout.connect(self._bar_timed_out)
        self.family.clicked.connect(lambda: self._place_bar(playing=self.family.player.playing))
        self._mouse = QTimer(self, interval=MOUSE_POLL_MS)
        self._mouse.timeout.connect(self._watch_mouse)
        self._last_pointer = QPoint()
        self._replan = QTimer(self, singleShot=True, interval=150)  # let Qt finish moving windows first
        self._replan.timeout.connect(self.arrange)
        app = QGuiApplication.instance()
        assert isinstance(app, QGuiApplication)
        app.screenAdded.connect(self._screens_changed)
        app.screenRemoved.connect(self._screens_changed)

    def _make_actions(self) -> dict[str, QAction]:
        slots = {"previous": self.previous, "play": self.play_pause, "moment": self.to_the_moment,
                 "slowly": self.again_slowly, "still": self.show_still, "next": self.next,
                 "prompt": self.toggle_prompt, "end": self.end}
        actions = {}
        for name, text, key, tip in COMMANDS:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(tip)
            action.triggered.connect(slots[name])
            actions[name] = action
        return actions

    # -- where the windows go ----------------------------------------------------------------------
    def screens(self) -> dict[str, QScreen]:
        return {screen.name(): screen for screen in QGuiApplication.screens()}

    def arrange(self) -> None:
        """Put the windows where the plan for the screens there are now says (at the start, and again
        whenever a screen comes or goes)."""
        if self.over:
            return
        screens = self.screens()
        if not screens:
            return
        plan = plan_screens([(name, area_of(s)) for name, s in screens.items()], self.home)
        self.plan = plan
        family_screen = screens[plan.family]
        self.family.one_window = plan.one_window
        self._show_full_screen_on(family_screen)
        if plan.practitioner is None:
            self.practitioner.hide()
            self.family.raise_()
            self.family.activateWindow()
            self.family.setFocus()
            self._mouse.start()
        else:
            self._mouse.stop()
            self.family.show_bar_at(None)
            self.family.show_prompt(None)
            mine = screens[plan.practitioner].availableGeometry()
            self.practitioner.move(mine.center() - self.practitioner.rect().center())
            self.practitioner.show()
            self.practitioner.raise_()
            self.practitioner.activateWindow()
        self._show_place()

    def _show_full_screen_on(self, screen: QScreen) -> None:
        window = self.family
        if window.isVisible() and window.screen().name() == screen.name() and window.isFullScreen():
            return
        if window.isFullScreen():
            window.showNormal()  # a window manager full-screens a window on the screen it is on
        window.setScreen(screen)
        window.setGeometry(screen.geometry())
        window.showFullScreen()

    def _screens_changed(self, _screen: QScreen) -> None:
        self._replan.start()

    # -- moving between moments ---------------------------------------------------------------------
    def go_to(self, position: int) -> None:
        if self.presentation.go_to(position):
            self.show_moment()

    def next(self) -> None:
        if self.presentation.next():
            self.show_moment()

    def previous(self) -> None:
        if self.presentation.previous():
            self.show_moment()

    def show_moment(self) -> None:
        """Show the current moment as it opens: a clip's first frame, waiting; a still."""
        entry, frame = self.presentation.entry, self.presentation.opening_frame
        if entry is None or frame is None:
            return
        player = self.family.player
        player.pause()
        player.transport.stop_at = None
        if player.recording is None or player.recording.id != entry.recording.id:
            player.open(self.vault, entry.recording, frame)
        player.show_frame(frame)
        self._show_place()

    def _show_place(self) -> None:
        presentation = self.presentation
        entry = presentation.entry
        prompt = entry.item.prompt if entry is not None else ""
        self.practitioner.moments.blockSignals(True)
        self.practitioner.moments.setCurrentRow(presentation.position)
        self.practitioner.moments.blockSignals(False)
        self.practitioner.prompt.setText(prompt or "(no prompt)")
        self.family.bar.place.setText(f"Moment {presentation.position + 1} of {len(presentation.items)}")
        self.actions["previous"].setEnabled(presentation.position > 0)  # none before the first, after the last
        self.actions["next"].setEnabled(presentation.position < len(presentation.items) - 1)
        self.family.show_prompt((prompt or "(no prompt)") if presentation.prompt_shown else None)
        self.actions["prompt"].setText("Hide the prompt" if presentation.prompt_shown else "Prompt")

    # -- playing -------------------------------------------------------------------------------------
    @property
    def player_frame(self) -> int:
        return self.family.player.frame

    def _run(self, playback: Playback | None) -> None:
        if playback is None:
            return
        player = self.family.player
        player.set_speed(playback.speed)
        player.play_range(playback.first, playback.stop)

    def play_pause(self) -> None:
        player = self.family.player
        if player.playing:
            player.transport.stop_at = None
            player.pause()
        else:
            self._run(self.presentation.play_from(player.frame))

    def again_slowly(self) -> None:
        self._run(self.presentation.again_slowly())

    def to_the_moment(self) -> None:
        self._run(self.presentation.to_the_moment())

    def show_still(self) -> None:
        entry = self.presentation.entry
        if entry is not None:
            self.family.player.transport.stop_at = None
            self.family.player.show_frame(entry.key_frame)

    def toggle_prompt(self) -> None:
        self.presentation.toggle_prompt()
        self._show_place()

    def _playing_changed(self, playing: bool) -> None:
        self.actions["play"].setText("❚❚ Pause" if playing else "▶ Play")
        if self.family.bar.isVisible():
            self._place_bar(playing=playing)

    # -- the bar ---------------------------------------------------------------------------------------
    def _watch_mouse(self) -> None:
        pointer = QCursor.pos()
        if pointer != self._last_pointer:
            first = self._last_pointer.isNull()
            self._last_pointer = pointer
            if not first:  # where the pointer was when the review began is not a movement
                self._place_bar(playing=self.family.player.playing)

    def _bar_timed_out(self) -> None:
        if self.family.pointer_on_bar():
            self._hide_bar.start()  # not from under her hand while she reads the buttons
        else:
            self.family.show_bar_at(None)

    def _place_bar(self, *, playing: bool) -> None:
        entry = self.presentation.entry
        window = self.family.area()
        film = entry.recording.display_size if entry is not None else (window.width, window.height)
        where = bar_area(window, picture_area(window, film), ControlBar.HEIGHT, playing=playing)
        self.family.show_bar_at(where)
        if where is not None:
            self._hide_bar.start()

    # -- ending ----------------------------------------------------------------------------------------
    def end(self) -> None:
        """Esc: the family's screen goes dark, and the workspace comes back on this moment."""
        if self.over:
            return
        self.over = True
        for action in self.actions.values():
            action.setEnabled(False)
        self._mouse.stop()
        self._hide_bar.stop()
        self._replan.stop()
        app = QGuiApplication.instance()
        assert isinstance(app, QGuiApplication)
        app.screenAdded.disconnect(self._screens_changed)
        app.screenRemoved.disconnect(self._screens_changed)
        entry = self.presentation.entry
        frame = self.family.player.frame
        self.family.player.close_film()
        self.family.close()
        self.practitioner.close()
        if entry is not None:
            self.ended.emit(self.presentation.position, entry.recording.id, frame)

    def close(self) -> None:
        self.end()


def start_presenting(vault: Vault, session: ReviewSession, home: QScreen | None = None) -> Presenter:
    """Present `session`: `home` is the practitioner's screen (where her workspace is)."""
    presenter = Presenter(vault, session, home)
    presenter.arrange()
    if presenter.presentation.entry is not None:
        presenter.show_moment()  # the first moment, once the windows are in place
    return presenter
