"""What the desktop app lets out besides the files it is asked for: here, the terminal and session logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg

PLAY = """
import sys
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import QApplication
from PySide6.QtMultimedia import QMediaPlayer
if sys.argv[2] == "quiet":
    from ui.app import quiet_media_logs
    quiet_media_logs()
app = QApplication([])
player = QMediaPlayer()
player.mediaStatusChanged.connect(lambda status: print("status", status.name, flush=True))
player.setSource(QUrl.fromLocalFile(sys.argv[1]))
QTimer.singleShot(2500, app.quit)
app.exec()
"""


def test_films_metadata_never_reaches_the_terminal(tmp_path: Path) -> None:
    film = tmp_path / "visit.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=s=160x120:d=1", "-c:v", "libx264", "-metadata", "title=Smith family home visit",
                    "-metadata", "location=+51.5072-000.1276/", str(film)], check=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("QT_LOGGING_RULES", None)

    def play(mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", PLAY, str(film), mode], env=env, capture_output=True, check=True,
                              text=True, timeout=60)

    loud, quiet = play("loud"), play("quiet")
    assert "LoadedMedia" in loud.stdout and "LoadedMedia" in quiet.stdout  # the film really was opened
    assert "Smith family" in loud.stderr  # what Qt's FFmpeg prints when left alone (so the test can fail)
    assert "Smith family" not in quiet.stderr and "51.5072" not in quiet.stderr
