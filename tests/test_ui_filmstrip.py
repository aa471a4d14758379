"""The window and a heavy long-GOP film's filmstrip: keyframes first, a picture every spacing once the film's
working copy (made in the background for playback) is there."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from storage.sealed_media import MediaKind
from tests.conftest import WindowOn
from tests.test_filmstrip_long_gops import camera_film_in_a_vault
from vigtool.media.errors import MediaError
from vigtool.media.previews import STRIP_MADE
from vigtool.services import previews as service_previews
from vigtool.services import working_copy
from vigtool.services.demo import ensure_demo_case
from vigtool.services.previews import load_filmstrip
from vigtool.services.vault import Vault


def test_the_window_fills_a_heavy_films_strip_in_once_its_copy_is_made(
        qtbot: QtBot, vault: Vault, tmp_path: Path, window_on: WindowOn, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opened, a heavy camera film shows its keyframes' pictures (one every 8 s); once its working copy is
    made in the background, the timeline's filmstrip gets a picture every spacing, without opening it again."""
    monkeypatch.setattr(working_copy, "COPY_BOX", (160, 90))
    monkeypatch.setattr(working_copy, "HEAVY_BITS_PER_SECOND", 0)
    recording = camera_film_in_a_vault(vault, tmp_path)
    keyframes = len(vault.repo.recordings.frame_index(recording.id).keyframes)
    window = window_on(vault, recording.id)
    qtbot.waitUntil(lambda: len(window.timeline.thumbs) == keyframes, timeout=30_000)
    qtbot.waitUntil(lambda: len(window.timeline.thumbs) >= 15, timeout=90_000)  # the copy made, then the strip
    assert working_copy.has_working_copy(vault, recording)
    stored = load_filmstrip(vault, recording)
    assert stored is not None and stored.made == STRIP_MADE


def test_a_filmstrip_that_cannot_be_made_is_told_and_made_when_the_film_is_opened_again(
        qtbot: QtBot, demo_vault: Vault, window_on: WindowOn, monkeypatch: pytest.MonkeyPatch) -> None:
    """A film whose previews are missing (a crash after its import) has them made when it is opened; when that
    fails, the status bar names the film and the problem (before, the window said nothing and the strip
    stayed empty), and opening the film again makes them."""
    recording = ensure_demo_case(demo_vault).recording
    demo_vault.media.delete_kind(recording.media_id, MediaKind.FILMSTRIP)
    real = service_previews.build_previews

    def damaged(*_args: object, **_kwargs: object) -> None:
        raise MediaError("recording-1.mp4", "cannot be opened for thumbnails (invalid data)")

    monkeypatch.setattr(service_previews, "build_previews", damaged)
    window = window_on(demo_vault, recording.id)
    qtbot.waitUntil(lambda: "were not made" in window.statusBar().currentMessage(), timeout=10_000)
    told = window.statusBar().currentMessage()
    assert "recording-1.mp4: cannot be opened for thumbnails (invalid data)" in told and "whole" in told
    assert window.timeline.thumbs == []
    monkeypatch.setattr(service_previews, "build_previews", real)
    window.open_recording(recording.id, 0)  # opened again (from the Families panel)
    qtbot.waitUntil(lambda: len(window.timeline.thumbs) > 0, timeout=20_000)
    assert load_filmstrip(demo_vault, recording) is not None
