"""Whose vocal tract: this film's parent and baby told apart by the spectral envelope of their voices.

An adult's vocal tract is about 17 cm long, an infant's about 8: an infant's formants lie far higher (its first
near 1 kHz, where an adult's vowels have theirs at 300-800 Hz), whatever pitch either voice is at. Within one
film a parent's voice keeps its own envelope, so the film's own vocalisations teach the difference: those
its pitch names with confidence (far from the film's line, vigtool.analysis.speakers) give each side's mean
envelope and a shared covariance, and Fisher's discriminant between them then scores the vocalisations whose
pitch cannot tell (a mother's long vowel at 250 Hz and a baby's growl at 220 lie on the same pitch).

The envelope is read through the harmonics' peaks, not the spectrum's bands: a voice at 300-500 Hz leaves
its harmonics wide apart, and bands between them would carry its pitch, not its tract (mel cepstra did: a
per-film discriminant over them scored each growl by its pitch, bench/turns_accuracy.py --tuning). So each
frame with a pitch gives its harmonics' peak levels, interpolated at ENVELOPE_POINTS frequencies over
ENVELOPE_HZ (above a baby's first harmonic, where every voice has harmonics to read), its mean level taken
away (the level is not the tract).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

ENVELOPE_HZ = (600.0, 3800.0)  # where every voice, a baby's at 500 Hz too, has harmonics to read the tract by
ENVELOPE_POINTS = 8  # mel-spaced over ENVELOPE_HZ
HARMONICS = 60  # enough to reach ENVELOPE_HZ's top from Praat's floor (60 Hz)
MIN_FRAMES = 50  # sure frames each side needs (0.5 s of voice) before the film's own envelopes are used
MIN_PART_FRAMES = 10  # frames with a pitch a vocalisation needs to be scored
RIDGE = 1e-2  # added to the covariance's diagonal (a film whose voices share one envelope)


def _points() -> npt.NDArray[np.float64]:
    low, high = (2595 * np.log10(1 + f / 700) for f in ENVELOPE_HZ)
    return np.asarray(700 * (10 ** (np.linspace(low, high, ENVELOPE_POINTS) / 2595) - 1))


def harmonic_envelope(power: npt.NDArray[np.float32], pitch: npt.NDArray[np.float32],
                      bin_hz: float) -> npt.NDArray[np.float16]:
    """frames × ENVELOPE_POINTS: each frame's log power envelope through its harmonics' peaks (at Praat's
    `pitch`; the strongest of the three bins nearest each harmonic), less its mean; zeros where no pitch."""
    frames, bins = power.shape
    out = np.zeros((frames, ENVELOPE_POINTS), np.float16)
    voiced = np.flatnonzero(pitch > 0)
    if voiced.size == 0:
        return out
    f0 = pitch[voiced].astype(np.float64)[:, None]
    nearest = np.clip(np.rint(np.arange(1, HARMONICS + 1)[None, :] * f0 / bin_hz).astype(np.int64), 1, bins - 2)
    spectra = power[voiced]
    rows = np.arange(voiced.size)[:, None]
    peaks = np.maximum(np.maximum(spectra[rows, nearest - 1], spectra[rows, nearest]), spectra[rows, nearest + 1])
    levels = np.log(peaks.astype(np.float64) + 1e-10)
    position = _points()[None, :] / f0  # each point's place among the harmonics (1: the first)
    below = np.clip(np.floor(position).astype(np.int64), 1, HARMONICS - 1)
    share = np.clip(position - below, 0.0, 1.0)
    envelope = (np.take_along_axis(levels, below - 1, axis=1) * (1 - share)
                + np.take_along_axis(levels, below, axis=1) * share)
    out[voiced] = (envelope - envelope.mean(axis=1, keepdims=True)).astype(np.float16)
    return out


@dataclass(frozen=True)
class FilmTimbre:
    """Fisher's discriminant between this film's parent and baby envelopes, scaled so that the parent's mean
    frame scores -1 and the baby's +1."""

    weights: npt.NDArray[np.float64]
    middle: npt.NDArray[np.float64]
    half: float

    def score(self, envelope: npt.NDArray[np.float16]) -> float:
        """A vocalisation's score: the median of its frames' (frames × ENVELOPE_POINTS, each with a pitch)."""
        return float(np.median((envelope.astype(np.float64) - self.middle) @ self.weights)) / self.half


def film_timbre(envelope: npt.NDArray[np.float16], parent: npt.NDArray[np.intp],
                baby: npt.NDArray[np.intp]) -> FilmTimbre | None:
    """The film's discriminant from the frames (indices, each with a pitch) of the vocalisations its pitch
    names the parent's and the baby's with confidence; None where either side has too few."""
    if min(parent.size, baby.size) < MIN_FRAMES:
        return None
    a, b = envelope[parent].astype(np.float64), envelope[baby].astype(np.float64)
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    shared = (np.cov(a.T) * len(a) + np.cov(b.T) * len(b)) / (len(a) + len(b))
    weights = np.linalg.solve(shared + RIDGE * np.eye(ENVELOPE_POINTS), mean_b - mean_a)
    half = float((mean_b - mean_a) @ weights) / 2
    if half <= 0:
        return None
    return FilmTimbre(weights, (mean_a + mean_b) / 2, half)


TRAIN_SURENESS = 0.7  # vocalisations the pitch names this surely (0.3 octave from the line) teach the film


def part_timbres(envelope: npt.NDArray[np.float16], pitched: npt.NDArray[np.bool_], parts: list[tuple[int, int]],
                 infant: list[bool], sureness: list[float]) -> list[float | None]:
    """Each part's score by this film's discriminant (film_timbre; under 0: the parent's tract, over 0: the
    baby's), from its `pitched` frames (clearly voiced, with a pitch); None where the film has too few sure
    parts of either side or the part too few frames. `infant`, `sureness`: how its pitch named each part."""
    sides: tuple[list[npt.NDArray[np.intp]], list[npt.NDArray[np.intp]]] = ([], [])
    frames = [np.flatnonzero(pitched[s:e]) + s for s, e in parts]
    for own, is_infant, sure in zip(frames, infant, sureness, strict=True):
        if sure >= TRAIN_SURENESS:
            sides[int(is_infant)].append(own)
    parent, baby = (np.concatenate(side) if side else np.zeros(0, np.intp) for side in sides)
    model = film_timbre(envelope, parent, baby)
    if model is None:
        return [None] * len(parts)
    return [model.score(envelope[own]) if own.size >= MIN_PART_FRAMES else None for own in frames]
