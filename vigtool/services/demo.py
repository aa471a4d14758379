"""The demo case: a synthetic film of a parent and a baby, with moments already marked.

Annotations come from the generator's ground truth, as a practitioner might have coded them: the baby's
sounds as initiatives, the parent's answers as receptions, joined in turn-taking chains.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

from storage.sealed_media import MediaKind
from vigtool.domain.model import (
    Actor,
    Case,
    Recording,
    ReviewItem,
    ReviewItemKind,
    TrackKind,
    TurnLink,
    TurnRole,
)
from vigtool.domain.time import FrameRange, seconds_to_frame
from vigtool.services import consent
from vigtool.services.consent import Purpose
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, render

DEMO_CASE = "Demo family"
DEMO_QUESTION = "We would like to enjoy playtime together more."
DEMO_SPEC = RecordingSpec(duration=24.0, width=640, height=360, seed=7)
# The demo vault holds only synthetic footage, so its passphrase is public: the demo opens without asking.
DEMO_PASSPHRASE = "demo vault (synthetic footage only)"  # noqa: S105 - public on purpose


@dataclass(frozen=True)
class DemoCase:
    case: Case
    recording: Recording


def ensure_demo_case(vault: Vault) -> DemoCase:
    """The demo case in this vault, made (film, import, annotations) the first time."""
    case = vault.repo.cases.find(DEMO_CASE)
    if case is not None:
        recordings = vault.repo.recordings.list(case.id)
        if recordings and vault.media.exists(recordings[0].media_id, MediaKind.FILM):
            return DemoCase(case, recordings[0])
    # The film is synthetic, so rendering it to a private temp folder before sealing it in is harmless.
    with tempfile.TemporaryDirectory(prefix="vigtool-demo-") as folder:
        film = Path(folder) / "demo-family.mp4"
        truth = render(DEMO_SPEC, film)
        result = import_recording(vault, film, DEMO_CASE)
    if result.duplicate:
        return DemoCase(result.case, result.recording)
    recording = result.recording
    _annotate(vault, recording, [(v.speaker, v.start, v.end) for v in truth.vocalisations])
    for person in ("Mother", "Baby (by mother)"):  # the demo family agreed to review and supervision
        consent.record_consent(vault, recording, person, [Purpose.REVIEW, Purpose.SUPERVISION],
                               recorded_by="Demo practitioner", given_on=date.today(), form_reference="DEMO-1")
    return DemoCase(result.case, recording)


def _annotate(vault: Vault, recording: Recording, vocalisations: list[tuple[str, float, float]]) -> None:
    repo = vault.repo
    tracks = {t.kind: t for t in repo.tracks.list(recording.id)}

    def frames(start: float, end: float) -> FrameRange:
        first = seconds_to_frame(Fraction(start).limit_denominator(1000), recording.rate)
        last = seconds_to_frame(Fraction(end).limit_denominator(1000), recording.rate)
        return FrameRange(first, max(last, first + 1)).clamped(recording.frame_count)

    previous = None
    chain: list[TurnLink] = []
    for speaker, start, end in vocalisations:
        if speaker == "infant":
            made = repo.annotations.add(tracks[TrackKind.INFANT].id, frames(start, end), "init.sound",
                                       Actor.INFANT, "Baby makes a sound")
        else:
            made = repo.annotations.add(tracks[TrackKind.PARENT].id, frames(start, end), "p3.5", Actor.PARENT,
                                       "Parent answers with warmth in the voice")
        answered = previous is not None and previous[0] != speaker and start - previous[1] <= 3.0
        if chain and answered:
            chain.append(TurnLink(made.id, TurnRole.RECEPTION if len(chain) == 1 else TurnRole.RESPONSE))
        else:
            if len(chain) > 1:
                repo.chains.add(recording.id, chain)
            chain = [TurnLink(made.id, TurnRole.INITIATIVE)]
        previous = (speaker, end)
    if len(chain) > 1:
        repo.chains.add(recording.id, chain)
    repo.annotations.add(tracks[TrackKind.NOTES].id, FrameRange.point(int(recording.rate * 3)), None, None,
                        "Lovely moment: baby looks up and parent smiles back")
    moment = FrameRange(int(recording.rate * 2), int(recording.rate * 9)).clamped(recording.frame_count)
    clip = repo.clips.add(recording.id, moment, "Taking turns", "You waited, and your baby answered you.")
    still = repo.stills.add(recording.id, moment.start + int(recording.rate), "Your baby is looking at you.")
    session = repo.reviews.add(recording.case_id, "First shared review")
    repo.reviews.save(session.with_item(
        ReviewItem(ReviewItemKind.CLIP, clip.id, "What do you notice your baby doing here?")).with_item(
        ReviewItem(ReviewItemKind.STILL, still.id, "What were you feeling at this moment?")))
