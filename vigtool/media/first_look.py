"""A first look at a file before anything is asked or sealed: is it a film at all?

Cheap (the container's header only, no pass over the packets), so the window can tell the practitioner
at once that a photo, an empty file or a folder will not import, before asking which family the films are
of. The import itself still checks everything, in full, as it reads the film.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import av

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def not_a_file(mode: int) -> str | None:
    """What a path is when it is not a plain file (a pipe would make a read wait for ever), or None."""
    return next((f"is {what}, not a video file" for test, what in _KINDS if test(mode)), None)


def why_not_a_film(path: Path) -> str | None:
    """None if `path` looks like a film; else what it is instead, in plain words (without its name)."""
    return _what_the_path_is(path) or _what_the_header_says(path)


def _what_the_path_is(path: Path) -> str | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    problem = not_a_file(status.st_mode)  # a pipe is never opened: it would wait
    if problem is not None:
        return problem
    if not stat.S_ISREG(status.st_mode):
        return "is not a plain file, not a video file"
    if status.st_size == 0:
        return "is empty (0 bytes)"
    return None if os.access(path, os.R_OK) else "cannot be read (permission denied)"


def _what_the_header_says(path: Path) -> str | None:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            name = container.format.name
            if name in {"image2", "image2pipe"} or name.endswith("_pipe"):  # FFmpeg's still-image readers
                return "is a photo, not a film"
            if not container.streams.video:
                return "has no picture (only sound)" if container.streams.audio else "holds no video"
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        return "is not a video file vigtool can read"
    return None
