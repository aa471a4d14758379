"""Turn-taking proposed from a recording's sound: decode, find vocalisations, derive turns and exchanges.

The result is a proposal for the practitioner to accept or reject on the suggestions lane; it never marks
anything by itself. Recordings without sound, silent ones and very short ones give an empty result with a
note saying why (not an error).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from vigtool.analysis.vocal_detect import ANALYSIS_RATE, AnalysisCancelledError, VocalDetector
from vigtool.domain.model import Actor, Recording
from vigtool.domain.suggestions import SuggestedTurn, Suggestion
from vigtool.domain.time import FrameRange
from vigtool.domain.vocal_turns import (
    DEFAULT_MAX_GAP,
    Exchange,
    Speaker,
    Turn,
    Vocalisation,
    VocalSummary,
    find_exchanges,
    find_turns,
    summarise_vocal,
)
from vigtool.media.errors import MediaError
from vigtool.media.heap import release_freed_memory
from vigtool.media.probe import FrameIndex, SeekableFile
from vigtool.media.sound import Cancelled, Progress, SoundCancelledError, open_mono
from vigtool.services.vault import Vault

_ACTORS = {Speaker.ADULT: Actor.PARENT, Speaker.INFANT: Actor.INFANT}
MIN_SECONDS = 1  # shorter than this, there is no turn-taking to find
SILENCE = 1e-4  # peak level below which a sound track is silent

__all__ = ["AnalysisCancelledError", "AnalysisResult", "analyse_file", "analyse_recording", "analyse_samples",
           "proposals", "suggest_turn_taking"]


@dataclass(frozen=True)
class AnalysisResult:
    rate: int  # samples per second of every time below
    vocalisations: list[Vocalisation]
    turns: list[Turn]
    exchanges: list[Exchange]
    summary: VocalSummary
    note: str = ""  # why the result is empty, when it is

    def to_json(self) -> dict[str, Any]:
        """The CLI's document: times in seconds of the recording (the only place seconds are used)."""
        def s(samples: int) -> float:
            return round(samples / self.rate, 3)
        return {
            "vocalisations": [{"speaker": v.speaker.value, "start": s(v.start), "end": s(v.end)}
                              for v in self.vocalisations],
            "turns": [{"from": t.initiator.value, "to": t.responder.value, "initiation": s(t.initiation),
                       "response": s(t.response), "latency": s(t.latency)} for t in self.turns],
            "exchanges": [{"started_by": e.started_by.value, "start": s(e.start), "end": s(e.end),
                           "turns": len(e.turns)} for e in self.exchanges],
            "summary": self.summary.to_json(),
            "note": self.note,
        }


_BLAS_THREAD_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                        "openblas_set_num_threads64_", "openblas_set_num_threads")


def one_blas_thread() -> bool:
    """Have numpy's OpenBLAS multiply matrices on this thread only; True if it took that.

    The detector's matrix products are small (2000 × 257 by 257 × 126 a context): a second BLAS thread
    only spins waiting for its share. On two shared cores that cost a quarter of the analysis' CPU time
    (bench/long_film.py's 10-minute film: 4.4 CPU-s, 3.4 on one thread) and the products come out the same.
    Process-wide, as OpenBLAS has it; nothing else in vigtool multiplies large matrices with numpy."""
    maps = Path("/proc/self/maps")  # the libraries loaded: OpenBLAS's name differs from build to build
    loaded = {line.split()[-1] for line in maps.read_text().splitlines()} if maps.exists() else set()
    found = False
    for path in sorted(p for p in loaded if "openblas" in p.lower() and p.startswith("/")):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _BLAS_THREAD_SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter.argtypes = [ctypes.c_int]
                setter(1)
                found = True
                break
    return found


def _empty(note: str) -> AnalysisResult:
    return AnalysisResult(ANALYSIS_RATE, [], [], [], summarise_vocal([], ANALYSIS_RATE), note)


class _SoundFacts:
    """How much sound there was and how loud it got, kept while the detector is fed piece by piece."""

    def __init__(self) -> None:
        self.samples = 0
        self.peak = 0.0

    def add(self, piece: np.ndarray) -> None:
        self.samples += piece.size
        if piece.size:
            self.peak = max(self.peak, float(np.max(np.abs(piece))))


def _result(detector: VocalDetector, facts: _SoundFacts, max_gap: Fraction, name: str) -> AnalysisResult:
    if facts.samples < MIN_SECONDS * ANALYSIS_RATE:
        return _empty(f"{name} is too short to find turn-taking in (under {MIN_SECONDS} s of sound)")
    if facts.peak < SILENCE:
        return _empty(f"{name} is silent: there is no sound to find turn-taking in")
    found = detector.finish()
    note = "" if found else f"No voices were found in {name}'s sound."
    return AnalysisResult(ANALYSIS_RATE, found, find_turns(found, ANALYSIS_RATE, max_gap),
                          find_exchanges(found, ANALYSIS_RATE, max_gap),
                          summarise_vocal(found, ANALYSIS_RATE, max_gap), note)


def analyse_samples(samples: np.ndarray, *, max_gap: Fraction = DEFAULT_MAX_GAP, progress: Progress | None = None,
                    cancelled: Cancelled | None = None, name: str = "the recording") -> AnalysisResult:
    """Analyse sound already in memory (mono, ANALYSIS_RATE): for short material and tests."""
    detector, facts = VocalDetector(cancelled), _SoundFacts()
    step = ANALYSIS_RATE * 20
    for first in range(0, samples.size, step):
        piece = samples[first:first + step].astype(np.float32)
        facts.add(piece)
        detector.feed(piece)
        if progress is not None:
            progress(min(first + step, samples.size), samples.size)
    return _result(detector, facts, max_gap, name)


def _analyse_handle(handle: SeekableFile, name: str, max_gap: Fraction, progress: Progress | None,
                    cancelled: Cancelled | None) -> AnalysisResult:
    """Decode the sound and feed the detector as it comes (20-s contexts): memory stays flat however long
    the film. `progress` goes from 0 to 100 with the sound decoded and analysed."""
    percent = None if progress is None else (lambda done, total: progress(done * 100 // max(total, 1), 100))
    one_blas_thread()
    try:
        sound = open_mono(handle, name, ANALYSIS_RATE, percent, cancelled)
        if sound is None:
            return _empty(f"{name} has no sound track: there is nothing to find turn-taking in")
        detector, facts = VocalDetector(cancelled), _SoundFacts()
        with sound:
            for piece in sound.pieces():
                facts.add(piece)
                detector.feed(piece)
    except SoundCancelledError as exc:
        raise AnalysisCancelledError(str(exc)) from exc
    release_freed_memory()  # the film's index (30 MB at 2 h), closed, before the whole film's voicing is joined
    result = _result(detector, facts, max_gap, name)
    if progress is not None:
        progress(100, 100)
    return result


def analyse_recording(vault: Vault, recording: Recording, *, max_gap: Fraction = DEFAULT_MAX_GAP,
                      progress: Progress | None = None, cancelled: Cancelled | None = None) -> AnalysisResult:
    """Analyse a film in the vault (decrypted as it is read; nothing written)."""
    with vault.open_film(recording) as handle:
        return _analyse_handle(handle, recording.source_name, max_gap, progress, cancelled)


def proposals(result: AnalysisResult, index: FrameIndex, recording_id: int) -> list[Suggestion]:
    """The exchanges found, as suggestions in frames of the film (its own timestamps: right for VFR)."""
    pts = np.asarray(index.pts)
    base = Fraction(index.time_base)

    def frame(sample: int) -> int:
        at = sample * base.denominator // (result.rate * base.numerator)  # in the film's time base, exactly
        return int(np.clip(np.searchsorted(pts, at, side="right") - 1, 0, len(index) - 1))

    made = []
    for exchange in result.exchanges:
        turns = tuple(SuggestedTurn(_ACTORS[v.speaker], FrameRange(frame(v.start), max(frame(v.end),
                                                                                      frame(v.start) + 1)))
                      for v in exchange.vocalisations)
        made.append(Suggestion(0, recording_id, FrameRange(turns[0].frames.start, max(t.frames.end for t in turns)),
                               turns, confidence=min(v.confidence for v in exchange.vocalisations)))
    return made


def suggest_turn_taking(vault: Vault, recording: Recording, *, max_gap: Fraction = DEFAULT_MAX_GAP,
                        progress: Progress | None = None, cancelled: Cancelled | None = None) \
        -> tuple[list[Suggestion], AnalysisResult]:
    """What the workspace puts on its Suggestions lane (run off the GUI thread: it takes a second or two)."""
    result = analyse_recording(vault, recording, max_gap=max_gap, progress=progress, cancelled=cancelled)
    return proposals(result, vault.repo.recordings.frame_index(recording.id), recording.id), result


def analyse_file(path: Path, *, max_gap: Fraction = DEFAULT_MAX_GAP, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> AnalysisResult:
    """Analyse a film outside any vault."""
    try:
        handle = path.open("rb")
    except FileNotFoundError as exc:
        raise MediaError(str(path), "does not exist") from exc
    except OSError as exc:
        raise MediaError(str(path), f"cannot be read ({exc.strerror})") from exc
    with handle:
        if path.stat().st_size == 0:
            raise MediaError(str(path), "is empty (0 bytes)")
        return _analyse_handle(handle, str(path), max_gap, progress, cancelled)
