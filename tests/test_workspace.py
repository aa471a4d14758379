"""Workspace operations: each one step of undo, kept in the vault at once, and the same after reopening."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Sample, open_vault
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import DEFAULT_PROMPT, Actor, Annotation, ReviewItemKind, TrackKind, TurnRole
from vigtool.domain.time import FrameRange
from vigtool.services.importing import import_recording
from vigtool.services.marking import key_instant
from vigtool.services.workspace import Workspace


def state(ws: Workspace) -> tuple[object, ...]:
    """Everything a user could see of a workspace."""
    return (sorted((a.id, a.track_id, a.start, a.end, a.code_id, a.actor, a.note) for a in ws.layer),
            sorted((c.id, c.links) for c in ws.chains.values()),
            [(t.id, t.name, t.position, t.visible) for t in ws.layer.tracks],
            sorted((c.id, c.range) for c in ws.clips.values()), sorted((s.id, s.frame) for s in ws.stills.values()))


@pytest.fixture
def workspace_at(tmp_path: Path, samples: dict[str, Sample]) -> tuple[Path, int]:
    with open_vault(tmp_path / "vault") as vault:
        return tmp_path / "vault", import_recording(vault, samples["h264"].path, "Family A").recording.id


def reopened(folder: Path, recording_id: int) -> tuple[object, ...]:
    with open_vault(folder, create=False) as vault:
        return state(Workspace(vault.repo, vault.repo.recordings.get(recording_id)))


def test_every_edit_is_one_step_and_is_kept_at_once(workspace_at: tuple[Path, int]) -> None:
    folder, recording_id = workspace_at
    with open_vault(folder, create=False) as vault:
        ws = Workspace(vault.repo, vault.repo.recordings.get(recording_id))
        history = [state(ws)]
        look = ws.marks.add("init.look", FrameRange(30, 31))
        assert ws.layer.track(look.track_id).kind is TrackKind.INFANT and look.actor is Actor.INFANT
        history.append(state(ws))
        receive = ws.marks.add("p3", FrameRange(40, 55))
        assert ws.layer.track(receive.track_id).kind is TrackKind.PARENT
        history.append(state(ws))
        ws.marks.move([look.id, receive.id], 5)
        history.append(state(ws))
        ws.marks.resize(receive.id, FrameRange(45, 70))
        history.append(state(ws))
        for text in ("Mum", "Mum sm", "Mum smiles back"):  # typing: one step
            ws.marks.set_note(receive.id, text)
        history.append(state(ws))
        ws.tracks.add("Sibling")
        history.append(state(ws))
        ws.tracks.move(ws.layer.tracks[-1].id, 0)
        history.append(state(ws))
        ws.clips.add(FrameRange(30, 90), "Looking up")
        history.append(state(ws))
        ws.stills.add(47)
        history.append(state(ws))
        ws.marks.delete([look.id])
        history.append(state(ws))
        assert reopened(folder, recording_id) == history[-1]  # kept at once, nothing to save
        assert len(ws.undo_stack) == len(history) - 1
        for expected in reversed(history[:-1]):
            ws.undo()
            assert state(ws) == expected
            assert reopened(folder, recording_id) == expected
        for expected in history[1:]:
            ws.redo()
            assert state(ws) == expected  # the very same ids come back
        assert reopened(folder, recording_id) == history[-1]


def test_marks_stay_inside_the_film(workspace_at: tuple[Path, int]) -> None:
    folder, recording_id = workspace_at
    with open_vault(folder, create=False) as vault:
        ws = Workspace(vault.repo, vault.repo.recordings.get(recording_id))
        last = ws.recording.frame_count
        a = ws.marks.add("p1", FrameRange(last - 3, last))
        ws.marks.move([a.id], 50)
        assert ws.layer.get(a.id).range == FrameRange(last - 3, last)
        ws.marks.move([a.id], -10 * last)
        assert ws.layer.get(a.id).start == 0


def test_turn_taking_chains_and_their_summary(workspace_at: tuple[Path, int]) -> None:
    folder, recording_id = workspace_at
    with open_vault(folder, create=False) as vault:
        ws = Workspace(vault.repo, vault.repo.recordings.get(recording_id))
        rate = ws.recording.rate
        assert "No turn-taking" in ws.chains.summary().text()
        baby = ws.chains.mark_turn(Actor.INFANT, 10)
        mum = ws.chains.mark_turn(Actor.PARENT, 25)
        baby_again = ws.chains.mark_turn(Actor.INFANT, 40)
        chain = ws.chains.of(baby.id)
        assert chain is not None
        assert [link.role for link in chain.links] == [TurnRole.INITIATIVE, TurnRole.RECEPTION, TurnRole.RESPONSE]
        assert [link.annotation_id for link in chain.links] == [baby.id, mum.id, baby_again.id]
        assert chain.latencies({a.id: a for a in ws.layer}) == [15, 15]
        ws.chains.close()
        ws.chains.mark_turn(Actor.INFANT, 60)  # not received: the chain is closed before anyone answers
        ws.chains.close()
        ws.chains.mark_turn(Actor.PARENT, 80)
        ws.chains.mark_turn(Actor.PARENT, 90)  # the same partner again: a new chain, started by the parent
        summary = ws.chains.summary()
        assert (summary.from_baby, summary.baby_received, summary.from_parent) == (2, 1, 2)
        assert summary.text().startswith("2 initiatives from baby, 1 received")
        assert summary.median_latency == 15 / rate
        # Deleting the reception renumbers the chain; undo brings the chain back whole.
        before = state(ws)
        ws.marks.delete([mum.id])
        chain = ws.chains.of(baby.id)
        assert chain is not None
        assert [link.role for link in chain.links] == [TurnRole.INITIATIVE, TurnRole.RECEPTION]
        assert reopened(folder, recording_id) == state(ws)
        ws.undo()
        assert state(ws) == before == reopened(folder, recording_id)
        # Undoing turns takes them out of their chains, step by step.
        for _ in range(3):
            ws.undo()
        summary = ws.chains.summary()
        assert (summary.from_baby, summary.baby_received, summary.from_parent) == (1, 1, 0)
        assert reopened(folder, recording_id) == state(ws)


def test_a_codebook_change_is_undoable(workspace_at: tuple[Path, int]) -> None:
    folder, recording_id = workspace_at
    with open_vault(folder, create=False) as vault:
        ws = Workspace(vault.repo, vault.repo.recordings.get(recording_id))
        book = ws.codebook.copy()
        book.bind_key("p3.1", "N")
        ws.replace_codebook(book, "Bind N")
        assert vault.repo.codebook.load().code("p3.1").key == "N"
        ws.undo()
        assert vault.repo.codebook.load().code("p3.1").key is None
        assert ws.codebook.code("p3.1").key is None


def test_preparing_the_review_is_undoable_and_kept(workspace_at: tuple[Path, int]) -> None:
    folder, recording_id = workspace_at
    with open_vault(folder, create=False) as vault:
        ws = Workspace(vault.repo, vault.repo.recordings.get(recording_id))
        early = ws.clips.add(FrameRange(10, 40))
        still = ws.stills.add(60)
        session = ws.review.session()  # made the first time from the film's moments, in film order
        assert [(i.kind, i.ref_id) for i in session.items] == [(ReviewItemKind.CLIP, early.id),
                                                               (ReviewItemKind.STILL, still.id)]
        late = ws.clips.add(FrameRange(80, 120))
        assert ws.review.add(ReviewItemKind.CLIP, late.id) and not ws.review.add(ReviewItemKind.CLIP, late.id)
        ws.review.move(2, 0)
        for typed in ("W", "Wh", "Wha", "What did she do?"):  # typing a prompt: one step, not one per key
            ws.review.set_prompt(0, typed)
        ws.review.set_in_handout(1, False)
        steps = [ws.review.session()]
        assert [i.ref_id for i in steps[0].items] == [late.id, early.id, still.id]
        assert steps[0].items[0].prompt == "What did she do?" and not steps[0].items[1].in_handout
        ws.undo()
        assert ws.review.session().items[1].in_handout
        ws.undo()
        assert ws.review.session().items[0].prompt == DEFAULT_PROMPT  # the whole typing undone at once
        ws.undo()
        assert [i.ref_id for i in ws.review.session().items] == [early.id, still.id, late.id]
        for _ in range(3):
            ws.redo()
        assert ws.review.session() == steps[0]
        # Deleting a clip takes it out of the review; one undo brings back the clip and its place.
        ws.clips.delete(early.id)
        assert [i.ref_id for i in ws.review.session().items] == [late.id, still.id]
        ws.undo()
        assert ws.review.session() == steps[0]
    with open_vault(folder, create=False) as vault:  # all of it in the vault already
        again = Workspace(vault.repo, vault.repo.recordings.get(recording_id))
        assert again.review.session() == steps[0]


def test_the_session_reopens_where_the_practitioner_was_and_keeps_recent_vaults(tmp_path: Path) -> None:
    from vigtool.services.session import MemorySettings, SessionState  # noqa: PLC0415 - this test's own

    state = SessionState(MemorySettings())
    vault = tmp_path / "v"
    assert state.last_place(vault, [1, 2]) is None  # nothing remembered yet
    state.remember(vault, 2, 140)
    assert state.last_place(vault, [1, 2]) == (2, 140)
    assert state.last_place(tmp_path / "other", [1, 2]) is None  # another vault opens at its start
    assert state.last_place(vault, [1]) is None  # the film was destroyed since
    for n in range(10):
        state.add_recent_vault(tmp_path / f"v{n}")
    assert state.add_recent_vault(tmp_path / "v3")[:2] == [str(tmp_path / "v3"), str(tmp_path / "v9")]
    assert len(state.recent_vaults()) == 8


def test_in_out_and_the_chosen_clip_follow_one_rule() -> None:
    from vigtool.domain.model import Clip  # noqa: PLC0415 - this test's own
    from vigtool.services.marking import InOutMarks  # noqa: PLC0415

    marks, seen = InOutMarks(), []
    marks.events.connect(lambda e: seen.append((e.payload["in_frame"], e.payload["out_frame"])))
    early = Clip(1, 1, FrameRange(10, 40), caption="You waited.")
    late = Clip(2, 1, FrameRange(100, 130))
    assert marks.chosen_clip([early, late], playhead=20).clip == early  # the clip under the playhead
    assert marks.chosen_clip([early, late], playhead=60).clip == late  # else the last one made
    assert marks.chosen_clip([], playhead=60) is None
    marks.set_in(30)
    marks.set_out(20)  # out before in: in is cleared, never a backwards range
    assert marks.pair() == (None, 20) and marks.range is None
    marks.set_both(10, 39)
    chosen = marks.chosen_clip([early, late])
    assert chosen is not None and chosen.clip == early and chosen.caption == "You waited."
    marks.set_both(12, 20)  # a stretch of its own: no made-up clip, the frames only
    chosen = marks.chosen_clip([early, late])
    assert chosen is not None and chosen.clip is None and chosen.range == FrameRange(12, 21)
    assert chosen.pause_frame == 16
    marks.choose_clip(late)
    assert marks.pair() == (100, 129) and marks.chosen_clip([early]).clip == late  # type: ignore[union-attr]
    assert seen[-1] == (100, 129)


def test_the_key_instant_of_a_clip_is_what_was_marked_in_it() -> None:
    book = Codebook.built_in()
    frames = FrameRange(10, 50)

    def mark(mark_id: int, start: int, code: str | None, track: int = 1, actor: Actor | None = None) -> Annotation:
        return Annotation(mark_id, track, FrameRange.point(start), code, actor)

    look, receive = mark(1, 14, "init.look"), mark(2, 22, "p3")
    assert key_instant(frames, [receive, look], book) == 22  # the parent receiving, before the initiative
    assert key_instant(frames, [look, mark(3, 30, None, track=9, actor=Actor.PARENT)], book, turn_lane=9) == 30
    assert key_instant(frames, [look, mark(4, 40, "p5")], book) == 14  # an initiative before other codes
    assert key_instant(frames, [mark(4, 40, "p5"), mark(5, 55, "p3"), mark(6, 5, "p3")], book) == 40  # inside only
    assert key_instant(frames, [mark(7, 20, None)], book) is None  # a note alone: the middle, as before
