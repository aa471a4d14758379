"""A whole film on its way out of the vault (a package for supervision) is never the original file: it is
a stream copy that carries the picture and the sound, packet for packet, and none of the film's metadata
(GPS location, make and model, dates, titles, the software that made it). See vigtool/media/clean_copy.py
for what is kept and what is checked.

The copy is made in a sealed scratch file (storage/scratch.py: nameless, encrypted with a key that is
never stored), read back and checked there, and only then streamed into the package: nothing of the
film is in the clear on the disk, and memory holds a megabyte or so whatever the film's length. A copy
that cannot be shown to carry nothing else is not sent, and the message says why.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import BinaryIO, cast

from storage.scratch import SealedScratch
from storage.sealed_media import SealedMediaReader
from vigtool.domain.model import Recording
from vigtool.media.clean_copy import check_without_metadata, copy_without_metadata
from vigtool.media.errors import MediaError
from vigtool.media.smart_cut import Cancelled, Progress
from vigtool.services.vault import Vault

__all__ = ["film_without_metadata"]


@contextlib.contextmanager
def film_without_metadata(vault: Vault, recording: Recording, original: SealedMediaReader | None = None, *,
                          progress: Progress | None = None,
                          cancelled: Cancelled | None = None) -> Iterator[SealedScratch]:
    """The film as it may leave the vault, checked, read from its start (gone when the block ends).
    `original`: the film already opened from the vault (read from its start; the caller closes it), else it
    is opened here. `progress` gets the film's bytes copied and in all."""
    name = recording.source_name
    try:
        scratch = SealedScratch(vault.media.folder, f"the copy of {name} for sending")
    except OSError as exc:
        raise MediaError(name, f"no copy for sending can be made in {vault.media.folder} ({exc.strerror})") from exc
    with scratch:
        try:
            with contextlib.ExitStack() as opened:
                film = original if original is not None else opened.enter_context(vault.open_film(recording))
                film.seek(0)
                sent = copy_without_metadata(film, cast(BinaryIO, scratch), name, total=film.size, progress=progress,
                                             cancelled=cancelled)
            check_without_metadata(cast(BinaryIO, scratch), name, sent)
        except OSError as exc:  # the disk is full, or the scratch file could not be written
            raise MediaError(name, f"its copy for sending could not be written in {vault.media.folder} "
                             f"({exc.strerror or exc}); nothing was sent") from exc
        scratch.seek(0)
        yield scratch
