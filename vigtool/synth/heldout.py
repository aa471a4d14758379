"""Held-out sound for judging turn-taking: voices and rooms the detector was NOT tuned on.

The project's own generator (vigtool.synth.voices) made the sound the detector was tuned on; a figure
measured on it proves little. Here the voices come from elsewhere and everything is made at bench time,
never committed:

- adults: espeak-ng (one language of every voice family it ships, female and male variants, pitch 15–99),
  flite (a different synthesiser: its diphone and clustergen voices), and the recorded human voice that
  alsa-utils ships (/usr/share/sounds/alsa/*.wav, GPL, read in place and never copied);
- infants, two models: the generator's coos, and a second one designed differently here (a glottal pulse
  source with jitter and shimmer through the formants of an infant's short vocal tract; coos, canonical
  babble, fussing, crying); in both, one call in seven is a growl (170–280 Hz, rough, a woman's pitch);
- a toddler sibling (a female espeak-ng voice shifted up a third of an octave in pitch and formants, as a
  short vocal tract speaks, or any source made a child's by Praat's "Change gender": formants 1.3–1.5
  times, pitch 260–360 Hz) and a TV (another adult source, continuous, reverberant: half the sets
  band-limited to 300–3400 Hz and compressed, half a full-range speaker over a music bed): both are
  "other", never a turn. Their voices are drawn from the same list of sources as the
  scenes' parents (another source than the scene's own), so a bench that tunes on some sources and reports
  on the others holds the TV's and the sibling's voices out too;
- conditions: father, TV, sibling, overlap, reverberation (RT60 0.3–0.8 s), 10–30 dB SNR, low-bitrate AAC;
  and in scenes of their own (long_vowel_scenes), a mother who also draws vowels out and sings them at
  200–300 Hz, a growl's pitch (vigtool.synth.heldout_vowels).

`render_scene` mixes a scene with its ground truth (who vocalised when: "adult", "infant", "other") and
writes it as a real film with ffmpeg (a plain picture, AAC sound at the chosen bitrate).
"""

from __future__ import annotations

import functools
import hashlib
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, replace
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from vigtool.synth.voices import Signal, VoiceSettings, infant_coo

RATE = 16000
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
PHRASES = ("look at you", "hello my darling", "are you telling me something", "oh really",
           "is that so", "what a big smile", "yes I know", "shall we sing", "there you are", "clever baby",
           "good morning sunshine", "where is your foot", "peekaboo", "what was that", "you are so funny")
TV_PHRASES = ("and now the weather for the weekend", "the minister said today that the plans would go ahead",
              "traffic is heavy on the ring road", "after the break we talk to the winner",
              "scattered showers in the north later")
FLITE_VOICES = ("kal", "awb", "rms", "slt")
# (and "long-vowel", a mother drawing vowels out and singing them, in scenes of its own: long_vowel_scenes)
CONDITIONS = ("clean-25db", "noisy-12db", "snr-10db", "snr-30db", "father", "tv", "sibling", "overlap",
              "reverb-0.3", "reverb-0.8", "aac-24k", "crying-reverb")


@dataclass(frozen=True)
class Source:
    """Where an adult voice comes from: `engine` "espeak" (voice = language file, variant, pitch),
    "flite" (voice) or "recorded"."""

    name: str
    engine: str
    voice: str = ""
    variant: str = ""
    pitch: int = 50
    male: bool = False


@dataclass(frozen=True)
class Event:
    who: str  # "adult", "infant" or "other"
    start: float  # seconds (the generator's script; the product never times in floats)
    end: float
    kind: str = ""  # what was said, where a bench counts it apart: "growl", "long-vowel", "sibling", "tv"


@dataclass(frozen=True)
class Scene:
    name: str
    source: Source
    infant_model: str  # "coo" (the generator's) or "glottal" (this module's)
    condition: str
    seed: int
    tv: Source = Source("tv", "espeak", "en", "m3", 40, True)  # the TV's voice (condition "tv")
    sibling: Source = Source("sibling", "espeak", "en", "f4", 80)  # the sibling's (condition "sibling")


def espeak_families() -> list[str]:
    """One language file per espeak-ng voice family (the first listed), e.g. "gmw/en"."""
    if shutil.which("espeak-ng") is None:
        return []
    listing = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    chosen: dict[str, str] = {}
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 5 and "/" in fields[4]:
            chosen.setdefault(fields[4].split("/")[0], fields[4].split("/")[-1])
    return [f"{family}/{language}" for family, language in sorted(chosen.items())]


def adult_sources() -> list[Source]:
    """Every adult source this machine has: espeak-ng families (alternating female/male variants and
    pitches 15–99), flite's voices, the recorded ALSA voice."""
    sources = []
    female, male = ("f1", "f2", "f3", "f4", "f5"), ("m1", "m2", "m3", "m4", "m5", "m6", "m7")
    for k, voice in enumerate(espeak_families()):
        is_male = k % 2 == 1
        variant = (male if is_male else female)[k % (7 if is_male else 5)]
        pitch = (15, 30, 45)[k % 3] if is_male else (50, 70, 85, 99)[k % 4]
        sources.append(Source(f"espeak:{voice}", "espeak", voice.split("/")[-1], variant, pitch, is_male))
    if shutil.which("flite") is not None:
        sources += [Source(f"flite:{v}", "flite", v, male=v != "slt") for v in FLITE_VOICES]
    if sorted(ALSA_SOUNDS.glob("*_*.wav")):
        sources.append(Source("recorded:alsa-utils", "recorded"))
    return sources


def scenes(sources: list[Source] | None = None, seed: int = 500, *, long_vowels: bool = True) -> list[Scene]:
    """One scene per adult source; the conditions and the two infant models rotate over them, so each
    condition is heard with several sources. "father" takes the next male source; the TV and the sibling
    speak with other sources of the same list (the sibling with a female voice, high). Then, unless
    `long_vowels` is False, the "long-vowel" scenes of the same sources (long_vowel_scenes)."""
    chosen = adult_sources() if sources is None else sources
    plan = [(source, CONDITIONS[k % len(CONDITIONS)]) for k, source in enumerate(chosen)]
    # Recorded human speech is the scarcest source: heard in more rooms than the synthetic ones.
    plan += [(s, c) for s in chosen if s.engine == "recorded" for c in ("noisy-12db", "reverb-0.8", "tv")]
    out = []
    for k, (planned, condition) in enumerate(plan):
        source = _as_father(planned, chosen) if condition == "father" else planned
        # Alternate the infant models so that every condition is heard with both (not one model per condition).
        model = "glottal" if condition == "crying-reverb" or (k + k // len(CONDITIONS)) % 2 else "coo"
        others = [s for s in chosen if s.name != planned.name] or [planned]
        tv = others[(3 * k + 1) % len(others)]
        # espeak-ng is asked for a high female voice; any other source is made a child's (toddler_utterance).
        sibling = others[(5 * k + 2) % len(others)]
        if sibling.engine == "espeak":
            sibling = replace(sibling, variant="f4", pitch=80, male=False)
        out.append(Scene(f"{k:02d}-{condition}-{source.name.replace(':', '-').replace('/', '-')}", source, model,
                         condition, seed + k, tv, sibling))
    return out + (long_vowel_scenes(chosen, seed + 200) if long_vowels else [])


def long_vowel_scenes(sources: list[Source], seed: int, count: int = 8) -> list[Scene]:
    """Condition "long-vowel": a mother who also draws vowels out and sings them at 200-300 Hz
    (vigtool.synth.heldout_vowels), one scene for each of `count` of the women's synthetic voices among
    `sources` (evenly spaced; a source may come twice when there are fewer), the infant models alternating."""
    women = [s for s in sources if not s.male and s.engine != "recorded"]
    if not women:
        return []
    picked = [women[k * len(women) // count] for k in range(count)] if len(women) >= count else [
        women[k % len(women)] for k in range(count)]
    return [Scene(f"L{k:02d}-long-vowel-{source.name.replace(':', '-').replace('/', '-')}", source,
                  "glottal" if k % 2 else "coo", "long-vowel", seed + k) for k, source in enumerate(picked)]


def _as_father(source: Source, chosen: list[Source]) -> Source:
    """The same family's male voice, low (espeak), or the same engine's male voice."""
    if source.male:
        return source
    if source.engine == "espeak":
        return replace(source, variant="m3", pitch=20, male=True)
    return next((s for s in chosen if s.male and s.engine == source.engine), source)


def _read_wav(data: bytes) -> Signal:
    with wave.open(io.BytesIO(data)) as reader:
        rate, width, channels = reader.getframerate(), reader.getsampwidth(), reader.getnchannels()
        raw = reader.readframes(reader.getnframes())
    if width != 2:
        raise ValueError("only 16-bit sound is expected here")
    samples = np.frombuffer(raw, "<i2").astype(np.float64).reshape(-1, channels).mean(axis=1) / 32768
    return _resample(samples, rate, RATE)


def _resample(x: Signal, rate: int, to: int) -> Signal:
    if rate == to or x.size == 0:
        return x
    positions = np.arange(int(x.size * to / rate)) * rate / to
    return np.interp(positions, np.arange(x.size), x)


def _trim(x: Signal) -> Signal:
    """Cut the silence a synthesiser leaves before and after an utterance."""
    if x.size == 0:
        return x
    level = np.convolve(np.abs(x), np.ones(160) / 160, "same")
    loud = np.flatnonzero(level > max(float(level.max()) * 0.03, 1e-4))
    return x[loud[0]:loud[-1] + 1] if loud.size else x[:0]


@functools.lru_cache(maxsize=512)
def _speak(source: Source, text: str) -> Signal:
    if source.engine == "espeak":
        voice = f"{source.voice}+{source.variant}" if source.variant else source.voice
        data = subprocess.run(["espeak-ng", "-v", voice, "-p", str(source.pitch), "-s", "150", "--stdout", text],
                              capture_output=True, check=True).stdout
        return _trim(_read_wav(data))
    if source.engine == "flite":
        with tempfile.TemporaryDirectory(prefix="vigtool-flite-") as folder:
            path = Path(folder) / "u.wav"
            subprocess.run(["flite", "-voice", source.voice, "-t", text, "-o", str(path)], capture_output=True,
                           check=True)
            return _trim(_read_wav(path.read_bytes()))
    if source.engine == "recorded":
        files = sorted(ALSA_SOUNDS.glob("*_*.wav"))
        return _trim(_read_wav(files[sum(map(ord, text)) % len(files)].read_bytes()))
    raise ValueError(f"unknown engine {source.engine!r}")


def adult_utterance(source: Source, rng: np.random.Generator) -> Signal:
    return _normalise(_speak(source, PHRASES[int(rng.integers(len(PHRASES)))]))


def mother_vowel(source: Source, rng: np.random.Generator) -> Signal:
    """A long drawn-out or sung vowel in the parent's own voice (vigtool.synth.heldout_vowels)."""
    from vigtool.synth.heldout_vowels import VOWEL_WORDS, long_vowel  # noqa: PLC0415 - it uses this module's Praat

    word = VOWEL_WORDS[int(rng.integers(len(VOWEL_WORDS)))]
    return _normalise(long_vowel(_speak(source, word), rng)[1])


SIBLING_WORDS = ("mummy look", "no", "my turn", "baby", "ball", "I want that one", "look a doggy",
                 "where is it", "again again", "that's mine", "daddy come here", "I did it")


def toddler_utterance(source: Source, rng: np.random.Generator) -> Signal:
    """A sibling's words. Half the time adult speech played a third of an octave up (pitch and formants
    together, a shorter tract); otherwise Praat's "Change gender" on it: formants 1.3-1.5 times higher (a
    toddler's tract, about 11-12 cm) and the pitch moved to a toddler's median, 260-360 Hz, with a child's
    wider swings, so any adult source (a man's too) becomes a child talking."""
    speech = _speak(source, SIBLING_WORDS[int(rng.integers(len(SIBLING_WORDS)))])
    if rng.random() < 0.5 and source.engine == "espeak":  # (an espeak voice asked for high and female)
        return _normalise(_resample(speech, RATE, int(RATE / 2 ** (1 / 3))))
    return _normalise(_child_voice(speech, float(rng.uniform(1.3, 1.5)), float(rng.uniform(260, 360))))


def _child_voice(speech: Signal, formant_ratio: float, pitch_hz: float) -> Signal:
    import parselmouth  # noqa: PLC0415 - only the bench's sibling needs Praat here
    from parselmouth.praat import call  # noqa: PLC0415

    if speech.size < RATE // 10:
        return speech
    sound = parselmouth.Sound(np.asarray(speech, np.float64), sampling_frequency=RATE)
    # Praat's overlap-add draws random numbers (in unvoiced stretches): seeded from the speech, so a scene is
    # the same sound in every run and every tree a bench compares.
    seed = int.from_bytes(hashlib.sha256(np.asarray(speech, np.float64).tobytes()).digest()[:4], "little")
    parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({seed})")
    try:
        changed = call(sound, "Change gender", 75, 600, formant_ratio, pitch_hz, 1.6, 1.0)
    finally:
        parselmouth.praat.run("random_initializeSafelyAndUnpredictably ()")
    return np.asarray(changed.values[0], np.float64)


# --- the second infant model -------------------------------------------------------------------------

_INFANT_FORMANTS = ((1000.0, 250.0), (3000.0, 400.0), (4800.0, 600.0))  # (Hz, bandwidth): a tract of ~9 cm


def _glottal_source(f0: Signal, rng: np.random.Generator, jitter: float, shimmer: float) -> Signal:
    """Rosenberg-like pulses (open phase 60%), each period's length and height drawn anew."""
    out = np.zeros(f0.size)
    pos = 0
    while pos < f0.size:
        period = max(int(RATE / (f0[pos] * (1 + jitter * rng.standard_normal()))), 8)
        opening = int(period * 0.6)
        t = np.arange(opening) / max(opening, 1)
        pulse = np.where(t < 0.66, 0.5 * (1 - np.cos(np.pi * t / 0.66)), np.cos(np.pi * (t - 0.66) / 0.68))
        height = max(0.2, 1 + shimmer * rng.standard_normal())
        out[pos:pos + opening] += (pulse * height)[: f0.size - pos]
        pos += period
    return np.diff(out, prepend=0.0)  # the lips radiate the derivative


def _resonate(x: Signal, formants: tuple[tuple[float, float], ...]) -> Signal:
    """A cascade of two-pole resonators (the vocal tract), applied in the frequency domain."""
    spectrum = np.fft.rfft(x)
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(x.size, 1 / RATE) / RATE)
    for freq, width in formants:
        r = np.exp(-np.pi * width / RATE)
        a1, a2 = -2 * r * np.cos(2 * np.pi * freq / RATE), r * r
        spectrum = spectrum * (1 + a1 + a2) / (1 + a1 * z + a2 * z * z)
    return np.fft.irfft(spectrum, n=x.size)


def infant_sound(kind: str, rng: np.random.Generator) -> Signal:
    """One vocalisation of the glottal infant model: "coo", "babble", "fuss", "cry" or "growl" (a low, rough
    call at 170-280 Hz, inside a woman's pitch, through the same short tract: infants growl from about
    three months)."""
    length = {"coo": rng.uniform(0.4, 1.1), "babble": rng.uniform(0.6, 1.4), "fuss": rng.uniform(0.5, 1.3),
              "cry": rng.uniform(0.9, 2.0), "growl": rng.uniform(0.4, 1.0)}[kind]
    n = int(length * RATE)
    t = np.arange(n) / RATE
    base = {"coo": rng.uniform(300, 450), "babble": rng.uniform(320, 420), "fuss": rng.uniform(380, 500),
            "cry": rng.uniform(420, 560), "growl": rng.uniform(170, 280)}[kind]
    contour = 1 + 0.15 * np.sin(np.pi * t / length) ** 2 * (1 if kind != "fuss" else -1)
    f0 = base * contour * (1 + 0.03 * np.sin(2 * np.pi * rng.uniform(4, 7) * t))
    rough = kind in ("fuss", "cry", "growl")
    source = _glottal_source(f0, rng, 0.04 if rough else 0.012, 0.25 if rough else 0.08)
    if rough:  # breath and turbulence through a strained larynx
        source += rng.standard_normal(n) * 0.15 * float(np.std(source))
    shift = rng.uniform(0.9, 1.15)
    sound = _resonate(source, tuple((f * shift, w) for f, w in _INFANT_FORMANTS))
    envelope = np.sin(np.pi * t / length) ** 0.5
    if kind == "babble":  # canonical babble: consonant closures 3–4 times a second
        envelope *= 0.15 + 0.85 * (np.sin(2 * np.pi * rng.uniform(3, 4) * t) > -0.3)
    return _normalise(sound * envelope)


def infant_vocalisation(model: str, condition: str, rng: np.random.Generator) -> Signal:
    """One infant call of `model`; one in seven is a growl (this module's, whatever the model)."""
    return infant_call(model, condition, rng)[1]


def infant_call(model: str, condition: str, rng: np.random.Generator) -> tuple[str, Signal]:
    """(kind, sound) of one infant call of `model` (see infant_vocalisation)."""
    if rng.random() < 1 / 7:
        return "growl", infant_sound("growl", rng)
    if model == "coo":
        length = float(rng.uniform(0.35, 1.1))
        settings = VoiceSettings(infant_f0=float(rng.uniform(330, 480)))
        coo = infant_coo(length, settings, 48000, rng)
        return "coo", _normalise(_resample(coo, 48000, RATE))
    kinds = ("cry", "fuss", "cry", "coo") if condition == "crying-reverb" else ("coo", "babble", "coo", "fuss")
    kind = kinds[int(rng.integers(len(kinds)))]
    return kind, infant_sound(kind, rng)


# --- rooms --------------------------------------------------------------------------------------------

def reverberate(x: Signal, rt60: float, rng: np.random.Generator) -> Signal:
    """Convolve with a room's response: exponentially decaying noise reaching -60 dB after `rt60` s."""
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    response = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    response[0] = 4.0  # the direct sound
    size = x.size + n
    wet = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(response / np.sqrt(np.sum(response ** 2)), size), size)
    return np.asarray(wet[: x.size])


def broadcast(x: Signal) -> Signal:
    """A TV's sound: 300–3400 Hz through a small speaker, loudness-compressed."""
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(x.size, 1 / RATE)
    spectrum[(freqs < 300) | (freqs > 3400)] *= 0.03
    band = np.fft.irfft(spectrum, n=x.size)
    return np.tanh(band / (np.std(band) + 1e-9) * 0.8)


def _full_range(speech: Signal, rng: np.random.Generator) -> Signal:
    """A TV with a full-range speaker: the talk over a music bed 6-12 dB under it, 80-7000 Hz, compressed."""
    music = _music_bed(speech.size, rng)
    music *= np.std(speech) / max(float(np.std(music)), 1e-9) * 10 ** (-rng.uniform(6, 12) / 20)
    spectrum = np.fft.rfft(speech + music)
    freqs = np.fft.rfftfreq(speech.size, 1 / RATE)
    spectrum[(freqs < 80) | (freqs > 7000)] *= 0.05
    mixed = np.fft.irfft(spectrum, n=speech.size)
    return np.tanh(mixed / (np.std(mixed) + 1e-9) * 0.6)


def _music_bed(n: int, rng: np.random.Generator) -> Signal:
    """Chords of three or four notes (six harmonics each, 100-800 Hz), a new one every 1-2.5 s, and a soft beat."""
    out = np.zeros(n)
    pos = 0
    while pos < n:
        length = min(int(rng.uniform(1.0, 2.5) * RATE), n - pos)
        t = np.arange(length) / RATE
        root = 110 * 2 ** (rng.integers(0, 24) / 12)
        for step in (0, 4, 7, 12)[: int(rng.integers(3, 5))]:
            note = root * 2 ** (step / 12)
            for h in range(1, 7):
                out[pos:pos + length] += np.sin(2 * np.pi * note * h * t + rng.uniform(0, 6.3)) / h ** 1.5
        pos += length
    beat = np.zeros(n)
    period = int(RATE * 60 / rng.uniform(80, 130))
    for at in range(0, n - RATE // 10, period):
        beat[at:at + RATE // 10] += rng.standard_normal(RATE // 10) * np.exp(-np.arange(RATE // 10) / 300)
    return out / (np.std(out) + 1e-9) + beat * 0.5


def _pink(n: int, rng: np.random.Generator) -> Signal:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(spectrum.size, dtype=np.float64)
    freqs[0] = 1.0
    return np.fft.irfft(spectrum / np.sqrt(freqs), n=n)


def _normalise(x: Signal) -> Signal:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return x / peak if peak > 0 else x


def _snr(condition: str) -> float:
    return {"noisy-12db": 12.0, "snr-10db": 10.0, "snr-30db": 30.0, "tv": 20.0, "crying-reverb": 18.0}.get(
        condition, 25.0)


def mix_scene(scene: Scene, seconds: float) -> tuple[Signal, list[Event]]:
    """The scene's sound at RATE and who vocalised when."""
    rng = np.random.default_rng(scene.seed)
    n = int(seconds * RATE)
    tracks = {"adult": np.zeros(n), "infant": np.zeros(n), "other": np.zeros(n)}
    events: list[Event] = []

    def place(who: str, sound: Signal, at: float, gain: float, kind: str = "") -> float:
        start = int(at * RATE)
        if start >= n - RATE // 4:
            return at
        part = sound[: n - start]
        tracks[who][start:start + part.size] += part * gain
        events.append(Event(who, round(at, 4), round(at + part.size / RATE, 4), kind))
        return at + part.size / RATE

    sibling = scene.sibling
    t, speaker = 0.5, "infant" if rng.random() < 0.5 else "adult"
    while t < seconds - 1.0:
        if speaker == "adult" and scene.condition == "long-vowel" and rng.random() < 0.45:
            end = place("adult", mother_vowel(scene.source, rng), t, 0.5, "long-vowel")
        elif speaker == "adult":
            end = place("adult", adult_utterance(scene.source, rng), t, 0.5)
        else:
            kind, call = infant_call(scene.infant_model, scene.condition, rng)
            end = place("infant", call, t, 0.4, "growl" if kind == "growl" else "")
        if scene.condition == "sibling" and rng.random() < 0.35:
            end = place("other", toddler_utterance(sibling, rng), end + rng.uniform(0.3, 0.8), 0.45, "sibling")
        if rng.random() < 0.15:
            t = end + rng.uniform(3.5, 5.0)
            speaker = "infant" if rng.random() < 0.6 else "adult"
        else:
            overlap = scene.condition == "overlap" and rng.random() < 0.4
            t = end - rng.uniform(0.1, 0.3) if overlap else end + rng.uniform(0.25, 1.2)
            speaker = "infant" if speaker == "adult" else "adult"
    voice = tracks["adult"] + tracks["infant"] + tracks["other"]
    if scene.condition.startswith("reverb") or scene.condition == "crying-reverb":
        rt60 = float(scene.condition.split("-")[1]) if scene.condition.startswith("reverb") else 0.6
        voice = reverberate(voice, rt60, rng)
    active = np.abs(voice) > 1e-4
    power = float(np.mean(voice[active] ** 2)) if active.any() else 0.01
    if scene.condition == "tv":
        tv, spans = _tv_track(scene.tv, n, rng, power)
        voice = voice + tv
        events += spans
    noise = _pink(n, rng)
    noise *= np.sqrt(power / 10 ** (_snr(scene.condition) / 10) / float(np.mean(noise ** 2)))
    mix = voice + noise
    return mix / max(float(np.max(np.abs(mix))), 1.0) * 0.9, sorted(events, key=lambda e: e.start)


def _tv_track(source: Source, n: int, rng: np.random.Generator, power: float) -> tuple[Signal, list[Event]]:
    """Continuous talk from the TV, a few metres away (reverberant), 6 dB under the family's voices. Half the
    sets are small speakers with a broadcast band (broadcast); the other half a full-range speaker (bass
    down to 80 Hz) with a music bed under the talk (chords of harmonic tones, a soft beat), compressed."""
    out = np.zeros(n)
    pos = int(0.2 * RATE)
    spans = []
    while pos < n:
        speech = _speak(source, TV_PHRASES[int(rng.integers(len(TV_PHRASES)))])[: n - pos]
        out[pos:pos + speech.size] += speech
        spans.append(Event("other", round(pos / RATE, 4), round((pos + speech.size) / RATE, 4), "tv"))
        pos += speech.size + int(rng.uniform(0.2, 0.6) * RATE)
    tv = reverberate(broadcast(out) if rng.random() < 0.5 else _full_range(out, rng), 0.5, rng)
    return tv * np.sqrt(power / 4 / max(float(np.mean(tv ** 2)), 1e-12)), spans


def write_film(sound: Signal, out: Path, audio_bitrate: str = "96k") -> None:
    """A real film of the sound: a plain picture at 10 frames/s, the sound as AAC at 48 kHz."""
    pcm = (np.clip(sound, -1, 1) * 32767).astype("<i2").tobytes()
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
               "-f", "lavfi", "-i", f"color=c=0x907860:s=160x120:r=10:d={sound.size / RATE:.3f}",
               "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", audio_bitrate, "-ar", "48000", "-shortest", str(out)]
    subprocess.run(command, input=pcm, check=True, capture_output=True)


def render_scene(scene: Scene, out: Path, seconds: float = 30.0) -> list[Event]:
    """Write the scene as a film at `out`; returns its ground truth."""
    sound, events = mix_scene(scene, seconds)
    write_film(sound, out, "24k" if scene.condition == "aac-24k" else "96k")
    return events

