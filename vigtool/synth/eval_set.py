"""A labelled evaluation set for turn-taking from sound: several voices, rooms from quiet to noisy
(10–30 dB SNR, hum, swelling noise, rattles, clatter), and the phone variants (portrait, HEVC).

Each case is an ordinary synthetic recording (vigtool.synth.generator) whose script of who vocalised when
is the ground truth. The seeds here are not the ones the detector was tuned on.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vigtool.synth.generator import GroundTruth, RecordingSpec, render
from vigtool.synth.voices import VoiceSettings

EVAL_SECONDS = 60.0
EVAL_CASES: dict[str, RecordingSpec] = {
    "mother-quiet-30db": RecordingSpec(voices=VoiceSettings(adult_f0=210, snr_db=30), seed=101),
    "father-hum-20db": RecordingSpec(voices=VoiceSettings(adult_f0=115, infant_f0=380, snr_db=20, hum=True),
                                     seed=102),
    "high-voice-20db": RecordingSpec(voices=VoiceSettings(adult_f0=300, infant_f0=420, snr_db=20), seed=103),
    "kitchen-15db-hevc": RecordingSpec(voices=VoiceSettings(adult_f0=230, infant_f0=450, snr_db=15, swell=True,
                                                            clatter=True), codec="hevc", seed=104),
    "rattles-15db": RecordingSpec(voices=VoiceSettings(adult_f0=240, snr_db=15, rattles=True, clatter=True),
                                  seed=105),
    "noisy-10db-portrait": RecordingSpec(voices=VoiceSettings(adult_f0=195, infant_f0=460, snr_db=10, hum=True,
                                                              swell=True, rattles=True),
                                         width=240, height=320, rotation=90, seed=106),
    "noisy-10db-high-voice": RecordingSpec(voices=VoiceSettings(adult_f0=290, infant_f0=400, snr_db=10, hum=True,
                                                                swell=True, rattles=True, clatter=True), seed=107),
}
NOISY = {name for name, spec in EVAL_CASES.items() if spec.voices.snr_db <= 15}


def render_eval_case(name: str, out: Path, seconds: float = EVAL_SECONDS, seed_offset: int = 0) -> GroundTruth:
    spec = EVAL_CASES[name]
    return render(replace(spec, duration=seconds, seed=spec.seed + seed_offset), out)
