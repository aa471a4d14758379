"""Where a vault lives: `--vault DIR`, else `VIGTOOL_VAULT`, else the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

VAULT_ENV = "VIGTOOL_VAULT"
DATABASE_NAME = "vigtool.sqlite3"


def resolve_vault_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(VAULT_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("vigtool", appauthor=False)) / "vault"


def demo_vault_dir() -> Path:
    """The demo case lives in a vault of its own, so it never mixes with a practitioner's families."""
    return Path(platformdirs.user_data_dir("vigtool", appauthor=False)) / "demo-vault"
