"""Supervision packages: only consented films, only for the named supervisor, signed by the practitioner;
comments come back without footage and merge beside her own marks, on lanes that are read-only."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Sample, give_consent, open_vault, vigtool
from pytestqt.qtbot import QtBot

from storage.identity import Identity
from storage.package import PackageError, PackageWriter
from storage.sealed_media import MediaKind
from ui.main_window import MainWindow
from vigtool.domain.consent import Purpose
from vigtool.domain.model import Actor, Recording, TrackKind
from vigtool.domain.time import FrameRange
from vigtool.media.errors import MediaError
from vigtool.services.agreement import agreement
from vigtool.services.consent import ConsentRefusedError
from vigtool.services.exporting import export_clip
from vigtool.services.importing import import_recording
from vigtool.services.lanes import set_my_name
from vigtool.services.supervision import (
    SUPERVISION_TRACK,
    merge_comments,
    open_for_supervision,
    send_comments,
    send_for_supervision,
)
from vigtool.services.vault import Vault


@dataclass
class People:
    practitioner: Vault
    supervisor: Vault
    stranger: Vault
    recording: Recording


@pytest.fixture
def people(tmp_path: Path, samples: dict[str, Sample]) -> Iterator[People]:
    with open_vault(tmp_path / "practitioner") as mine, open_vault(tmp_path / "supervisor") as hers, \
            open_vault(tmp_path / "stranger") as theirs:
        for vault, other in ((mine, hers), (hers, mine), (theirs, mine), (mine, theirs)):
            assert other.identity is not None
            vault.identities.add_contact(other.identity.public)  # key files swapped, fingerprints compared
        recording = import_recording(mine, samples["h264"].path, "Family A").recording
        parent = next(t for t in mine.repo.tracks.list(recording.id) if t.kind is TrackKind.PARENT)
        mine.repo.annotations.add(parent.id, FrameRange(10, 40), "p3.5", Actor.PARENT, "answers warmly")
        mine.repo.annotations.add(parent.id, FrameRange(60, 90), "p2.1", Actor.PARENT, "waits")
        yield People(mine, hers, theirs, recording)


def supervisor_of(people: People) -> Identity:
    assert people.supervisor.identity is not None
    return people.supervisor.identity


def test_only_consented_films_go_and_only_the_supervisor_opens_them(people: People, tmp_path: Path) -> None:
    out = tmp_path / "for-supervision.vigpkg"
    her = supervisor_of(people).public
    with pytest.raises(ConsentRefusedError, match="no consent is recorded"):
        send_for_supervision(people.practitioner, [people.recording], her, out)
    give_consent(people.practitioner, people.recording, Purpose.REVIEW)
    with pytest.raises(ConsentRefusedError, match="Mother has not consented to supervision"):
        send_for_supervision(people.practitioner, [people.recording], her, out)
    give_consent(people.practitioner, people.recording, Purpose.REVIEW, Purpose.SUPERVISION)
    send_for_supervision(people.practitioner, [people.recording], her, out)
    assert b"answers warmly" not in out.read_bytes() and b"ftyp" not in out.read_bytes()
    with pytest.raises(PackageError, match="is for someone else"):
        open_for_supervision(people.stranger, out)
    [received] = open_for_supervision(people.supervisor, out)
    practitioner = people.practitioner.identity
    assert practitioner is not None
    tracks = people.supervisor.repo.tracks.list(received.id)
    assert [(t.name, t.read_only) for t in tracks if t.name in ("Parent", SUPERVISION_TRACK)] == [
        (SUPERVISION_TRACK, False), ("Parent", True)]  # hers, owned by her fingerprint; the Supervision lane is mine
    assert {t.owner for t in tracks if t.read_only} == {practitioner.public.fingerprint}
    marks = people.supervisor.repo.annotations.list(received.id)
    assert sorted((m.start, m.end, m.code_id, m.note) for m in marks) == [
        (10, 40, "p3.5", "answers warmly"), (60, 90, "p2.1", "waits")]
    assert received.frame_count == people.recording.frame_count  # the whole film, readable in her vault
    with pytest.raises(ConsentRefusedError):  # read-only: hers to supervise, not to show or send on
        export_clip(people.supervisor, received, FrameRange(0, 10), tmp_path / "copy.mp4")
    assert open_for_supervision(people.supervisor, out) == [received]  # opening it again adds nothing


def _supervise(people: People, tmp_path: Path) -> tuple[Recording, Path]:
    give_consent(people.practitioner, people.recording)
    out = tmp_path / "for-supervision.vigpkg"
    send_for_supervision(people.practitioner, [people.recording], supervisor_of(people).public, out)
    [received] = open_for_supervision(people.supervisor, out)
    return received, out


def _comment(people: People, received: Recording, marks: list[tuple[int, int, str]], out: Path) -> Path:
    lane = next(t for t in people.supervisor.repo.tracks.list(received.id) if t.name == SUPERVISION_TRACK)
    for mark in people.supervisor.repo.annotations.list(received.id):
        if mark.track_id == lane.id:
            people.supervisor.repo.annotations.delete([mark.id])
    for start, end, code in marks:
        people.supervisor.repo.annotations.add(lane.id, FrameRange(start, end), code, Actor.PARENT, "lovely")
    return send_comments(people.supervisor, received, out)


def test_comments_come_back_and_merge_idempotently(people: People, tmp_path: Path) -> None:
    received, _ = _supervise(people, tmp_path)
    comments = _comment(people, received, [(12, 40, "p3.5"), (60, 80, "p2.2")], tmp_path / "comments.vigpkg")
    assert b"ftyp" not in comments.read_bytes() and comments.stat().st_size < 20_000  # no footage
    mine_before = people.practitioner.repo.annotations.list(people.recording.id)
    merged = merge_comments(people.practitioner, comments)
    assert merged.changed and merged.marks == 2 and merged.recording.id == people.recording.id
    [lane] = [t for t in people.practitioner.repo.tracks.list(people.recording.id) if t.read_only]
    assert (lane.name, lane.owner) == (SUPERVISION_TRACK, supervisor_of(people).public.fingerprint)
    assert merged.track_name == f"{supervisor_of(people).public.name}: {SUPERVISION_TRACK}"  # as it is labelled
    everything = people.practitioner.repo.annotations.list(people.recording.id)
    assert [a for a in everything if a.track_id != lane.id] == mine_before  # her own marks untouched
    again = merge_comments(people.practitioner, comments)
    assert not again.changed and people.practitioner.repo.annotations.list(people.recording.id) == everything
    report = agreement(people.practitioner, people.recording)  # the supervisor's lane and mine
    assert report.a.name == supervisor_of(people).public.name and report.a.track_ids == (lane.id,)
    assert report.result.overall.alike == 1 and report.result.overall.moments == 2  # p3.5 alike
    assert [p.codes() for p in report.result.differences] == [("p2.2", "p2.1")]  # the same moment, coded apart


def test_tampered_forged_and_replayed_packages_are_refused(people: People, tmp_path: Path) -> None:
    received, _ = _supervise(people, tmp_path)
    older = _comment(people, received, [(12, 40, "p3.5")], tmp_path / "first.vigpkg")
    newer = _comment(people, received, [(12, 40, "p3.5"), (60, 80, "p2.2")], tmp_path / "second.vigpkg")
    tampered = tmp_path / "tampered.vigpkg"
    data = bytearray(newer.read_bytes())
    data[len(data) // 2] ^= 1
    tampered.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="does not match its signature"):
        merge_comments(people.practitioner, tampered)
    assert people.stranger.identity is not None and people.practitioner.identity is not None
    uninvited = tmp_path / "uninvited.vigpkg"  # a contact, signing as himself, about a film he never got
    writer = PackageWriter.for_recipient(uninvited, people.stranger.identity, people.practitioner.identity.public,
                                         "comments", 2**61)
    writer.commit({"origin_recording": people.recording.id, "for": people.practitioner.identity.public.fingerprint,
                   "tracks": [], "annotations": []})
    with pytest.raises(PackageError, match="which was never sent to"):
        merge_comments(people.practitioner, uninvited)
    forged = tmp_path / "forged.vigpkg"  # the stranger claims to be the supervisor
    liar = people.stranger.identity
    liar.public = supervisor_of(people).public  # her name and keys in the header, his key signing
    writer = PackageWriter.for_recipient(forged, liar, people.practitioner.identity.public, "comments", 2**62)
    writer.commit({"origin_recording": people.recording.id, "for": people.practitioner.identity.public.fingerprint,
                   "tracks": [], "annotations": [{"start": 0, "end": 5, "code": None, "actor": None,
                                                  "note": "all wrong"}]})
    with pytest.raises(PackageError, match="does not match its signature"):
        merge_comments(people.practitioner, forged)
    assert merge_comments(people.practitioner, newer).marks == 2
    with pytest.raises(PackageError, match=r"older than the comments .* taken in on .*an old package sent again"):
        merge_comments(people.practitioner, older)


def test_from_the_command_line_and_in_the_window(tmp_path: Path, samples: dict[str, Sample], qtbot: QtBot) -> None:
    def run(vault: str, *args: str) -> subprocess.CompletedProcess[str]:
        return vigtool(*args, vault=Path(vault))

    mine, hers = str(tmp_path / "p"), str(tmp_path / "s")
    for vault, name in ((mine, "Practitioner"), (hers, "Supervisor")):
        assert run(vault, "init").returncode == 0
        assert run(vault, "identity", "export", "-o", str(tmp_path / f"{name}.json")).returncode == 0
    named = run(mine, "identity", "name", "  Sam  ")
    assert named.returncode == 0 and named.stdout.startswith("Sam: fingerprint")
    assert run(mine, "identity", "name", " ").returncode != 0
    assert run(mine, "contact", "add", str(tmp_path / "Supervisor.json"), "--name", "Supervisor").returncode == 0
    assert run(hers, "contact", "add", str(tmp_path / "Practitioner.json"), "--name", "Practitioner").returncode == 0
    assert run(mine, "import", str(samples["h264"].path), "--case", "Family A").returncode == 0
    assert run(mine, "consent", "set", "1", "--person", "Mother", "--purposes", "supervision").returncode == 0
    package = tmp_path / "sup.vigpkg"
    sent = run(mine, "package", "supervision", "1", "--to", "Supervisor", "-o", str(package))
    assert sent.returncode == 0, sent.stderr
    with open_vault(tmp_path / "s", create=False) as vault:  # she opens it in her own window
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.sharing.open_package_dialog(package)
        assert window.workspace is not None
        labels = window.workspace.lanes.labels()
        assert f"{vault.identity.public.name if vault.identity else ''}: {SUPERVISION_TRACK}" in labels.values()
        assert "Practitioner: Parent" in labels.values()  # her lanes named as she is known here
        lane = next(t for t in window.workspace.layer.tracks if t.name == SUPERVISION_TRACK)
        window.workspace.marks.add("p3.5", FrameRange(5, 30), track_id=lane.id)
        window.close()
    comments = tmp_path / "comments.vigpkg"
    assert run(hers, "package", "comments", "1", "-o", str(comments)).returncode == 0
    merged = run(mine, "package", "open", str(comments))
    assert merged.returncode == 0 and "Merged 1 mark(s)" in merged.stdout
    kappa = run(mine, "agreement", "1", "--hers", "Supervisor: Supervision", "--mine", "Parent", "--json")
    assert kappa.returncode == 0, kappa.stderr
    figures = json.loads(kappa.stdout)
    assert figures["a"]["name"] == "Supervisor: Supervision" and figures["overall"]["alike"] == 0
    assert figures["differences"][0]["b"] is None  # her p3.5 at 5–30, nothing of mine there
    default = run(mine, "agreement", "1")  # her lanes and mine, in words
    assert default.returncode == 0 and default.stdout.startswith("Supervisor and ")
    assert "Of 1 moment either of you marked, 0 marked by both" in default.stdout


def test_two_practitioners_films_are_told_apart_and_open_json_is_json(tmp_path: Path,
                                                                      samples: dict[str, Sample]) -> None:
    """Both send their recording 1; the supervisor sees whose each is (and nothing of the families), and
    `package open --json` prints one JSON document for what was taken in and what was merged."""
    sue, packages = tmp_path / "sue", {}
    with open_vault(sue) as hers:
        set_my_name(hers, "Sue Grey")
        assert hers.identity is not None
        for who, sample in (("Anna Berg", "h264"), ("Ben Cole", "hevc")):
            with open_vault(tmp_path / who.split()[0]) as mine:
                set_my_name(mine, who)
                assert mine.identity is not None
                mine.identities.add_contact(hers.identity.public)
                hers.identities.add_contact(mine.identity.public)
                recording = import_recording(mine, samples[sample].path, "Smith family").recording
                give_consent(mine, recording, Purpose.SUPERVISION)
                packages[who] = send_for_supervision(mine, [recording], hers.identity.public,
                                                     tmp_path / f"{who.split()[0]}.vigpkg")
    opened = {}
    for who, package in packages.items():
        taken = vigtool("package", "open", str(package), "--json", vault=sue)
        assert taken.returncode == 0, taken.stderr
        opened[who] = json.loads(taken.stdout)  # one JSON document on stdout, no prose
    assert [(d["kind"], d["from"]) for d in opened.values()] == [("supervision", "Anna Berg"),
                                                                ("supervision", "Ben Cole")]
    names = [d["recordings"][0]["file"] for d in opened.values()]
    assert names == ["Anna Berg, recording-1.mp4", "Ben Cole, recording-1.mp4"]
    assert not any("Smith" in n or "h264" in n or "hevc" in n for n in names)
    assert [d["recordings"][0]["frames"] for d in opened.values()] == [
        samples["h264"].truth.frame_count, samples["hevc"].truth.frame_count]
    comments = tmp_path / "comments.vigpkg"
    with open_vault(sue, create=False) as hers:
        send_comments(hers, hers.repo.recordings.get(opened["Ben Cole"]["recordings"][0]["recording"]), comments)
    merged = vigtool("package", "open", str(comments), "--json", vault=tmp_path / "Ben")
    assert merged.returncode == 0, merged.stderr
    document = json.loads(merged.stdout)
    assert (document["kind"], document["changed"], document["marks"]) == ("comments", True, 0)
    assert document["recording"]["recording"] == 1 and document["lane"] == f"Sue Grey: {SUPERVISION_TRACK}"


def test_each_film_is_opened_once_and_a_missing_one_stops_the_package_before_it_is_written(
        people: People, tmp_path: Path, samples: dict[str, Sample], monkeypatch: pytest.MonkeyPatch) -> None:
    mine = people.practitioner
    second = import_recording(mine, samples["portrait"].path, "Family A").recording
    for recording in (people.recording, second):
        give_consent(mine, recording)
    opened: list[int] = []
    real_open = mine.open_film

    def open_film(recording: Recording) -> object:
        opened.append(recording.id)
        return real_open(recording)

    monkeypatch.setattr(mine, "open_film", open_film)
    her = supervisor_of(people).public
    out = tmp_path / "both.vigpkg"
    send_for_supervision(mine, [people.recording, second], her, out)
    assert sorted(opened) == sorted([people.recording.id, second.id])  # once each: checked, then copied
    assert len(open_for_supervision(people.supervisor, out)) == 2
    mine.media.path_for(second.media_id, MediaKind.FILM).unlink()  # a film gone from the vault
    late = tmp_path / "late.vigpkg"
    with pytest.raises(MediaError, match="is missing from the vault"):
        send_for_supervision(mine, [people.recording, second], her, late)
    assert not late.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
