"""One face finder, pictures of several sizes (films of different sizes, one after another): each picture is
searched as a fresh finder would search it, so a test pattern after another size shows no faces."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np

from vigtool.analysis.faces import CenterFaceFinder
from vigtool.synth.face_films import render_face_film
from vigtool.synth.face_photos import film_set


def pictures(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def pattern_pictures(path: Path, size: str, frames: int) -> list[np.ndarray]:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size={size}:rate=30", "-frames:v", str(frames), "-c:v", "libx264", "-pix_fmt",
                    "yuv420p", str(path)], check=True)
    return pictures(path)


def test_a_finder_used_on_other_sizes_finds_what_a_fresh_one_finds(tmp_path: Path) -> None:
    film = film_set(4)[0]  # a real photograph's face, 384x288
    truth = render_face_film(film, tmp_path / "face.mp4")
    faces = pictures(tmp_path / "face.mp4")
    pattern = pattern_pictures(tmp_path / "pattern.mp4", "640x360", 4)  # no face anywhere
    small = pattern_pictures(tmp_path / "small.mp4", "160x120", 2)
    finder = CenterFaceFinder()
    for picture in [*small, *faces]:  # two sizes before the pattern's: the network was laid out for others
        finder.finds(picture)
    assert [finder.finds(p) for p in pattern] == [[] for _ in pattern]
    fresh = CenterFaceFinder()
    assert [f.box for f in finder.finds(faces[-1])] == [f.box for f in fresh.finds(faces[-1])]
    assert finder.finds(faces[-1]) and truth[-1]  # the face is still found
