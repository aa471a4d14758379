"""Turn-taking from sound against the generator's labelled evaluation set. Prints one JSON document.

    python bench/turns_accuracy.py [--seconds 60]

Each case of vigtool.synth.eval_set is rendered as a real recording (video and AAC sound, some portrait,
some HEVC), imported into a vault and analysed through the vault's decrypting reader, as the app does.
Per case and on average: vocalisation F1 (speaker must match, IoU >= 0.3) and turn F1 (direction must
match, response onset within 0.75 s), for vigtool's detector and for a naive energy+pitch baseline run on
the same decoded sound. Targets: turn F1 >= 0.90 and vocalisation F1 >= 0.85 on every case, well above the
baseline on the noisy ones. Speed: one case looped to ten minutes, analysed from the vault (target <= 10 s,
i.e. >= 60x real time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from storage.keys import KdfParams
from vigtool.analysis.scoring import score_turns, score_vocalisations
from vigtool.analysis.vocal_detect import ANALYSIS_RATE, naive_vocalisations
from vigtool.domain.vocal_turns import Speaker, Vocalisation, find_turns
from vigtool.media.sound import decode_mono
from vigtool.services.analysis import analyse_recording
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.eval_set import EVAL_CASES, NOISY, render_eval_case
from vigtool.synth.generator import GroundTruth, loop_recording

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault


def truth_of(truth: GroundTruth) -> list[Vocalisation]:
    return [Vocalisation(Speaker(v.speaker), round(v.start * ANALYSIS_RATE), round(v.end * ANALYSIS_RATE))
            for v in truth.vocalisations]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each case")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-turns-"))
    cases: dict[str, dict[str, float]] = {}
    with Vault.create(folder / "vault", PASSPHRASE, KdfParams(iterations=1, lanes=1, memory_cost_kib=8192)) as vault:
        for name in EVAL_CASES:
            path = folder / f"{name}.mp4"
            truth = truth_of(render_eval_case(name, path, args.seconds))
            recording = import_recording(vault, path, "Bench family").recording
            found = analyse_recording(vault, recording).vocalisations
            with vault.open_film(recording) as handle:
                sound = decode_mono(handle, name, ANALYSIS_RATE)
            assert sound is not None
            naive = naive_vocalisations(sound)
            truth_turns = find_turns(truth, ANALYSIS_RATE)
            cases[name] = {
                "vocalisation_f1": round(score_vocalisations(found, truth).f1, 3),
                "turn_f1": round(score_turns(find_turns(found, ANALYSIS_RATE), truth_turns, ANALYSIS_RATE).f1, 3),
                "baseline_vocalisation_f1": round(score_vocalisations(naive, truth).f1, 3),
                "baseline_turn_f1": round(score_turns(find_turns(naive, ANALYSIS_RATE), truth_turns,
                                                      ANALYSIS_RATE).f1, 3),
                "vocalisations": len(truth), "turns": len(truth_turns),
            }
        long_film = folder / "ten-minutes.mp4"
        loop_recording(folder / f"{next(iter(EVAL_CASES))}.mp4", long_film, max(1, round(600 / args.seconds)))
        recording = import_recording(vault, long_film, "Bench family").recording
        started = time.perf_counter()
        analyse_recording(vault, recording)
        seconds = time.perf_counter() - started
    duration = float(recording.duration)

    def mean(key: str, names: object = None) -> float:
        chosen = [c[key] for n, c in cases.items() if names is None or n in names]  # type: ignore[operator]
        return round(statistics.mean(chosen), 3)

    print(json.dumps({
        "cases": cases,
        "mean": {key: mean(key) for key in ("vocalisation_f1", "turn_f1", "baseline_vocalisation_f1",
                                            "baseline_turn_f1")},
        "mean_noisy": {key: mean(key, NOISY) for key in ("vocalisation_f1", "turn_f1", "baseline_vocalisation_f1",
                                                         "baseline_turn_f1")},
        "worst": {"vocalisation_f1": min(c["vocalisation_f1"] for c in cases.values()),
                  "turn_f1": min(c["turn_f1"] for c in cases.values())},
        "speed": {"recording_s": round(duration, 1), "analysis_s": round(seconds, 2),
                  "times_real_time": round(duration / seconds, 1)},
        "targets": {"turn_f1_each": 0.90, "vocalisation_f1_each": 0.85, "analysis_s_for_10_min": 10.0},
    }, indent=2))


if __name__ == "__main__":
    main()
