"""The review being edited (ReviewEditor), without Qt: its moments, the one worked on, and every change one
undo step, in the vault at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Sample, open_vault
from vigtool.domain.events import Event
from vigtool.domain.model import DEFAULT_PROMPT, ReviewItemKind
from vigtool.domain.time import FrameRange
from vigtool.services.importing import import_recording
from vigtool.services.review_editing import ReviewEditor
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace


@pytest.fixture
def film(tmp_path: Path, samples: dict[str, Sample]) -> tuple[Path, int]:
    """A vault holding one film with a clip (frames 10-40, "Looking up") and a still at frame 60."""
    with open_vault(tmp_path / "vault") as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        ws = Workspace(vault.repo, recording)
        ws.clips.add(FrameRange(10, 40), "Looking up")
        ws.stills.add(60)
        return tmp_path / "vault", recording.id


def editor_of(vault: Vault, recording_id: int) -> tuple[Workspace, ReviewEditor, list[Event]]:
    ws = Workspace(vault.repo, vault.repo.recordings.get(recording_id))
    editor = ReviewEditor(vault, ws)
    seen: list[Event] = []
    editor.events.connect(seen.append)
    return ws, editor, seen


def moments(editor: ReviewEditor) -> list[str]:
    return [row.label.split()[0] for row in editor.rows]


def test_the_review_lists_the_films_moments_in_film_order_and_the_first_is_worked_on(
        film: tuple[Path, int]) -> None:
    folder, recording_id = film
    with open_vault(folder, create=False) as vault:
        ws, editor, _seen = editor_of(vault, recording_id)
        assert moments(editor) == ["Clip", "Still"] and editor.current == 0
        clip, still = editor.rows
        assert clip.label.endswith("Looking up") and "(1.0 s)" in clip.label and (clip.first, clip.last) == (10, 39)
        assert (still.first, still.last) == (60, 60) and still.on_this_film
        assert clip.prompt == DEFAULT_PROMPT and clip.in_handout
        assert vault.repo.reviews.list(ws.recording.case_id) == []  # looking stores nothing; the first change does


def test_typing_a_prompt_key_by_key_is_one_undo_step_and_is_kept(film: tuple[Path, int]) -> None:
    folder, recording_id = film
    with open_vault(folder, create=False) as vault:
        ws, editor, seen = editor_of(vault, recording_id)
        editor.choose(1)
        sentence = "You waited, and your baby answered you."
        for end in range(1, len(sentence) + 1):
            editor.set_prompt(sentence[:end])
        assert editor.current == 1 and editor.current_row is not None and editor.current_row.prompt == sentence
        assert editor.rows[0].prompt == DEFAULT_PROMPT
        changes = [e for e in seen if e.kind == "rows_changed"]
        assert len(changes) == len(sentence) and all(e.payload["same_moments"] for e in changes)  # never rebuilt
        assert [e.kind for e in seen].count("current_changed") == 1  # only the choice of the still
        assert ws.undo_stack.undo_text == "Edit prompt"
        ws.undo()
        assert editor.rows[1].prompt == DEFAULT_PROMPT and editor.current == 1  # the whole sentence at once
        ws.redo()
    with open_vault(folder, create=False) as vault:  # in the vault already
        _ws, editor, _seen = editor_of(vault, recording_id)
        assert editor.rows[1].prompt == sentence


def test_the_moment_worked_on_goes_with_it_when_moved_and_after_an_undo(film: tuple[Path, int]) -> None:
    folder, recording_id = film
    with open_vault(folder, create=False) as vault:
        ws, editor, seen = editor_of(vault, recording_id)
        editor.choose(1)
        editor.move_current(-1)  # Earlier: the still first
        assert moments(editor) == ["Still", "Clip"] and editor.current == 0
        assert [e.payload["same_moments"] for e in seen if e.kind == "rows_changed"] == [False]
        editor.move_current(-1)  # already first: nothing happens, nothing is stored
        assert moments(editor) == ["Still", "Clip"] and ws.undo_stack.undo_text == "Reorder the review"
        editor.choose(1)
        editor.move(1, 0)  # the clip dragged back to the top while worked on
        assert moments(editor) == ["Clip", "Still"] and editor.current == 0
        ws.undo()
        assert moments(editor) == ["Still", "Clip"] and editor.current == 1  # still on the clip
        ws.undo()
        assert moments(editor) == ["Clip", "Still"] and editor.current == 0
        assert [i.kind for i in ws.review.session().items] == [ReviewItemKind.CLIP, ReviewItemKind.STILL]


def test_taking_out_and_adding_moments(film: tuple[Path, int]) -> None:
    folder, recording_id = film
    with open_vault(folder, create=False) as vault:
        ws, editor, _seen = editor_of(vault, recording_id)
        editor.remove_current()  # the clip goes; the still after it is worked on
        assert moments(editor) == ["Still"] and editor.current == 0
        late = ws.stills.add(100, "Her smile back")
        assert editor.add(ReviewItemKind.STILL, late.id)
        assert editor.current == 1 and editor.rows[1].label.endswith("Her smile back")  # ready for its prompt
        editor.choose(0)
        assert not editor.add(ReviewItemKind.STILL, late.id) and editor.current == 1  # there already: shown
        assert len(editor.rows) == 2
        editor.remove_current()
        editor.remove_current()
        assert editor.rows == [] and editor.current == -1 and editor.current_row is None
        editor.set_prompt("nothing to write on")  # no moment: nothing happens
        editor.move_current(1)
        for _ in range(5):  # two takes out, the add, the new still, the first take out
            ws.undo()
        assert moments(editor) == ["Clip", "Still"]


def test_the_handout_ticks_and_a_deleted_clip(film: tuple[Path, int]) -> None:
    folder, recording_id = film
    with open_vault(folder, create=False) as vault:
        ws, editor, _seen = editor_of(vault, recording_id)
        editor.set_in_handout(0, False)
        assert not editor.rows[0].in_handout and not ws.review.session().items[0].in_handout
        editor.set_in_handout(5, True)  # no such row: nothing
        clip_id = editor.rows[0].ref_id
        ws.clips.delete(clip_id)  # deleted in the clip bin: out of the review being edited too
        assert moments(editor) == ["Still"] and editor.current == 0
        ws.undo()
        assert moments(editor) == ["Clip", "Still"] and not editor.rows[0].in_handout
    with open_vault(folder, create=False) as vault:
        _ws, editor, _seen = editor_of(vault, recording_id)
        assert not editor.rows[0].in_handout and editor.rows[1].in_handout


def test_a_closed_editor_no_longer_follows_the_workspace(film: tuple[Path, int]) -> None:
    folder, recording_id = film
    with open_vault(folder, create=False) as vault:
        ws, editor, seen = editor_of(vault, recording_id)
        editor.close()
        ws.review.remove(0)
        assert seen == [] and moments(editor) == ["Clip", "Still"]
