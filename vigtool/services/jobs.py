"""The session's long jobs (exports, packages, training packs, sending, analysis, imports) in one list.

Every job is the same kind of thing to the window: it has a title, it can be asked to stop, and it can be
waited for. The list is plain Python (no Qt), so what "close the window while something is being written"
means is one rule, tested on its own: the window asks, then every job is stopped, and each one's own
clean-up (an export's temp file, a half-sealed film) has run before the window goes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from vigtool.analysis.vocal_detect import AnalysisCancelledError
from vigtool.domain.events import EventEmitter
from vigtool.media.previews import PreviewCancelledError
from vigtool.media.smart_cut import ExportCancelledError
from vigtool.media.sound import SoundCancelledError
from vigtool.services.importing import ImportCancelledError

# What a job raises when it stopped because it was asked to: not a failure, and nothing of it is left.
CANCELLATIONS: tuple[type[Exception], ...] = (ExportCancelledError, ImportCancelledError, AnalysisCancelledError,
                                              PreviewCancelledError, SoundCancelledError)


def is_cancellation(error: BaseException) -> bool:
    return isinstance(error, CANCELLATIONS)


@dataclass(frozen=True)
class RunningJob:
    """One job as the list knows it: `cancel` asks it to stop (returns at once), `wait` joins it."""

    id: int
    title: str  # "Exporting moment-120.mp4", said to the practitioner when the window is closed
    cancel: Callable[[], None]
    wait: Callable[[], None]


class JobList:
    """The jobs running now; emits "job_started" and "job_ended" (with a `notice` for the practitioner)."""

    def __init__(self) -> None:
        self.events = EventEmitter()
        self._jobs: dict[int, RunningJob] = {}
        self._ids = itertools.count(1)

    def started(self, title: str, cancel: Callable[[], None], wait: Callable[[], None]) -> RunningJob:
        job = RunningJob(next(self._ids), title, cancel, wait)
        self._jobs[job.id] = job
        self.events.emit("job_started", self, job=job)
        return job

    def ended(self, job: RunningJob, notice: str) -> None:
        """The job is over (done, failed or stopped); `notice` says which, in the practitioner's words."""
        if self._jobs.pop(job.id, None) is not None:
            self.events.emit("job_ended", self, job=job, notice=notice)

    def running(self) -> list[RunningJob]:
        return list(self._jobs.values())

    def titles(self) -> list[str]:
        return [job.title for job in self._jobs.values()]

    def stop_all(self) -> None:
        """Ask every job to stop first (so they wind down together), then wait for each one's clean-up."""
        jobs = self.running()
        for job in jobs:
            job.cancel()
        for job in jobs:
            job.wait()
            self.ended(job, f"{job.title}: stopped; nothing of it was kept.")

    def __len__(self) -> int:
        return len(self._jobs)

    def __bool__(self) -> bool:
        return bool(self._jobs)


def close_question(titles: list[str]) -> str:
    """What the window asks before it stops running jobs to close."""
    listed = "\n".join(f"• {title}" for title in titles)
    return (f"Still working on:\n{listed}\n\nStop and close? What was being written is removed; "
            "nothing already in the vault is lost.")
