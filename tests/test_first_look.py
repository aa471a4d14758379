"""The first look at what the practitioner chose to import, before the family is asked."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from tests.conftest import Sample
from vigtool.media.first_look import why_not_a_film


def test_a_first_look_names_what_is_no_film_without_waiting_on_a_pipe(tmp_path: Path,
                                                                     samples: dict[str, Sample]) -> None:
    photo, notes, pipe, sound = tmp_path / "a.jpg", tmp_path / "notes.mp4", tmp_path / "pipe.mp4", tmp_path / "s.m4a"
    cv2.imwrite(str(photo), np.full((32, 32, 3), 90, np.uint8))
    notes.write_text("Family notes, not a film\n")
    os.mkfifo(pipe)  # opening it for reading would wait for ever
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=1",
                    str(sound)], check=True)
    assert why_not_a_film(samples["h264"].path) is None
    assert why_not_a_film(photo) == "is a photo, not a film"
    assert why_not_a_film(notes) == "is not a video file vigtool can read"
    assert why_not_a_film(pipe) == "is a named pipe, not a video file"
    assert why_not_a_film(sound) == "has no picture (only sound)"
    assert why_not_a_film(tmp_path) == "is a folder, not a video file"
    assert why_not_a_film(tmp_path / "gone.mp4") == "does not exist"
