"""Painting the timeline's lanes: ruler, filmstrip, sound wave, and the marks of each track.

Far out, thousands of marks share a few hundred pixels: they are rasterised column by column with numpy
(the topmost colour per pixel column) and drawn as one image per lane. Close in, where few marks are
visible, each is drawn as a shape with its label. Either way only the visible frames are looked at.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap

from vigtool.domain.model import Actor, Annotation, TurnChain
from vigtool.domain.time import frame_to_seconds
from vigtool.domain.timeline import TrackIndex, Zoom
from vigtool.media.previews import AudioEnvelope

# Marks denser than one per this many pixels are rasterised per pixel column (no room for labels anyway).
RASTER_PX_PER_MARK = 12
ACTOR_COLOURS = {Actor.INFANT: "#e08a1e", Actor.PARENT: "#3f7fbf", None: "#8a8f98"}
LANE_FILL = QColor("#2a2d33")
LANE_FILL_ALT = QColor("#25282d")
TEXT = QColor("#d8dbe0")
DIM_TEXT = QColor("#9aa0a8")


MIN_RASTER_PX = 3


def _rgba(colour: str) -> tuple[int, int, int, int]:
    c = QColor(colour)
    return c.red(), c.green(), c.blue(), 255


def ruler_step(px_per_frame: float, rate: Fraction, min_px: float = 90) -> int:
    """Frames between labelled ticks: a round number of frames or seconds, at least `min_px` apart."""
    fps = max(1, round(rate))
    candidates = [1, 2, 5, 10] + [fps * s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)]
    return next((c for c in candidates if c * px_per_frame >= min_px), candidates[-1])


def short_time(frame: int, rate: Fraction, with_frames: bool) -> str:
    seconds = frame_to_seconds(frame, rate)
    whole = int(seconds)
    text = f"{whole // 60}:{whole % 60:02d}"
    if with_frames:
        text += f".{frame - int(whole * rate):02d}"
    return text


def paint_ruler(p: QPainter, rect: QRectF, zoom: Zoom, rate: Fraction) -> None:
    p.fillRect(rect, QColor("#1d1f23"))
    step = ruler_step(zoom.px_per_frame, rate)
    first, last = zoom.visible_frames()
    p.setPen(QPen(DIM_TEXT, 1))
    font = QFont(p.font())
    font.setPointSizeF(8)
    p.setFont(font)
    with_frames = step < max(1, round(rate))
    minor = max(1, step // 5)
    for frame in range(first - first % minor, last + 1, minor):
        x = rect.left() + zoom.x_of(frame)
        if x < rect.left():
            continue
        major = frame % step == 0
        p.drawLine(QPointF(x, rect.bottom() - (9 if major else 4)), QPointF(x, rect.bottom()))
        if major:
            p.drawText(QPointF(x + 3, rect.top() + 11), short_time(frame, rate, with_frames))


def paint_filmstrip(p: QPainter, rect: QRectF, zoom: Zoom, thumbs: list[tuple[int, QPixmap]]) -> None:
    p.fillRect(rect, QColor("#16181b"))
    if not thumbs:
        p.setPen(DIM_TEXT)
        p.drawText(rect.adjusted(8, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, "Preparing the filmstrip…")
        return
    height = rect.height() - 4
    next_free = rect.left() - 1e9
    p.save()
    p.setClipRect(rect)
    for frame, pixmap in thumbs:
        x = rect.left() + zoom.x_of(frame)
        width = height * pixmap.width() / max(pixmap.height(), 1)
        if x + width < rect.left() or x < next_free:
            continue
        if x > rect.right():
            break
        p.drawPixmap(QRectF(x, rect.top() + 2, width, height), pixmap, QRectF(pixmap.rect()))
        next_free = x + width + 2
    p.restore()


def paint_wave(p: QPainter, rect: QRectF, zoom: Zoom, rate: Fraction, envelope: AudioEnvelope | None, *,
               has_sound: bool = True) -> None:
    """The loudest peak under each pixel column; while the envelope is still being built (it fills in from
    the start), the columns past its end stay empty."""
    p.fillRect(rect, QColor("#16181b"))
    if envelope is None or not len(envelope.peaks):
        p.setPen(DIM_TEXT)
        p.drawText(rect.adjusted(8, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter,
                   "Preparing the sound wave…" if has_sound and envelope is None else "No sound in this film")
        return
    width, height = int(rect.width()), int(rect.height())
    columns = np.arange(width + 1, dtype=np.float64)
    frames = zoom.first + columns / zoom.px_per_frame
    samples = np.clip((frames / float(rate) * envelope.rate).astype(np.int64), 0, len(envelope.peaks))
    peaks = np.asarray(envelope.peaks, dtype=np.float32)
    bounds = np.minimum(samples, len(peaks))  # non-decreasing, as reduceat wants
    # Only the part in view is copied (a two-hour film has 720 000 values), with an extra zero for the
    # columns past the end of the sound.
    first, last = int(bounds[0]), int(bounds[-1])
    padded = np.append(peaks[first:last + 1], 0.0)
    # The loudest peak under each pixel column: max over peaks[bounds[i]:bounds[i+1]] (one sample if empty).
    values = np.maximum.reduceat(padded, np.minimum(bounds - first, padded.size - 1))[:-1]
    half = np.clip(values * (height / 2 - 1), 0.5, height / 2).astype(np.int64)
    rows = np.abs(np.arange(height) - height // 2)[:, None]
    image = np.zeros((height, width, 4), dtype=np.uint8)
    image[rows <= half[None, :]] = (94, 178, 160, 255)
    _draw_array(p, rect.topLeft(), image)


def _draw_array(p: QPainter, at: QPointF, image: npt.NDArray[np.uint8]) -> None:
    height, width, _ = image.shape
    qimage = QImage(image.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
    p.drawImage(at, qimage)  # drawn before `image` goes away: no copy needed


class TrackPainter:
    """Draws one track's marks; colours per code come from the codebook, or from who acts."""

    def __init__(self, colour_of: dict[str | None, str], label_of: dict[str, str]) -> None:
        self.colour_of = colour_of
        self.label_of = label_of
        self.palette = list(dict.fromkeys([*colour_of.values(), *ACTOR_COLOURS.values()]))
        self._rgba = np.array([_rgba(c) for c in self.palette], dtype=np.uint8)

    def colour(self, annotation: Annotation) -> str:
        if annotation.code_id is not None and annotation.code_id in self.colour_of:
            return self.colour_of[annotation.code_id]
        return ACTOR_COLOURS.get(annotation.actor, ACTOR_COLOURS[None])

    def colour_indices(self, index: TrackIndex) -> npt.NDArray[np.int64]:
        return np.array([self.palette.index(self.colour(a)) for a in index.annotations], dtype=np.int64)

    def paint(self, p: QPainter, rect: QRectF, zoom: Zoom, index: TrackIndex, colours: npt.NDArray[np.int64],
              selected: set[int]) -> None:
        first, last = zoom.visible_frames()
        found = index.visible(first, last)
        if found.size > max(40, rect.width() / RASTER_PX_PER_MARK):
            self._raster(p, rect, zoom, index, colours, found)
            for position in found[np.isin(index.ids[found], list(selected))] if selected else ():
                self._shape(p, rect, zoom, index.annotations[int(position)], selected=True)
            return
        for position in found:
            annotation = index.annotations[int(position)]
            self._shape(p, rect, zoom, annotation, selected=annotation.id in selected)

    def _raster(self, p: QPainter, rect: QRectF, zoom: Zoom, index: TrackIndex,
                colours: npt.NDArray[np.int64], found: npt.NDArray[np.int64]) -> None:
        width = int(rect.width())
        x0 = np.clip(np.floor((index.starts[found] - zoom.first) * zoom.px_per_frame), 0, width - 1).astype(np.int64)
        x1 = np.clip(np.ceil((index.ends[found] - zoom.first) * zoom.px_per_frame), 0, width).astype(np.int64)
        # A point mark is a pixel wide at whole-film zoom, too thin to see: every mark is at least 3 px.
        thin = x1 - x0 < MIN_RASTER_PX
        x0[thin] = np.clip((x0[thin] + x1[thin]) // 2 - MIN_RASTER_PX // 2, 0, max(width - MIN_RASTER_PX, 0))
        x1 = np.minimum(np.maximum(x1, x0 + MIN_RASTER_PX), width)
        column = np.full(width, -1, dtype=np.int64)
        mine = colours[found]
        for colour in np.unique(mine):  # a handful of colours: per colour, where it covers (difference array)
            pick = mine == colour
            edges = np.zeros(width + 1, dtype=np.int64)
            np.add.at(edges, x0[pick], 1)
            np.add.at(edges, x1[pick], -1)
            column[np.cumsum(edges[:-1]) > 0] = colour
        height = int(rect.height()) - 8
        image = np.zeros((height, width, 4), dtype=np.uint8)
        covered = column >= 0
        image[:, covered] = self._rgba[column[covered]][None, :, :]
        _draw_array(p, QPointF(rect.left(), rect.top() + 4), image)

    def _shape(self, p: QPainter, rect: QRectF, zoom: Zoom, a: Annotation, *, selected: bool,
               ghost: bool = False) -> None:
        x0 = rect.left() + zoom.x_of(a.start)
        x1 = rect.left() + zoom.x_of(a.end)
        colour = QColor(self.colour(a))
        if ghost:
            colour.setAlpha(150)
        top, bottom = rect.top() + 4, rect.bottom() - 4
        outline = QPen(QColor("#ffffff"), 2) if selected else QPen(colour.darker(160), 1)
        p.setPen(outline)
        p.setBrush(colour)
        if a.end - a.start == 1 and x1 - x0 < 10:  # a point: a pin with a head
            mid = (x0 + x1) / 2
            p.drawRect(QRectF(mid - 1.5, top + 6, 3, bottom - top - 6))
            head = QPainterPath()
            head.moveTo(mid - 6, top)
            head.lineTo(mid + 6, top)
            head.lineTo(mid, top + 9)
            head.closeSubpath()
            p.drawPath(head)
            return
        box = QRectF(x0, top, max(x1 - x0, 3.0), bottom - top)
        p.drawRoundedRect(box, 3, 3)
        label = self.label_of.get(a.code_id or "", "") or a.note
        if label and box.width() > 40:
            p.setPen(QColor("#101214"))
            p.drawText(box.adjusted(5, 0, -3, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(box.width()) - 8))

    def ghost(self, p: QPainter, rect: QRectF, zoom: Zoom, a: Annotation) -> None:
        self._shape(p, rect, zoom, a, selected=True, ghost=True)


def paint_chains(p: QPainter, rect: QRectF, zoom: Zoom, rate: Fraction, chains: list[TurnChain],
                 annotations: dict[int, Annotation]) -> None:
    """Arcs from each turn to the answer, with the latency in seconds over them."""
    first, last = zoom.visible_frames()
    font = QFont(p.font())
    font.setPointSizeF(7.5)
    p.setFont(font)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for chain in chains:
        marks = [annotations[link.annotation_id] for link in chain.links if link.annotation_id in annotations]
        for a, b in itertools.pairwise(marks):
            if b.start < first or a.start > last:
                continue
            xa = rect.left() + zoom.x_of(a.start + 0.5)
            xb = rect.left() + zoom.x_of(b.start + 0.5)
            arc = QPainterPath()
            arc.moveTo(xa, rect.top() + 13)
            arc.cubicTo(xa, rect.top() + 1, xb, rect.top() + 1, xb, rect.top() + 13)
            p.setPen(QPen(QColor("#e6e6e6"), 1.2))
            p.drawPath(arc)
            if xb - xa > 34:
                seconds = float(frame_to_seconds(b.start - a.start, rate))
                p.setPen(TEXT)
                p.drawText(QRectF(xa, rect.top() + 12, xb - xa, rect.height() - 14),
                           Qt.AlignmentFlag.AlignCenter, f"{seconds:.1f} s")
