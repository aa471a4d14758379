"""The shared review's decisions without a window: the moments, what plays, where the views go."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from vigtool.domain.model import Clip, Recording, ReviewItem, ReviewItemKind, Still
from vigtool.domain.time import FrameRange
from vigtool.services.review import (
    Area,
    Playback,
    Presentation,
    ResolvedItem,
    ScreenPlan,
    bar_area,
    picture_area,
    plan_screens,
)

FILM = Recording(1, 1, "0" * 64, "home.mp4", "mp4", "h264", "aac", Fraction(25), 200, 640, 360, 0,
                 Fraction(8), False, datetime(2026, 1, 5, tzinfo=UTC))
LAPTOP = ("laptop", Area(0, 0, 1600, 900))
TV = ("tv", Area(1600, 0, 1920, 1080))


def moments() -> list[ResolvedItem]:
    clip = Clip(1, 1, FrameRange(30, 70), "Turn-taking", key_frame=50)
    still = Still(2, 1, 90)
    return [ResolvedItem(0, ReviewItem(ReviewItemKind.CLIP, 1, "What do you see?"), FILM, clip, None),
            ResolvedItem(1, ReviewItem(ReviewItemKind.STILL, 2, "And here?"), FILM, None, still)]


def test_moments_go_forward_and_back_and_stop_at_the_ends() -> None:
    shown = Presentation(moments())
    assert shown.position == 0 and shown.opening_frame == 30  # the clip's first frame, waiting
    assert not shown.previous() and shown.position == 0
    assert shown.next() and shown.opening_frame == 90  # the still's own frame
    assert not shown.next() and shown.position == 1
    assert shown.previous() and shown.position == 0
    assert Presentation([]).entry is None and not Presentation([]).next()
    assert shown.labels() == ["1. Clip at 00:01.2 (1.6 s)  Turn-taking", "2. Still at 00:03.6"]


def test_space_plays_on_from_where_it_paused_and_from_the_start_once_finished() -> None:
    shown = Presentation(moments())
    assert shown.play_from(30) == Playback(30, 69)
    assert shown.play_from(52) == Playback(52, 69)  # paused half way: on from there
    assert shown.play_from(69) == Playback(30, 69)  # at the end: the moment again
    assert shown.play_from(120) == Playback(30, 69)  # elsewhere on the film: the moment
    assert shown.again_slowly() == Playback(30, 69, 0.5)
    assert shown.to_the_moment() == Playback(30, 50)
    shown.next()
    assert shown.play_from(90) is None and shown.again_slowly() is None  # a still does not play


def test_the_prompt_is_shown_only_when_asked_and_only_for_that_moment() -> None:
    shown = Presentation(moments())
    assert not shown.prompt_shown
    assert shown.toggle_prompt() and shown.prompt_shown
    shown.next()
    assert not shown.prompt_shown  # the next moment comes up without it on the family's screen
    assert shown.toggle_prompt() and not shown.toggle_prompt()


def test_one_screen_is_one_window() -> None:
    plan = plan_screens([LAPTOP], "laptop")
    assert plan == ScreenPlan("laptop", None) and plan.one_window
    assert plan_screens([LAPTOP], None).one_window
    with pytest.raises(ValueError, match="no screen"):
        plan_screens([], None)


def test_two_screens_give_the_family_the_other_one_and_the_practitioner_hers() -> None:
    assert plan_screens([LAPTOP, TV], "laptop") == ScreenPlan("tv", "laptop")
    assert plan_screens([TV, LAPTOP], "laptop") == ScreenPlan("tv", "laptop")  # order does not matter
    assert plan_screens([LAPTOP, TV], "tv") == ScreenPlan("laptop", "tv")  # her workspace was on the TV
    projector = ("projector", Area(-1280, 0, 1280, 720))
    assert plan_screens([LAPTOP, projector, TV], "laptop") == ScreenPlan("tv", "laptop")  # the largest other


def test_screens_coming_and_going_move_the_views() -> None:
    home = "laptop"
    assert plan_screens([LAPTOP], home).one_window
    assert plan_screens([LAPTOP, TV], home) == ScreenPlan("tv", "laptop")  # the TV plugged in
    assert plan_screens([LAPTOP], home) == ScreenPlan("laptop", None)  # and pulled out again
    assert plan_screens([TV], home) == ScreenPlan("tv", None)  # her own screen gone: all on the one left


def test_the_picture_keeps_its_shape_and_is_centred() -> None:
    window = Area(0, 0, 1600, 900)
    assert picture_area(window, (1280, 720)) == Area(0, 0, 1600, 900)
    assert picture_area(window, (640, 480)) == Area(200, 0, 1200, 900)  # 4:3: black at the sides
    assert picture_area(window, (1920, 800)) == Area(0, 116, 1600, 667)  # wider: black above and below
    assert picture_area(window, (720, 1280)) == Area(547, 0, 506, 900)  # a portrait phone film


def test_the_bar_never_covers_the_moment_while_it_plays() -> None:
    window = Area(0, 0, 1600, 900)
    filled = picture_area(window, (1280, 720))
    foot = Area(0, 856, 1600, 44)
    assert bar_area(window, filled, 44, playing=False) == foot  # paused: over the still picture is fine
    assert bar_area(window, filled, 44, playing=True) is None  # playing: the film fills the screen
    wide = picture_area(window, (1920, 800))
    assert bar_area(window, wide, 44, playing=True) == foot  # in the black band under the picture
    assert not foot.overlaps(wide) and foot.overlaps(filled)
    portrait = picture_area(window, (720, 1280))
    assert bar_area(window, portrait, 44, playing=True) is None
