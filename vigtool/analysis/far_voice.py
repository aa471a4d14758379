"""A voice far off (a TV, a radio) told from the family's by this film's own channels.

A TV's sound reaches the camera through one fixed filter (a small speaker or a broadcast band, a compressor,
the room twice), and its talk goes on for most of the film; the family's voices come straight from near
the camera. So within one film the far voice's frames share a long-term spectral shape that the family's do
not. vocal_detect first decides each frame near or far from what holds in every film (a logistic over its
level, a low voice's bass and its broadcast band over the floor); here that decision is sharpened with this
film's own frames: the frames it is sure of on either side (more than ADAPT_MARGIN from its line) give each
side's mean shape (mel cepstra, `channel_cepstra`, with the frame's level and the logistic's level-free part)
and a shared covariance; the discriminant between them (linear: Fisher's) is added to the logistic's sum.
Six rounds, each from the sum the round before gave (self-training: the sure frames of each round are
taken from the sum the last gave, the logistic's own sum always added; 2 rounds gave tuning TV turn F1 0.83,
3-10 rounds 0.85-0.86). Where either side has too few sure frames, the logistic's decision stands.

Set on the tuning sources' 24 TV scenes only (bench/turns_accuracy.py --tuning). With vocal_detect's
shorter smoothing of the decision (0.13 s, was 0.21), TV vocalisation F1 0.843 -> 0.911, turn F1 0.776 ->
0.857, the TV's talk kept out of the family's 0.89 -> 0.95 (the discriminant alone, at 0.21 s and two
rounds: 0.865, 0.787, 0.92).
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

MEL_BANDS = 20  # over MEL_HZ
MEL_HZ = (80.0, 4000.0)
CEPSTRA = 12  # mel cepstra 1..12 (0, the level, is left out: the level is a feature of its own)
ADAPT_MARGIN = 1.0  # frames whose near-voice sum is further than this from 0 are taken as sure
ADAPT_ROUNDS = 6
ADAPT_MIN_FRAMES = 50  # sure frames each side needs (0.5 s of voice) before this film's shapes are used
ADAPT_MAX_FRAMES = 20000  # frames of each side its statistics are taken from (200 s of voice; a 30-s film: all)
CHUNK = 65536  # frames whose sum is taken at once
RIDGE = 1e-3  # added to the covariance's diagonal (a film whose frames all share one shape)


@functools.cache
def _mel_dct(bins: int, bin_hz: float) -> npt.NDArray[np.float32]:
    """bins × CEPSTRA: triangular mel bands over MEL_HZ, then the DCT of their logs, as one table for the
    log of each band (the log sits between: see channel_cepstra)."""
    hz = np.arange(bins) * bin_hz

    def mel(f: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(2595 * np.log10(1 + f / 700))

    grid = np.arange(0.0, 8000.0)
    edges = np.interp(np.linspace(float(mel(np.array(MEL_HZ[0]))), float(mel(np.array(MEL_HZ[1]))), MEL_BANDS + 2),
                      mel(grid), grid)
    bank = np.zeros((bins, MEL_BANDS))
    for i in range(MEL_BANDS):
        low, centre, high = edges[i], edges[i + 1], edges[i + 2]
        bank[:, i] = np.clip(np.minimum((hz - low) / (centre - low), (high - hz) / (high - centre)), 0, None)
    return bank.astype(np.float32)


@functools.cache
def _dct() -> npt.NDArray[np.float32]:
    k = np.arange(MEL_BANDS)
    return np.cos(np.pi * np.outer(np.arange(1, CEPSTRA + 1), k + 0.5) / MEL_BANDS).T.astype(np.float32)


def channel_cepstra(power: npt.NDArray[np.float32], bin_hz: float) -> npt.NDArray[np.float16]:
    """Each frame's spectral shape (frames × CEPSTRA mel cepstra) from its power spectrum (frames × bins)."""
    bands = power @ _mel_dct(power.shape[1], bin_hz)
    return np.asarray(np.log(bands + 1e-10) @ _dct(), np.float16)


def adapted(score: npt.NDArray[np.float32], features: npt.NDArray[np.floating],
            voiced: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
    """The near-voice sum of each frame (`score`: over 0, the family's) sharpened by this film's own frames:
    `features` (frames × k: cepstra, level, ...) of the `voiced` frames the sum is sure of on either side
    give the two sides' means and a shared covariance; Fisher's discriminant between them is added.
    Each side's statistics come from at most ADAPT_MAX_FRAMES of its frames, evenly spread, and the sum is
    taken CHUNK frames at a time, so a long film costs no more memory than its features."""
    out = score
    for _ in range(ADAPT_ROUNDS):
        sides = [np.flatnonzero(voiced & (out > ADAPT_MARGIN)), np.flatnonzero(voiced & (out < -ADAPT_MARGIN))]
        if min(side.size for side in sides) < ADAPT_MIN_FRAMES:
            return out
        near, far = (features[side[:: -(-side.size // ADAPT_MAX_FRAMES)]].astype(np.float64) for side in sides)
        mean_near, mean_far = near.mean(axis=0), far.mean(axis=0)
        shared = (np.cov(near.T) * len(near) + np.cov(far.T) * len(far)) / (len(near) + len(far))
        weights = np.linalg.solve(shared + RIDGE * np.eye(shared.shape[0]), mean_near - mean_far)
        middle = (mean_near + mean_far) / 2
        out = np.empty_like(score)
        for first in range(0, score.size, CHUNK):
            part = features[first:first + CHUNK].astype(np.float32) - middle.astype(np.float32)
            out[first:first + CHUNK] = score[first:first + CHUNK] + part @ weights.astype(np.float32)
    return out
