"""A film's sound alone, as a small MP4 held in memory, for a player that must not read it through Python.

QtMultimedia plays the sound from its own FFmpeg threads. Reading the film through a Python QIODevice
(the vault's decrypting reader), each of those reads needs the GIL, and PySide6 holds the GIL through
QMediaPlayer's stop(), pause(), setPosition() and setSourceDevice() on the GUI thread; when one of those
waits for the reading thread, neither goes on (seen once in the UI tests). With the sound copied out,
packet for packet (no re-encoding: the same samples at the same times, the film's edit list kept by the
muxer), into memory, the player reads a C++ buffer and never calls into Python.

It is small (the sound of a phone's film is 0.5–2 MB a minute) and made in a moment (about 30 µs a
packet: 0.3 s for a minute's sound, read out of a 4K film of 360 MB, which the demuxer skips over); a
sound larger than `SOUND_IN_MEMORY_BYTES` is not copied (the film is then read as before). It is never
written to the disk.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import av

from vigtool.media.errors import MediaError
from vigtool.media.probe import SeekableFile

SOUND_IN_MEMORY_BYTES = 96 << 20  # about 50 min of a phone's 256 kbit/s sound, 3 hours of 64 kbit/s


def sound_track(handle: SeekableFile, name: str, limit: int = SOUND_IN_MEMORY_BYTES,
                cancelled: Callable[[], bool] = lambda: False) -> bytes | None:
    """The sound of the film read from `handle` as an MP4 of its sound alone; None when its sound is larger
    than `limit` or `cancelled()` (the film was closed meanwhile); MediaError when it has none or it cannot be
    read. `handle` is read from the start and left open."""
    handle.seek(0)
    try:
        with av.open(handle, "r") as source:
            if not source.streams.audio:
                raise MediaError(name, "has no sound")
            audio = source.streams.audio[0]
            for other in source.streams:
                if other is not audio:
                    other.discard = av.stream.Discard.all  # the demuxer skips the picture's bytes unread
            seconds = float(source.duration or 0) / av.time_base
            if (audio.bit_rate or 0) * seconds / 8 > limit:
                return None
            out_file = io.BytesIO()
            with av.open(out_file, "w", format="mp4") as out:
                copy = out.add_stream_from_template(audio)
                written = 0
                for packet in source.demux(audio):
                    if packet.dts is None:  # the demuxer's flush packet
                        continue
                    written += packet.size
                    if written > limit or cancelled():
                        return None
                    packet.stream = copy
                    out.mux(packet)
    except av.error.FFmpegError as exc:
        raise MediaError(name, f"its sound could not be read ({exc})") from exc
    return out_file.getvalue()
