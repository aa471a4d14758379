"""`vigtool` on the command line: init, import, list, still, export, handout, package, marks, analyse, identity,
contact, audit, consent, verify, passwd, delete, gui, demo.

With --json, stdout carries exactly one JSON document; messages and progress go to stderr. Any failure
exits non-zero with a message that names the file and the problem. The passphrase comes from
VIGTOOL_PASSPHRASE when set (scripts, CI), else it is asked for on the terminal, never echoed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from storage.keys import KEY_FILE_NAME
from storage.package import SUFFIX as PACKAGE_SUFFIX
from storage.paths import DATABASE_NAME, demo_vault_dir, resolve_vault_dir
from vigtool import __version__
from vigtool.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    NEW_PASSPHRASE_ENV,
    PACKAGE_PASSPHRASE_ENV,
    PASSPHRASE_ENV,
    CliError,
    fraction_arg,
    new_passphrase,
    open_vault,
    progress_bar,
    recording_json,
    your_name,
)
from vigtool.cli_marks import add_marks_parsers
from vigtool.cli_sharing import add_sharing_parsers
from vigtool.domain.export import CaptionMode, ClipOptions, ExportMode
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange, format_rate
from vigtool.media.errors import MediaError
from vigtool.media.heap import keep_freed_memory
from vigtool.services import lanes, packaging, review
from vigtool.services.demo import DEMO_PASSPHRASE
from vigtool.services.exporting import ExportCancelledError, export_clip, export_still
from vigtool.services.frames import RecordingNotFoundError, find_recording
from vigtool.services.importing import ImportCancelledError, import_recording
from vigtool.services.previews import PreviewBuilder
from vigtool.services.vault import Vault, VaultError
from vigtool.services.verify import verify_vault


def cmd_init(args: argparse.Namespace) -> int:
    if Vault.exists(args.vault_dir):
        raise CliError(f"{args.vault_dir}: there is already a vault here")
    passphrase = new_passphrase(PASSPHRASE_ENV, f"A passphrase for the new vault at {args.vault_dir}")
    name = your_name(args.name)
    with Vault.create(args.vault_dir, passphrase) as vault:
        if name:
            try:
                lanes.set_my_name(vault, name)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
        assert vault.identity is not None
        print(f"Vault ready at {vault.path}. Keep the passphrase safe: without it nothing in the vault can "
              "be opened, by anyone.", file=sys.stderr)
        if vault.identity.named:
            print(f"Your key card carries your name: {vault.identity.public.name}.", file=sys.stderr)
        else:  # a script without a terminal: the login stands in until she gives her name
            print(f"Your key card says {vault.identity.public.name!r} (this computer's login) until you give your "
                  "name: vigtool identity name \"Your Name\"", file=sys.stderr)
    return EXIT_OK


def _import_one(vault: Vault, path: Path, args: argparse.Namespace, previews: PreviewBuilder,
                imported: list[dict[str, Any]]) -> bool:
    try:
        result = import_recording(vault, path, args.case, progress=progress_bar(path.name))
    except (MediaError, ImportCancelledError, VaultError) as exc:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(f"vigtool: not imported: {exc}", file=sys.stderr)
        return False
    if sys.stderr.isatty():
        print(file=sys.stderr)
    imported.append(recording_json(result.recording, result.case) | {"duplicate": result.duplicate})
    if result.duplicate:
        print(f"{path}: already in the vault as recording {result.recording.id} "
              f"(case {result.case.label!r}); nothing new stored", file=sys.stderr)
        return True
    previews.submit(result.recording)
    if not args.json:
        print(f"Imported {path.name} as recording {result.recording.id}: "
              f"{result.recording.frame_count} frames at {format_rate(result.recording.rate)} fps "
              f"into case {result.case.label!r}")
    return True


def cmd_import(args: argparse.Namespace) -> int:
    imported: list[dict[str, Any]] = []
    failed = 0
    with open_vault(args) as vault:
        previews = PreviewBuilder(vault)  # filmstrips and sound waves, built while the next file imports
        try:
            for name in args.files:
                failed += not _import_one(vault, Path(name), args, previews, imported)
            if any(not entry["duplicate"] for entry in imported):
                print("Preparing filmstrips and sound waves...", file=sys.stderr)
            previews.wait()
        finally:
            previews.close()
    if args.json:
        print(json.dumps(imported, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        cases = vault.repo.cases.list()
        listing: list[dict[str, Any]] = [{"case": c.label, "id": c.id,
                    "recordings": [recording_json(r, c) for r in vault.repo.recordings.list(c.id)]}
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
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        export_still(vault, recording, args.frame, Path(args.output), args.caption or "", overwrite=args.overwrite)
    print(f"Wrote frame {args.frame} of {recording.source_name} to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    options = ClipOptions(speed=args.speed, hold_frame=args.hold, hold_seconds=args.hold_seconds,
                          caption=args.caption or "", caption_mode=CaptionMode(args.caption_mode),
                          fade_seconds=args.fade, mute=args.mute, height=args.height)
    out = Path(args.output)
    package_passphrase = None
    if out.exists() and not args.overwrite:  # before a passphrase is asked for
        raise CliError(f"{out}: already exists and was left as it is; choose another name, or say to replace it "
                       "(--overwrite)")
    if out.suffix.lower() == PACKAGE_SUFFIX:
        package_passphrase = new_passphrase(PACKAGE_PASSPHRASE_ENV, f"A passphrase for the package {out}")
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        end = args.to if args.to is not None else recording.frame_count
        try:
            if package_passphrase is not None:
                package = packaging.write_package(
                    vault, [packaging.PackageClip(recording, FrameRange(args.from_, end), options,
                                                  caption=options.caption)],
                    out, package_passphrase, mode=ExportMode(args.mode), progress=progress_bar(out.name),
                    overwrite=args.overwrite)
                print(f"Wrote frames {args.from_} to {end - 1} of {recording.source_name} into the encrypted "
                      f"package {out} ({package.bytes / 1e6:.1f} MB, in {package.seconds:.2f} s)", file=sys.stderr)
                return EXIT_OK
            result = export_clip(vault, recording, FrameRange(args.from_, end), out, options,
                                 ExportMode(args.mode), progress=progress_bar(out.name), overwrite=args.overwrite)
        except ExportCancelledError as exc:
            raise CliError(f"{args.output}: {exc}; nothing was written") from exc
        finally:
            if sys.stderr.isatty():
                print(file=sys.stderr)
    if result.note:
        print(f"note: {result.note}", file=sys.stderr)
    how = "smart cut (copied, checked exact)" if result.mode is ExportMode.SMART else "re-encoded"
    print(f"Wrote frames {args.from_} to {end - 1} of {recording.source_name} to {args.output}: {result.frames} "
          f"frames, {how}, {options.describe()}, in {result.seconds:.2f} s", file=sys.stderr)
    return EXIT_OK


def cmd_handout(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() not in (".pdf", ".html"):
        raise CliError(f"{out}: a handout is written as .pdf or .html")
    if out.exists() and not args.overwrite:  # before the vault's passphrase is asked for
        raise CliError(f"{out}: already exists and was left as it is; choose another name, or say to replace it "
                       "(--overwrite)")
    chosen = {int(p) - 1 for p in args.items.split(",")} if args.items else None
    with open_vault(args) as vault:
        try:
            session = vault.repo.reviews.get(int(args.session))
        except (LookupError, ValueError) as exc:
            raise CliError(f"no review session {args.session!r} in this vault") from exc
        render = None
        if out.suffix.lower() == ".pdf":
            try:  # Qt lays out the PDF: imported here only (declared in pyproject's import contracts)
                from ui.handout_pdf import handout_pdf  # noqa: PLC0415 - the desktop part, only when asked for

                render = handout_pdf
            except ImportError as exc:
                raise CliError(f"a PDF handout needs the desktop part of vigtool: {exc}") from exc
        try:
            review.save_handout(vault, session, out, chosen, render=render, overwrite=args.overwrite)
        except FileExistsError as exc:  # made meanwhile by something else
            raise CliError(f"{out}: already exists and was left as it is (--overwrite replaces it)") from exc
        except OSError as exc:
            raise CliError(f"{out}: the handout could not be written ({exc.strerror or exc})") from exc
    print(f"Wrote the review handout to {out}", file=sys.stderr)
    return EXIT_OK


def cmd_analyse(args: argparse.Namespace) -> int:
    """Turn-taking proposed from the sound of a film file, or of a recording in the vault."""
    # The analysis is imported here: Praat takes 80 MB of resident memory, which the other commands (an
    # import) do not need. For a film in the vault, only once the vault is open: Argon2id's 64 MiB are
    # handed back by then, so they and Praat are never resident at once.
    target = Path(args.target)
    progress = progress_bar(target.name) if not args.json else None
    try:
        if target.exists():
            from vigtool.services import analysis  # noqa: PLC0415
            result = analysis.analyse_file(target, max_gap=args.max_gap, progress=progress)
        else:
            with open_vault(args) as vault:
                recording = find_recording(vault, args.target)
                from vigtool.services import analysis  # noqa: PLC0415
                result = analysis.analyse_recording(vault, recording, max_gap=args.max_gap, progress=progress)
    finally:
        if progress is not None and sys.stderr.isatty():
            print(file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), indent=1))
    else:
        for turn in result.turns:
            print(f"{turn.initiation / result.rate:8.2f} s  {turn.initiator.value:>6} → {turn.responder.value:<6}"
                  f" answered at {turn.response / result.rate:.2f} s (after {turn.latency / result.rate:.1f} s)")
        print(result.summary.text())
    if result.note:
        print(f"note: {result.note}", file=sys.stderr)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    bars: dict[int, Callable[[int, int], None]] = {}  # one bar per film, so each redraws only on a new percent

    def show(recording: Recording, done: int, total: int) -> None:
        bars.setdefault(recording.id, progress_bar(recording.source_name))(done, total)

    with open_vault(args) as vault:
        report = verify_vault(vault, show)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for path in report.leftovers:
        print(f"note: {path} belongs to no recording (left by an interrupted import; removed at the next open)",
              file=sys.stderr)
    if not report.sound:
        for problem in report.problems:
            print(f"damaged: {problem}", file=sys.stderr)
        print(f"vigtool: the vault at {args.vault_dir} has {len(report.problems)} problem(s)", file=sys.stderr)
        return EXIT_FAILED
    print(f"The vault is sound: {report.recordings} recording(s), {report.bytes_checked / 1e6:.1f} MB of film and "
          "every note checked.", file=sys.stderr)
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        vault.change_passphrase(new_passphrase(NEW_PASSPHRASE_ENV, "The new passphrase"))
    print("The passphrase is changed. The old one no longer opens this vault.", file=sys.stderr)
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        case = vault.repo.cases.get(recording.case_id)
        what = (f"recording {recording.id} ({recording.source_name}, case {case.label!r}) with all its moments, "
                "clips and stills")
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError(f"deleting {what} needs --yes when not run in a terminal")
            answer = input(f"Delete {what}? This cannot be undone. Type 'delete' to go ahead: ")
            if answer.strip().lower() != "delete":
                print("Nothing was deleted.", file=sys.stderr)
                return EXIT_FAILED
        vault.delete_recording(recording)
    print(f"Deleted {what}: its key is destroyed, so no copy of its film can be read.", file=sys.stderr)
    return EXIT_OK


def _launch_gui(vault_dir: Path, demo: bool, screenshot: str | None, report_startup: bool = False) -> int:
    # The composition root: the core never imports Qt at import time; the GUI is imported only when asked
    # for, and this import is declared in pyproject's import contracts.
    try:
        from ui import app  # noqa: PLC0415 - the desktop part, only when asked for
    except ImportError as exc:
        raise CliError(f"the desktop app cannot start: {exc}") from exc
    passphrase = DEMO_PASSPHRASE if demo else os.environ.get(PASSPHRASE_ENV)
    code: int = app.run(vault_dir, passphrase, demo=demo, screenshot=screenshot, report_startup=report_startup,
                        end_process=True)
    return code


def cmd_gui(args: argparse.Namespace) -> int:
    return _launch_gui(args.vault_dir, demo=False, screenshot=None, report_startup=args.report_startup)


def cmd_demo(args: argparse.Namespace) -> int:
    vault_dir = args.vault_dir if args.vault else demo_vault_dir()
    if not args.vault and (vault_dir / DATABASE_NAME).exists() and not (vault_dir / KEY_FILE_NAME).exists():
        # A demo vault from a development build without encryption: its film is synthetic, so start afresh.
        shutil.rmtree(vault_dir)
    return _launch_gui(vault_dir, demo=True, screenshot=args.screenshot)


def _add_export_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="write frames [--from, --to) as an MP4 clip, exactly")
    p.add_argument("recording", metavar="RECORDING", help="id, SHA-256 prefix or file name")
    p.add_argument("--from", dest="from_", type=int, required=True, metavar="N", help="first frame (0-based)")
    p.add_argument("--to", type=int, metavar="M", help="the frame after the last one (default: the end)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.mp4",
                   help=f"an .mp4 file, or an encrypted package ({PACKAGE_SUFFIX}; its passphrase from "
                   f"${PACKAGE_PASSPHRASE_ENV} or asked)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (kept otherwise)")
    p.add_argument("--mode", choices=[m.value for m in ExportMode], default="auto",
                   help="smart: copy all but the frames up to the next keyframe (checked); reencode: all afresh; "
                   "auto: smart when possible, else re-encode (default)")
    p.add_argument("--speed", type=fraction_arg, default=Fraction(1), metavar="X", help="1, 0.5 or 0.25 (slow motion)")
    p.add_argument("--hold", type=int, metavar="FRAME", help="freeze the picture at this frame")
    p.add_argument("--hold-seconds", type=fraction_arg, default=Fraction(3), metavar="S", help="how long (default 3)")
    p.add_argument("--caption", metavar="TEXT", help="a caption for the clip")
    p.add_argument("--caption-mode", choices=[m.value for m in CaptionMode], default="burn",
                   help="burn: drawn into the picture (default); soft: a subtitle track")
    p.add_argument("--fade", type=fraction_arg, default=Fraction(0), metavar="S", help="fade in and out over S seconds")
    p.add_argument("--mute", action="store_true", help="leave the sound out")
    p.add_argument("--height", type=int, metavar="PX", help="picture height, e.g. 720")
    p.set_defaults(func=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigtool", description="Video Interaction Guidance: "
                                     "micro-analysis, clips and shared review, kept in a local vault.")
    parser.add_argument("--version", action="version", version=f"vigtool {__version__}")
    parser.add_argument("--vault", metavar="DIR", help="the vault folder (default: $VIGTOOL_VAULT, "
                        "else your user data folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init", help=f"create a vault (asks for a passphrase, or reads ${PASSPHRASE_ENV}, "
                       "and for your name)")
    p.add_argument("--name", help="your name, as your partners will see it on your key card and your lanes "
                   "(asked in a terminal; default: $VIGTOOL_NAME)")
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
    p.add_argument("-o", "--output", required=True, metavar="OUT.png", help="a .png or .jpg file")
    p.add_argument("--caption", metavar="TEXT", help="a caption band under the picture")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (kept otherwise)")
    p.set_defaults(func=cmd_still)
    _add_export_parser(sub)
    p = sub.add_parser("handout", help="write a review session's handout for the family (.pdf or .html)")
    p.add_argument("session", metavar="SESSION", help="the review session's id")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--items", metavar="1,3", help="only these items (1-based, as listed in the session)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (kept otherwise)")
    p.set_defaults(func=cmd_handout)
    add_sharing_parsers(sub)
    add_marks_parsers(sub)
    p = sub.add_parser("analyse", help="propose turn-taking from the sound (who vocalised when, and the turns)")
    p.add_argument("target", metavar="FILE_OR_RECORDING", help="a film file, or a recording in the vault")
    p.add_argument("--json", action="store_true", help="print exactly one JSON document (times in seconds)")
    p.add_argument("--max-gap", type=fraction_arg, default=Fraction(3), metavar="S",
                   help="longest silence between two partners' vocalisations that still makes a turn (default 3)")
    p.set_defaults(func=cmd_analyse)
    p = sub.add_parser("verify", help="check every film and note in the vault; exits 1 if anything is damaged")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("passwd", help=f"change the vault's passphrase (new one from ${NEW_PASSPHRASE_ENV} or asked)")
    p.set_defaults(func=cmd_passwd)
    p = sub.add_parser("delete", help="delete a recording for good (its key is destroyed first)")
    p.add_argument("recording", metavar="RECORDING", help="id, SHA-256 prefix or file name")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_delete)
    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("--report-startup", action="store_true", help=argparse.SUPPRESS)  # bench/cold_start.py
    p.set_defaults(func=cmd_gui)
    p = sub.add_parser("demo", help="open the desktop app on a synthetic demo case")
    p.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window and quit")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.vault_dir = resolve_vault_dir(args.vault)
    keep_freed_memory()  # the window and the commands decode and encode pictures again and again
    try:
        code: int = args.func(args)
    except BrokenPipeError:  # `vigtool … | head` stopped reading: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second complaint at exit
        return EXIT_OK
    except (CliError, VaultError, MediaError, RecordingNotFoundError, OSError, ValueError) as exc:
        print(f"vigtool: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("vigtool: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
