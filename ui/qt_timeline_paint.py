"""Painting the timeline's lanes: ruler, filmstrip, sound wave, and the marks of each track.

Far out, thousands of marks share a few hundred pixels: they are rasterised column by column with numpy
(the topmost colour per pixel column) and drawn as one image per lane. Close in, where few marks are
visible, each is drawn as a shape with its label. Either way only the visible frames are looked at.
"""

from __future__ import annotations

import bisect
import itertools
import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QStaticText,
)

from vigtool.domain.model import Actor, Annotation, TurnChain
from vigtool.domain.peak_pyramid import PeakPyramid
from vigtool.domain.time import frame_to_seconds
from vigtool.domain.timeline import TrackIndex, Zoom
from vigtool.media.previews import AudioEnvelope

# Marks denser than one per this many pixels (and more than 40 in a lane) are rasterised per pixel column:
# there is no room for their labels anyway, and drawing each as a shape would cost a few ms per hundred.
RASTER_PX_PER_MARK = 36
ACTOR_COLOURS = {Actor.INFANT: "#e08a1e", Actor.PARENT: "#3f7fbf", None: "#8a8f98"}
LANE_FILL = QColor("#2a2d33")
LANE_FILL_ALT = QColor("#25282d")
TEXT = QColor("#d8dbe0")
DIM_TEXT = QColor("#9aa0a8")


MIN_RASTER_PX = 3
ELIDE_STEP = 12  # a label's room is rounded down to this many pixels
SELECTED_PEN = QPen(QColor("#ffffff"), 2)
LABEL_PEN = QPen(QColor("#101214"))
WAVE_ARGB = 0xFF5EB2A0  # the sound wave's green-blue, as a 32-bit ARGB pixel


def elided_lane_name(metrics: QFontMetrics, label: str, width: int) -> str:
    """A lane's label in `width` pixels: "Person: lane" shortens the person's name first, so the lane
    stays readable ("Anna Lin…: Parent"), then the lane's own name."""
    if metrics.horizontalAdvance(label) <= width or ": " not in label:
        return metrics.elidedText(label, Qt.TextElideMode.ElideRight, width)
    person, lane = label.split(": ", 1)
    room = width - metrics.horizontalAdvance(f": {lane}")
    if room >= metrics.horizontalAdvance("Wi…"):
        return f"{metrics.elidedText(person, Qt.TextElideMode.ElideRight, room)}: {lane}"
    return metrics.elidedText(label, Qt.TextElideMode.ElideRight, width)


def _argb(colour: str) -> int:
    """An opaque colour as a 32-bit ARGB pixel (QImage.Format_ARGB32 in native byte order)."""
    return 0xFF000000 | QColor(colour).rgb()


def ruler_step(px_per_frame: float, rate: Fraction, min_px: float = 90) -> int:
    """Frames between labelled ticks: a round number of frames or seconds, at least `min_px` apart."""
    fps = max(1, round(rate))
    candidates = [1, 2, 5, 10] + [fps * s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)]
    return next((c for c in candidates if c * px_per_frame >= min_px), candidates[-1])


def short_time(frame: int, rate: Fraction, with_frames: bool) -> str:
    whole = frame * rate.denominator // rate.numerator  # whole seconds, in integers (no Fraction per tick)
    text = f"{whole // 60}:{whole % 60:02d}"
    if with_frames:
        text += f".{frame - whole * rate.numerator // rate.denominator:02d}"
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
    ticks, labels = [], []
    for frame in range(first - first % minor, last + 1, minor):
        x = rect.left() + zoom.x_of(frame)
        if x < rect.left():
            continue
        major = frame % step == 0
        ticks.append(QLineF(x, rect.bottom() - (9 if major else 4), x, rect.bottom()))
        if major:
            labels.append((QPointF(x + 3, rect.top() + 11), short_time(frame, rate, with_frames)))
    p.drawLines(ticks)  # one call for every tick
    for at, text in labels:
        p.drawText(at, text)


def paint_filmstrip(p: QPainter, rect: QRectF, zoom: Zoom, thumbs: list[tuple[int, QPixmap]]) -> None:
    """The strip tiled edge to edge with thumbnails, as an editor's is: each tile shows the thumbnail
    nearest the frame at its middle. The tiles are laid from the film's first frame, so scrolling moves
    them with the film rather than changing what each one shows; the strip ends where the film does."""
    p.fillRect(rect, QColor("#16181b"))
    if not thumbs:
        p.setPen(DIM_TEXT)
        p.drawText(rect.adjusted(8, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, "Preparing the filmstrip…")
        return
    height = rect.height() - 4
    sample = thumbs[0][1]
    tile = max(height * sample.width() / max(sample.height(), 1), 8.0)
    origin = rect.left() + zoom.x_of(0)  # where the film starts (left of the strip when scrolled)
    film_end = min(rect.left() + zoom.x_of(zoom.frame_count), rect.right())
    frames = [frame for frame, _pixmap in thumbs]
    p.save()
    p.setClipRect(QRectF(rect.left(), rect.top(), max(film_end - rect.left(), 0.0), rect.height()))
    number = max(math.floor((rect.left() - origin) / tile), 0)
    while (x := origin + number * tile) < film_end:
        middle = zoom.frame_at(x + tile / 2 - rect.left())
        after = bisect.bisect_left(frames, middle)
        nearest = min((n for n in (after - 1, after) if 0 <= n < len(frames)), key=lambda n: abs(frames[n] - middle))
        pixmap = thumbs[nearest][1]
        width = height * pixmap.width() / max(pixmap.height(), 1)
        if pixmap.height() == int(height):  # made to the strip's height when it arrived: a plain copy
            p.drawPixmap(QPointF(x, rect.top() + 2), pixmap)
        else:
            p.drawPixmap(QRectF(x, rect.top() + 2, width, height), pixmap, QRectF(pixmap.rect()))
        number += 1
    p.restore()


def paint_wave(p: QPainter, rect: QRectF, zoom: Zoom, rate: Fraction, envelope: AudioEnvelope | None, *,
               has_sound: bool = True, pyramid: PeakPyramid | None = None) -> None:
    """The loudest peak under each pixel column; while the envelope is still being built (it fills in from
    the start), the columns past its end stay empty. With the envelope's `pyramid` the cost is the same at
    any zoom and for any length of film."""
    p.fillRect(rect, QColor("#16181b"))
    if envelope is None or not len(envelope.peaks):
        p.setPen(DIM_TEXT)
        p.drawText(rect.adjusted(8, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter,
                   "Preparing the sound wave…" if has_sound and envelope is None else "No sound in this film")
        return
    width, height = int(rect.width()), int(rect.height())
    columns = np.arange(width + 1, dtype=np.float64)
    frames = zoom.first + columns / zoom.px_per_frame
    bounds = np.clip((frames / float(rate) * envelope.rate).astype(np.int64), 0, len(envelope.peaks))
    values = (pyramid or PeakPyramid(envelope.peaks)).column_max(bounds)
    half = np.clip(values * (height / 2 - 1), 0.5, height / 2).astype(np.int64)
    rows = np.abs(np.arange(height) - height // 2)[:, None]
    image = np.zeros((height, width), dtype=np.uint32)  # one pixel per value: far quicker than RGBA bytes
    image[rows <= half[None, :]] = WAVE_ARGB
    _draw_array(p, QRectF(rect.left(), rect.top(), width, height), image)


def _draw_array(p: QPainter, at: QRectF, image: npt.NDArray[np.uint32]) -> None:
    """Draw 32-bit ARGB pixels (one uint32 each) into `at`, stretched if the sizes differ."""
    height, width = image.shape
    pixels = np.ascontiguousarray(image)
    qimage = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32)
    p.drawImage(at, qimage)  # drawn before `pixels` goes away: no copy needed


def topmost_colour(x0: npt.NDArray[np.int64], x1: npt.NDArray[np.int64], colours: npt.NDArray[np.int64],
                   palette_size: int, width: int) -> npt.NDArray[np.int64]:
    """Per pixel column, the highest palette index among the marks covering [x0, x1) there; -1 if none.

    One difference array per colour, all in one bincount (colour-major), so the cost is that of a few
    passes over the marks in view and over palette_size × width counters, never a Python loop per mark."""
    stride = width + 1
    size = palette_size * stride
    edges = np.bincount(colours * stride + x0, minlength=size) - np.bincount(colours * stride + x1, minlength=size)
    covered = np.cumsum(edges.reshape(palette_size, stride)[:, :width], axis=1) > 0
    top = palette_size - 1 - np.argmax(covered[::-1], axis=0)
    return np.where(covered.any(axis=0), top, -1)


class TrackPainter:
    """Draws one track's marks; colours per code come from the codebook, or from who acts."""

    def __init__(self, colour_of: dict[str | None, str], label_of: dict[str, str]) -> None:
        self.colour_of = colour_of
        self.label_of = label_of
        self.palette = list(dict.fromkeys([*colour_of.values(), *ACTOR_COLOURS.values()]))
        self._argb = np.array([_argb(c) for c in self.palette], dtype=np.uint32)
        self._looks: dict[str, tuple[QColor, QPen]] = {}
        self._elisions: dict[tuple[str, int], QStaticText] = {}
        self._advances: dict[str, int] = {}

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
        self._shapes(p, rect, zoom, index, colours, found, selected)

    def _shapes(self, p: QPainter, rect: QRectF, zoom: Zoom, index: TrackIndex, colours: npt.NDArray[np.int64],
                found: npt.NDArray[np.int64], selected: set[int]) -> None:
        """Each mark in view as a shape with its label, in start order (later ones on top). The positions
        come from the index's arrays in one go; only the drawing itself is done mark by mark."""
        left, top, bottom = rect.left(), rect.top() + 4, rect.bottom() - 4
        starts, ends = index.starts[found], index.ends[found]
        x0s = (left + (starts - zoom.first) * zoom.px_per_frame).tolist()
        x1s = (left + (ends - zoom.first) * zoom.px_per_frame).tolist()
        points = (ends - starts == 1).tolist()
        for position, x0, x1, point, colour_index in zip(found.tolist(), x0s, x1s, points, colours[found].tolist(),
                                                        strict=True):
            annotation = index.annotations[position]
            if annotation.id in selected:
                self._shape(p, rect, zoom, annotation, selected=True)
                continue
            colour, outline = self._look(self.palette[colour_index])
            p.setPen(outline)
            p.setBrush(colour)
            if point and x1 - x0 < 10:
                self._pin(p, (x0 + x1) / 2, top, bottom)
                continue
            box = QRectF(x0, top, max(x1 - x0, 3.0), bottom - top)
            if x1 - x0 > 40:
                p.drawRoundedRect(box, 3, 3)
                self._label(p, box, annotation)
            else:  # too narrow for the rounding to show: a plain rectangle is far quicker to draw
                p.drawRect(box)

    def _raster(self, p: QPainter, rect: QRectF, zoom: Zoom, index: TrackIndex,
                colours: npt.NDArray[np.int64], found: npt.NDArray[np.int64]) -> None:
        width = int(rect.width())
        x0 = np.clip(np.floor((index.starts[found] - zoom.first) * zoom.px_per_frame), 0, width - 1).astype(np.int64)
        x1 = np.clip(np.ceil((index.ends[found] - zoom.first) * zoom.px_per_frame), 0, width).astype(np.int64)
        # A point mark is a pixel wide at whole-film zoom, too thin to see: every mark is at least 3 px.
        thin = x1 - x0 < MIN_RASTER_PX
        x0[thin] = np.clip((x0[thin] + x1[thin]) // 2 - MIN_RASTER_PX // 2, 0, max(width - MIN_RASTER_PX, 0))
        x1 = np.minimum(np.maximum(x1, x0 + MIN_RASTER_PX), width)
        column = topmost_colour(x0, x1, colours[found], len(self.palette), width)
        # Every row of the lane is the same: one row of pixels, stretched to the lane's height when drawn.
        row = np.zeros((1, width), dtype=np.uint32)
        covered = column >= 0
        row[0, covered] = self._argb[column[covered]]
        _draw_array(p, QRectF(rect.left(), rect.top() + 4, width, rect.height() - 8), row)

    def _look(self, colour_name: str) -> tuple[QColor, QPen]:
        """A colour's fill and outline, made once (parsing and pens per mark added up close in)."""
        look = self._looks.get(colour_name)
        if look is None:
            colour = QColor(colour_name)
            look = self._looks[colour_name] = (colour, QPen(colour.darker(160), 1))
        return look

    def _elided(self, p: QPainter, label: str, width: int) -> QStaticText:
        """The label cut to `width` pixels, laid out once (laying text out per mark per paint added up).
        Widths are taken in steps of ELIDE_STEP pixels and a label that fits is kept whole, so scrolling and
        zooming find the layouts already made."""
        whole = self._advances.get(label)
        if whole is None:
            whole = self._advances[label] = p.fontMetrics().horizontalAdvance(label)
        key = (label, -1 if width >= whole else width // ELIDE_STEP * ELIDE_STEP)
        text = self._elisions.get(key)
        if text is None:
            if len(self._elisions) > 4096:
                self._elisions.clear()
            shown = label if key[1] < 0 else p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, key[1])
            text = QStaticText(shown)
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.prepare(font=p.font())
            self._elisions[key] = text
        return text

    def _shape(self, p: QPainter, rect: QRectF, zoom: Zoom, a: Annotation, *, selected: bool,
               ghost: bool = False) -> None:
        x0 = rect.left() + zoom.x_of(a.start)
        x1 = rect.left() + zoom.x_of(a.end)
        colour, outline = self._look(self.colour(a))
        if ghost:
            colour = QColor(colour)
            colour.setAlpha(150)
        top, bottom = rect.top() + 4, rect.bottom() - 4
        p.setPen(SELECTED_PEN if selected else outline)
        p.setBrush(colour)
        if a.end - a.start == 1 and x1 - x0 < 10:  # a point: a pin with a head
            self._pin(p, (x0 + x1) / 2, top, bottom)
            return
        box = QRectF(x0, top, max(x1 - x0, 3.0), bottom - top)
        p.drawRoundedRect(box, 3, 3)
        if box.width() > 40:
            self._label(p, box, a)

    @staticmethod
    def _pin(p: QPainter, mid: float, top: float, bottom: float) -> None:
        p.drawRect(QRectF(mid - 1.5, top + 6, 3, bottom - top - 6))
        p.drawPolygon(QPolygonF([QPointF(mid - 6, top), QPointF(mid + 6, top), QPointF(mid, top + 9)]))

    def _label(self, p: QPainter, box: QRectF, a: Annotation) -> None:
        label = self.label_of.get(a.code_id or "", "") or a.note
        if not label:
            return
        text = self._elided(p, label, int(box.width()) - 8)
        p.setPen(LABEL_PEN)
        p.drawStaticText(QPointF(box.left() + 5, box.center().y() - text.size().height() / 2), text)

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
