"""`vigtool` on the command line: init, import, list, still, gui, demo.

With --json, stdout carries exactly one JSON document; messages and progress go to stderr. Any failure
exits non-zero with a message that names the file and the problem.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from storage.paths import demo_vault_dir, resolve_vault_dir
from vigtool import __version__
from vigtool.domain.model import Case, Recording
from vigtool.domain.time import format_rate
from vigtool.media.errors import MediaError
from vigtool.services.frames import RecordingNotFoundError, find_recording, write_still
from vigtool.services.importing import ImportCancelledError, import_recording
from vigtool.services.vault import Vault, VaultError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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


def _progress_bar(name: str) -> Callable[[int, int], None]:
    shown = {"percent": -1}

    def show(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != shown["percent"] and sys.stderr.isatty():
            shown["percent"] = percent
            bar = "#" * (percent // 4)
            print(f"\r{name}: [{bar:<25}] {percent:3d}%", end="", file=sys.stderr, flush=True)

    return show


def cmd_init(args: argparse.Namespace) -> int:
    with Vault.open(args.vault_dir, create=True) as vault:
        print(f"Vault ready at {vault.path}", file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    imported: list[dict[str, Any]] = []
    failed = 0
    with Vault.open(args.vault_dir, create=True) as vault:
        for name in args.files:
            path = Path(name)
            try:
                result = import_recording(vault, path, args.case, progress=_progress_bar(path.name))
            except (MediaError, ImportCancelledError) as exc:
                failed += 1
                print(f"vigtool: not imported: {exc}", file=sys.stderr)
                continue
            if sys.stderr.isatty():
                print(file=sys.stderr)
            entry = recording_json(result.recording, result.case) | {"duplicate": result.duplicate}
            imported.append(entry)
            if result.duplicate:
                print(f"{path}: already in the vault as recording {result.recording.id} "
                      f"(case {result.case.label!r}); nothing new stored", file=sys.stderr)
            elif not args.json:
                print(f"Imported {path.name} as recording {result.recording.id}: "
                      f"{result.recording.frame_count} frames at {format_rate(result.recording.rate)} fps "
                      f"into case {result.case.label!r}")
    if args.json:
        print(json.dumps(imported, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with Vault.open(args.vault_dir) as vault:
        cases = vault.repo.list_cases()
        listing: list[dict[str, Any]] = [{"case": c.label, "id": c.id,
                    "recordings": [recording_json(r, c) for r in vault.repo.list_recordings(c.id)]}
                   for c in cases]
    if args.json:
        print(json.dumps(listing, indent=2))
        return EXIT_OK
    if not listing:
        print("This vault has no cases yet. Import a film with: vigtool import FILE --case LABEL")
    for case in listing:
        print(f"{case['case']}")
        for r in case["recordings"]:
            print(f"  [{r['recording']}] {r['file']}  {r['frames']} frames @ {r['fps']} fps  "
                  f"{r['display_width']}x{r['display_height']}  {r['duration_s']:.1f} s"
                  f"{'' if r['has_audio'] else '  (no sound)'}")
    return EXIT_OK


def cmd_still(args: argparse.Namespace) -> int:
    with Vault.open(args.vault_dir) as vault:
        recording = find_recording(vault, args.recording)
        try:
            write_still(vault, recording, args.frame, Path(args.output))
        except IndexError as exc:
            raise CliError(str(exc)) from exc
    print(f"Wrote frame {args.frame} of {recording.source_name} to {args.output}", file=sys.stderr)
    return EXIT_OK


def _launch_gui(vault_dir: Path, demo: bool, screenshot: str | None) -> int:
    # The composition root: the core never imports Qt, so the GUI is loaded by name only when asked for.
    try:
        app = importlib.import_module("ui.app")
    except ImportError as exc:
        raise CliError(f"the desktop app cannot start: {exc}") from exc
    code: int = app.run(vault_dir, demo=demo, screenshot=screenshot)
    return code


def cmd_gui(args: argparse.Namespace) -> int:
    return _launch_gui(args.vault_dir, demo=False, screenshot=None)


def cmd_demo(args: argparse.Namespace) -> int:
    vault_dir = args.vault_dir if args.vault else demo_vault_dir()
    return _launch_gui(vault_dir, demo=True, screenshot=args.screenshot)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigtool", description="Video Interaction Guidance: "
                                     "micro-analysis, clips and shared review, kept in a local vault.")
    parser.add_argument("--version", action="version", version=f"vigtool {__version__}")
    parser.add_argument("--vault", metavar="DIR", help="the vault folder (default: $VIGTOOL_VAULT, "
                        "else your user data folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init", help="create a vault")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("import", help="import recordings into a case")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--case", required=True, metavar="LABEL", help="the family's pseudonymous label")
    p.add_argument("--json", action="store_true", help="print the imported recordings as JSON")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("list", help="list cases and recordings")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("still", help="write one exact frame as an image")
    p.add_argument("recording", metavar="RECORDING", help="id, SHA-256 prefix or file name")
    p.add_argument("--frame", type=int, required=True, metavar="N", help="0-based frame in display order")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png")
    p.set_defaults(func=cmd_still)
    p = sub.add_parser("gui", help="open the desktop app")
    p.set_defaults(func=cmd_gui)
    p = sub.add_parser("demo", help="open the desktop app on a synthetic demo case")
    p.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window and quit")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.vault_dir = resolve_vault_dir(args.vault)
    try:
        code: int = args.func(args)
    except (CliError, VaultError, MediaError, RecordingNotFoundError, OSError, ValueError) as exc:
        print(f"vigtool: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("vigtool: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
