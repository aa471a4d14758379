"""Where the practitioner was (vault, film, frame) and the vaults used lately, kept between runs.

Qt-free: the store is anything with `value`, `setValue` and `sync` (the desktop passes its QSettings, a test
a dictionary), so what "reopen where I was" means is decided and tested here, not in the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

RECENT_COUNT = 8


class Settings(Protocol):
    def value(self, key: str, defaultValue: object = ...) -> object: ...  # noqa: N803 - QSettings' name
    def setValue(self, key: str, value: object) -> None: ...  # noqa: N802 - QSettings' name
    def sync(self) -> None: ...


class MemorySettings:
    """Settings in a dictionary (tests, and a run that must leave nothing behind)."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def value(self, key: str, defaultValue: object = None) -> object:  # noqa: N803 - QSettings' name
        return self.values.get(key, defaultValue)

    def setValue(self, key: str, value: object) -> None:  # noqa: N802 - QSettings' name
        self.values[key] = value

    def sync(self) -> None:
        pass


class SessionState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def remember(self, vault: Path, recording_id: int | None, frame: int) -> None:
        """Where the practitioner is now, so that after a crash the app reopens there."""
        self.settings.setValue("session/vault", str(vault))
        if recording_id is not None:
            self.settings.setValue("session/recording", recording_id)
            self.settings.setValue("session/frame", frame)
        self.settings.sync()

    def last_place(self, vault: Path, films: Iterable[int]) -> tuple[int, int] | None:
        """The film and frame to reopen in this vault, if it was the last one and the film is still there."""
        if self.settings.value("session/vault") != str(vault):
            return None
        try:
            recording_id = int(str(self.settings.value("session/recording")))
            frame = int(str(self.settings.value("session/frame", 0)))
        except ValueError:
            return None
        return (recording_id, max(frame, 0)) if recording_id in set(films) else None

    def add_recent_vault(self, path: Path) -> list[str]:
        recent = [str(path), *[p for p in self.recent_vaults() if p != str(path)]][:RECENT_COUNT]
        self.settings.setValue("recent/vaults", recent)
        return recent

    def recent_vaults(self) -> list[str]:
        value = self.settings.value("recent/vaults") or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class SaveFolders:
    """Where a save dialog of each kind ("clip", "handout", "marks", …) opens: the folder the practitioner
    last saved that kind in, if it is still there, else her home folder; and a name not taken there, so
    that accepting what is proposed never replaces an earlier export.

    The folders are kept with the session's place (the desktop's settings, in the clear like the vault's own
    path): a folder's path, never a file's name or anything of a film."""

    def __init__(self, settings: Settings, home: Path | None = None) -> None:
        self.settings = settings
        self.home = home if home is not None else Path.home()

    def folder(self, kind: str) -> Path:
        """The folder last used for `kind`; the first time, the one last used for anything (the handout
        goes beside the clip just exported); else home."""
        for key in (f"save/{kind}", "save/last"):
            value = self.settings.value(key)
            if value and Path(str(value)).is_dir():
                return Path(str(value))
        return self.home

    def remember(self, kind: str, path: Path, *, saved: bool = True) -> None:
        """`path` was saved (a file, or the folder a training pack went into): its folder opens next time.
        `saved=False`: a file opened from there (a key card, a package): remembered for its kind only, so a
        download folder does not become where the next export for the family goes."""
        folder = str((path if path.is_dir() else path.parent).resolve())
        self.settings.setValue(f"save/{kind}", folder)
        if saved:
            self.settings.setValue("save/last", folder)
        self.settings.sync()

    def proposal(self, kind: str, name: str) -> Path:
        return unused_name(self.folder(kind) / name)


def unused_name(path: Path) -> Path:
    """`path` if nothing is there yet, else the first free "name (2).ext", "name (3).ext", …"""
    if not path.exists():
        return path
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[:len(path.name) - len(suffix)] if suffix else path.name
    number = 2
    while (candidate := path.with_name(f"{stem} ({number}){suffix}")).exists():
        number += 1
    return candidate
