"""Real face photographs shipped inside scikit-image (a test and bench dependency only, imported late), and
the set of short films made of them that the face finder and the blur are measured on.

- `astronaut`: Eileen Collins, NASA portrait (public domain), cut to her head and shoulders.
- `lfw`: faces from scikit-image's subset of Labeled Faces in the Wild (tight 25-pixel grey crops of news
  photographs; scikit-image redistributes them; we only read them from the installed package).
Nothing here was used to choose the finder's thresholds (CenterFace's usual 0.5, and 0.15 for "unsure").
"""

from __future__ import annotations

import cv2
import numpy as np

from vigtool.synth.face_films import Box, Face, FaceFilm, Image, drifting

ASTRONAUT_FACE = (67, 56, 95, 95)  # her face within the head-and-shoulders crop below


def astronaut() -> tuple[Image, Box]:
    from skimage import data  # noqa: PLC0415 - a test dependency, not the app's

    return np.ascontiguousarray(data.astronaut()[10:250, 110:370]), ASTRONAUT_FACE  # type: ignore[no-untyped-call]


def lfw(index: int, side: int = 80) -> tuple[Image, Box]:
    """Face `index` (0–99) of the LFW subset, grey made RGB, scaled to `side` pixels; its box (the crop is
    the face from brow to chin, so the box is the whole crop but a thin border)."""
    from skimage import data  # noqa: PLC0415 - a test dependency, not the app's

    grey = (data.lfw_subset()[index] * 255).astype(np.uint8)  # type: ignore[no-untyped-call]
    photo = cv2.cvtColor(cv2.resize(grey, (side, side), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2RGB)
    border = side // 10
    return np.ascontiguousarray(photo), (border, border, side - 2 * border, side - 2 * border)


def film_set(frames: int = 24) -> list[FaceFilm]:
    """The films: one face moving, scaling and tilting; turned away (squeezed, tilted further); partly
    covered by a sliding card; two faces (an adult's and a smaller one) crossing; a small far face."""
    photo, face = astronaut()
    small, small_face = lfw(3)
    other, other_face = lfw(12, side=64)
    return [
        FaceFilm("moving", (Face(photo, face, drifting((0.3, 0.7), 0.5, (0.55, 0.9), 25)),), frames),
        FaceFilm("turned", (Face(photo, face, drifting((0.35, 0.6), 0.5, (0.6, 0.8), 40, (1.0, 0.55))),), frames),
        FaceFilm("covered", (Face(photo, face, drifting((0.4, 0.6), 0.5, (0.7, 0.8), 10), cover=0.6),), frames),
        FaceFilm("two faces", (Face(photo, face, drifting((0.25, 0.45), 0.5, (0.6, 0.7), 15)),
                               Face(small, small_face, drifting((0.85, 0.65), 0.6, (0.9, 1.1), 20))), frames),
        FaceFilm("far", (Face(photo, face, drifting((0.3, 0.5), 0.55, (0.25, 0.3), 10)),
                         Face(other, other_face, drifting((0.75, 0.7), 0.4, (0.6, 0.5), 10))), frames),
    ]
