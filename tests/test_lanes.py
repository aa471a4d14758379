"""The current lane and someone else's lanes, without a window: where a code goes, what is refused, how
lanes are labelled."""

from __future__ import annotations

import pytest

from tests.conftest import Sample
from vigtool.domain.model import TrackKind
from vigtool.domain.time import FrameRange
from vigtool.services.importing import import_recording
from vigtool.services.lanes import LaneChoice, People, ReadOnlyLaneError, lane_labels
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace

ANNA = "ANNA-0000-0000-0000-0000"


def test_codes_go_to_their_lane_until_one_is_chosen(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    ws = Workspace(vault.repo, recording, People("Sam"))
    assert ws.lanes.current is None  # only my own lanes: each code to its own
    assert ws.layer.track(ws.marks.add("init.look", FrameRange.point(3)).track_id).kind is TrackKind.INFANT
    notes = ws.tracks.of_kind(TrackKind.NOTES)
    assert notes is not None
    ws.lanes.choose(notes.id)
    assert ws.marks.add("init.look", FrameRange.point(4)).track_id == notes.id
    assert ws.lanes.labels()[notes.id] == "Notes"  # no names while every lane is mine
    ws.undo()
    ws.lanes.choose(None)
    assert ws.marks.add("p3", FrameRange.point(4)).track_id == ws.tracks.for_code("p3").id


def test_someone_elses_lanes_are_labelled_and_refuse_changes(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    for track in vault.repo.tracks.list(recording.id):
        vault.repo.tracks.delete(track.id)
    mine = vault.repo.tracks.add(recording.id, "Supervision", TrackKind.CUSTOM)
    hers = vault.repo.tracks.add(recording.id, "Baby", TrackKind.INFANT, owner=ANNA)
    look = vault.repo.annotations.add(hers.id, FrameRange(10, 11), "init.look")
    who = People("Beth", {ANNA: "Anna"})
    ws = Workspace(vault.repo, recording, who)
    assert ws.lanes.current == mine.id  # a received film: my own lane
    assert ws.lanes.labels() == {mine.id: "Beth: Supervision", hers.id: "Anna: Baby"}
    assert ws.marks.add("init.look", FrameRange.point(5)).track_id == mine.id  # not her Baby lane
    assert ws.tracks.of_kind(TrackKind.INFANT) is None  # hers could not take a mark
    with pytest.raises(ReadOnlyLaneError, match="'Anna: Baby' holds Anna's marks"):
        ws.lanes.choose(hers.id)
    with pytest.raises(ReadOnlyLaneError):
        ws.marks.delete([look.id])
    [copy] = ws.marks.paste([look], 40)  # a copy of hers lands on my lane; hers stays
    assert (copy.track_id, copy.start, copy.code_id) == (mine.id, 40, "init.look")
    assert ws.layer.on_track(hers.id) == [look]
    ws.tracks.move(hers.id, 0)  # her lane may be moved up and down, and hidden: that changes no mark
    ws.tracks.set_visible(hers.id, False)
    assert lane_labels(vault.repo.tracks.list(recording.id), People("Beth"))[hers.id] == "someone else: Baby"


def test_without_a_lane_of_my_own_nothing_is_marked(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    for track in vault.repo.tracks.list(recording.id):
        vault.repo.tracks.delete(track.id)
    vault.repo.tracks.add(recording.id, "Parent", TrackKind.PARENT, owner=ANNA)
    ws = Workspace(vault.repo, recording, People("Beth", {ANNA: "Anna"}))
    assert ws.lanes.current is None
    with pytest.raises(LookupError, match="no lane of your own"):
        ws.marks.add("p3", FrameRange.point(2))
    assert LaneChoice(ws.layer).people.me == "You"


def test_on_my_own_film_with_her_comments_codes_still_go_to_their_lanes(vault: Vault,
                                                                         samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    comments = vault.repo.tracks.add(recording.id, "Supervision", TrackKind.CUSTOM, owner=ANNA)
    ws = Workspace(vault.repo, recording, People("Sam", {ANNA: "Dr Rivers"}))
    assert ws.lanes.current is None
    assert ws.layer.track(ws.marks.add("init.look", FrameRange.point(3)).track_id).kind is TrackKind.INFANT
    assert ws.layer.track(ws.marks.add("p3", FrameRange.point(3)).track_id).kind is TrackKind.PARENT
    assert ws.lanes.labels()[comments.id] == "Dr Rivers: Supervision"
