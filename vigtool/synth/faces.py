"""A film of a real face photograph moving, growing and tilting across a textured room, with where the face
is in every frame: what the training pack's face blur is measured on (cartoon faces are not faces to a
detector). The photograph is the caller's (tests use scikit-image's astronaut)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]


def render_face_film(photo: Image, face: Box, out: Path, *, frames: int = 90, width: int = 640, height: int = 480,
                     seed: int = 3) -> list[Box]:
    """Write an H.264 MP4 of `photo` (RGB) drifting across the picture, scaled 0.7–1.3× and tilted up to
    ±25°; returns the box around `face` (a box within the photo) in each frame."""
    rng = np.random.default_rng(seed)
    room = (rng.normal(120, 25, (height, width, 3)).clip(0, 255)).astype(np.uint8)
    room = np.asarray(cv2.GaussianBlur(room, (0, 0), 3), np.uint8)
    truth: list[Box] = []
    with av.open(str(out), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(30), options={"crf": "18", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for k in range(frames):
            t = k / max(frames - 1, 1)
            scale = 0.7 + 0.6 * (0.5 - 0.5 * np.cos(2 * np.pi * t))
            angle = 25 * np.sin(2 * np.pi * t * 1.5)
            cx = width * (0.3 + 0.4 * t)
            cy = height * (0.45 + 0.1 * np.sin(2 * np.pi * t))
            turn = cv2.getRotationMatrix2D((photo.shape[1] / 2, photo.shape[0] / 2), angle, scale)
            turn[:, 2] += (cx - photo.shape[1] / 2, cy - photo.shape[0] / 2)
            placed = cv2.warpAffine(photo, turn, (width, height))
            inside = cv2.warpAffine(np.full(photo.shape[:2], 255, np.uint8), turn, (width, height)) > 127
            picture = np.where(inside[..., None], placed, room)
            x, y, w, h = face
            corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64) @ turn.T
            x0, y0 = corners.min(axis=0)
            x1, y1 = corners.max(axis=0)
            truth.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            frame.pts = k
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return truth
