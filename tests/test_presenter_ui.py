"""The shared review's windows with real widgets offscreen (one screen): footage only for the family, the
practitioner's keys, her bar on mouse movement, the prompt on request, and the way back to the workspace."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from tests.test_ui_review import stamp_of, visible_text, window  # noqa: F401 - the fixture
from ui.main_window import MainWindow
from vigtool.media.playback import PlaybackStats
from vigtool.services import review


def test_presenter_shows_the_family_only_footage(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    presenter = window.sharing.present_review()
    assert presenter is not None
    family = presenter.family
    qtbot.waitUntil(lambda: family.isVisible() and family.isFullScreen())
    assert presenter.plan is not None and presenter.plan.one_window  # offscreen has one screen
    assert not presenter.practitioner.isVisible()
    assert visible_text(family) == []  # no buttons, counters, titles, codes, notes or prompt
    qtbot.waitUntil(lambda: family.player.frame == 30)  # the clip's first frame, waiting

    presenter.to_the_moment()  # plays from the start and stops exactly on the key frame
    qtbot.waitUntil(lambda: not family.player.playing and family.player.frame == 50, timeout=10000)
    qtbot.waitUntil(lambda: stamp_of(family.player) == 50, timeout=5000)
    # A busy computer skips frames: the practitioner may be told, the family's screen never is
    family.player.notes.tell_if_skipping(PlaybackStats(shown=40, dropped=40), working_copy=False)
    assert visible_text(family) == []

    presenter.again_slowly()
    assert family.player.speed == review.SLOW
    qtbot.waitUntil(lambda: not family.player.playing and family.player.frame == 69, timeout=15000)

    presenter.next()  # the still
    qtbot.waitUntil(lambda: stamp_of(family.player) == 90, timeout=5000)
    presenter.end()
    assert not family.isVisible()


def test_keys_drive_the_one_window_and_esc_comes_back_on_the_moment(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    presenter = window.sharing.present_review()
    assert presenter is not None
    family = presenter.family
    qtbot.waitUntil(lambda: family.isActiveWindow() and family.player.frame == 30)
    qtbot.keyClick(family, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: family.player.playing)
    qtbot.keyClick(family, Qt.Key.Key_Space)  # pauses where it is
    qtbot.waitUntil(lambda: not family.player.playing)
    paused = family.player.frame
    assert 30 <= paused < 69
    qtbot.keyClick(family, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: stamp_of(family.player) == 50)
    qtbot.keyClick(family, Qt.Key.Key_P)  # the prompt, because she asked
    assert family.banner.isVisible() and family.banner.text() == review.DEFAULT_PROMPT
    qtbot.keyClick(family, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: stamp_of(family.player) == 90)
    assert not family.banner.isVisible()  # the next moment comes up without it
    qtbot.keyClick(family, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: family.player.frame == 30)
    qtbot.keyClick(family, Qt.Key.Key_Right)
    qtbot.keyClick(family, Qt.Key.Key_Escape)
    assert presenter.over and not family.isVisible()
    assert window.review_panel.items.currentRow() == 1  # the still, in the workspace
    qtbot.waitUntil(lambda: window.player.frame == 90)


def test_the_bar_comes_with_the_mouse_and_keeps_off_the_playing_moment(qtbot: QtBot,
                                                                       window: MainWindow) -> None:  # noqa: F811
    presenter = window.sharing.present_review()
    assert presenter is not None
    family = presenter.family
    qtbot.waitUntil(lambda: family.isFullScreen() and family.player.frame == 30)
    assert not family.bar.isVisible()
    qtbot.mouseClick(family.player.canvas, Qt.MouseButton.LeftButton)  # a click on the footage calls it up
    assert family.bar.isVisible() and family.player.frame == 30 and not family.player.playing
    family.show_bar_at(None)
    QCursor.setPos(QPoint(100, 100))
    qtbot.wait(300)
    QCursor.setPos(QPoint(140, 120))
    qtbot.waitUntil(family.bar.isVisible)
    assert "▶ Play" in visible_text(family) and family.bar.geometry().bottom() == family.height() - 1
    picture = review.picture_area(family.area(), (320, 240))
    assert picture.bottom + family.bar.HEIGHT <= family.height()  # offscreen's screen is square: room under it
    presenter.play_pause()
    qtbot.waitUntil(lambda: family.player.playing)
    QCursor.setPos(QPoint(300, 200))
    qtbot.wait(400)
    assert family.player.playing and family.bar.isVisible()
    assert family.bar.geometry().top() >= picture.bottom  # in the black band, not over the moment
    presenter.end()
    # Where the film fills the screen's height (the laptop), the bar keeps away while it plays:
    # test_presenter_x11 and test_presenter_logic.test_the_bar_never_covers_the_moment_while_it_plays.


def test_closing_the_workspace_takes_the_footage_off_the_screen(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    presenter = window.sharing.present_review()
    assert presenter is not None
    qtbot.waitUntil(lambda: presenter.family.isVisible() and presenter.family.player.frame == 30)
    assert window.sharing.present_review() is presenter  # F5 again: the same review, not a second one
    window.close()
    assert presenter.over and not presenter.family.isVisible() and presenter.family.player.recording is None


def test_the_bar_has_a_way_back_by_mouse(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    """On one screen the bar's own button ends the review, for a practitioner who does not know Esc."""
    presenter = window.sharing.present_review()
    assert presenter is not None
    family = presenter.family
    qtbot.waitUntil(lambda: family.isFullScreen() and family.player.frame == 30)
    presenter.next()  # on the still, so the workspace comes back there
    qtbot.mouseClick(family.player.canvas, Qt.MouseButton.LeftButton)  # the bar comes up
    assert family.bar.isVisible()
    (back,) = [b for b in family.bar.findChildren(QToolButton) if b.text() == "End review"]
    assert back.isVisible() and family.bar.rect().contains(back.geometry())  # on the bar, not cut off
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert presenter.over and not family.isVisible()
    assert window.review_panel.items.currentRow() == 1
    qtbot.waitUntil(lambda: window.player.frame == 90)


def test_previous_and_next_only_where_there_is_a_moment(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    presenter = window.sharing.present_review()
    assert presenter is not None
    family = presenter.family
    qtbot.waitUntil(lambda: family.isActiveWindow() and family.player.frame == 30)
    assert not presenter.actions["previous"].isEnabled() and presenter.actions["next"].isEnabled()
    assert family.bar.place.text() == "Moment 1 of 2"
    qtbot.keyClick(family, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: stamp_of(family.player) == 90)
    assert presenter.actions["previous"].isEnabled() and not presenter.actions["next"].isEnabled()
    qtbot.keyClick(family, Qt.Key.Key_Right)  # past the last: nothing happens
    assert family.bar.place.text() == "Moment 2 of 2"
    presenter.end()
