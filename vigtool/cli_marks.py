"""`vigtool marks export|import`: a recording's marks out to ELAN, BORIS, CSV/TSV, WebVTT or OpenTimelineIO,
and in from ELAN, BORIS, CSV/TSV or OpenTimelineIO (the format from the file's extension)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vigtool.cli_common import EXIT_OK, open_vault
from vigtool.services.frames import find_recording
from vigtool.services.marks import READABLE, WRITABLE, export_marks, import_marks
from vigtool.services.workspace import Workspace


def cmd_marks_export(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        done = export_marks(vault, recording, Path(args.output), tracks=args.tracks, overwrite=args.overwrite)
    print(f"Wrote {done.marks} mark(s) from {', '.join(repr(t) for t in done.tracks)} to {done.path} "
          f"({done.format}). It holds notes about the family in the clear: keep it safe.", file=sys.stderr)
    return EXIT_OK


def cmd_marks_import(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        result = import_marks(Workspace(vault.repo, recording), vault, Path(args.file), into=args.track)
    for problem in result.problems:
        print(f"vigtool: {args.file}: {problem}", file=sys.stderr)
    print(f"Imported {result.summary()}", file=sys.stderr)
    return EXIT_OK


def add_marks_parsers(sub: Any) -> None:
    p = sub.add_parser("marks", help="marks out to other tools (ELAN, BORIS, spreadsheets, WebVTT, "
                       "OpenTimelineIO) and in from them")
    what = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    p = what.add_parser("export", help="write a recording's marks; the format from the extension: "
                        + ", ".join(f"{ext} ({name})" for ext, name in WRITABLE.items()))
    p.add_argument("recording", metavar="RECORDING", help="id, SHA-256 prefix or file name")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--tracks", nargs="+", metavar="LANE", help="only these lanes (default: all but Suggestions)")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_marks_export)
    p = what.add_parser("import", help="add marks from a file to a recording (one undo step in the window): "
                        + ", ".join(f"{ext} ({name})" for ext, name in READABLE.items()))
    p.add_argument("recording", metavar="RECORDING", help="id, SHA-256 prefix or file name")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--track", metavar="NAME", help="put every mark on this lane (default: a lane per tier or subject)")
    p.set_defaults(func=cmd_marks_import)
