"""Two simple animated faces, a parent and a baby, drawn with OpenCV; mouths open with their voices."""

from __future__ import annotations

import math

import cv2
import numpy as np

from vigtool.synth.stamp import Image, draw_stamp

_SKIN_PARENT = (224, 180, 150)
_SKIN_BABY = (240, 200, 175)


class Scene:
    """Draws frame `index` at time `t`; the static background is drawn once and copied."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._background = self._draw_background()
        self._unit = min(width, height) / 100.0

    def _draw_background(self) -> Image:
        w, h = self.width, self.height
        ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
        wall = np.array([236, 222, 200], np.float32) * (1 - 0.25 * ramp)
        image = np.empty((h, w, 3), np.uint8)
        image[:] = wall.astype(np.uint8)
        floor_top = int(h * 0.78)
        image[floor_top:] = (150, 120, 95)
        cv2.rectangle(image, (int(w * 0.06), int(h * 0.12)), (int(w * 0.26), int(h * 0.42)), (180, 200, 215), -1)
        cv2.putText(image, "vigtool demo - synthetic", (int(w * 0.03), int(h * 0.96)),
                    cv2.FONT_HERSHEY_SIMPLEX, max(h / 900, 0.3), (90, 75, 60), max(1, h // 400), cv2.LINE_AA)
        return image

    def render(self, index: int, t: float, parent_mouth: float, baby_mouth: float) -> Image:
        image = self._background.copy()
        w, h, u = self.width, self.height, self._unit
        landscape = w >= h
        parent_c = (w * (0.34 if landscape else 0.5), h * (0.48 if landscape else 0.32))
        baby_c = (w * (0.70 if landscape else 0.5), h * (0.58 if landscape else 0.7))
        self._face(image, parent_c, 22 * u, _SKIN_PARENT, t, parent_mouth, gaze=+1, hair=True)
        self._face(image, baby_c, 15 * u, _SKIN_BABY, t + 1.3, baby_mouth, gaze=-1 if landscape else 0,
                   hair=False)
        draw_stamp(image, index)
        return image

    @staticmethod
    def _face(image: Image, centre: tuple[float, float], radius: float, skin: tuple[int, int, int],
              t: float, mouth: float, gaze: int, hair: bool) -> None:
        bob = math.sin(t * 1.7) * radius * 0.05
        cx, cy = centre[0] + math.sin(t * 0.9) * radius * 0.04, centre[1] + bob
        r = radius
        if hair:
            cv2.ellipse(image, (int(cx), int(cy - r * 0.15)), (int(r * 1.08), int(r * 1.12)), 0, 180, 360,
                        (90, 60, 40), -1, cv2.LINE_AA)
        cv2.circle(image, (int(cx), int(cy)), int(r), skin, -1, cv2.LINE_AA)
        blink = (t % 4.0) < 0.12
        for side in (-1, 1):
            ex, ey = int(cx + side * r * 0.38), int(cy - r * 0.18)
            if blink:
                cv2.line(image, (ex - int(r * 0.12), ey), (ex + int(r * 0.12), ey), (60, 40, 30),
                         max(1, int(r * 0.04)), cv2.LINE_AA)
            else:
                cv2.circle(image, (ex, ey), int(r * 0.13), (255, 255, 255), -1, cv2.LINE_AA)
                cv2.circle(image, (ex + int(gaze * r * 0.05), ey), int(r * 0.07), (50, 35, 25), -1, cv2.LINE_AA)
        open_h = max(1, int(r * (0.04 + 0.22 * min(max(mouth, 0.0), 1.0))))
        cv2.ellipse(image, (int(cx), int(cy + r * 0.42)), (int(r * 0.28), open_h), 0, 0, 360,
                    (120, 40, 50), -1, cv2.LINE_AA)
        cv2.circle(image, (int(cx - r * 0.55), int(cy + r * 0.2)), int(r * 0.1), (240, 150, 150), -1, cv2.LINE_AA)
        cv2.circle(image, (int(cx + r * 0.55), int(cy + r * 0.2)), int(r * 0.1), (240, 150, 150), -1, cv2.LINE_AA)
