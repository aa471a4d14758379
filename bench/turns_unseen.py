"""Turn-taking on sound the detector's tuner never saw (issue 20: "the same figures must hold there"). One JSON.

    nice python bench/turns_unseen.py [--ref main --ref b20] [--tree DIR ...] [--seconds 75] [--repeats 3]

bench/turns_accuracy.py scores the detector on vigtool.synth.heldout, which its tuner reads. This bench is the
independent check: nothing here is made from heldout's sources, and nothing here may be tuned on.

- Adults: festival (another synthesiser: diphone and HTS voices in four languages, Debian's festvox-*
  packages) and recorded human speech shipped in Debian packages, read in place and never copied:
  Asterisk's prompts (Allison, en-US, G.722 wideband; Menardi, it-IT; Avatar's es-CO, GSM) and codec2's
  speech samples (several men and women, 8 kHz). See VOICES for each licence.
- Infants, a third model (neither the generator's coos nor heldout's glottal pulses through fixed resonators):
  additive harmonics whose amplitudes are read off a *moving* formant envelope (vowel glides), f0 on
  melodic arcs from published infant ranges (coos 280–420 Hz, cries 400–600 Hz with hyperphonation glides to
  1–1.4 kHz and subharmonics, squeals 550–900 Hz, growls 180–280 Hz — inside an adult woman's range), cries
  with an inspiratory whoop, babble as syllables with consonant bursts, each call at its own level.
- A sibling: festival's Czech child voice (czech_krb, a real child's diphones) a quarter-octave up; a TV:
  another source's recorded speech over a music bed, band-limited, compressed, reverberant. Both "other".
- Conditions: clean 25 dB, noisy living room 12 dB (pink and brown noise, a fan's hum, clatter), phone
  portrait HEVC 18 dB (high-passed, compressed, AAC 32k), father, TV, sibling, crying with the parent talking
  over the baby in a reverberant room, reverberation RT60 0.8 s, AAC at 24 kbit/s. Each condition with
  a festival voice and with a recorded voice as the parent, three times (other seeds): 54 scenes.

Films go through vigtool.synth.heldout's room and film utilities (reverberate, broadcast, write_film), not its
voices. Each detector tree (--tree, default this one) analyses every film in one process through
vigtool.services.analysis.analyse_file, as `vigtool analyse FILM` does; its vocalisations are scored here
with this tree's vigtool.analysis.scoring and find_turns (the same rules as bench/turns_accuracy.py), and the
naive energy+pitch baseline (this tree's) runs on the same decoded sound. A found "other" is nobody's turn.
Figures: vocalisation F1 (speaker must match), speaker-blind F1, turn F1, infant-to-adult turn F1 (the
baby's initiatives received), and the baseline's, per condition, per parent engine, per tree.
Needs: apt festival festvox-kdlpc16k festvox-us-slt-hts festvox-czech-krb festvox-czech-machac
festvox-ca-ona-hts festvox-italp16k asterisk-core-sounds-en-g722 asterisk-prompt-it-menardi-wav
asterisk-prompt-es-co codec2-examples (a source that is missing is left out and listed as such).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from vigtool.analysis.scoring import score_turns, score_vocalisations
from vigtool.analysis.vocal_detect import ANALYSIS_RATE, naive_vocalisations
from vigtool.domain.vocal_turns import Speaker, Vocalisation, find_turns
from vigtool.media.sound import decode_mono
from vigtool.synth.heldout import broadcast, reverberate, write_film
from vigtool.synth.voices import Signal

RATE = ANALYSIS_RATE
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
AST = "/usr/share/asterisk/sounds"
C2 = "/usr/share/codec2"
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Voice:
    name: str
    engine: str  # "festival" (voice, language) or "recorded" (files)
    male: bool
    licence: str
    voice: str = ""
    language: str = "en"
    files: tuple[str, ...] = ()


VOICES = {v.name: v for v in (
    Voice("festival:ked_diphone", "festival", True, "festvox-kdlpc16k: CSTR Edinburgh, free use with notice",
          "ked_diphone"),
    Voice("festival:slt_hts", "festival", False, "festvox-us-slt-hts: BSD-3 (CMU ARCTIC; flite's slt speaker)",
          "cmu_us_slt_arctic_hts"),
    Voice("festival:ona_hts", "festival", False, "festvox-ca-ona-hts: LGPL-2.1+ / BSD-3", "upc_ca_ona_hts", "ca"),
    Voice("festival:lp_diphone", "festival", False, "festvox-italp16k: GPL-2+", "lp_diphone", "it"),
    Voice("festival:machac", "festival", True, "festvox-czech-machac: GPL-3+", "czech_machac", "cs"),
    Voice("recorded:asterisk-allison", "recorded", False, "asterisk-core-sounds-en-g722: CC-BY-SA-3.0",
          files=(f"{AST}/en_US_f_Allison/*.g722",)),
    Voice("recorded:asterisk-menardi", "recorded", False, "asterisk-prompt-it-menardi-wav: CC-BY-SA-3.0",
          files=(f"{AST}/it_IT_f_Menardi/*.wav",)),
    Voice("recorded:asterisk-es-co", "recorded", False, "asterisk-prompt-es-co: GPL-2", files=(f"{AST}/es/*.gsm",)),
    Voice("recorded:codec2-women", "recorded", False, "codec2-examples: LGPL-2.1 (Debian's copyright file)",
          files=(f"{C2}/raw/hts2a.raw", f"{C2}/raw/forig.raw", f"{C2}/raw/speech_orig_16k.wav",
                 f"{C2}/wav/wia_16kHz.wav")),
    Voice("recorded:codec2-men", "recorded", True, "codec2-examples: LGPL-2.1 (Debian's copyright file)",
          files=(f"{C2}/raw/hts1a.raw", f"{C2}/raw/morig.raw", f"{C2}/raw/mmt1.raw", f"{C2}/raw/kristoff.raw",
                 f"{C2}/raw/cross.raw", f"{C2}/raw/big_dog.raw", f"{C2}/raw/g3plx.raw", f"{C2}/raw/vk5qi.raw")),
)}
SIBLING = Voice("festival:czech_krb (child)", "festival", False, "festvox-czech-krb: GPL-3+", "czech_krb", "cs")
TV_VOICE = {"festival:ked_diphone": "recorded:asterisk-allison", "recorded:asterisk-es-co": "recorded:codec2-men"}
PHRASES = {
    "en": ("hello little one", "what are you saying", "oh yes", "is that right", "look at me", "there we go",
           "are you hungry", "tell me more", "oh dear", "who is that", "up we come", "ready steady",
           "what a noise", "I can see you"),
    "it": ("ciao piccolina", "cosa dici", "ma davvero", "brava", "guarda la mamma", "che bel sorriso",
           "eccoci qua", "hai fame", "dimmi tutto", "oh che bello", "guarda qui"),
    "ca": ("hola bonica", "què dius", "de debò", "molt bé", "mira la mama", "quin somriure", "ja hi som",
           "tens gana", "explica-m'ho", "oh que bonic", "qui és aquest"),
    "cs": ("ahoj broučku", "copak povídáš", "opravdu", "šikulka", "podívej se na tátu", "to je úsměv",
           "tak jsme tady", "máš hlad", "povídej", "no ne", "kdo je to"),
}
SIBLING_WORDS = ("mami", "to je moje", "podívej", "já chci", "miminko", "hele", "ne", "ještě jednou")
# (condition, festival parent, recorded parent): every condition heard with both kinds of voice.
PLAN = (("clean-25db", "festival:ona_hts", "recorded:asterisk-allison"),
        ("noisy-12db", "festival:lp_diphone", "recorded:codec2-women"),
        ("phone-hevc-18db", "festival:slt_hts", "recorded:asterisk-menardi"),
        ("father", "festival:machac", "recorded:codec2-men"),
        ("tv", "festival:ked_diphone", "recorded:asterisk-es-co"),
        ("sibling", "festival:slt_hts", "recorded:asterisk-allison"),
        ("crying-overlap-reverb", "festival:ona_hts", "recorded:codec2-women"),
        ("reverb-0.8", "festival:ked_diphone", "recorded:asterisk-menardi"),
        ("aac-24k", "festival:lp_diphone", "recorded:asterisk-es-co"))
SNR = {"noisy-12db": 12.0, "phone-hevc-18db": 18.0, "tv": 20.0, "crying-overlap-reverb": 18.0}


# --- decoding and adult utterances ----------------------------------------------------------------------

def decode(path: str) -> Signal:
    """Any of the packages' formats (WAV, G.722, GSM, headerless 8-kHz PCM) as mono float at RATE."""
    before = {".g722": ["-f", "g722"], ".gsm": ["-f", "gsm"], ".raw": ["-f", "s16le", "-ar", "8000", "-ac", "1"]}
    command = [FFMPEG, "-v", "error", *before.get(Path(path).suffix, []), "-i", path,
               "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(raw, "<i2").astype(np.float64) / 32768


def phrases_in(x: Signal) -> list[Signal]:
    """Cut recorded speech at its pauses (≥ 0.3 s at 30 dB under its peak) into phrases of 0.35–3 s."""
    frames = x.size // 160
    if frames == 0:
        return []
    level = 10 * np.log10(np.mean(x[: frames * 160].reshape(frames, 160) ** 2, axis=1) + 1e-12)
    loud = level > max(float(level.max()) - 30, float(np.percentile(level, 10)) + 10)
    runs, start, quiet = [], None, 0
    for k, on in enumerate(np.append(loud, [False] * 31)):
        if on:
            start, quiet = (k if start is None else start), 0
        elif start is not None:
            quiet += 1
            if quiet > 30:
                runs.append((start, k - quiet + 1))
                start = None
    out = []
    for first, last in runs:
        a = first
        while last - a > 300:  # longer than 3 s: cut at the quietest frame between 1.5 and 3 s
            cut = a + 150 + int(np.argmin(level[a + 150:a + 300]))
            out.append(x[a * 160:cut * 160])
            a = cut
        out.append(x[a * 160:last * 160])
    return [p for p in out if 0.35 * RATE <= p.size <= 3.2 * RATE]


def _festival(voice: Voice, texts: tuple[str, ...]) -> list[Signal]:
    """One festival process per voice for all its phrases."""
    with tempfile.TemporaryDirectory(prefix="b20eval-festival-") as folder:
        script = [f"(voice_{voice.voice})"] + [
            f'(utt.save.wave (utt.synth (Utterance Text "{t}")) "{folder}/{k}.wav" \'riff)'
            for k, t in enumerate(texts)]
        Path(folder, "say.scm").write_text("\n".join(script) + "\n", encoding="utf-8")
        subprocess.run(["festival", "-b", f"{folder}/say.scm"], capture_output=True, check=True, timeout=300)
        return [_trim(decode(f"{folder}/{k}.wav")) for k in range(len(texts))]


def _trim(x: Signal) -> Signal:
    level = np.convolve(np.abs(x), np.ones(160) / 160, "same")
    loud = np.flatnonzero(level > max(float(level.max()) * 0.03, 1e-4)) if x.size else np.array([], int)
    return x[loud[0]:loud[-1] + 1] if loud.size else x[:0]


@functools.cache
def utterances(name: str) -> tuple[Signal, ...]:
    """A voice's pool of phrases, normalised; empty when its package is missing."""
    voice = VOICES.get(name, SIBLING if name == SIBLING.name else None)
    if voice is None:
        return ()
    try:
        if voice.engine == "festival":
            texts = SIBLING_WORDS if voice is SIBLING else PHRASES[voice.language]
            pool = _festival(voice, texts)
        else:
            paths = sorted(str(p) for pattern in voice.files for p in Path("/").glob(pattern.lstrip("/")))
            pool = [p for path in paths[:60] for p in phrases_in(decode(path))]
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(_normalise(p) for p in pool if p.size > 0.3 * RATE)


def _normalise(x: Signal) -> Signal:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return x / peak if peak > 0 else x


def _resample(x: Signal, factor: float) -> Signal:
    """Play `factor` times faster (pitch and formants up by it)."""
    return np.asarray(np.interp(np.arange(int(x.size / factor)) * factor, np.arange(x.size), x))


# --- the third infant model -------------------------------------------------------------------------------

# kind: (seconds, f0 Hz, spectral tilt dB/octave, melodic depth in octaves)
CALLS = {"coo": ((0.4, 1.2), (280, 420), -9.0, 0.25), "squeal": ((0.3, 0.8), (550, 900), -6.0, 0.35),
         "growl": ((0.4, 1.0), (180, 280), -4.0, 0.1), "fuss": ((0.3, 0.9), (350, 500), -6.0, 0.3),
         "cry": ((0.8, 2.0), (400, 600), -3.0, 0.4), "babble": ((0.8, 1.8), (320, 450), -7.0, 0.2)}
INFANT_VOWELS = ((1100.0, 2600.0), (800.0, 3400.0), (650.0, 1700.0), (1000.0, 2100.0))  # F1, F2 of a ~9 cm tract


def _contour(n: int, depth: float, rng: np.random.Generator) -> Signal:
    """A melodic arc: rise-fall, rising, falling or level, with slow wander (octaves, about 0)."""
    t = np.linspace(0.0, 1.0, n)
    arc = (np.sin(np.pi * t), t ** 1.5, (1 - t) ** 1.5, np.full(n, 0.3))[int(rng.integers(4))]
    wander = np.cumsum(rng.standard_normal(n)) / np.sqrt(n) * 0.03
    return np.asarray(depth * (arc - 0.3) + wander + 0.01 * np.sin(2 * np.pi * rng.uniform(5, 8) * t * n / RATE))


def _formant_gain(freq: Signal, f1: Signal, f2: Signal) -> Signal:
    """The vocal tract's magnitude at each harmonic's frequency (three resonances, a floor between them)."""
    gain = np.full(freq.shape, 0.04)
    for centre, width in ((f1, 300.0), (f2, 450.0), (4400.0, 700.0)):
        gain += 1 / np.sqrt(1 + ((freq - centre) / (width / 2)) ** 2)
    return gain


def infant_call(kind: str, rng: np.random.Generator) -> Signal:
    """One call: additive harmonics read off a formant envelope that glides from one vowel to another."""
    (shortest, longest), (low, high), tilt, depth = CALLS[kind]
    n = int(rng.uniform(shortest, longest) * RATE)
    t = np.arange(n) / RATE
    f0 = rng.uniform(low, high) * 2 ** _contour(n, depth, rng)
    if kind == "cry" and rng.random() < 0.3:  # hyperphonation: a glide up to 1–1.4 kHz and back
        a, span = int(rng.uniform(0.2, 0.6) * n), int(rng.uniform(0.2, 0.4) * RATE)
        bump = np.zeros(n)
        bump[a:a + span] = np.sin(np.pi * np.arange(min(span, n - a)) / span)
        f0 = f0 * (1 + bump * (rng.uniform(1000, 1400) / f0 - 1))
    first, second = rng.choice(len(INFANT_VOWELS), 2)
    mix = np.linspace(0, 1, n) ** rng.uniform(0.5, 2)
    f1 = INFANT_VOWELS[first][0] * (1 - mix) + INFANT_VOWELS[second][0] * mix
    f2 = INFANT_VOWELS[first][1] * (1 - mix) + INFANT_VOWELS[second][1] * mix
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    sub = np.zeros(n)  # subharmonics (period doubling) over part of a cry or a growl
    if kind in ("cry", "growl") and rng.random() < 0.6:
        a = int(rng.uniform(0, 0.5) * n)
        sub[a:a + int(rng.uniform(0.2, 0.5) * n)] = rng.uniform(0.2, 0.45)
    out = np.zeros(n)
    for k in range(1, int(7000 / float(f0.max())) + 1):
        level = 10 ** (tilt * np.log2(k) / 20)
        out += level * _formant_gain(k * f0, f1, f2) * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
        if sub.any():
            out += sub * level * _formant_gain((k - 0.5) * f0, f1, f2) * np.sin((k - 0.5) * phase)
    if kind == "growl":  # a rough, fry-like voice: the amplitude beats at 30–60 Hz
        out *= 1 - 0.5 * (np.sin(2 * np.pi * rng.uniform(30, 60) * t) > 0.3)
    if kind in ("fuss", "cry"):  # breath through a strained larynx
        out += np.diff(rng.standard_normal(n + 1)) * 0.08 * float(np.std(out))
    envelope = np.minimum(1, np.minimum(t / 0.04, (t[-1] - t) / 0.08)) if n else t
    if kind == "babble":  # syllables 3–5 a second: closures with a consonant's burst at each onset
        rate = rng.uniform(3, 5)
        cycle = (t * rate) % 1
        envelope = envelope * np.where(cycle < 0.72, 1.0, 0.06)
        burst = (cycle < 0.02) * rng.standard_normal(n) * 0.5 * float(np.std(out))
        out = out + burst
    call = out * envelope
    if kind == "cry":  # the inspiratory whoop after the cry's breath out
        m = int(rng.uniform(0.1, 0.25) * RATE)
        whoop_t = np.arange(m) / RATE
        whoop = np.sin(2 * np.pi * np.cumsum(np.full(m, rng.uniform(800, 1200))) / RATE) * 0.3
        whoop += np.diff(rng.standard_normal(m + 1)) * 0.15
        call = np.concatenate([call, np.zeros(int(0.05 * RATE)), whoop * np.sin(np.pi * whoop_t / whoop_t[-1])
                               * float(np.max(np.abs(call)))])
    return _normalise(call)


# --- scenes -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    who: str  # "adult", "infant" or "other"
    start: float  # seconds (the script's; the product never times in floats)
    end: float
    kind: str  # what it was: "parent", an infant call (CALLS), "sibling" or "tv"


@dataclass(frozen=True)
class Scene:
    name: str
    condition: str
    parent: str  # a VOICES name
    seed: int

    @property
    def engine(self) -> str:
        return self.parent.split(":")[0]


def scenes(repeats: int = 1) -> list[Scene]:
    """Every PLAN row with its two parents, `repeats` times with other seeds."""
    plan = [(c, p) for _ in range(repeats) for c, *parents in PLAN for p in parents]
    return [Scene(f"{k:02d}-{condition}-{parent.replace(':', '-')}", condition, parent, 7100 + k)
            for k, (condition, parent) in enumerate(plan)]


def mix(scene: Scene, seconds: float) -> tuple[Signal, list[Event]]:
    """The scene's sound at RATE and who vocalised when."""
    rng = np.random.default_rng(scene.seed)
    n = int(seconds * RATE)
    voice = np.zeros(n)
    events: list[Event] = []
    pool, siblings = utterances(scene.parent), utterances(SIBLING.name)

    def place(who: str, kind: str, sound: Signal, at: float, gain: float) -> float:
        start = int(at * RATE)
        if start >= n - RATE // 2:
            return at
        part = sound[: n - start]
        voice[start:start + part.size] += part * gain
        events.append(Event(who, round(at, 4), round(at + part.size / RATE, 4), kind))
        return at + part.size / RATE

    crying = scene.condition == "crying-overlap-reverb"
    kinds = ("cry", "cry", "fuss", "cry", "coo") if crying else (
        "coo", "coo", "babble", "squeal", "growl", "fuss", "babble", "coo")
    t, who = float(rng.uniform(0.5, 1.5)), "infant" if rng.random() < 0.55 else "adult"
    while t < seconds - 1.5:
        if who == "adult":
            end = place("adult", "parent", pool[int(rng.integers(len(pool)))], t, 0.5 * 10 ** (rng.uniform(-3, 3) / 20))
        else:
            kind = kinds[int(rng.integers(len(kinds)))]
            gain = 0.45 * 10 ** (rng.uniform(-8, 1) / 20) * (1.4 if kind == "cry" else 1.0)
            end = place("infant", kind, infant_call(kind, rng), t, gain)
        if scene.condition == "sibling" and siblings and rng.random() < 0.35:
            word = _resample(siblings[int(rng.integers(len(siblings)))], 2 ** 0.25)
            end = place("other", "sibling", word, end + rng.uniform(0.3, 0.9), 0.45 * 10 ** (rng.uniform(-3, 2) / 20))
        chance = rng.random()
        if chance < 0.12:  # a lull: nobody answers within the project's 3 s
            t, who = end + rng.uniform(4.0, 7.0), "infant" if rng.random() < 0.6 else "adult"
        elif chance < 0.30:  # the same partner again, after a breath
            t = end + rng.uniform(0.8, 1.6)
        else:
            over = crying and who == "infant" and rng.random() < 0.5  # the parent talks over the crying baby
            t = end - rng.uniform(0.2, 0.6) if over else end + rng.uniform(0.2, 2.2)
            who = "adult" if who == "infant" else "infant"
    if scene.condition in ("crying-overlap-reverb", "reverb-0.8"):
        voice = reverberate(voice, 0.6 if crying else 0.8, rng)
    active = np.abs(voice) > 1e-4
    power = float(np.mean(voice[active] ** 2)) if active.any() else 0.01
    if scene.condition == "tv":
        tv, spans = _tv(TV_VOICE.get(scene.parent, "recorded:codec2-men"), n, rng, power)
        voice, events = voice + tv, events + spans
    noise = _living_room(n, rng) if scene.condition == "noisy-12db" else _coloured(n, rng, 1.0)
    noise *= np.sqrt(power / 10 ** (SNR.get(scene.condition, 25.0) / 10) / float(np.mean(noise ** 2)))
    sound = voice + noise
    if scene.condition == "phone-hevc-18db":  # a phone's small microphone and its level control
        sound = _band(sound, 150.0, 7500.0)
        sound = np.tanh(sound / (3 * float(np.std(sound)))) * 3 * float(np.std(sound))
    return sound / max(float(np.max(np.abs(sound))), 1.0) * 0.9, sorted(events, key=lambda e: e.start)


def _band(x: Signal, low: float, high: float) -> Signal:
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(x.size, 1 / RATE)
    spectrum[(freqs < low) | (freqs > high)] *= 0.02
    return np.fft.irfft(spectrum, n=x.size)


def _coloured(n: int, rng: np.random.Generator, slope: float) -> Signal:
    """Noise whose power falls as 1/f**slope (1: pink, 2: brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.maximum(np.arange(spectrum.size, dtype=np.float64), 1.0)
    return np.fft.irfft(spectrum / freqs ** (slope / 2), n=n)


def _living_room(n: int, rng: np.random.Generator) -> Signal:
    """Pink and brown noise, a fan's hum (100 Hz and its harmonics), and clatter (cups, toys) every few s."""
    t = np.arange(n) / RATE
    pink, brown = _coloured(n, rng, 1.0), _coloured(n, rng, 2.0)
    out = pink / np.std(pink) + 0.7 * brown / np.std(brown)
    out += sum(0.3 / k * np.sin(2 * np.pi * 100 * k * t + rng.uniform(0, 6)) for k in (1, 2, 3, 5))
    for at in np.cumsum(rng.uniform(1.5, 5.0, size=int(n / RATE))):
        start = int(at * RATE)
        if start >= n - 800:
            break
        knock = rng.standard_normal(800) * np.exp(-np.arange(800) / 120) * rng.uniform(2, 6)
        out[start:start + 800] += knock
    return np.asarray(out)


def _tv(parent_of_tv: str, n: int, rng: np.random.Generator, power: float) -> tuple[Signal, list[Event]]:
    """A TV a few metres off: recorded talk over a music bed, band-limited, compressed, 6 dB under the family."""
    pool = utterances(parent_of_tv) or utterances("festival:ked_diphone")
    talk, spans, pos = np.zeros(n), [], int(0.3 * RATE)
    while pos < n and pool:
        speech = pool[int(rng.integers(len(pool)))][: n - pos]
        talk[pos:pos + speech.size] += speech
        spans.append(Event("other", round(pos / RATE, 4), round((pos + speech.size) / RATE, 4), "tv"))
        pos += speech.size + int(rng.uniform(0.15, 0.5) * RATE)
    t = np.arange(n) / RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    music = chord * (0.5 + 0.5 * np.sin(2 * np.pi * 0.1 * t)) * 0.08
    tv = reverberate(broadcast(talk + music), 0.5, rng)
    return tv * np.sqrt(power / 4 / max(float(np.mean(tv ** 2)), 1e-12)), spans


def render(scene: Scene, out: Path, seconds: float) -> list[Event]:
    sound, events = mix(scene, seconds)
    if scene.condition != "phone-hevc-18db":
        write_film(sound, out, "24k" if scene.condition == "aac-24k" else "96k")
        return events
    pcm = (np.clip(sound, -1, 1) * 32767).astype("<i2").tobytes()  # portrait HEVC, AAC 32k at 44.1 kHz
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=0x806050:s=120x160:r=30:d={sound.size / RATE:.3f}",
                    "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
                    "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
                    "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", "-b:a", "32k", "-ar", "44100",
                    "-shortest", str(out)], input=pcm, check=True, capture_output=True)
    return events


# --- the detector as the product runs it, and the scores ----------------------------------------------------

# Run inside the detector's own tree: what `vigtool analyse FILM` calls, one process for all the films.
RUNNER = """
import json, sys, time
from pathlib import Path
import vigtool
from vigtool.services.analysis import analyse_file
started = time.process_time()
films = {Path(p).stem: analyse_file(Path(p)).to_json()["vocalisations"] for p in sys.argv[1:]}
print(json.dumps({"vigtool": vigtool.__file__, "cpu_s": time.process_time() - started, "films": films}))
"""


def exported_tree(ref: str, into: Path) -> Path:
    """What is committed at `ref` (a branch of this repository), written out: never a worktree's edits."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], capture_output=True, check=True, cwd=REPO).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_detector(tree: Path, films: list[Path]) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, "-c", RUNNER, *map(str, films)], capture_output=True, text=True,
                          cwd=tree, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the detector in {tree} failed: {done.stderr[-2000:]}")
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    if not str(result["vigtool"]).startswith(str(tree)):  # an installed vigtool would be scored in its place
        raise RuntimeError(f"{tree}: the detector that ran was {result['vigtool']}")
    return result


def _commit(label: str, tree: Path) -> str:
    """The commit a tree is at, "+edits" when its tracked files differ from it (what ran is not committed)."""
    ref = label.removesuffix(" (committed)") if label.endswith(" (committed)") else "HEAD"
    where = REPO if label.endswith(" (committed)") else tree
    def git(*words: str) -> str:
        return subprocess.run(["git", *words], capture_output=True, text=True, check=False, cwd=where).stdout.strip()
    dirty = ref == "HEAD" and bool(git("status", "--porcelain", "--untracked-files=no", "--", "vigtool"))
    return git("rev-parse", "--short", ref) + (" +edits in vigtool/" if dirty else "")


def _truth(events: list[Event]) -> list[Vocalisation]:
    return [Vocalisation(Speaker(e.who), round(e.start * RATE), round(e.end * RATE))
            for e in events if e.who in ("adult", "infant")]


def _blind(spans: list[tuple[float, float]]) -> list[Vocalisation]:
    return [Vocalisation(Speaker.ADULT, round(a * RATE), round(b * RATE)) for a, b in spans]


def _turn_f1(found: list[Vocalisation], truth: list[Vocalisation], infant_first: bool = False) -> float:
    ours, real = find_turns(found, RATE), find_turns(truth, RATE)
    if infant_first:  # the baby's initiatives that the parent received
        ours = [t for t in ours if t.initiator is Speaker.INFANT and t.responder is Speaker.ADULT]
        real = [t for t in real if t.initiator is Speaker.INFANT and t.responder is Speaker.ADULT]
    return score_turns(ours, real, RATE).f1


def figures(found: list[tuple[str, float, float]], events: list[Event]) -> dict[str, float]:
    """`found`: (speaker, start s, end s); a speaker that is neither parent nor baby is in no turn."""
    family = [Vocalisation(Speaker(s), round(a * RATE), round(b * RATE)) for s, a, b in found
              if s in ("adult", "infant")]
    truth = _truth(events)
    return {"vocalisation_f1": score_vocalisations(family, truth).f1,
            "blind_vocalisation_f1": score_vocalisations(_blind([(a, b) for _, a, b in found]),
                                                         _blind([(e.start, e.end) for e in events])).f1,
            "turn_f1": _turn_f1(family, truth), "infant_to_adult_turn_f1": _turn_f1(family, truth, True),
            "vocalisations_found": len(family), "others_found": len(found) - len(family)}


def heard_as(found: list[tuple[str, float, float]], events: list[Event]) -> Counter[tuple[str, str]]:
    """Each true sound by its kind, and whom the vocalisation overlapping it most was given to ("missed"
    when found vocalisations cover less than half of it): naming, apart from how it was cut."""
    tally: Counter[tuple[str, str]] = Counter()
    for event in events:
        overlaps: dict[str, float] = defaultdict(float)
        for speaker, a, b in found:
            overlaps[speaker] += max(0.0, min(b, event.end) - max(a, event.start))
        covered = sum(overlaps.values()) >= 0.5 * (event.end - event.start)
        tally[(event.kind, max(overlaps, key=overlaps.__getitem__) if covered else "missed")] += 1
    return tally


def _shares(tally: Counter[tuple[str, str]]) -> dict[str, dict[str, float | int]]:
    kinds = sorted({kind for kind, _ in tally})
    out: dict[str, dict[str, float | int]] = {}
    for kind in kinds:
        total = sum(n for (k, _), n in tally.items() if k == kind)
        out[kind] = {"sounds": total} | {label: round(n / total, 2) for (k, label), n in sorted(tally.items())
                                         if k == kind}
    return out


def naive(film: Path) -> list[tuple[str, float, float]]:
    with film.open("rb") as handle:
        sound = decode_mono(handle, film.name, RATE)
    assert sound is not None
    return [(v.speaker.value, v.start / RATE, v.end / RATE) for v in naive_vocalisations(sound)]


KEYS = ("vocalisation_f1", "blind_vocalisation_f1", "turn_f1", "infant_to_adult_turn_f1",
        "baseline_vocalisation_f1", "baseline_turn_f1")


def _mean(rows: list[dict[str, float | str]]) -> dict[str, float]:
    return {k: round(statistics.mean(float(r[k]) for r in rows), 3) for k in KEYS} | {"scenes": len(rows)}


def summary(rows: dict[str, dict[str, float | str]]) -> dict[str, object]:
    by: dict[str, dict[str, list[dict[str, float | str]]]] = {
        "condition": defaultdict(list), "engine": defaultdict(list), "parent": defaultdict(list)}
    for row in rows.values():
        for field, groups in by.items():
            groups[str(row[field])].append(row)
    per_condition = {c: _mean(r) for c, r in by["condition"].items()}
    missed = {c: [why for why, bad in (
        ("turn F1 under 0.90" if c == "clean-25db" else "turn F1 under 0.80",
         f["turn_f1"] < (0.9 if c == "clean-25db" else 0.8)),
        ("vocalisation F1 under 0.80", f["vocalisation_f1"] < 0.8),
        ("under the baseline's turn F1", f["turn_f1"] < f["baseline_turn_f1"])) if bad]
        for c, f in per_condition.items()}
    return {"per_condition": per_condition, "per_parent_engine": {e: _mean(r) for e, r in by["engine"].items()},
            "per_parent_voice": {p: _mean(r) for p, r in sorted(by["parent"].items())},
            "all_scenes": _mean(list(rows.values())),
            "issue_20_targets_missed": {c: why for c, why in missed.items() if why},
            "beaten_by_baseline": sorted(n for n, r in rows.items()
                                         if float(r["turn_f1"]) < float(r["baseline_turn_f1"]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=75.0, help="length of each scene")
    parser.add_argument("--limit", type=int, default=0, help="only the first N scenes (0: all)")
    parser.add_argument("--repeats", type=int, default=3, help="every condition and parent this often (seeds)")
    parser.add_argument("--tree", action="append", default=[], metavar="DIR",
                        help="a detector's source tree as it is on disk (default: this one)")
    parser.add_argument("--ref", action="append", default=[], metavar="BRANCH",
                        help="a branch of this repository, as committed (exported with git archive)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="b20eval-films-"))
    trees = {str(Path(t).resolve()): Path(t).resolve() for t in args.tree}
    trees |= {f"{r} (committed)": exported_tree(r, work / "trees" / r.replace("/", "-")) for r in args.ref}
    trees = trees or {"this tree": REPO}
    chosen = scenes(args.repeats)[: args.limit] if args.limit else scenes(args.repeats)
    missing = sorted({s.parent for s in chosen if not utterances(s.parent)} | (
        {SIBLING.name} if not utterances(SIBLING.name) else set()))
    chosen = [s for s in chosen if utterances(s.parent)]
    started = time.process_time()
    truth, films, baseline = {}, [], {}
    for scene in chosen:
        film = work / f"{scene.name}.mp4"
        truth[scene.name] = render(scene, film, args.seconds)
        baseline[scene.name] = figures(naive(film), truth[scene.name])
        films.append(film)
    making = time.process_time() - started
    report: dict[str, object] = {}
    for label, tree in trees.items():
        result = run_detector(tree, films)
        found: dict[str, list[dict[str, object]]] = result["films"]  # type: ignore[assignment]
        rows: dict[str, dict[str, float | str]] = {}
        tally: Counter[tuple[str, str]] = Counter()
        for scene in chosen:
            spans = [(str(v["speaker"]), float(v["start"]), float(v["end"]))  # type: ignore[arg-type]
                     for v in found[scene.name]]
            ours = figures(spans, truth[scene.name])
            tally += heard_as(spans, truth[scene.name])
            row: dict[str, float | str] = {k: round(v, 3) for k, v in ours.items()}
            row |= {"baseline_vocalisation_f1": round(baseline[scene.name]["vocalisation_f1"], 3),
                    "baseline_turn_f1": round(baseline[scene.name]["turn_f1"], 3),
                    "condition": scene.condition, "parent": scene.parent, "engine": scene.engine,
                    "family_vocalisations": len(_truth(truth[scene.name])),
                    "other_vocalisations": sum(e.who == "other" for e in truth[scene.name])}
            rows[scene.name] = row
        commit = _commit(label, tree)
        cpu = float(result["cpu_s"])  # type: ignore[arg-type]
        report[label] = {"commit": commit or None, "vigtool": result["vigtool"], **summary(rows),
                         "analysis_cpu_s": round(cpu, 1),
                         "times_real_time_per_cpu_second": round(args.seconds * len(chosen) / cpu, 1),
                         "sounds_heard_as": _shares(tally),
                         "scenes": rows}
    shutil.rmtree(work)
    print(json.dumps({
        "scenes_of": "sources neither vigtool.synth.heldout nor the generator uses (bench/turns_unseen.py)",
        "seconds_per_scene": args.seconds, "scenes": len(chosen), "sources_missing": missing,
        "licences": {v.name: v.licence for v in [*VOICES.values(), SIBLING]},
        "targets": {"turn_f1_clean": 0.90, "turn_f1_each_other": 0.80, "vocalisation_f1_each": 0.80,
                    "never_below_baseline": True},
        "trees": report, "making_films_cpu_s": round(making, 1),
        "whole_bench_cpu_s": round(sum(getattr(resource.getrusage(who), f) for who in (
            resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime")), 1),
        "load_average_1min": {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)},
    }, indent=2))


if __name__ == "__main__":
    main()
