"""What every `vigtool` command shares: exit codes, passphrases from the terminal or the environment,
opening the vault, progress on stderr, argument types."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from vigtool.domain.model import Case, Recording
from vigtool.domain.time import format_rate
from vigtool.services.consent import Purpose
from vigtool.services.vault import Vault

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PASSPHRASE_ENV = "VIGTOOL_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
NEW_PASSPHRASE_ENV = "VIGTOOL_NEW_PASSPHRASE"  # noqa: S105
PACKAGE_PASSPHRASE_ENV = "VIGTOOL_PACKAGE_PASSPHRASE"  # noqa: S105


class CliError(Exception):
    """A failure to report to the user on stderr (exit 1)."""


def recording_json(recording: Recording, case: Case) -> dict[str, Any]:
    display_w, display_h = recording.display_size
    return {
        "recording": recording.id, "case": case.label, "file": recording.source_name,
        "frames": recording.frame_count, "fps": format_rate(recording.rate),
        "width": recording.width, "height": recording.height, "rotation": recording.rotation,
        "display_width": display_w, "display_height": display_h,
        "duration_s": round(float(recording.duration), 6), "has_audio": recording.has_audio,
        "variable_frame_rate": recording.variable_frame_rate, "container": recording.container,
        "video_codec": recording.video_codec, "audio_codec": recording.audio_codec, "sha256": recording.sha256,
    }


def progress_bar(name: str) -> Callable[[int, int], None]:
    shown = {"percent": -1}

    def show(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != shown["percent"] and sys.stderr.isatty():
            shown["percent"] = percent
            bar = "#" * (percent // 4)
            print(f"\r{name}: [{bar:<25}] {percent:3d}%", end="", file=sys.stderr, flush=True)

    return show


def vault_passphrase(vault_dir: Path) -> str:
    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CliError(f"{vault_dir}: the vault is locked; set {PASSPHRASE_ENV} or run this in a terminal")
    return getpass.getpass(f"Passphrase for the vault at {vault_dir}: ")


def new_passphrase(env: str, what: str) -> str:
    given = os.environ.get(env)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CliError(f"{what}: set {env} or run this in a terminal")
    first = getpass.getpass(f"{what} (at least 8 characters; there is no way to recover it): ")
    if getpass.getpass("The same again: ") != first:
        raise CliError("the two passphrases differ; nothing was changed")
    return first


def your_name(given: str | None) -> str:
    """The name for a new vault's key card: `--name`, else asked in a terminal; "" when there is none to ask
    (a script: $VIGTOOL_NAME, or the computer's login until `vigtool identity name`)."""
    if given is not None:
        name = " ".join(given.split())
        if not name:
            raise CliError("--name cannot be empty: it goes on your key card and your lanes")
    elif os.environ.get("VIGTOOL_NAME", "").strip() or not sys.stdin.isatty():
        return ""
    else:
        name = " ".join(input("Your name, as your partners will see it on your key card and your lanes "
                              "(Enter to give it later): ").split())
    if len(name) > 80:
        raise CliError("your name can have at most 80 characters")
    return name


def open_vault(args: argparse.Namespace) -> Vault:
    return Vault.open(args.vault_dir, vault_passphrase(args.vault_dir))


def fraction_arg(text: str) -> Fraction:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc


def purposes_arg(text: str) -> list[Purpose]:
    try:
        return [Purpose(p.strip()) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"purposes are {', '.join(p.value for p in Purpose)}") from exc


def day_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc
