"""Encrypted packages: a review sealed into one file, opened again by vigtool, refused when wrong or damaged;
and no half-written export survives a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import FAST_KDF, PASSPHRASE, Sample, give_consent, open_vault

from storage.package import PackageError, PackagePassphraseError
from vigtool.domain.consent import Purpose
from vigtool.domain.model import ReviewItemKind
from vigtool.domain.time import FrameRange
from vigtool.services import review
from vigtool.services.exporting import ExportCancelledError, ExportError
from vigtool.services.importing import import_recording
from vigtool.services.packaging import (
    PackageClip,
    open_package,
    package_review,
    unpack_package,
    write_package,
)
from vigtool.services.vault import Vault
from vigtool.synth.stamp import read_stamp

PACKAGE_PASSPHRASE = "the family's review, kept safe"  # noqa: S105 - a throwaway package


@pytest.fixture
def session_package(vault: Vault, samples: dict[str, Sample], tmp_path: Path) -> Path:
    """A review with a clip and a still, in that order, with prompts, sealed into a package."""
    recording = import_recording(vault, samples["portrait"].path, "Family A").recording
    give_consent(vault, recording, Purpose.REVIEW)
    clip = vault.repo.clips.add(recording.id, FrameRange(17, 75), "Looking up", "She looks up at you",
                               key_frame=40)
    still = vault.repo.stills.add(recording.id, 52, "Your smile back")
    session = vault.repo.reviews.add(recording.case_id, "First review")
    session = review.add_item(vault, session, ReviewItemKind.STILL, still.id, "What is your baby telling you?")
    session = review.add_item(vault, session, ReviewItemKind.CLIP, clip.id)
    session = review.move_item(vault, session, 1, 0)  # the clip first
    out = tmp_path / "out" / "review.vigpkg"
    out.parent.mkdir()
    package_review(vault, session, out, PACKAGE_PASSPHRASE, kdf=FAST_KDF)
    return out


def test_a_review_package_opens_again_with_everything_in_order(session_package: Path, vault: Vault) -> None:
    package = open_package(session_package, PACKAGE_PASSPHRASE)
    items = package.manifest["items"]
    assert [i["kind"] for i in items] == ["clip", "still"]
    assert items[0]["caption"] == "She looks up at you" and items[0]["prompt"] == review.DEFAULT_PROMPT
    assert items[0]["pause_at"] == 40 - 17
    assert items[1]["prompt"] == "What is your baby telling you?"
    # The clip plays straight from the package (decrypted as read): exactly frames 17..74, upright.
    with package.open(items[0]["file"]) as member, av.open(member) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        turned = stream.metadata.get("rotate") or 0
    assert len(frames) == 75 - 17
    if turned or frames[0].shape[0] < frames[0].shape[1]:  # the smart cut keeps the rotation tag
        frames = [np.ascontiguousarray(np.rot90(f, k=-1)) for f in frames]
    assert [read_stamp(f) for f in frames] == list(range(17, 75))
    still = cv2.imdecode(np.frombuffer(package.read_bytes(items[1]["file"]), np.uint8), cv2.IMREAD_COLOR)
    assert read_stamp(cv2.cvtColor(still, cv2.COLOR_BGR2RGB)) == 52
    assert "Your smile back" in package.read_bytes(package.manifest["handout"]).decode()
    # Only the package left the vault, and the log says so (one row per item, marked encrypted).
    assert [p.name for p in session_package.parent.iterdir()] == ["review.vigpkg"]
    assert [(e.kind, e.detail["encrypted"]) for e in vault.exports.entries()] == [("package", True)] * 2


def test_the_package_hides_everything_without_its_passphrase(session_package: Path) -> None:
    sealed = session_package.read_bytes()
    for plain in (b"ftyp", b"\x89PNG", b"looks up", b"First review", b"manifest", b"Family A", b"portrait"):
        assert plain not in sealed, plain
    with pytest.raises(PackagePassphraseError, match=f"{session_package}.*passphrase"):
        open_package(session_package, "not the right passphrase")


@pytest.mark.parametrize(("damage", "message"), [
    (lambda b: b[:-5000], "cut short"),
    (lambda b: b[:3000] + bytes([b[3000] ^ 1]) + b[3001:], "damaged"),
    (lambda b: b.replace(b'"lanes": 1', b'"lanes": 2'), "passphrase .or its header was changed"),
    (lambda _b: b"", "not a vigtool package"),
    (lambda _b: b"PK\x03\x04 a zip file, not ours" * 10, "not a vigtool package"),
])
def test_a_damaged_package_is_refused_clearly(session_package: Path, tmp_path: Path,
                                             damage: object, message: str) -> None:
    broken = tmp_path / "broken.vigpkg"
    broken.write_bytes(damage(session_package.read_bytes()))  # type: ignore[operator]
    with pytest.raises(PackageError, match=f"{broken}: .*{message}"):
        package = open_package(broken, PACKAGE_PASSPHRASE)
        for name in package.names:  # damage in the middle shows when that part is read
            package.read_bytes(name)


def test_unpacking_writes_the_files_only_where_asked(session_package: Path, tmp_path: Path) -> None:
    package = open_package(session_package, PACKAGE_PASSPHRASE)
    folder = tmp_path / "unpacked"
    folder.mkdir()
    written = unpack_package(package, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["01 clip.mp4", "02 still.png", "handout.html"]
    assert all(p.stat().st_size > 1000 for p in written)
    with pytest.raises(ExportError, match="already exists"):
        unpack_package(package, folder)  # never over the top of what is there


def test_a_cancelled_package_leaves_nothing(vault: Vault, samples: dict[str, Sample], tmp_path: Path) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    give_consent(vault, recording)
    out = tmp_path / "p.vigpkg"
    with pytest.raises(ExportCancelledError):
        write_package(vault, [PackageClip(recording, FrameRange(3, 110))], out, PACKAGE_PASSPHRASE,
                      kdf=FAST_KDF, progress=lambda _done, _t: None, cancelled=lambda: True)
    assert sorted(tmp_path.iterdir()) == [vault.path]
    assert vault.exports.entries() == []
    with pytest.raises(ValueError, match="at least 8"):
        write_package(vault, [PackageClip(recording, FrameRange(3, 10))], out, "short", kdf=FAST_KDF)


_KILLED_EXPORT = """
    import sys
    from pathlib import Path
    from tests.conftest import open_vault
    from vigtool.domain.export import ClipOptions, ExportMode
    from vigtool.domain.time import FrameRange
    from vigtool.services.exporting import export_clip
    vault = open_vault(Path(sys.argv[1]), create=False)
    recording = vault.repo.recordings.list()[0]
    def progress(done, total):
        if done > 20:
            print("WRITING", flush=True)
            sys.stdin.read()  # wait here, half-written, to be killed
    export_clip(vault, recording, FrameRange(0, recording.frame_count), Path(sys.argv[2]),
                ClipOptions(caption="a moment"), ExportMode.REENCODE, progress=progress)
"""


def test_an_export_killed_halfway_leaves_no_plaintext_once_the_vault_opens(tmp_path: Path,
                                                                         samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        give_consent(vault, import_recording(vault, samples["h264"].path, "Family A").recording)
    exports = tmp_path / "exports"
    exports.mkdir()
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_KILLED_EXPORT), str(tmp_path / "v"),
                              str(exports / "moment.mp4")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, cwd=Path(__file__).parents[1],
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "WRITING"
        half = list(exports.iterdir())
        assert len(half) == 1 and half[0].name.startswith(".moment.mp4")  # the temp, being written
    finally:
        for pid in [*_children_of(child.pid), child.pid]:  # ffmpeg too: all at once, as when power fails
            os.kill(pid, signal.SIGKILL)
        child.wait()
    with Vault.open(tmp_path / "v", PASSPHRASE) as vault:
        assert list(exports.iterdir()) == []  # the half-written plaintext is gone
        assert any(p.parent == exports for p in vault.cleaned)
        assert vault.exports.entries() == []  # and nothing claims it was exported


def _children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found
