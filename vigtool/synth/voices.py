"""Synthesised voices for the demo recordings: an adult (speech-like) and an infant (coos), taking turns.

No speech engine is needed: the adult is a glottal pulse train with an intonation contour shaped by vowel
formants, syllable by syllable; the infant is a high, smooth, nearly harmonic coo. Room noise (steady, or
swelling and ebbing like passing traffic or a washing machine), mains hum, toy rattles being shaken and
the clatter of things put down are mixed in at a chosen signal-to-noise ratio. The script of who vocalised when is the
ground truth the tests and the turn-taking benchmark score against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Signal = npt.NDArray[np.float64]

# (F1, F2, F3) in Hz of a few vowels; an adult's syllables cycle through them.
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410))


@dataclass(frozen=True)
class Vocalisation:
    speaker: str  # "adult" or "infant"
    start: float  # seconds (the generator's own script; the product never times in floats)
    end: float


@dataclass(frozen=True)
class VoiceSettings:
    adult_f0: float = 210.0  # Hz; infant-directed speech is high and swoops
    infant_f0: float = 420.0
    snr_db: float = 30.0
    hum: bool = False
    rattles: bool = False
    swell: bool = False  # the room noise rises and falls by up to ±8 dB over a few seconds
    clatter: bool = False  # loud short knocks: a cup put down, a toy dropped


def turn_script(duration: float, rng: np.random.Generator) -> list[Vocalisation]:
    """Alternating vocalisations with short gaps, and now and then a longer pause between exchanges."""
    script: list[Vocalisation] = []
    t = 0.4
    speaker = "infant" if rng.random() < 0.5 else "adult"
    while True:
        length = rng.uniform(0.7, 1.8) if speaker == "adult" else rng.uniform(0.35, 1.1)
        if t + length > duration - 0.3:
            break
        script.append(Vocalisation(speaker, round(t, 4), round(t + length, 4)))
        t += length
        if rng.random() < 0.15:
            t += rng.uniform(3.5, 5.0)  # the exchange ends; someone starts anew
            speaker = "infant" if rng.random() < 0.6 else "adult"
        else:
            t += rng.uniform(0.25, 1.4)
            speaker = "infant" if speaker == "adult" else "adult"
    return script


def _formant_filter(source: Signal, sample_rate: int, formants: tuple[int, ...], widths: float) -> Signal:
    """Shape a source's spectrum with resonance peaks (frequency-domain, one segment at a time)."""
    spectrum = np.fft.rfft(source)
    freqs = np.fft.rfftfreq(source.size, 1 / sample_rate)
    envelope = np.zeros_like(freqs)
    for i, f in enumerate(formants):
        bandwidth = widths * (1 + i * 0.6)
        envelope += (1.0 / (1 + i)) / (1 + ((freqs - f) / bandwidth) ** 2)
    return np.fft.irfft(spectrum * envelope, n=source.size)


def _pulse_train(f0: Signal, sample_rate: int, rng: np.random.Generator) -> Signal:
    """A glottal-like source that follows a pitch contour, with a little jitter."""
    jitter = 1 + 0.01 * rng.standard_normal(f0.size)
    phase = np.cumsum(f0 * jitter) / sample_rate
    saw = 2 * (phase % 1.0) - 1
    return np.asarray(saw - np.roll(saw, 1) * 0.9, dtype=np.float64)


def adult_utterance(length: float, settings: VoiceSettings, sample_rate: int,
                    rng: np.random.Generator) -> Signal:
    n = int(length * sample_rate)
    t = np.arange(n) / sample_rate
    swoop = 1 + 0.25 * np.sin(2 * np.pi * t / max(length, 0.3) * rng.uniform(0.6, 1.4) + rng.uniform(0, 6))
    f0 = settings.adult_f0 * swoop
    source = _pulse_train(f0, sample_rate, rng)
    out = np.zeros(n)
    pos = 0
    while pos < n:  # syllables of 150–260 ms, each a vowel with its own formants
        syl = min(int(rng.uniform(0.15, 0.26) * sample_rate), n - pos)
        vowel = _VOWELS[int(rng.integers(len(_VOWELS)))]
        segment = _formant_filter(source[pos:pos + syl], sample_rate, vowel, 90.0)
        out[pos:pos + syl] = segment * np.hanning(syl) ** 0.5 * 0.35 + segment * 0.65
        pos += syl
    return _normalise(out * _fade(n, sample_rate))


def infant_coo(length: float, settings: VoiceSettings, sample_rate: int, rng: np.random.Generator) -> Signal:
    n = int(length * sample_rate)
    t = np.arange(n) / sample_rate
    contour = 1 + 0.18 * np.sin(np.pi * t / length) + 0.05 * np.sin(2 * np.pi * 5.5 * t)
    f0 = settings.infant_f0 * rng.uniform(0.9, 1.15) * contour
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    out = sum((0.55 ** k) * np.sin((k + 1) * phase) for k in range(4))
    out = _formant_filter(np.asarray(out), sample_rate, (1100, 3300), 250.0)
    return _normalise(out * np.sin(np.pi * t / length) ** 0.6)


def _fade(n: int, sample_rate: int) -> Signal:
    ramp = min(int(0.03 * sample_rate), n // 2)
    env = np.ones(n)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[n - ramp:] = np.linspace(1, 0, ramp)
    return env


def _normalise(x: Signal) -> Signal:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return x / peak if peak > 0 else x


def render_voices(script: list[Vocalisation], duration: float, settings: VoiceSettings, sample_rate: int,
                  rng: np.random.Generator) -> tuple[Signal, dict[str, Signal]]:
    """Mix the script with room noise; returns the mix and each speaker's clean track (for mouths)."""
    n = int(duration * sample_rate)
    tracks = {"adult": np.zeros(n), "infant": np.zeros(n)}
    for v in script:
        make = adult_utterance if v.speaker == "adult" else infant_coo
        sound = make(v.end - v.start, settings, sample_rate, rng) * (0.5 if v.speaker == "adult" else 0.4)
        start = int(v.start * sample_rate)
        tracks[v.speaker][start:start + sound.size] += sound[: n - start]
    voice = tracks["adult"] + tracks["infant"]
    active = np.abs(voice) > 1e-4
    voice_power = float(np.mean(voice[active] ** 2)) if active.any() else 0.01
    noise = _pink_noise(n, rng)
    if settings.swell:
        noise *= _swell(n, sample_rate, rng)
    noise *= np.sqrt(voice_power / 10 ** (settings.snr_db / 10) / float(np.mean(noise ** 2)))
    mix = voice + noise
    if settings.hum:
        t = np.arange(n) / sample_rate
        mix += np.sqrt(voice_power) * 0.1 * (np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t))
    if settings.rattles:
        mix += _rattles(n, sample_rate, rng) * np.sqrt(voice_power)
    if settings.clatter:
        mix += _clatter(n, sample_rate, rng) * np.sqrt(voice_power)
    peak = float(np.max(np.abs(mix)))
    return mix / max(peak, 1.0) * 0.9, tracks


def _pink_noise(n: int, rng: np.random.Generator) -> Signal:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(spectrum.size, dtype=np.float64)
    freqs[0] = 1.0
    return np.fft.irfft(spectrum / np.sqrt(freqs), n=n)


def _rattles(n: int, sample_rate: int, rng: np.random.Generator) -> Signal:
    """A toy rattle shaken now and then: half a second to two seconds of bead clicks, as loud as a voice."""
    out = np.zeros(n)
    width = int(0.004 * sample_rate)
    for _ in range(max(1, int(n / sample_rate / 5))):
        start = int(rng.uniform(0, max(n - 2 * sample_rate, 1)))
        length = rng.uniform(0.5, 2.0)
        for _ in range(int(length * rng.uniform(40, 90))):
            pos = start + int(rng.uniform(0, length * sample_rate))
            click = rng.standard_normal(width) * np.hanning(width)
            out[pos:pos + width] += click[: max(0, n - pos)] * rng.uniform(1.5, 4.0)
    return out


def _clatter(n: int, sample_rate: int, rng: np.random.Generator) -> Signal:
    """Knocks every few seconds: a sharp attack decaying over 50–250 ms, louder than the voices."""
    out = np.zeros(n)
    for _ in range(max(1, int(n / sample_rate / 4))):
        pos = int(rng.uniform(0, max(n - sample_rate // 2, 1)))
        length = int(rng.uniform(0.05, 0.25) * sample_rate)
        knock = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4)) * rng.uniform(1.5, 3.0)
        out[pos:pos + length] += knock[: max(0, n - pos)]
    return out


def _swell(n: int, sample_rate: int, rng: np.random.Generator) -> Signal:
    """A slowly wandering gain between −8 and +8 dB (changes over 2–6 s)."""
    points = max(2, int(n / sample_rate / 3) + 2)
    knots = rng.uniform(-8, 8, points)
    gain_db = np.interp(np.arange(n), np.linspace(0, n, points), knots)
    return np.asarray(10 ** (gain_db / 20), dtype=np.float64)
