"""Turn-taking proposed from the sound: the rules for turns, the detector on the generator's labelled
recordings (real files, decoded through the vault), and recordings with nothing to find."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import PASSPHRASE, Sample, open_vault

from vigtool.analysis.scoring import score_turns, score_vocalisations
from vigtool.analysis.vocal_detect import ANALYSIS_RATE
from vigtool.domain.model import Actor, TrackKind
from vigtool.domain.suggestions import SuggestedTurn, Suggestion, SuggestionState, chain_turns
from vigtool.domain.time import FrameRange
from vigtool.domain.vocal_turns import Speaker, Vocalisation, find_exchanges, find_turns, summarise_vocal
from vigtool.media.errors import MediaError
from vigtool.services.analysis import analyse_file, analyse_recording, analyse_samples, suggest_turn_taking
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace
from vigtool.synth.eval_set import render_eval_case
from vigtool.synth.voices import _clatter, _pink_noise, _rattles

R = 1000  # samples per second in the hand-made examples
A, B = Speaker.ADULT, Speaker.INFANT  # adult, baby


def voc(speaker: Speaker, start: float, end: float) -> Vocalisation:
    return Vocalisation(speaker, round(start * R), round(end * R))


def test_a_turn_is_a_change_of_speaker_within_the_gap() -> None:
    script = [voc(B, 0, 1), voc(A, 2, 3),  # the parent answers after 1 s: a turn
              voc(A, 3.5, 4),  # the parent again: no turn
              voc(B, 7, 8),  # exactly 3 s later: still a turn
              voc(A, 11.001, 12),  # 3.001 s: too late
              voc(B, 20, 21)]
    turns = find_turns(script, R)
    assert [(t.initiator, t.responder, t.initiation, t.response, t.latency) for t in turns] == [
        (B, A, 0, 2000, 1000), (A, B, 3500, 7000, 3000)]
    assert find_turns(script, R, max_gap=Fraction(1, 2)) == []
    exchanges = find_exchanges(script, R)
    assert [(e.started_by, len(e.vocalisations), len(e.turns)) for e in exchanges] == [(B, 4, 2)]
    summary = summarise_vocal(script, R)
    # The baby began the exchange and later called once more unanswered: two initiatives, one received.
    assert (summary.infant_initiatives, summary.received_by_adult, summary.turns) == (2, 1, 2)
    assert summary.median_adult_latency == 1 and summary.median_infant_latency == 3
    assert summary.text() == ("1 possible moment of turn-taking to look at, from the sound (2 turns, 1 perhaps "
                              "begun by the baby; fairly sure who spoke). Nothing counts until you confirm it.")


def test_someone_elses_voice_is_in_no_turn() -> None:
    # A TV or a sibling talking between the baby and the parent neither answers nor is answered, and does
    # not break the exchange around it; the summary says it was set aside.
    other = Speaker.OTHER
    script = [voc(B, 0, 1), voc(other, 1.2, 1.8), voc(A, 2, 3), voc(other, 3.2, 5.2), voc(B, 5.5, 6),
              voc(other, 20, 21), voc(other, 21.5, 22)]
    assert [(t.initiator, t.responder) for t in find_turns(script, R)] == [(B, A), (A, B)]
    (exchange,) = find_exchanges(script, R)
    assert [v.speaker for v in exchange.vocalisations] == [B, A, B]
    summary = summarise_vocal(script, R)
    assert (summary.turns, summary.exchanges, summary.others) == (2, 1, 4)
    assert summary.text().endswith(" 4 other voices (a TV, another child?) in no turn.")
    alone = summarise_vocal([voc(other, 0, 2), voc(other, 2.5, 4)], R)
    assert alone.turns == 0 and alone.exchanges == 0 and "2 other voices" in alone.text()


def test_unconfirmed_suggestions_are_never_told_to_the_parent() -> None:
    # The detector is unsure of who spoke: what it says is offered to the practitioner as a possibility,
    # with its sureness, and no sentence addresses the parent ("your baby took …", "you received …").
    unsure = [Vocalisation(v.speaker, v.start, v.end, 0.3)
              for v in (voc(B, 0, 1), voc(A, 1.5, 2.5), voc(B, 3, 4), voc(A, 10, 11), voc(B, 11.5, 12))]
    summary = summarise_vocal(unsure, R)
    text = summary.text()
    assert "unsure who spoke" in text and text.startswith("2 possible moments")
    assert "your baby" not in text.lower() and "you received" not in text.lower() and "you answered" not in text
    assert summary.to_json()["confirmed"] is False and summary.to_json()["confidence"] == 0.3
    suggestion = Suggestion(0, 1, FrameRange(0, 30), (SuggestedTurn(Actor.INFANT, FrameRange(0, 10)),
                                                      SuggestedTurn(Actor.PARENT, FrameRange(12, 30))),
                            confidence=0.3)
    assert suggestion.note() == ("Suggested, to look at: perhaps 1 turn back and forth, seemingly begun by the "
                                 "baby (unsure who spoke)")


@pytest.mark.parametrize("case", ["high-voice-20db", "noisy-10db-high-voice", "father-hum-20db"])
def test_the_detector_finds_who_vocalised_and_the_turns(vault: Vault, tmp_path: Path, case: str) -> None:
    path = tmp_path / f"{case}.mp4"
    truth = [Vocalisation(Speaker(v.speaker), round(v.start * ANALYSIS_RATE), round(v.end * ANALYSIS_RATE))
             for v in render_eval_case(case, path, seconds=24, seed_offset=900).vocalisations]
    recording = import_recording(vault, path, "Family A").recording
    seen: list[tuple[int, int]] = []
    result = analyse_recording(vault, recording, progress=lambda done, total: seen.append((done, total)))
    assert score_vocalisations(result.vocalisations, truth).f1 >= 0.85
    assert score_turns(result.turns, find_turns(truth, ANALYSIS_RATE), ANALYSIS_RATE).f1 >= 0.9
    assert seen and seen[-1] == (100, 100) and seen == sorted(seen)  # progress only goes forward


def test_rattles_knocks_and_room_noise_are_not_voices() -> None:
    rng = np.random.default_rng(7)
    n = 20 * ANALYSIS_RATE
    noise = _pink_noise(n, rng) * 0.02 + _rattles(n, ANALYSIS_RATE, rng) * 0.1 + _clatter(n, ANALYSIS_RATE, rng) * 0.1
    t = np.arange(n) / ANALYSIS_RATE
    noise += 0.02 * (np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t))  # mains hum
    result = analyse_samples(noise.astype(np.float32))
    assert result.vocalisations == [] and result.turns == []


def test_nothing_to_find_is_a_valid_empty_result(samples: dict[str, Sample], tmp_path: Path) -> None:
    no_sound = analyse_file(samples["noaudio"].path)
    assert no_sound.vocalisations == [] and "no sound track" in no_sound.note
    assert no_sound.to_json()["summary"]["turns"] == 0
    silent = analyse_samples(np.zeros(5 * ANALYSIS_RATE, np.float32), name="quiet.mp4")
    assert silent.turns == [] and silent.note == "quiet.mp4 is silent: there is no sound to find turn-taking in"
    short = analyse_samples(np.ones(ANALYSIS_RATE // 2, np.float32) * 0.1, name="short.mp4")
    assert short.vocalisations == [] and "too short" in short.note
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match=r"empty\.mp4: is empty"):
        analyse_file(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("not a film at all")
    with pytest.raises(MediaError, match=r"notes\.mp4: cannot be opened"):
        analyse_file(text)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = f"import sys; from vigtool.cli import main; sys.exit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                          env={"VIGTOOL_PASSPHRASE": PASSPHRASE, "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(Path(__file__).parents[1])})


def test_cli_prints_one_json_document(tmp_path: Path, samples: dict[str, Sample]) -> None:
    path = tmp_path / "kitchen.mp4"
    truth = render_eval_case("kitchen-15db-hevc", path, seconds=20, seed_offset=901)
    done = _cli("analyse", str(path), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # exactly one JSON document on stdout
    assert set(document) >= {"vocalisations", "turns", "summary"}
    assert {v["speaker"] for v in document["vocalisations"]} == {"adult", "infant"}
    first = document["vocalisations"][0]
    assert abs(first["start"] - truth.vocalisations[0].start) < 0.2  # seconds of the recording
    assert all(set(t) >= {"from", "to", "initiation", "response"} for t in document["turns"])
    quiet = _cli("analyse", str(samples["noaudio"].path), "--json")
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["turns"] == []
    assert "no sound track" in quiet.stderr


def test_suggestions_are_accepted_dismissed_undone_and_remembered(tmp_path: Path) -> None:
    path = tmp_path / "film.mp4"
    render_eval_case("rattles-15db", path, seconds=60, seed_offset=902)
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, path, "Family A").recording
        proposals, result = suggest_turn_taking(vault, recording)
        assert len(proposals) == len(result.exchanges) >= 2
        assert all(p.turns[0].frames.start == p.frames.start for p in proposals)
        ws = Workspace(vault.repo, recording)
        ws.suggestions.suggest(proposals)
        lane = ws.tracks.of_kind(TrackKind.SUGGESTIONS)
        assert lane is not None and len(ws.layer.on_track(lane.id)) == len(proposals)
        first, second = sorted(ws.suggestions.values(), key=lambda s: s.frames.start)[:2]
        assert first.annotation_id is not None and ws.suggestions.at(first.annotation_id) == first
        note = ws.layer.get(first.annotation_id).note
        assert note.startswith("Suggested, to look at: perhaps") and "who spoke)" in note and "your" not in note

        chain = ws.suggestions.accept(first.id)  # Enter: it becomes the practitioner's own chain
        marks = [ws.layer.get(link.annotation_id) for link in chain.links]
        assert [m.actor for m in marks] == [t.actor for t in chain_turns(first.turns)]
        assert all(a.actor is not b.actor for a, b in itertools.pairwise(marks))  # partners alternate
        assert ws.chains.summary().turns >= 1
        ws.suggestions.dismiss(second.id)  # Delete
        assert len(ws.layer.on_track(lane.id)) == len(proposals) - 2
        states = {s.id: s.state for s in ws.suggestions.values()}
        assert states[first.id] is SuggestionState.ACCEPTED and states[second.id] is SuggestionState.DISMISSED

        ws.undo()
        ws.undo()  # both back on the lane, the chain gone
        assert len(ws.layer.on_track(lane.id)) == len(proposals) and not ws.chains
        ws.redo()
        ws.redo()
        assert len(ws.chains) == 1 and len(ws.layer.on_track(lane.id)) == len(proposals) - 2
        ws.suggestions.suggest(proposals)  # analysing again brings back neither the accepted nor the dismissed one
        assert len(ws.layer.on_track(lane.id)) == len(proposals) - 2
    with open_vault(tmp_path / "v", create=False) as vault:  # and all of it is in the vault
        again = Workspace(vault.repo, vault.repo.recordings.get(recording.id))
        assert {s.id: s.state for s in again.suggestions.values() if s.id in states} == states
        assert len(again.chains) == 1
