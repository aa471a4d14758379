"""The command line end to end, as a user runs it: a real process, a real vault folder."""

from __future__ import annotations

import getpass
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import PASSPHRASE, Sample, ffmpeg_frame, open_vault, psnr, vigtool

from vigtool.domain.model import ReviewItemKind
from vigtool.domain.time import FrameRange
from vigtool.services import review
from vigtool.services.demo import DEMO_PASSPHRASE
from vigtool.synth.stamp import read_stamp


def allow(vault: Path, python_prelude: str = "") -> None:
    """The family's consent to the shared review, recorded as a practitioner does it on the command line."""
    for person in ("Mother", "Baby (by mother)"):
        done = vigtool("consent", "set", "1", "--person", person, "--purposes", "review", "--form", "F-1",
                       vault=vault, python_prelude=python_prelude)
        assert done.returncode == 0, done.stderr


def new_vault(path: Path) -> Path:
    result = vigtool("init", vault=path)
    assert result.returncode == 0, result.stderr
    return path


@pytest.mark.parametrize("name", ["h264", "hevc", "portrait", "vfr", "noaudio"])
def test_import_json_reports_each_variant(tmp_path: Path, samples: dict[str, Sample], name: str) -> None:
    sample = samples[name]
    result = vigtool("import", str(sample.path), "--case", "Family A", "--json", vault=new_vault(tmp_path / "v"))
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)  # exactly one JSON document on stdout
    truth = sample.truth
    assert entry["frames"] == truth.frame_count
    assert entry["fps"] == f"{truth.rate.numerator}/{truth.rate.denominator}"
    assert entry["rotation"] == truth.rotation
    assert entry["has_audio"] is truth.has_audio
    assert entry["case"] == "Family A"
    assert len(entry["sha256"]) == 64
    assert abs(entry["duration_s"] - (truth.frame_times[-1] + 1 / 30)) < 0.05
    listed = json.loads(vigtool("list", "--json", vault=tmp_path / "v").stdout)
    assert listed[0]["recordings"][0]["recording"] == entry["recording"]


@pytest.mark.parametrize("name", ["h264", "hevc", "portrait", "vfr"])
def test_still_is_the_exact_frame_in_display_orientation(tmp_path: Path, samples: dict[str, Sample],
                                                        name: str) -> None:
    sample = samples[name]
    assert vigtool("import", str(sample.path), "--case", "F", vault=new_vault(tmp_path / "v")).returncode == 0
    allow(tmp_path / "v")
    for frame in (0, 37, 61, sample.truth.frame_count - 1):
        out = tmp_path / f"still-{frame}.png"
        result = vigtool("still", "1", "--frame", str(frame), "-o", str(out), vault=tmp_path / "v")
        assert result.returncode == 0, result.stderr
        ours = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
        reference = ffmpeg_frame(sample.path, frame)
        assert ours.shape == reference.shape
        assert read_stamp(ours) == frame
        assert psnr(ours, reference) >= 35


def test_still_by_file_name_and_out_of_range(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vigtool("import", str(samples["h264"].path), "--case", "F", vault=new_vault(tmp_path / "v"))
    allow(tmp_path / "v")
    out = tmp_path / "s.jpg"
    assert vigtool("still", "h264.mp4", "--frame", "3", "-o", str(out), vault=tmp_path / "v").returncode == 0
    assert read_stamp(cv2.imread(str(out))) == 3
    other = tmp_path / "s2.jpg"  # (`out` exists now: it would be kept, unless --overwrite)
    result = vigtool("still", "1", "--frame", "120", "-o", str(other), vault=tmp_path / "v")
    assert result.returncode == 1 and "no frame 120" in result.stderr
    result = vigtool("still", "nothing-like-it", "--frame", "1", "-o", str(other), vault=tmp_path / "v")
    assert result.returncode == 1 and "no recording 'nothing-like-it'" in result.stderr


def test_bad_files_are_refused_and_nothing_is_stored(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault = new_vault(tmp_path / "v")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a film at all\n" * 100)
    folder = tmp_path / "a-folder.mp4"
    folder.mkdir()
    bad = {empty: "is empty", notes: "is not a video", folder: "is a folder",
           samples["truncated"].path: "is cut short", tmp_path / "missing.mp4": "does not exist"}
    for path, message in bad.items():
        result = vigtool("import", str(path), "--case", "Family A", "--json", vault=vault)
        assert result.returncode == 1
        assert f"{path}: {message}" in result.stderr
        assert json.loads(result.stdout) == []
    assert json.loads(vigtool("list", "--json", vault=vault).stdout) == []  # not even the case was made
    assert list((vault / "media").iterdir()) == []  # and no film, whole or partial


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_refused(tmp_path: Path, samples: dict[str, Sample]) -> None:
    locked = tmp_path / "locked.mp4"
    locked.write_bytes(samples["h264"].path.read_bytes())
    locked.chmod(0)
    result = vigtool("import", str(locked), "--case", "F", vault=new_vault(tmp_path / "v"))
    assert result.returncode == 1 and "permission denied" in result.stderr


def test_a_good_file_among_bad_ones_is_imported_once(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault = new_vault(tmp_path / "v")
    good = str(samples["noaudio"].path)
    result = vigtool("import", good, str(samples["truncated"].path), good, "--case", "F", "--json", vault=vault)
    assert result.returncode == 1
    first, again = json.loads(result.stdout)
    assert first["recording"] == again["recording"] and again["duplicate"] is True
    assert "already in the vault" in result.stderr


def test_list_and_still_need_a_vault(tmp_path: Path) -> None:
    result = vigtool("list", vault=tmp_path / "nowhere")
    assert result.returncode == 1 and "no vigtool vault here" in result.stderr
    result = vigtool("import", str(tmp_path / "x.mp4"), "--case", "F", vault=tmp_path / "nowhere")
    assert result.returncode == 1 and "run 'vigtool init' first" in result.stderr
    assert not (tmp_path / "nowhere").exists()
    assert vigtool("init", vault=tmp_path / "new").returncode == 0
    assert vigtool("list", vault=tmp_path / "new").stdout.startswith("This vault has no cases yet")
    again = vigtool("init", vault=tmp_path / "new")
    assert again.returncode == 1 and "already a vault here" in again.stderr


def test_init_puts_the_name_given_on_the_key_card(tmp_path: Path) -> None:
    made = vigtool("init", "--name", "  Anna   Berg ", vault=tmp_path / "v", env={"VIGTOOL_NAME": ""})
    assert made.returncode == 0, made.stderr
    assert "Your key card carries your name: Anna Berg." in made.stderr
    card = tmp_path / "anna.json"
    assert vigtool("identity", "export", "-o", str(card), vault=tmp_path / "v").stdout.startswith("Anna Berg: ")
    assert json.loads(card.read_text())["name"] == "Anna Berg"
    empty = vigtool("init", "--name", " ", vault=tmp_path / "w")
    assert empty.returncode == 1 and "--name cannot be empty" in empty.stderr and not (tmp_path / "w").exists()


def test_init_asks_for_your_name_in_a_terminal(tmp_path: Path) -> None:
    """As the window does at its first start; the passphrase comes from the environment here."""
    leader, follower = pty.openpty()
    code = f"import sys; from vigtool.cli import main; sys.exit(main(['--vault', {str(tmp_path / 'v')!r}, 'init']))"
    child = subprocess.Popen([sys.executable, "-c", code], stdin=follower, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "VIGTOOL_PASSPHRASE": PASSPHRASE, "VIGTOOL_NAME": ""})
    os.close(follower)
    os.write(leader, b"Ben Cole\n")
    out, err = child.communicate(timeout=120)
    os.close(leader)
    assert child.returncode == 0, err
    assert out.startswith("Your name, as your partners will see it on your key card")
    shown = vigtool("identity", "show", vault=tmp_path / "v")
    assert shown.stdout.startswith("Ben Cole: fingerprint")


def test_init_without_a_terminal_says_how_to_give_your_name(tmp_path: Path) -> None:
    made = vigtool("init", vault=tmp_path / "v", env={"VIGTOOL_NAME": ""})
    assert made.returncode == 0
    assert f"Your key card says {getpass.getuser()!r} (this computer's login)" in made.stderr
    assert 'vigtool identity name "Your Name"' in made.stderr
    assert vigtool("identity", "show", vault=tmp_path / "v").stdout.startswith(f"{getpass.getuser()}: ")


def test_vault_from_environment(tmp_path: Path, samples: dict[str, Sample]) -> None:
    env = {"VIGTOOL_VAULT": str(tmp_path / "from-env")}
    assert vigtool("init", env=env).returncode == 0
    assert vigtool("import", str(samples["h264"].path), "--case", "F", env=env).returncode == 0
    assert (tmp_path / "from-env" / "vigtool.sqlite3").exists()


def test_the_core_runs_without_qt(tmp_path: Path, samples: dict[str, Sample]) -> None:
    # Make PySide6 unimportable in the child: import, list and still must not need it.
    no_qt = "import sys; sys.modules['PySide6'] = None; sys.modules['shiboken6'] = None; "
    vault = new_vault(tmp_path / "v")
    assert vigtool("import", str(samples["h264"].path), "--case", "F", vault=vault,
                   python_prelude=no_qt).returncode == 0
    allow(vault, python_prelude=no_qt)
    out = tmp_path / "s.png"
    assert vigtool("still", "1", "--frame", "9", "-o", str(out), vault=vault, python_prelude=no_qt).returncode == 0
    assert read_stamp(np.asarray(cv2.imread(str(out)))) == 9
    result = vigtool("gui", vault=vault, python_prelude=no_qt)
    assert result.returncode == 1 and "desktop app cannot start" in result.stderr


def test_demo_screenshot_shows_the_demo_case(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = vigtool("demo", "--screenshot", str(shot), vault=tmp_path / "demo",
                     env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    image = cv2.imread(str(shot))
    assert image is not None and image.shape[1] >= 1200
    # The demo vault is encrypted too, with a published passphrase (its film is synthetic).
    listed = json.loads(vigtool("list", "--json", vault=tmp_path / "demo",
                                env={"VIGTOOL_PASSPHRASE": DEMO_PASSPHRASE}).stdout)
    assert listed[0]["case"] == "Demo family" and listed[0]["recordings"][0]["frames"] == 720


def test_export_into_a_package_and_open_it_again(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault_dir = new_vault(tmp_path / "v")
    assert vigtool("import", str(samples["h264"].path), "--case", "Family A", vault=vault_dir).returncode == 0
    secret = {"VIGTOOL_PACKAGE_PASSPHRASE": "for the review at home"}
    refused = vigtool("export", "1", "--from", "10", "--to", "70", "-o", str(tmp_path / "x.mp4"), vault=vault_dir)
    assert refused.returncode == 1 and "no consent is recorded for this film" in refused.stderr
    allow(vault_dir)
    out = tmp_path / "moment.vigpkg"
    made = vigtool("export", "1", "--from", "10", "--to", "70", "-o", str(out), vault=vault_dir, env=secret)
    assert made.returncode == 0, made.stderr
    assert "encrypted package" in made.stderr and sorted(tmp_path.iterdir()) == [out, vault_dir]
    with open_vault(vault_dir, create=False) as vault:  # a review session to package as a whole
        clip = vault.repo.clips.add(1, FrameRange(20, 50), "", "Her turn")
        session = review.add_item(vault, vault.repo.reviews.add(1, "Review"), ReviewItemKind.CLIP, clip.id)
    whole = tmp_path / "review.vigpkg"
    made = vigtool("package", "review", str(session.id), "-o", str(whole), vault=vault_dir, env=secret)
    assert made.returncode == 0, made.stderr
    listed = vigtool("package", "open", str(whole), "--json", env=secret)  # no vault needed to open one
    assert listed.returncode == 0, listed.stderr
    manifest = json.loads(listed.stdout)
    assert [(i["kind"], i["caption"], i["frames"]) for i in manifest["items"]] == [("clip", "Her turn", [20, 50])]
    folder = tmp_path / "unpacked"
    folder.mkdir()
    assert vigtool("package", "open", str(out), "--extract", str(folder), env=secret).returncode == 0
    [clip_file] = folder.iterdir()
    assert read_stamp(ffmpeg_frame(clip_file, 0)) == 10 and read_stamp(ffmpeg_frame(clip_file, 59)) == 69
    wrong = vigtool("package", "open", str(out), env={"VIGTOOL_PACKAGE_PASSPHRASE": "a wrong guess at it"})
    assert wrong.returncode == 1 and f"{out}: does not open with this passphrase" in wrong.stderr


def test_handout_as_pdf_and_web_page(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault_dir = new_vault(tmp_path / "v")
    assert vigtool("import", str(samples["h264"].path), "--case", "Family A", vault=vault_dir).returncode == 0
    allow(vault_dir)
    with open_vault(vault_dir, create=False) as vault:
        still = vault.repo.stills.add(1, 37, "Your smile back")
        session = review.add_item(vault, vault.repo.reviews.add(1, "Review"), ReviewItemKind.STILL, still.id)
        session = review.add_item(vault, session, ReviewItemKind.STILL, vault.repo.stills.add(1, 80, "Later").id)
    out = tmp_path / "handouts"
    out.mkdir()
    pdf = vigtool("handout", str(session.id), "-o", str(out / "moments.pdf"), vault=vault_dir)
    assert pdf.returncode == 0, pdf.stderr
    assert (out / "moments.pdf").read_bytes().startswith(b"%PDF")
    page = vigtool("handout", str(session.id), "--items", "1", "-o", str(out / "moments.html"), vault=vault_dir)
    assert page.returncode == 0, page.stderr
    text = (out / "moments.html").read_text()
    assert "Your smile back" in text and "Later" not in text  # only the item chosen
    assert sorted(p.name for p in out.iterdir()) == ["moments.html", "moments.pdf"]  # no temp file left
    before = (out / "moments.pdf").read_bytes()
    kept = vigtool("handout", str(session.id), "--items", "1", "-o", str(out / "moments.pdf"), vault=vault_dir)
    assert kept.returncode == 1 and "moments.pdf: already exists" in kept.stderr and "--overwrite" in kept.stderr
    assert (out / "moments.pdf").read_bytes() == before  # the family's handout already saved is not replaced
    missing = vigtool("handout", str(session.id), "-o", str(tmp_path / "nowhere" / "h.pdf"), vault=vault_dir)
    assert missing.returncode == 1 and "nowhere/h.pdf" in missing.stderr and "could not be written" in missing.stderr
    with open_vault(vault_dir, create=False) as vault:
        assert [e.detail["file"] for e in vault.exports.entries() if e.kind == "handout"] == [
            str(out / "moments.pdf"), str(out / "moments.html")]
