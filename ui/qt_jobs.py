"""Long work off the GUI thread: the one kind of job every window and dialog runs (export, package,
training pack, sending, analysis, import).

The work is a core function that takes `progress(done, total)` and `cancelled()` callables, as every long
core operation does. Results, failures and a stop come back as signals on the GUI thread. A job started
with a `JobList` is in the window's list while it runs, so closing the window can stop it (after asking)
and the window says when it is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from vigtool.services.jobs import JobList, RunningJob, is_cancellation

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class BackgroundJob(QObject):
    """Runs `work` on its own thread. Exactly one of `succeeded(result)`, `failed(error)`, `cancelled()`
    arrives, then `ended()`; a job never leaves its thread running after `wait()`."""

    # `object`, not int: byte counts of long films pass 2**31.
    progressed = Signal(object, object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception; every failure is reported, none is swallowed
    cancelled = Signal()
    ended = Signal()

    def __init__(self, work: Work, parent: QObject | None = None, *, title: str = "",
                 jobs: JobList | None = None) -> None:
        super().__init__(parent)
        self.title, self._jobs = title or "Working", jobs
        self._work = work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job: {self.title}", daemon=True)
        self._entry: RunningJob | None = None
        self.succeeded.connect(lambda _r: self._over(f"{self.title}: done."))
        self.failed.connect(lambda e: self._over(f"{self.title}: not done — {e}"))
        self.cancelled.connect(lambda: self._over(f"{self.title}: stopped; nothing of it was kept."))

    def start(self) -> None:
        if self._jobs is not None:
            self._entry = self._jobs.started(self.title, self.cancel, self.wait)
        self._thread.start()

    def cancel(self) -> None:
        self._stop.set()

    requestInterruption = cancel  # noqa: N815 - QThread's name, for callers that knew the job as one

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wait(self) -> None:
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self._stop.is_set)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the window
            if is_cancellation(exc):
                self.cancelled.emit()
            else:
                self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
        finally:
            self.ended.emit()

    def _over(self, notice: str) -> None:
        entry, self._entry = self._entry, None
        if entry is not None and self._jobs is not None:
            self._jobs.ended(entry, notice)
