"""Short films of real face photographs (the caller's: tests and the bench use scikit-image's) moved,
scaled, turned and partly covered over a textured room, each frame stamped with its own index top left,
with every face's box in every frame: what the training pack's face finder and blur are measured on.

A face is a head-and-shoulders photograph with the face's box inside it. "Turned" squeezes the photograph
sideways (a head turning away shows a narrower face) as well as tilting it; a cover is a flat card that
slides over part of the face, as a hand or a toy does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from vigtool.synth.stamp import draw_stamp

Image = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]
Motion = Callable[[float], tuple[float, float, float, float, float]]  # t in [0, 1] -> cx, cy, scale, angle, squeeze


@dataclass(frozen=True)
class Face:
    photo: Image  # RGB head and shoulders
    face: Box  # the face within the photo
    motion: Motion  # centre (share of width, height), scale, tilt in degrees, sideways squeeze (1: none)
    cover: float = 0.0  # the largest share of the face's width a sliding card covers (0: none)


@dataclass(frozen=True)
class FaceFilm:
    name: str
    faces: tuple[Face, ...]
    frames: int = 24
    size: tuple[int, int] = (384, 288)
    seed: int = 3
    notes: str = field(default="", compare=False)


def _room(width: int, height: int, seed: int) -> Image:
    rng = np.random.default_rng(seed)
    room = rng.normal(120, 30, (height // 8 + 1, width // 8 + 1, 3)).clip(0, 255).astype(np.uint8)
    smooth = cv2.resize(room, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float64)
    grain = rng.normal(0, 6, (height, width, 3))
    return np.asarray((smooth + grain).clip(0, 255), np.uint8)


def _place(picture: Image, face: Face, t: float) -> Box:
    """Draw `face` at time `t` into `picture`; its face box in the picture."""
    height, width = picture.shape[:2]
    cx, cy, scale, angle, squeeze = face.motion(t)
    ph, pw = face.photo.shape[:2]
    turn = np.asarray(cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, scale), np.float64)
    turn[:, 0] *= squeeze  # narrower across, before the tilt's effect on x
    turn[:, 2] += (cx * width - pw / 2, cy * height - ph / 2)
    # keep the photo's centre where asked whatever the squeeze
    centre = turn @ np.array([pw / 2, ph / 2, 1.0])
    turn[:, 2] += (cx * width - centre[0], cy * height - centre[1])
    placed = cv2.warpAffine(face.photo, turn, (width, height))
    inside = cv2.warpAffine(np.full((ph, pw), 255, np.uint8), turn, (width, height)) > 127
    picture[inside] = placed[inside]
    x, y, w, h = face.face
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64) @ turn.T
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    box = (int(x0), int(y0), int(np.ceil(x1 - x0)), int(np.ceil(y1 - y0)))
    if face.cover > 0:  # a card sliding in from the left, covering up to `cover` of the face's width
        share = face.cover * (0.5 - 0.5 * np.cos(2 * np.pi * t))
        card_w = int(box[2] * share)
        if card_w > 0:
            y_from, y_to = max(box[1] - box[3] // 4, 0), min(box[1] + box[3] + box[3] // 4, height)
            picture[y_from:y_to, max(box[0] - box[2] // 3, 0):max(box[0] + card_w, 0)] = (200, 170, 90)
    return box


def render_face_film(film: FaceFilm, out: Path) -> list[list[Box]]:
    """Write `film` as an H.264 MP4 (30 fps, index stamped top left); every face's box in each frame."""
    width, height = film.size
    room = _room(width, height, film.seed)
    truth: list[list[Box]] = []
    with av.open(str(out), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(30), options={"crf": "18", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for k in range(film.frames):
            t = k / max(film.frames - 1, 1)
            picture = room.copy()
            boxes = [_place(picture, face, t) for face in film.faces]
            draw_stamp(picture, k)
            truth.append([_clipped(b, width, height) for b in boxes])
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            frame.pts = k
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return truth


def _clipped(box: Box, width: int, height: int) -> Box:
    x0, y0 = max(box[0], 0), max(box[1], 0)
    x1, y1 = min(box[0] + box[2], width), min(box[1] + box[3], height)
    return (x0, y0, max(x1 - x0, 0), max(y1 - y0, 0))


def drifting(x: tuple[float, float], y: float, scale: tuple[float, float], tilt: float,
             squeeze: tuple[float, float] = (1.0, 1.0)) -> Motion:
    """A face drifting from x[0] to x[1] (shares of the width) at height `y`, its scale swinging between the
    two given, tilting up to ±`tilt` degrees, squeezed sideways between the two given."""
    def at(t: float) -> tuple[float, float, float, float, float]:
        swing = 0.5 - 0.5 * np.cos(2 * np.pi * t)
        return (x[0] + (x[1] - x[0]) * t, y + 0.05 * np.sin(2 * np.pi * t), scale[0] + (scale[1] - scale[0]) * swing,
                tilt * np.sin(3 * np.pi * t), squeeze[0] + (squeeze[1] - squeeze[0]) * swing)
    return at
