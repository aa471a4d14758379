"""Long jobs in the window: Esc stops them, closing the window asks and then stops them, and the window says
when one is done; nothing half-written is left behind."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.qt_export import ExportDialog
from vigtool.services.jobs import JobList, close_question


def slow_export(qtbot: QtBot, window: MainWindow, out: Path) -> ExportDialog:
    """An export at a quarter speed (re-encoded: long enough to stop), under way when this returns."""
    window.clip_bin.setCurrentRow(0)
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.path.setText(str(out))
    dialog.speed.setCurrentIndex(2)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.bar.value() > 0, timeout=20000)
    return dialog


def test_esc_stops_an_export_and_leaves_nothing(qtbot: QtBot, demo_window: MainWindow, tmp_path: Path) -> None:
    window = demo_window
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog = slow_export(qtbot, window, out_dir / "slow.mp4")
    assert window.jobs.titles() == ["Export clip — slow.mp4"]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # the dialog stays to say what happened
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    assert dialog.isVisible() and "nothing was written" in dialog.status.text()
    assert list(out_dir.iterdir()) == []  # no clip, no temp file
    assert not window.jobs
    assert "Export clip — slow.mp4: stopped" in window.statusBar().currentMessage()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # now Esc closes it
    assert not dialog.isVisible()


def test_the_window_says_when_an_export_is_done(qtbot: QtBot, demo_window: MainWindow, tmp_path: Path) -> None:
    window = demo_window
    window.clip_bin.setCurrentRow(0)
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "moment.mp4"))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20000)
    qtbot.waitUntil(lambda: "Export clip — moment.mp4: done." in window.statusBar().currentMessage(), timeout=5000)
    assert (tmp_path / "moment.mp4").stat().st_size > 0


def test_closing_the_window_asks_then_stops_the_jobs_and_removes_what_they_wrote(
        qtbot: QtBot, demo_window: MainWindow, tmp_path: Path) -> None:
    window = demo_window
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog = slow_export(qtbot, window, out_dir / "slow.mp4")
    asked: list[list[str]] = []
    window.answer_stop_question = lambda titles: asked.append(titles) is not None  # "No": keep working
    window.close()
    assert asked == [["Export clip — slow.mp4"]]
    assert window.isVisible() and dialog.job is not None and window.jobs
    window.answer_stop_question = lambda titles: asked.append(titles) is None  # "Yes": stop and close
    window.close()
    assert len(asked) == 2 and not window.isVisible()
    assert not window.jobs
    assert list(out_dir.iterdir()) == []


def test_the_job_list_stops_every_job_before_waiting_and_words_the_question() -> None:
    jobs, calls = JobList(), []
    ended: list[str] = []
    jobs.events.connect(lambda e: ended.append(e.payload["notice"]) if e.kind == "job_ended" else None)
    first = jobs.started("Export clip — a.mp4", lambda: calls.append("cancel a"), lambda: calls.append("wait a"))
    jobs.started("Importing b.mov", lambda: calls.append("cancel b"), lambda: calls.append("wait b"))
    assert jobs.titles() == ["Export clip — a.mp4", "Importing b.mov"]
    jobs.stop_all()
    assert calls == ["cancel a", "cancel b", "wait a", "wait b"]
    assert ended == ["Export clip — a.mp4: stopped; nothing of it was kept.",
                     "Importing b.mov: stopped; nothing of it was kept."] and not jobs
    jobs.ended(first, "twice")  # a job ends once
    assert len(ended) == 2
    assert "• Importing b.mov" in close_question(["Importing b.mov"])
