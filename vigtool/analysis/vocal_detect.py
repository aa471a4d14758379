"""Find vocalisations in a recording's sound and tell the parent's from the baby's. No model to download:
a harmonic detector over a noise-whitened spectrum (numpy), Praat's pitch, then who spoke per vocalisation.

1. Spectrum every 10 ms (40 ms Hann window). The noise floor of each frequency is a low percentile over
   the surrounding few seconds, so room noise (even as it swells and ebbs) and mains hum (constant tones)
   sink into it; what rises above it is measured as log-SNR per frequency.
2. Voice is *harmonic*: for each candidate pitch (80–900 Hz), the mean log-SNR at its harmonics minus that
   half-way between them. A toy rattle or a door is loud but broadband (no harmonic comb); hum is in the
   floor. The best candidate gives the pitch; its score, the voicing.
3. Voiced frames are joined across short gaps (≤ 0.2 s) into vocalisations of at least 0.2 s.
4. Who spoke (vigtool.analysis.speakers): Praat's pitch (praat-parselmouth) of each vocalisation, split
   parent / baby at this film's own pitch gap, with how sure that is. The comb's pitch is not used for it:
   it reads ordinary adult voices at two to four times their pitch. One speaker's parts up to 0.5 s apart
   are one vocalisation.
5. A voice far off (a TV, a radio: more than a tenth of the voiced frames under 6 dB over the film's quieter
   fifth): each frame is the family's or the far voice's from its level, a low voice's bass (a small speaker
   and a broadcast band hold little under 300 Hz) and its band over the room's floor (a logistic fitted on
   the tuning sources' TV scenes), sharpened by this film's own channels (vigtool.analysis.far_voice: the
   TV's frames share one spectral shape). The family's vocalisations are the stretches of near frames;
   the far voice's own stretches are someone else's (Speaker.OTHER: shown, never a turn), and the analysis
   says it is unsure who spoke.
6. What pitch gets wrong, renamed from how each part is voiced (speakers.by_articulation): a call at a parent's
   pitch that is steady and unbroken is an infant's growl, unless its envelope is the parent's tract
   (vigtool.analysis.timbre, taught by this film's surely named parts: a mother's long vowel); a "baby" at
   a toddler's pitch whose pitch moves like speech and whose voicing consonants break is another child,
   someone else's (Speaker.OTHER). All are flagged unsure.

Times are integer sample positions at ANALYSIS_RATE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import parselmouth

from vigtool.analysis.far_voice import CEPSTRA, adapted, channel_cepstra
from vigtool.analysis.speakers import (
    SegmentCues,
    attribute,
    by_articulation,
    cues_of,
    film_split,
    split_at_speaker_changes,
)
from vigtool.analysis.timbre import ENVELOPE_POINTS, harmonic_envelope, part_timbres
from vigtool.domain.vocal_turns import Speaker, Vocalisation

ANALYSIS_RATE = 16000
HOP = 160  # 10 ms
WINDOW = 640  # 40 ms
NFFT = 1024
MAX_HZ = 4000
F0_MIN, F0_MAX = 80.0, 900.0
CANDIDATES_PER_OCTAVE = 36
FLOOR_PERCENTILE = 15
FLOOR_BLOCK = 50  # frames (0.5 s) per noise-floor estimate
FLOOR_SPAN = 7  # blocks whose estimates are combined (3.5 s)
CONTEXT_FRAMES = 2000  # frames analysed at once (20 s: bounded memory for long films)
POWER_CHUNK = 250  # frames of a context whose spectra are taken at once
VOICED_SCORE = 4.0  # harmonics' mean amplitude over the floor minus that half-way between them
VOICED_RATIO = 0.8  # ... and the harmonics hold at least this share of the amplitude over the floor
PRAAT_VOICED_RATIO = 0.7  # ... or this where Praat hears a pitch too (a low voice in a reverberant room: the
# echoes fill the gaps between its close harmonics; set on the tuning scenes: crying-reverb, overlap, TV)
WEAK_FACTOR = 0.6  # frames this much weaker still belong to a vocalisation begun by strong ones
STEADY_OCTAVES = 0.12  # a voice's pitch moves less than this from one 10-ms frame to the next
MIN_GAP_FRAMES = 20  # gaps up to 0.2 s inside a vocalisation are bridged
SAME_VOICE_GAP_FRAMES = 40  # ... and up to 0.4 s when the pitch on both sides is the same voice's
MIN_FRAMES = 20  # vocalisations shorter than 0.2 s are dropped
SAME_SPEAKER_GAP_FRAMES = 50  # one speaker's parts up to 0.5 s apart are one vocalisation (a phrase's pause)
FAR_SAME_VOICE_OCTAVES = 0.3  # with a voice far off, near pitch this close on both sides of a gap is one voice's
NEAR_DB = 6.0  # a voice near the camera is this much over the film's quieter fifth ...
FAR_VOICE_SHARE = 0.1  # ... and when more of the film's voiced frames are not, a voice is far off (a TV):
BACKGROUND_TALK_SURENESS = 0.45  # ... and the analysis is unsure who spoke, at best
# Where a voice is far off, each voiced frame is the family's when this sum is over 0 (a logistic fitted on the
# tuning sources' 16 TV scenes only, bench/turns_accuracy.py --tuning; refitted when half of them became a
# full-range set over a music bed: frames right 0.80 -> 0.83, TV turn F1 0.63 -> 0.65): a near voice is
# louder, a low one has its bass (a TV's small speaker and a broadcast band hold little under 300 Hz), and
# its harmonics stand clearer over the room's floor in the broadcast band. A voice pitched over 300 Hz has
# no bass to show: it takes a fixed amount instead (a baby is louder than a TV; a TV's high voice is not).
NEAR_LEVEL_WEIGHT = 0.345  # per dB over the film's quieter fifth
NEAR_BASS_WEIGHT = 0.145  # per dB of 70-300 Hz against 300-3400 Hz, for a voice pitched under 300 Hz
NEAR_HIGH_VOICE = -2.045  # instead, for a voice pitched over 300 Hz
NEAR_BAND_WEIGHT = 0.905  # per unit of mean log-SNR over 300-3400 Hz
NEAR_BIAS = -2.494
NEAR_SMOOTH_FRAMES = 13  # the family's frames are the majority of the 0.13 s around each (0.21 s before this
# film's own channels sharpened each frame's decision, far_voice: tuning TV turn F1 0.83 at 13, 0.79 at 21)
BASS_HZ, BAND_HZ = (70.0, 300.0), (300.0, 3400.0)
FAR_PITCH_PERCENTILE = 65  # with a voice far off, a vocalisation's pitch is its upper third's (see _cues)
# (the 80th percentile named a parent under a TV's music the baby: tuning TV turn F1 0.65 at 80, 0.72 at 65)
PRAAT_FLOOR = 60.0  # Hz: the lowest voice Praat looks for (a deep father, down to 65 Hz at phrase ends)
PRAAT_MIN_SAMPLES = 3 * WINDOW  # Praat needs three periods of its floor in the sound
# Praat's pitch every 10 ms, as the frames. Every 20 ms halved Praat's cost (half the analysis's CPU) but took
# tuning turn F1 0.923 -> 0.920 and left the held-out scenes below the baseline in 6 of 36, not 4.
PRAAT_STEP_S = HOP / ANALYSIS_RATE

Samples = npt.NDArray[np.float32]
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class AnalysisCancelledError(Exception):
    """The practitioner stopped the analysis; nothing was stored."""


@dataclass(frozen=True)
class FrameFeatures:
    """Per 10-ms frame: voicing score, pitch (Hz), log-SNR spectrum (bins up to MAX_HZ)."""

    score: npt.NDArray[np.float32]  # comb contrast: amplitude over the floor at harmonics minus between them
    ratio: npt.NDArray[np.float32]  # share of that amplitude at the harmonics (noise: about a half)
    f0: npt.NDArray[np.float32]
    snr: npt.NDArray[np.float32]  # frames × bins: log(1 + power over the floor)
    pitch: npt.NDArray[np.float32]  # Praat's pitch (autocorrelation), Hz; 0 where Praat hears no voice
    level: npt.NDArray[np.float16]  # the frame's power up to MAX_HZ, dB (for voices far off: see _attributed)
    nearness: npt.NDArray[np.float16]  # the level-free part of the near-voice sum (see NEAR_*_WEIGHT)
    cepstra: npt.NDArray[np.float16]  # frames × CEPSTRA: the spectral shape (far_voice: this film's channels)
    envelope: npt.NDArray[np.float16]  # frames × ENVELOPE_POINTS: the envelope through the harmonics (timbre)


def _bin_hz() -> float:
    return ANALYSIS_RATE / NFFT


def _candidates() -> npt.NDArray[np.float64]:
    octaves = np.log2(F0_MAX / F0_MIN)
    return np.asarray(F0_MIN * 2 ** (np.arange(int(octaves * CANDIDATES_PER_OCTAVE) + 1) / CANDIDATES_PER_OCTAVE))


def _templates(bins: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Two bins × candidates tables: the mean over each candidate's harmonics below MAX_HZ, and over the
    points half-way between them."""
    freqs = np.arange(bins) * _bin_hz()
    at = np.zeros((bins, _candidates().size), np.float32)
    between = np.zeros_like(at)
    for c, f0 in enumerate(_candidates()):
        harmonics = np.arange(1, int(MAX_HZ // f0) + 1) * f0
        width = max(_bin_hz(), f0 * 0.06)
        for centres, table in ((harmonics, at), (harmonics + f0 / 2, between)):
            for centre in centres:
                weight = np.clip(1 - np.abs(freqs - centre) / width, 0, None)
                table[:, c] += weight / max(weight.sum(), 1e-9) / harmonics.size
    return at, between


_TEMPLATE_CACHE: dict[int, tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]] = {}


def _spectra(samples: Samples) -> Iterator[npt.NDArray[np.float32]]:
    """Power spectra (bins up to MAX_HZ) of CONTEXT_FRAMES frames at a time."""
    frames = max(0, (samples.size - WINDOW) // HOP + 1)
    for first in range(0, frames, CONTEXT_FRAMES):
        yield _power(samples[first * HOP:], min(CONTEXT_FRAMES, frames - first))


def _power(samples: Samples, count: int) -> npt.NDArray[np.float32]:
    """Power spectra of the first `count` frames of `samples`, POWER_CHUNK frames transformed at a time (the
    FFT's padded and complex temporaries of a whole context took 30 MB at once)."""
    bins = int(MAX_HZ / _bin_hz()) + 1
    window = np.hanning(WINDOW).astype(np.float32)
    power = np.empty((count, bins), np.float32)
    for first in range(0, count, POWER_CHUNK):
        rows = min(POWER_CHUNK, count - first)
        view = np.lib.stride_tricks.as_strided(samples[first * HOP:], shape=(rows, WINDOW),
                                               strides=(samples.strides[0] * HOP, samples.strides[0]))
        spectrum = np.fft.rfft(view * window, n=NFFT, axis=1)[:, :bins]
        power[first:first + rows] = spectrum.real ** 2 + spectrum.imag ** 2
    return power


def _local_floor(power: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each frame's noise floor per frequency: a low percentile of each half second, then the median of
    the seven around it (3.5 s), so the floor follows noise that swells and ebbs but not the voices."""
    blocks = max(1, -(-power.shape[0] // FLOOR_BLOCK))
    whole = power.shape[0] // FLOOR_BLOCK  # the full blocks at once (one call, not one per block)
    bins = power.shape[1]
    parts = [np.percentile(power[:whole * FLOOR_BLOCK].reshape(whole, FLOOR_BLOCK, bins), FLOOR_PERCENTILE, axis=1)
             if whole else np.zeros((0, bins), power.dtype)]
    if whole < blocks:
        parts.append(np.percentile(power[whole * FLOOR_BLOCK:], FLOOR_PERCENTILE, axis=0)[None])
    block_floors = np.concatenate(parts)
    half = FLOOR_SPAN // 2
    padded = np.concatenate([block_floors[:1].repeat(half, 0), block_floors, block_floors[-1:].repeat(half, 0)])
    smooth = np.median(np.lib.stride_tricks.sliding_window_view(padded, FLOOR_SPAN, axis=0), axis=-1)
    return (np.repeat(smooth, FLOOR_BLOCK, axis=0)[:power.shape[0]] + 1e-10).astype(np.float32)


def praat_pitch(samples: Samples, frames: int) -> npt.NDArray[np.float32]:
    """Praat's pitch of each of the first `frames` 10-ms frames of `samples` (0: unvoiced).

    The harmonic comb above finds *that* a frame is voiced well, but reads ordinary adult voices at two to
    four times their pitch (every 2nd harmonic fits a comb too). Praat's autocorrelation method (Boersma
    1993) is the standard; it runs on the sound halved to 8 kHz (a voice's pitch needs no more), which
    halves its cost.
    """
    out = np.zeros(frames, np.float32)
    if frames == 0 or samples.size < PRAAT_MIN_SAMPLES:
        return out
    half = np.convolve(samples.astype(np.float64), (0.25, 0.5, 0.25), "same")[::2]
    pitch = parselmouth.Sound(half, sampling_frequency=ANALYSIS_RATE / 2).to_pitch_ac(
        time_step=PRAAT_STEP_S, pitch_floor=PRAAT_FLOOR, pitch_ceiling=F0_MAX)
    hz = np.asarray(pitch.selected_array["frequency"], np.float32)
    if hz.size == 0:
        return out
    # Praat's frame j is centred at x1 + j·dt s; ours, frame k, at (k·HOP + WINDOW/2) / rate, half a frame
    # apart. Each of ours takes the nearest of Praat's (rounding Praat's times to ours instead left every
    # fourth frame or so without a pitch where two fell on one).
    centres = (np.arange(frames) * HOP + WINDOW / 2) / ANALYSIS_RATE
    nearest = np.floor((centres - pitch.x1) / pitch.dt + 0.5).astype(np.int64)
    inside = (nearest >= 0) & (nearest < hz.size)
    out[inside] = hz[nearest[inside]]
    return out


def _context_features(power: npt.NDArray[np.float32], pitch: npt.NDArray[np.float32], *,
                      spectra: bool = True) -> FrameFeatures:
    """The features of one context's frames (power spectra, frames × bins; Praat's pitch of each frame).
    `spectra=False`: without the log-SNR spectra (left empty), which the streaming detector does not keep."""
    bins = power.shape[1]
    if bins not in _TEMPLATE_CACHE:  # (setdefault would build the tables anew for every context)
        _TEMPLATE_CACHE[bins] = _templates(bins)
    at, between = _TEMPLATE_CACHE[bins]
    candidates = _candidates().astype(np.float32)
    over = power / _local_floor(power)
    excess = np.sqrt(over)  # amplitude above the floor (in place: a context's arrays are 2 MB each)
    excess -= 1.0
    np.maximum(excess, 0.0, out=excess)
    on, off = excess @ at, excess @ between
    del excess
    contrast = on - off
    top = contrast.max(axis=1, keepdims=True)
    # A comb at 2 or 3 times the pitch fits a voice almost as well as the true one (every 2nd or 3rd
    # harmonic); the lowest candidate close to the best is the pitch.
    best = np.argmax(contrast >= top * 0.8, axis=1)
    rows = np.arange(best.size)
    # Level-free: a rattle or a knock lifts harmonics and gaps alike (a half); a voice, its harmonics.
    ratio = on[rows, best] / np.maximum(on[rows, best] + off[rows, best], 1e-6)
    nearness = _nearness(power, over, pitch)
    if spectra:
        snr = over - 1.0
        np.maximum(snr, 0.0, out=snr)
        np.log1p(snr, out=snr)
    else:
        snr = np.zeros((0, bins), np.float32)
    del over
    return FrameFeatures(contrast[rows, best], ratio, candidates[best], snr, pitch,
                         (10 * np.log10(power.sum(axis=1) + 1e-12)).astype(np.float16), nearness,
                         channel_cepstra(power, _bin_hz()), harmonic_envelope(power, pitch, _bin_hz()))


def _nearness(power: npt.NDArray[np.float32], over: npt.NDArray[np.float32],
              pitch: npt.NDArray[np.float32]) -> npt.NDArray[np.float16]:
    """Each frame's level-free evidence of a voice near the camera rather than through a loudspeaker far off
    (see NEAR_*): a low voice's bass against its broadcast band (dB), and the band's mean log-SNR (taken
    from the power over the floor, band only: the streaming detector keeps no log-SNR spectra)."""
    freqs = np.arange(power.shape[1]) * _bin_hz()
    bass = (freqs >= BASS_HZ[0]) & (freqs < BASS_HZ[1])
    band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
    bass_db = 10 * np.log10(power[:, bass].sum(axis=1) + 1e-12) - 10 * np.log10(power[:, band].sum(axis=1) + 1e-12)
    low_voice = np.where(pitch < BASS_HZ[1], NEAR_BASS_WEIGHT * bass_db, NEAR_HIGH_VOICE)
    band_snr = np.log1p(np.maximum(over[:, band] - 1.0, 0.0)).astype(np.float32).mean(axis=1)
    return np.asarray(low_voice + NEAR_BAND_WEIGHT * band_snr, np.float16)


def frame_features(samples: Samples, progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> FrameFeatures:
    """Every frame's features at once (short material: the log-SNR spectra of a long film would not fit)."""
    bins = int(MAX_HZ / _bin_hz()) + 1
    total = max(1, (samples.size - WINDOW) // HOP + 1)
    parts: list[FrameFeatures] = []
    done = 0
    for power in _spectra(samples):
        if cancelled is not None and cancelled():
            raise AnalysisCancelledError("analysis cancelled")
        pitch = praat_pitch(samples[done * HOP:(done + power.shape[0] - 1) * HOP + WINDOW], power.shape[0])
        parts.append(_context_features(power, pitch))
        done += power.shape[0]
        if progress is not None:
            progress(done, total)
    if not parts:
        empty = np.zeros(0, np.float32)
        return FrameFeatures(empty, empty, empty, np.zeros((0, bins), np.float32), empty, empty.astype(np.float16),
                             empty.astype(np.float16), np.zeros((0, CEPSTRA), np.float16),
                             np.zeros((0, ENVELOPE_POINTS), np.float16))
    return FrameFeatures(*(np.concatenate([getattr(f, name) for f in parts])
                           for name in ("score", "ratio", "f0", "snr", "pitch", "level", "nearness", "cepstra",
                                        "envelope")))


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def voiced_frames(features: FrameFeatures | Voicing, threshold: float = VOICED_SCORE) -> npt.NDArray[np.bool_]:
    """Frames with a clear harmonic comb whose pitch carries on smoothly into a neighbouring frame (noise
    makes the best comb jump about from frame to frame)."""
    strong = _strong(features, threshold)
    octave = np.log2(np.maximum(features.f0, 1.0))
    steady = np.zeros_like(strong)
    if octave.size > 1:
        close = np.abs(np.diff(octave)) < STEADY_OCTAVES
        steady[1:] |= close
        steady[:-1] |= close
    return strong & steady


def _same_pitch(features: FrameFeatures | Voicing, before: tuple[int, int], after: tuple[int, int]) -> bool:
    a = float(np.median(features.f0[max(before[0], before[1] - 20):before[1]]))
    b = float(np.median(features.f0[after[0]:after[0] + 20]))
    return bool(abs(np.log2(a / b)) < 0.25)


def voiced_segments(features: FrameFeatures | Voicing, threshold: float = VOICED_SCORE) -> list[tuple[int, int]]:
    """Frame ranges of vocalisations: clearly voiced runs, grown into the weaker voiced frames around them
    (hysteresis: where noise swells, a voice shows only now and then above the stricter threshold), joined
    across short gaps; short ones dropped."""
    strict = voiced_frames(features, threshold)
    lenient = voiced_frames(features, threshold * WEAK_FACTOR)
    runs = [(s, e) for s, e in _runs(lenient) if strict[s:e].any()]
    return _joined(runs, lambda before, after: _same_pitch(features, before, after))


def _joined(runs: list[tuple[int, int]],
            same_voice: Callable[[tuple[int, int], tuple[int, int]], bool]) -> list[tuple[int, int]]:
    """`runs` joined across gaps up to MIN_GAP_FRAMES, and up to SAME_VOICE_GAP_FRAMES where `same_voice`
    says both sides are one voice's; those shorter than MIN_FRAMES dropped."""
    joined: list[tuple[int, int]] = []
    for start, end in runs:
        gap = start - joined[-1][1] if joined else None
        if gap is not None and (gap <= MIN_GAP_FRAMES or (
                gap <= SAME_VOICE_GAP_FRAMES and same_voice(joined[-1], (start, end)))):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return [(s, e) for s, e in joined if e - s >= MIN_FRAMES]


def _strong(features: FrameFeatures | Voicing, threshold: float = VOICED_SCORE) -> npt.NDArray[np.bool_]:
    ratio = np.where(features.pitch > 0, PRAAT_VOICED_RATIO, VOICED_RATIO)
    return (features.score > threshold) & (features.ratio > ratio)


@dataclass(frozen=True)
class Voicing:
    """What the speaker decision needs of each 10-ms frame, without the spectra: a long film's log-SNR
    spectra would take 1 MB per 10 s, its voicing 57 bytes per frame (21 MB an hour:
    24 of them the spectral shape, far_voice; 16 the envelope through the harmonics, timbre)."""

    score: npt.NDArray[np.float32]
    ratio: npt.NDArray[np.float32]
    f0: npt.NDArray[np.float32]  # the comb's pitch (finds *that* a frame is voiced)
    pitch: npt.NDArray[np.float32]  # Praat's pitch (says *who*: the comb reads adults an octave or two high)
    level: npt.NDArray[np.float16]  # dB (says whether a voice is near: see _near)
    nearness: npt.NDArray[np.float16]  # the rest of the evidence of a voice near rather than far (see _near)
    cepstra: npt.NDArray[np.float16]  # frames × CEPSTRA: each frame's spectral shape (see _near, far_voice)
    envelope: npt.NDArray[np.float16]  # frames × ENVELOPE_POINTS: whose vocal tract (see _attributed, timbre)

    @classmethod
    def of(cls, features: FrameFeatures) -> Voicing:
        return cls(features.score, features.ratio, features.f0, features.pitch, features.level, features.nearness,
                   features.cepstra, features.envelope)


_VOICING = ("score", "ratio", "f0", "pitch", "level", "nearness", "cepstra", "envelope")  # Voicing's order
_COMB_PITCHES: list[npt.NDArray[np.float32]] = []


def _comb_pitches() -> npt.NDArray[np.float32]:
    """The candidates' pitches as _context_features gives them (fewer than 256)."""
    if not _COMB_PITCHES:
        _COMB_PITCHES.append(_candidates().astype(np.float32))
    return _COMB_PITCHES[0]


class VocalDetector:
    """Finds vocalisations in sound fed in pieces of any size, CONTEXT_FRAMES (20 s) at a time, so a long
    film's sound is never held whole: what stays is its voicing, 57 bytes per 10 ms. Feeding a film's sound
    piece by piece finds exactly what feeding it in one array does."""

    _CONTEXT_SAMPLES = (CONTEXT_FRAMES - 1) * HOP + WINDOW  # the samples one context's frames cover

    def __init__(self, cancelled: Cancelled | None = None) -> None:
        self._cancelled = cancelled
        self._pending: list[Samples] = []
        self._pending_size = 0
        # Each of the voicing's arrays kept as its contexts' parts, so the end joins one at a time (a
        # whole film's voicing is 13 MB at 2 h: joined all at once, it was held twice).
        self._parts: dict[str, list[npt.NDArray[Any]]] = {name: [] for name in _VOICING}

    def feed(self, samples: Samples) -> None:
        self._pending.append(np.asarray(samples, dtype=np.float32))
        self._pending_size += samples.size
        if self._pending_size < self._CONTEXT_SAMPLES:
            return
        buffer = np.concatenate(self._pending)
        used = 0
        while buffer.size - used >= self._CONTEXT_SAMPLES:
            self._analyse(buffer[used:used + self._CONTEXT_SAMPLES], CONTEXT_FRAMES)
            used += CONTEXT_FRAMES * HOP  # the next context starts at the next frame's first sample
        rest = buffer[used:].copy()
        self._pending, self._pending_size = [rest], rest.size

    def _analyse(self, samples: Samples, frames: int) -> None:
        if self._cancelled is not None and self._cancelled():
            raise AnalysisCancelledError("analysis cancelled")
        voicing = Voicing.of(_context_features(_power(samples, frames), praat_pitch(samples, frames), spectra=False))
        for name, parts in self._parts.items():
            parts.append(getattr(voicing, name))
        comb = self._parts["f0"]  # the comb's pitch is one of the candidates: kept as its number, a byte
        comb[-1] = np.searchsorted(_comb_pitches(), comb[-1]).astype(np.uint8)

    def _joined(self, name: str) -> npt.NDArray[Any]:
        parts = self._parts[name]
        joined = np.concatenate(parts)
        parts.clear()
        return _comb_pitches()[joined] if name == "f0" else joined

    @property
    def frames_done(self) -> int:
        return sum(part.size for part in self._parts["score"])

    def finish(self) -> list[Vocalisation]:
        """The vocalisations of all the sound fed, each labelled adult, infant or someone else (a TV's, another
        child's) with how sure the analysis is."""
        rest = np.concatenate(self._pending) if self._pending else np.zeros(0, np.float32)
        frames = max(0, (rest.size - WINDOW) // HOP + 1)
        if frames:  # exactly the samples these frames cover, as every full context: Praat centres its frames
            self._analyse(rest[:(frames - 1) * HOP + WINDOW], frames)
        self._pending, self._pending_size = [], 0
        if not self._parts["score"]:
            return []
        voicing = Voicing(*(self._joined(name) for name in _VOICING))
        return _attributed(voicing)


@dataclass(frozen=True)
class _FarVoice:
    """Where a voice talks on far off: which frames are the family's near the camera, each on its own
    (`frames`) and as the majority of the 0.13 s around it (`near`: what vocalisations are made of)."""

    frames: npt.NDArray[np.bool_]
    near: npt.NDArray[np.bool_]


def _near(voicing: Voicing) -> _FarVoice | None:
    """Where a voice talks on far off (a TV, a radio), the frames that are the family's near the camera; None
    where no voice is far off (then every voice is the family's).

    A film has a voice far off when more than a tenth of its voiced frames are not 6 dB over its quieter
    fifth (a family alone leaves at most one in twenty so; the TV scenes 0.18-0.39). Then each frame Praat
    hears a voice in is the family's when the near-voice sum is over 0 (its level over the quieter fifth, and
    `nearness`: bass, band), taken as the majority of the 0.13 s around it."""
    if voicing.score.size == 0:
        return None
    level = voicing.level.astype(np.float32)
    quiet = float(np.percentile(level, 20))
    voiced = voiced_frames(voicing, VOICED_SCORE * WEAK_FACTOR)
    if (voiced & ~(level > quiet + NEAR_DB)).sum() <= FAR_VOICE_SHARE * max(int(voiced.sum()), 1):
        return None
    nearness = voicing.nearness.astype(np.float32)
    score = NEAR_LEVEL_WEIGHT * (level - quiet) + nearness + NEAR_BIAS
    # Sharpened by this film's own channels (far_voice: the TV's frames share one spectral shape).
    shapes = np.column_stack([voicing.cepstra, (level - quiet).astype(np.float16), voicing.nearness])
    score = adapted(score, shapes, voiced & (voicing.pitch > 0))
    family = ((voicing.pitch > 0) | voiced_frames(voicing)) & (score > 0)
    votes = np.convolve(family.astype(np.float32), np.ones(NEAR_SMOOTH_FRAMES, np.float32), "same")
    return _FarVoice(family, np.asarray(votes > NEAR_SMOOTH_FRAMES / 2))


def _segments(voicing: Voicing, near: npt.NDArray[np.bool_] | None) -> list[tuple[int, int]]:
    """The family's stretches of voice: all voiced segments, or where a voice is far off, those of the frames
    near (a vocalisation ends where only the far voice goes on)."""
    if near is None:
        return voiced_segments(voicing)
    strict = voiced_frames(voicing) & near
    lenient = voiced_frames(voicing, VOICED_SCORE * WEAK_FACTOR) & near
    runs = [(s, e) for s, e in _runs(lenient) if strict[s:e].any()]
    return _joined(runs, lambda before, after: _same_near_pitch(voicing, near, before, after))


def _same_near_pitch(voicing: Voicing, near: npt.NDArray[np.bool_], before: tuple[int, int],
                     after: tuple[int, int]) -> bool:
    a = voicing.pitch[max(before[0], before[1] - 30):before[1]]
    a = a[(a > 0) & near[max(before[0], before[1] - 30):before[1]]]
    b = voicing.pitch[after[0]:after[0] + 30]
    b = b[(b > 0) & near[after[0]:after[0] + 30]]
    if a.size < 5 or b.size < 5:
        return False
    return bool(abs(np.log2(float(np.median(a)) / float(np.median(b)))) < FAR_SAME_VOICE_OCTAVES)


def _cues(voicing: Voicing, start: int, end: int, far: _FarVoice | None) -> SegmentCues:
    """A stretch's pitch: the median of Praat's, or with a voice far off the upper third of Praat's in the
    frames that are the family's on their own (FAR_PITCH_PERCENTILE): under a near voice Praat follows the
    far one, or a subharmonic, in part of the frames, and a TV's adult voice lies under a baby's, so the
    near voice is in the upper part (set on the tuning TV scenes)."""
    pitch, comb = voicing.pitch[start:end], voicing.f0[start:end]
    if far is not None:
        for heard in (pitch[far.frames[start:end] & (pitch > 0)], pitch[pitch > 0]):
            if heard.size >= 3:
                return SegmentCues(float(np.percentile(heard, FAR_PITCH_PERCENTILE)))
    return cues_of(pitch, comb)


def _attributed(voicing: Voicing) -> list[Vocalisation]:
    """Who said each vocalisation: Praat's pitch, split at this film's own gap between parent and baby
    (vigtool.analysis.speakers); a vocalisation whose pitch crosses that line is two. Where a voice is far
    off (_near), the family's vocalisations are the stretches of near frames, named from their upper pitch
    and not split (the far voice's pitch would split them), and what the far voice says alone is someone
    else's (Speaker.OTHER: shown, never a turn)."""
    far = _near(voicing)
    segments = _segments(voicing, None if far is None else far.near)
    line = film_split([_cues(voicing, s, e, far) for s, e in segments], [e - s for s, e in segments])
    parts = segments if far is not None else [
        (s + a, s + b) for s, e in segments for a, b in split_at_speaker_changes(voicing.pitch[s:e], line)]
    cues = [_cues(voicing, s, e, far) for s, e in parts]
    strict = voiced_frames(voicing)
    own = None if far is None else far.frames
    by_pitch = attribute(cues, [e - s for s, e in parts], line)
    # Whose tract each part's envelope is (timbre); not with a voice far off, whose frames lie under the family's.
    timbres = [None] * len(parts) if far is not None else part_timbres(
        voicing.envelope, strict & (voicing.pitch > 0), parts, [p is Speaker.INFANT for p, _ in by_pitch],
        [sure for _, sure in by_pitch])
    named: list[tuple[Speaker, int, int, float]] = []
    for (start, end), (speaker_of_pitch, sure_of_pitch), timbre in zip(parts, by_pitch, timbres, strict=True):
        if speaker_of_pitch is None:
            continue
        speaker, sure = by_articulation(speaker_of_pitch, sure_of_pitch, voicing.pitch[start:end], strict[start:end],
                                        None if own is None else own[start:end], timbre)
        if named and named[-1][0] is speaker and start - named[-1][2] <= SAME_SPEAKER_GAP_FRAMES:
            # A pause inside one speaker's phrase: still one vocalisation (sureness weighted by length).
            _, first, last, before = named[-1]
            weight = (last - first) / (end - first)
            named[-1] = (speaker, first, end, before * weight + sure * (1 - weight))
        else:
            named.append((speaker, start, end, sure))
    if far is not None:
        # With a voice far off, who spoke is often wrong (bench/turns_accuracy.py, "tv"): say so.
        named = [(speaker, start, end, min(sure, BACKGROUND_TALK_SURENESS)) for speaker, start, end, sure in named]
        family = np.zeros(voicing.score.size, np.bool_)
        for _, start, end, _ in named:
            family[start:end] = True
        named += [(Speaker.OTHER, s, e, BACKGROUND_TALK_SURENESS) for s, e in _far_talk(voicing, far.near | family)]
    return [Vocalisation(speaker, start * HOP + WINDOW // 2 - HOP // 2, (end - 1) * HOP + WINDOW // 2 + HOP // 2,
                         sure) for speaker, start, end, sure in sorted(named, key=lambda n: n[1])]


def _far_talk(voicing: Voicing, near: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """The far voice's own stretches: its voiced frames outside the family's (`near`), joined across short
    gaps."""
    joined: list[tuple[int, int]] = []
    for start, end in _runs(voiced_frames(voicing, VOICED_SCORE * WEAK_FACTOR) & ~near):
        if joined and start - joined[-1][1] <= MIN_GAP_FRAMES and not near[joined[-1][1]:start].any():
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return [(s, e) for s, e in joined if e - s >= MIN_FRAMES]


def detect_vocalisations(samples: Samples, progress: Progress | None = None,
                         cancelled: Cancelled | None = None) -> list[Vocalisation]:
    """Vocalisations in mono `samples` at ANALYSIS_RATE, each labelled adult or infant with how sure the
    analysis is (the same as feeding a VocalDetector piece by piece)."""
    detector = VocalDetector(cancelled)
    total = max(1, samples.size)
    step = CONTEXT_FRAMES * HOP
    for first in range(0, samples.size, step):
        detector.feed(samples[first:first + step])
        if progress is not None:
            progress(min(first + step, total), total)
    return detector.finish()


def naive_vocalisations(samples: Samples) -> list[Vocalisation]:
    """The baseline a first attempt would write: loud frames are voice, pitch above 300 Hz is a baby."""
    frames = max(0, (samples.size - WINDOW) // HOP + 1)
    if frames == 0:
        return []
    view = np.lib.stride_tricks.as_strided(samples, shape=(frames, WINDOW),
                                           strides=(samples.strides[0] * HOP, samples.strides[0]))
    energy = np.sqrt(np.mean(view.astype(np.float64) ** 2, axis=1))
    loud = energy > np.percentile(energy, 20) * 2.0  # 6 dB over the quiet parts
    found = []
    lags = np.arange(int(ANALYSIS_RATE / F0_MAX), int(ANALYSIS_RATE / F0_MIN))
    for start, end in _runs(loud):
        if end - start < MIN_FRAMES:
            continue
        pitches = []
        for k in range(start, end, 5):
            frame = view[k] - view[k].mean()
            corr = np.correlate(frame, frame, "full")[WINDOW - 1:]
            pitches.append(ANALYSIS_RATE / lags[int(np.argmax(corr[lags]))])
        speaker = Speaker.INFANT if float(np.median(pitches)) > 300 else Speaker.ADULT
        found.append(Vocalisation(speaker, start * HOP, end * HOP + WINDOW))
    return found
