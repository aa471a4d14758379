"""A mother's long vowels for the held-out corpus (condition "long-vowel", vigtool.synth.heldout).

A parent talking to a baby does not only speak phrases: she draws vowels out ("oooh", "aaww") and sings
them, at 200-300 Hz, inside the pitch of an infant's growl (170-280 Hz). A rule that names a steady, unbroken
call at a woman's pitch the baby's growl would take these too; this makes them so that a figure can say how
often. Each is the source's own voice saying a short vowel word, made long and given a sung or infant-directed
pitch by Praat's overlap-add (a Manipulation with a new pitch tier and duration tier), seeded so a scene is the
same sound in every run:

- "held": one steady sung note with a singer's vibrato (5-6 Hz, about 1.5 %), the hardest case;
- "sung": two to four held notes a step or two apart, as in a lullaby hummed on one vowel;
- "arc": infant-directed "ooooh?": a rise and fall of 0.3-0.6 octave;
- "fall": "aawww": a slow fall of 0.2-0.4 octave.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from vigtool.synth.voices import Signal

RATE = 16000
VOWEL_WORDS = ("oh", "ooh", "aah", "aw", "wow", "ooo")
SHAPES = ("held", "held", "sung", "arc", "fall")  # held twice: the case a growl rule takes


def long_vowel(speech: Signal, rng: np.random.Generator) -> tuple[str, Signal]:
    """`speech` (a vowel word, e.g. "ooh", in the parent's voice at RATE) drawn out to 0.7-1.8 s on a pitch of
    200-300 Hz, in one of SHAPES; returns (shape, sound)."""
    import parselmouth  # noqa: PLC0415 - only the bench's long vowels need Praat here
    from parselmouth.praat import call  # noqa: PLC0415

    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    length, f0 = float(rng.uniform(0.7, 1.8)), float(rng.uniform(200.0, 300.0))
    if speech.size < RATE // 20:
        return shape, speech
    sound = parselmouth.Sound(np.asarray(speech, np.float64), sampling_frequency=RATE)
    seed = int.from_bytes(hashlib.sha256(np.asarray(speech, np.float64).tobytes()).digest()[:4], "little")
    parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({seed})")
    try:
        if length / sound.duration > 2.5:  # a Manipulation lengthens at most threefold: the rest first
            sound = call(sound, "Lengthen (overlap-add)", 75, 600, length / sound.duration / 2.5)
        made = _resynthesised(sound, shape, f0, length, rng)
    finally:
        parselmouth.praat.run("random_initializeSafelyAndUnpredictably ()")
    out = np.asarray(made.values[0], np.float64)
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    return shape, out / peak if peak > 0 else out


def _resynthesised(sound: Any, shape: str, f0: float, length: float, rng: np.random.Generator) -> Any:
    from parselmouth.praat import call  # noqa: PLC0415

    seconds = float(sound.duration)
    manipulation = call(sound, "To Manipulation", 0.01, 75, 600)
    pitch = call("Create PitchTier", "pitch", 0.0, seconds)
    for t, hz in _contour(shape, f0, seconds, length, rng):
        call(pitch, "Add point", t, hz)
    call([pitch, manipulation], "Replace pitch tier")
    duration = call("Create DurationTier", "duration", 0.0, seconds)
    call(duration, "Add point", seconds / 2, length / seconds)
    call([duration, manipulation], "Replace duration tier")
    return call(manipulation, "Get resynthesis (overlap-add)")


def _contour(shape: str, f0: float, seconds: float, length: float,
             rng: np.random.Generator) -> list[tuple[float, float]]:
    """(time in the word's own seconds, Hz) points of the vowel's new pitch."""
    times = np.linspace(0.0, seconds, 60)
    real = times / seconds * length  # where each point will fall once drawn out
    if shape == "held":
        rate, depth = float(rng.uniform(5.0, 6.0)), float(rng.uniform(0.01, 0.02))
        hz = f0 * (1 + depth * np.sin(2 * np.pi * rate * real))
    elif shape == "sung":
        notes = f0 * 2 ** (rng.choice([-3, -2, 0, 2, 3, 5], size=int(rng.integers(2, 5))) / 12)
        hz = notes[np.minimum((real / length * notes.size).astype(int), notes.size - 1)]
        hz = hz * (1 + 0.012 * np.sin(2 * np.pi * 5.5 * real))
    elif shape == "arc":
        hz = f0 * 2 ** (float(rng.uniform(0.3, 0.6)) * np.sin(np.pi * real / length) ** 2)
    else:  # "fall"
        hz = f0 * 2 ** (float(rng.uniform(0.2, 0.4)) * (1 - real / length))
    return list(zip(times.tolist(), hz.tolist(), strict=True))
