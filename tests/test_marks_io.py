"""Marks out to ELAN, BORIS, CSV/TSV, WebVTT and OpenTimelineIO and back in, checked with those tools' own
readers (pympi-ling, BORIS's project code, webvtt-py, opentimelineio) and ELAN's EAF 3.0 schema."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pympi
import pytest
import webvtt
import xmlschema
from conftest import open_vault, vigtool
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.qt_marks import LaneChooser
from vigtool.domain.model import Actor, Recording, TrackKind
from vigtool.domain.time import FrameRange
from vigtool.services.importing import import_recording
from vigtool.services.marks import MarksError, MarksFormatError, export_marks, import_marks
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace
from vigtool.synth.generator import RecordingSpec, render

RATE = Fraction(30000, 1001)  # NTSC: seconds are never whole numbers of milliseconds, so rounding shows


@pytest.fixture(scope="session")
def ntsc_film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ntsc") / "home visit 12 March.mp4"
    render(RecordingSpec(duration=3.0, rate=RATE, width=160, height=120), path)
    return path


@dataclass
class Coded:
    vault: Vault
    recording: Recording
    marks: list[tuple[str, int, int, str | None, str]]  # lane, start, end, code, note


MARKS = [  # a point, ranges, a note only, a note with a formula and a line break, words from other scripts
    ("Parent", 10, 11, "p3.5", "answers warmly"),
    ("Parent", 12, 40, "p2.1", ""),
    ("Parent", 41, 89, "p2.1", "=HYPERLINK(\"x\") waits again"),
    ("Baby", 5, 6, "init.look", ""),
    ("Baby", 30, 70, "init.sound", "coos — «ça»\nand smiles"),
    ("Notes", 80, 81, None, "+ a lovely moment, first time"),
]


def _code(vault: Vault, recording: Recording, marks: list[tuple[str, int, int, str | None, str]]) -> None:
    tracks = {t.name: t for t in vault.repo.tracks.list(recording.id)}
    for lane, start, end, code, note in marks:
        actor = {TrackKind.PARENT: Actor.PARENT, TrackKind.INFANT: Actor.INFANT}.get(tracks[lane].kind)
        vault.repo.annotations.add(tracks[lane].id, FrameRange(start, end), code, actor, note)


@pytest.fixture
def coded(tmp_path: Path, ntsc_film: Path) -> Iterator[Coded]:
    with open_vault(tmp_path / "mine") as vault:
        recording = import_recording(vault, ntsc_film, "Family A").recording
        _code(vault, recording, MARKS)
        yield Coded(vault, recording, MARKS)


@pytest.fixture
def other(tmp_path: Path, ntsc_film: Path) -> Iterator[tuple[Vault, Recording]]:
    """The same film in a supervisor's vault, with nothing marked yet."""
    with open_vault(tmp_path / "hers") as vault:
        yield vault, import_recording(vault, ntsc_film, "Family A").recording


def _marks_of(vault: Vault, recording: Recording) -> list[tuple[str, int, int, str | None, str]]:
    names = {t.id: t.name for t in vault.repo.tracks.list(recording.id)}
    return sorted((names[a.track_id], a.start, a.end, a.code_id, a.note) for a in vault.repo.annotations.list(
        recording.id))


@pytest.fixture(scope="session")
def eaf_schema(tmp_path_factory: pytest.TempPathFactory) -> xmlschema.XMLSchema:
    """ELAN's own EAF 3.0 schema, as pympi-ling's source distribution on PyPI ships it (not ours to commit)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vigtool-tests"
    xsd = cache / "EAFv3.0.xsd"
    if not xsd.exists():
        folder = tmp_path_factory.mktemp("pympi-sdist")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "pympi-ling==1.71", "-d", str(folder)], check=True, capture_output=True, timeout=120)
        archive = next(folder.glob("pympi*ling-1.71.tar.gz"))
        with tarfile.open(archive) as tar:
            member = tar.extractfile("pympi_ling-1.71/test/EAFv3.0.xsd")
            assert member is not None
            cache.mkdir(parents=True, exist_ok=True)
            xsd.write_bytes(member.read())
    return xmlschema.XMLSchema(str(xsd))


# -- each format, read by the tool that owns it ---------------------------------------------------------
def test_eaf_is_valid_elan_3_with_the_codebook_and_reads_in_pympi(coded: Coded, tmp_path: Path,
                                                                   eaf_schema: xmlschema.XMLSchema) -> None:
    out = tmp_path / "marks.eaf"
    done = export_marks(coded.vault, coded.recording, out)
    assert done.marks == len(MARKS)
    eaf_schema.validate(str(out))
    text = out.read_text(encoding="utf-8")
    assert 'VERSION="3.0"' in text and "home visit" not in text  # the film only by its pseudonym
    eaf = pympi.Elan.Eaf(str(out))
    assert {"Parent", "Baby", "Notes", "Turn-taking"} <= set(eaf.get_tier_names())
    parent = sorted(eaf.get_annotation_data_for_tier("Parent"))
    ms = [round(Fraction(f, 1) / RATE * 1000) for f in (10, 11)]
    book = coded.vault.repo.codebook.load()
    assert parent[0][:3] == (ms[0], ms[1], book.code("p3.5").label)
    cv = eaf.get_cv_entries("vig-codebook")
    assert cv["init.look"][0][0][0] == book.code("init.look").label  # CV_ENTRY_ML with the code's words
    notes = eaf.get_ref_annotation_data_for_tier("Parent · notes")
    assert [n[2] for n in sorted(notes)] == ["answers warmly", "=HYPERLINK(\"x\") waits again"]
    assert eaf.media_descriptors[0]["RELATIVE_MEDIA_URL"] == f"./recording-{coded.recording.id}.mp4"
    # Who is speaking travels as the tier's participant where a lane's marks all have one
    assert eaf.get_parameters_for_tier("Parent")["PARTICIPANT"] == "parent"
    assert eaf.get_parameters_for_tier("Baby")["PARTICIPANT"] == "infant"
    assert "PARTICIPANT" not in eaf.get_parameters_for_tier("Notes")


def test_boris_project_opens_in_borises_own_code(coded: Coded, tmp_path: Path) -> None:
    out = tmp_path / "marks.boris"
    export_marks(coded.vault, coded.recording, out)
    probe = subprocess.run([sys.executable, "-c", f"""
import json, sys
from boris import project_functions as pf, config as cfg
name, changed, pj, msg = pf.open_project_json({str(out)!r})
assert "error" not in pj, pj
problems = pf.check_project_integrity(pj, cfg.HHMMSS, name, media_file_available=False)
obs = pj[cfg.OBSERVATIONS]
(obs_id,) = obs
events = pf.events_start_stop(pj[cfg.ETHOGRAM], obs[obs_id][cfg.EVENTS], "MEDIA")
print(json.dumps({{"version": pj[cfg.PROJECT_VERSION], "problems": problems, "obs": obs_id,
                  "subjects": sorted(s["name"] for s in pj[cfg.SUBJECTS].values()),
                  "events": [[float(e[0]), e[1], e[2], e[-1]] for e in events]}}))
"""], capture_output=True, text=True, timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False)
    assert probe.returncode == 0, probe.stderr[-2000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["version"] == "7.0"
    assert "unpaired" not in seen["problems"].lower() and "not defined" not in seen["problems"]
    assert seen["obs"] == f"recording-{coded.recording.id}.mp4"
    assert {"Parent", "Baby", "Notes"} <= set(seen["subjects"])
    book = coded.vault.repo.codebook.load()
    waits = [e for e in seen["events"] if e[2] == book.code("p2.1").label]
    assert [(e[1], round(e[0] * float(RATE))) for e in waits] == [("Parent", 12), ("Parent", 40), ("Parent", 41),
                                                                   ("Parent", 89)]


def test_csv_and_tsv_rows_are_exact_and_spreadsheet_safe(coded: Coded, tmp_path: Path) -> None:
    for suffix, delimiter in ((".csv", ","), (".tsv", "\t")):
        out = tmp_path / f"marks{suffix}"
        export_marks(coded.vault, coded.recording, out)
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")), delimiter=delimiter))
        assert list(rows[0]) == ["track", "code_id", "code", "actor", "start_frame", "end_frame", "start_s",
                                 "end_s", "note"]
        assert len(rows) == len(MARKS)
        formula = next(r for r in rows if "HYPERLINK" in r["note"])
        assert formula["note"].startswith("'=")  # shown as text, never run
        assert next(r for r in rows if r["track"] == "Notes")["note"].startswith("'+")
        point = next(r for r in rows if r["code_id"] == "p3.5")
        assert (point["start_frame"], point["end_frame"], point["actor"]) == ("10", "11", "parent")
        assert Fraction(point["start_s"]) == Fraction(round(Fraction(10) / RATE * 10**6), 10**6)


def test_vtt_reads_back_in_webvtt_py(coded: Coded, tmp_path: Path) -> None:
    out = tmp_path / "notes.vtt"
    export_marks(coded.vault, coded.recording, out, tracks=["Notes", "Baby"])
    cues = webvtt.read(str(out))
    assert len(cues) == 3
    first = cues[0]
    assert first.start == "00:00:00.167"  # frame 5 at 29.97 fps
    assert "Looks towards" in first.text
    assert any("coos" in c.text and "smiles" in c.text for c in cues)


def test_otio_markers_carry_range_colour_note_and_code(coded: Coded, tmp_path: Path) -> None:
    out = tmp_path / "marks.otio"
    export_marks(coded.vault, coded.recording, out)
    timeline = otio.adapters.read_from_file(str(out))
    (clip,) = timeline.find_clips()
    assert clip.media_reference.target_url == f"recording-{coded.recording.id}.mp4"
    markers = {(m.metadata["vigtool"]["track"], m.marked_range.start_time.value): m for m in clip.markers}
    warm = markers[("Parent", 10)]
    assert warm.marked_range.duration.value == 1 and warm.comment == "answers warmly"
    assert warm.metadata["vigtool"]["code"] == "p3.5" and warm.color == "ORANGE"  # Receiving initiatives
    assert markers[("Parent", 12)].marked_range.duration.value == 28


# -- round trips -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".eaf", ".boris", ".csv", ".tsv", ".otio"])
def test_round_trip_keeps_every_mark(coded: Coded, other: tuple[Vault, Recording], tmp_path: Path,
                                     suffix: str) -> None:
    out = tmp_path / f"marks{suffix}"
    export_marks(coded.vault, coded.recording, out, tracks=["Parent", "Baby", "Notes"])
    hers, film = other
    workspace = Workspace(hers.repo, film)
    result = import_marks(workspace, hers, out)
    assert _marks_of(hers, film) == sorted(MARKS)
    assert result.problems == [] and result.empty_lanes == []
    # ELAN has no "note only" annotation: its value is the note, which matches no code and is kept as one.
    assert result.as_notes == (1 if suffix == ".eaf" else 0)
    if suffix != ".boris":  # BORIS has subjects, not our actors; the others keep who did it
        actors = {(a.start, a.actor) for a in hers.repo.annotations.list(film.id)}
        assert actors == {(a.start, a.actor) for a in coded.vault.repo.annotations.list(coded.recording.id)
                          if a.start in {m[1] for m in MARKS}}
    workspace.undo()  # the whole import is one step
    assert _marks_of(hers, film) == []
    workspace.redo()
    assert _marks_of(hers, film) == sorted(MARKS)


def test_import_into_lanes_that_hold_marks_keeps_them_apart(coded: Coded, tmp_path: Path) -> None:
    out = tmp_path / "mine.csv"
    export_marks(coded.vault, coded.recording, out, tracks=["Parent"])
    workspace = Workspace(coded.vault.repo, coded.recording)
    result = import_marks(workspace, coded.vault, out)
    assert result.new_lanes == ["Parent (imported)"]
    marks = _marks_of(coded.vault, coded.recording)
    assert sum(1 for m in marks if m[0] == "Parent") == 3 and sum(1 for m in marks if m[0] == "Parent (imported)") == 3
    workspace.undo()
    assert "Parent (imported)" not in {t.name for t in coded.vault.repo.tracks.list(coded.recording.id)}


ELAN_STYLE = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="supervisor" DATE="2026-11-30T10:00:00+01:00" FORMAT="3.0" VERSION="3.0">
    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
        <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/films/clip.mp4" MIME_TYPE="video/mp4"/>
    </HEADER>
    <TIME_ORDER>
        <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="334"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1001"/>
        <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1500"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="2002"/>
        <TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="2500"/><TIME_SLOT TIME_SLOT_ID="ts6" TIME_VALUE="9000"/>
        <TIME_SLOT TIME_SLOT_ID="ts7" TIME_VALUE="9500"/>
    </TIME_ORDER>
    <TIER LINGUISTIC_TYPE_REF="codes" PARTICIPANT="mother" TIER_ID="Mum">
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2" CVE_REF="c1">
            <ANNOTATION_VALUE>warm</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
            <ANNOTATION_VALUE>Waiting</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a5" TIME_SLOT_REF1="ts6" TIME_SLOT_REF2="ts7">
            <ANNOTATION_VALUE>Waiting</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    </TIER>
    <TIER LINGUISTIC_TYPE_REF="comments" PARENT_REF="Mum" TIER_ID="Mum comments">
        <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a3" ANNOTATION_REF="a2">
            <ANNOTATION_VALUE>gives him time</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    </TIER>
    <TIER LINGUISTIC_TYPE_REF="codes" TIER_ID="Baby">
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a4" TIME_SLOT_REF1="ts4" TIME_SLOT_REF2="ts5">
            <ANNOTATION_VALUE>init.smile</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    </TIER>
    <TIER LINGUISTIC_TYPE_REF="codes" TIER_ID="Empty tier"/>
    <LINGUISTIC_TYPE CONTROLLED_VOCABULARY_REF="sup-codes" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="codes"
        TIME_ALIGNABLE="true"/>
    <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="comments"
        TIME_ALIGNABLE="false"/>
    <LANGUAGE LANG_DEF="http://cdb.iso.org/lg/CDB-00130975-001" LANG_ID="eng" LANG_LABEL="English (eng)"/>
    <CONSTRAINT DESCRIPTION="1-1 association with a parent annotation" STEREOTYPE="Symbolic_Association"/>
    <CONTROLLED_VOCABULARY CV_ID="sup-codes">
        <CV_ENTRY_ML CVE_ID="c1"><CVE_VALUE LANG_REF="eng">Showing emotional warmth through intonation</CVE_VALUE>
        </CV_ENTRY_ML>
    </CONTROLLED_VOCABULARY>
</ANNOTATION_DOCUMENT>
"""


def test_an_elan_file_with_vocabulary_and_tiers_imports(other: tuple[Vault, Recording], tmp_path: Path,
                                                        eaf_schema: xmlschema.XMLSchema) -> None:
    path = tmp_path / "supervisor.eaf"
    path.write_text(ELAN_STYLE, encoding="utf-8")
    eaf_schema.validate(str(path))  # a file as ELAN writes it
    hers, film = other
    result = import_marks(Workspace(hers.repo, film), hers, path)
    marks = _marks_of(hers, film)
    # 334 ms is frame 10.01 → 10; 1001 ms → 30; the CV entry's words name the code; "Waiting" is p2.1's label.
    assert ("Mum", 10, 30, "p2.3", "") in marks
    assert ("Mum", 45, 60, "p2.1", "gives him time") in marks
    assert ("Baby", 60, 75, "init.smile", "") in marks
    assert len(marks) == 3  # the one at 9 s is past the film's 3 s
    assert any("a5" in p and "after the film ends" in p for p in result.problems)
    assert result.empty_lanes == ["Empty tier"] and "'Empty tier' had no marks" in result.summary()
    assert {a.actor for a in hers.repo.annotations.list(film.id) if a.code_id == "p2.3"} == {None}


# -- bad input, and what the CLI says ----------------------------------------------------------------------
@pytest.mark.parametrize(("name", "content", "says"), [
    ("broken.eaf", "<ANNOTATION_DOCUMENT VERSION='3.0'><HEADER>", "not well-formed XML"),
    ("other.eaf", "<html><body/></html>", "not an ELAN file"),
    ("future.eaf", "<ANNOTATION_DOCUMENT VERSION='9.1'/>", "version 9.1"),
    ("bomb.eaf", "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><ANNOTATION_DOCUMENT VERSION='3.0'/>", "DTD"),
    ("broken.boris", '{"observations": {', "not JSON (line 1"),
    ("future.boris", '{"project_format_version": "12.0", "behaviors_conf": {}, "observations": {}}', "12.0"),
    ("unknown.boris", json.dumps({"project_format_version": "7.0", "behaviors_conf": {},
                                  "observations": {"o": {"events": [[1.0, "", "jump", "", ""]]}}}), "'jump'"),
    ("unpaired.boris", json.dumps({"project_format_version": "7.0",
                                   "behaviors_conf": {"0": {"code": "run", "type": "State event"}},
                                   "observations": {"o": {"events": [[1.0, "", "run", "", ""]]}}}), "never stops"),
    ("noheader.csv", "1,2,3\n", "must name the columns"),
    ("badtime.csv", "track,start_s\nParent,soon\n", "line 2: 'soon' is not a time"),
    ("empty.csv", "", "is empty"),
    ("nothing.tsv", "track\tstart_frame\n", "nothing to import"),
    ("broken.otio", "{not json", "not an OpenTimelineIO file"),
    ("marks.txt", "hello", "the formats are"),
])
def test_bad_files_are_refused_naming_the_file_and_changing_nothing(
        other: tuple[Vault, Recording], tmp_path: Path, name: str, content: str, says: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    hers, film = other
    workspace = Workspace(hers.repo, film)
    with pytest.raises((MarksFormatError, MarksError)) as refused:
        import_marks(workspace, hers, path)
    assert str(path) in str(refused.value) and says in str(refused.value)
    assert _marks_of(hers, film) == [] and len(workspace.undo_stack) == 0


def test_a_huge_file_or_a_pipe_is_refused_before_reading(other: tuple[Vault, Recording], tmp_path: Path) -> None:
    hers, film = other
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(65 * 1024 * 1024)
    pipe = tmp_path / "pipe.eaf"
    os.mkfifo(pipe)
    for path, says in ((huge, "a marks file is far smaller"), (pipe, "not a file")):
        with pytest.raises(MarksFormatError, match=says):
            import_marks(Workspace(hers.repo, film), hers, path)


def test_boris_refuses_a_code_overlapping_itself(coded: Coded, tmp_path: Path) -> None:
    _code(coded.vault, coded.recording, [("Parent", 30, 50, "p2.1", "")])
    with pytest.raises(ValueError, match="overlap"):
        export_marks(coded.vault, coded.recording, tmp_path / "x.boris")
    assert not (tmp_path / "x.boris").exists()


def test_cli_export_import_overwrite_and_log(coded: Coded, other: tuple[Vault, Recording], tmp_path: Path) -> None:
    coded.vault.close()
    out = tmp_path / "marks.eaf"
    made = vigtool("marks", "export", str(coded.recording.id), "-o", str(out), vault=coded.vault.path)
    assert made.returncode == 0, made.stderr
    assert "6 mark(s)" in made.stderr and "in the clear" in made.stderr
    before = out.read_bytes()
    again = vigtool("marks", "export", str(coded.recording.id), "-o", str(out), vault=coded.vault.path)
    assert again.returncode == 1 and "already a file" in again.stderr and out.read_bytes() == before
    replaced = vigtool("marks", "export", str(coded.recording.id), "-o", str(out), "--tracks", "Baby",
                       "--overwrite", vault=coded.vault.path)
    assert replaced.returncode == 0 and out.read_bytes() != before
    with open_vault(coded.vault.path, create=False) as vault:
        logged = [e for e in vault.exports.entries() if e.kind == "marks"]
        assert [e.detail["marks"] for e in logged] == [6, 2]
        assert logged[0].detail["format"] == "ELAN"
    hers, film = other
    hers.close()
    taken = vigtool("marks", "import", str(film.id), str(out), "--track", "Supervisor (ELAN)", vault=hers.path)
    assert taken.returncode == 0, taken.stderr
    assert "2 mark(s) on 'Supervisor (ELAN)'" in taken.stderr
    broken = tmp_path / "broken.eaf"
    broken.write_text("<x", encoding="utf-8")
    failed = vigtool("marks", "import", str(film.id), str(broken), vault=hers.path)
    assert failed.returncode == 1 and str(broken) in failed.stderr and "Traceback" not in failed.stderr


def test_unknown_lane_named(coded: Coded, tmp_path: Path) -> None:
    with pytest.raises(MarksError, match="no lane 'Grandma'"):
        export_marks(coded.vault, coded.recording, tmp_path / "x.csv", tracks=["Grandma"])



# -- in the window ---------------------------------------------------------------------------------------
def test_window_exports_chosen_lanes_and_imports_as_one_undo_step(qtbot: QtBot, coded: Coded, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    window = MainWindow(coded.vault, restore_state=False)
    qtbot.addWidget(window)
    window.show()
    window.open_recording(coded.recording.id)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=5000)
    out = tmp_path / "for ELAN.eaf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), "ELAN (*.eaf)"))
    seen: list[list[str]] = []

    def untick_notes_and_go() -> None:
        chooser = next((w for w in QApplication.topLevelWidgets() if isinstance(w, LaneChooser) and w.isVisible()),
                       None)
        if chooser is None:  # not shown yet
            QTimer.singleShot(50, untick_notes_and_go)
            return
        ticked = chooser.chosen()
        seen.append(ticked)
        notes = chooser.lanes.findItems("Notes  (1 mark)", Qt.MatchFlag.MatchExactly)[0]
        notes.setCheckState(Qt.CheckState.Unchecked)
        chooser.choose.click()

    QTimer.singleShot(200, untick_notes_and_go)
    action = next(a for a in window.actions() if a.text().startswith("E&xport marks"))
    action.trigger()
    assert seen == [["Parent", "Baby", "Turn-taking", "Notes"]]  # every lane but Suggestions, to start with
    assert str(out) in window.statusBar().currentMessage()
    eaf = pympi.Elan.Eaf(str(out))
    assert "Notes" not in eaf.get_tier_names() and len(eaf.get_annotation_data_for_tier("Baby")) == 2

    ws = window.workspace
    assert ws is not None
    before = len(list(ws.layer))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(out), ""))
    next(a for a in window.actions() if a.text().startswith("I&mport marks")).trigger()
    assert len(list(ws.layer)) == before + 5
    assert {t.name for t in ws.layer.tracks} >= {"Parent (imported)", "Baby (imported)"}
    assert "Ctrl+Z" in window.statusBar().currentMessage()
    window.activateWindow()  # the lane chooser had it; offscreen there is no window manager to give it back
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(list(ws.layer)) == before
    assert "Parent (imported)" not in {t.name for t in ws.layer.tracks}
    window.close()
