"""`vigtool` on the command line: init, import, list, still, export, handout, package, analyse, identity, contact,
audit, consent, verify, passwd, delete, gui, demo.

With --json, stdout carries exactly one JSON document; messages and progress go to stderr. Any failure
exits non-zero with a message that names the file and the problem. The passphrase comes from
VIGTOOL_PASSPHRASE when set (scripts, CI), else it is asked for on the terminal, never echoed.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from storage.identity import PublicIdentity
from storage.keys import KEY_FILE_NAME
from storage.package import SUFFIX as PACKAGE_SUFFIX
from storage.paths import DATABASE_NAME, demo_vault_dir, resolve_vault_dir
from vigtool import __version__
from vigtool.domain.export import CaptionMode, ClipOptions, ExportMode
from vigtool.domain.model import Case, Recording
from vigtool.domain.time import FrameRange, format_rate
from vigtool.media.errors import MediaError
from vigtool.services import analysis, consent, packaging, review
from vigtool.services.consent import Purpose
from vigtool.services.demo import DEMO_PASSPHRASE
from vigtool.services.exporting import ExportCancelledError, export_clip, export_still
from vigtool.services.frames import RecordingNotFoundError, find_recording
from vigtool.services.importing import ImportCancelledError, import_recording
from vigtool.services.previews import PreviewBuilder
from vigtool.services.vault import Vault, VaultError
from vigtool.services.verify import verify_vault

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


def _progress_bar(name: str) -> Callable[[int, int], None]:
    shown = {"percent": -1}

    def show(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != shown["percent"] and sys.stderr.isatty():
            shown["percent"] = percent
            bar = "#" * (percent // 4)
            print(f"\r{name}: [{bar:<25}] {percent:3d}%", end="", file=sys.stderr, flush=True)

    return show


def _passphrase(vault_dir: Path) -> str:
    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CliError(f"{vault_dir}: the vault is locked; set {PASSPHRASE_ENV} or run this in a terminal")
    return getpass.getpass(f"Passphrase for the vault at {vault_dir}: ")


def _new_passphrase(env: str, what: str) -> str:
    given = os.environ.get(env)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CliError(f"{what}: set {env} or run this in a terminal")
    first = getpass.getpass(f"{what} (at least 8 characters; there is no way to recover it): ")
    if getpass.getpass("The same again: ") != first:
        raise CliError("the two passphrases differ; nothing was changed")
    return first


def _open(args: argparse.Namespace) -> Vault:
    return Vault.open(args.vault_dir, _passphrase(args.vault_dir))


def cmd_init(args: argparse.Namespace) -> int:
    if Vault.exists(args.vault_dir):
        raise CliError(f"{args.vault_dir}: there is already a vault here")
    passphrase = _new_passphrase(PASSPHRASE_ENV, f"A passphrase for the new vault at {args.vault_dir}")
    with Vault.create(args.vault_dir, passphrase) as vault:
        print(f"Vault ready at {vault.path}. Keep the passphrase safe: without it nothing in the vault can "
              "be opened, by anyone.", file=sys.stderr)
    return EXIT_OK


def _import_one(vault: Vault, path: Path, args: argparse.Namespace, previews: PreviewBuilder,
                imported: list[dict[str, Any]]) -> bool:
    try:
        result = import_recording(vault, path, args.case, progress=_progress_bar(path.name))
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
    with _open(args) as vault:
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
    with _open(args) as vault:
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
    with _open(args) as vault:
        recording = find_recording(vault, args.recording)
        export_still(vault, recording, args.frame, Path(args.output), args.caption or "")
    print(f"Wrote frame {args.frame} of {recording.source_name} to {args.output}", file=sys.stderr)
    return EXIT_OK


def _fraction(text: str) -> Fraction:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc


def cmd_export(args: argparse.Namespace) -> int:
    options = ClipOptions(speed=args.speed, hold_frame=args.hold, hold_seconds=args.hold_seconds,
                          caption=args.caption or "", caption_mode=CaptionMode(args.caption_mode),
                          fade_seconds=args.fade, mute=args.mute, height=args.height)
    out = Path(args.output)
    package_passphrase = None
    if out.suffix.lower() == PACKAGE_SUFFIX:
        package_passphrase = _new_passphrase(PACKAGE_PASSPHRASE_ENV, f"A passphrase for the package {out}")
    with _open(args) as vault:
        recording = find_recording(vault, args.recording)
        end = args.to if args.to is not None else recording.frame_count
        try:
            if package_passphrase is not None:
                package = packaging.write_package(
                    vault, [packaging.PackageClip(recording, FrameRange(args.from_, end), options,
                                                  caption=options.caption)],
                    out, package_passphrase, mode=ExportMode(args.mode), progress=_progress_bar(out.name))
                print(f"Wrote frames {args.from_} to {end - 1} of {recording.source_name} into the encrypted "
                      f"package {out} ({package.bytes / 1e6:.1f} MB, in {package.seconds:.2f} s)", file=sys.stderr)
                return EXIT_OK
            result = export_clip(vault, recording, FrameRange(args.from_, end), out, options,
                                 ExportMode(args.mode), progress=_progress_bar(out.name))
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
    chosen = {int(p) - 1 for p in args.items.split(",")} if args.items else None
    with _open(args) as vault:
        try:
            session = vault.repo.get_review_session(int(args.session))
        except (LookupError, ValueError) as exc:
            raise CliError(f"no review session {args.session!r} in this vault") from exc
        if out.suffix.lower() == ".html":
            review.write_handout_html(vault, session, out, chosen)
        else:
            handout = review.build_handout(vault, session, chosen)
            try:  # Qt lays out the PDF: loaded by name, as the GUI is (the core never imports Qt)
                pdf = importlib.import_module("ui.handout_pdf")
            except ImportError as exc:
                raise CliError(f"a PDF handout needs the desktop part of vigtool: {exc}") from exc
            pdf.write_handout_pdf(handout, out)
            review.log_handout(vault, session, out, len(handout.images))
    print(f"Wrote the review handout to {out}", file=sys.stderr)
    return EXIT_OK


def cmd_package_review(args: argparse.Namespace) -> int:
    out = Path(args.output)
    passphrase = _new_passphrase(PACKAGE_PASSPHRASE_ENV, f"A passphrase for the package {out}")
    with _open(args) as vault:
        try:
            session = vault.repo.get_review_session(int(args.session))
        except (LookupError, ValueError) as exc:
            raise CliError(f"no review session {args.session!r} in this vault") from exc
        try:
            result = packaging.package_review(vault, session, out, passphrase, progress=_progress_bar(out.name))
        finally:
            if sys.stderr.isatty():
                print(file=sys.stderr)
    print(f"Wrote the review ({result.items} moments, prompts and handout) to the encrypted package {out}",
          file=sys.stderr)
    return EXIT_OK


def cmd_package_open(args: argparse.Namespace) -> int:
    """List a package's contents; with --extract, write its files out in the clear."""
    path = Path(args.file)
    given = os.environ.get(PACKAGE_PASSPHRASE_ENV)
    if given is None:
        if not sys.stdin.isatty():
            raise CliError(f"{path}: set {PACKAGE_PASSPHRASE_ENV} or run this in a terminal")
        given = getpass.getpass(f"Passphrase for the package {path}: ")
    package = packaging.open_package(path, given)
    manifest = package.manifest
    if args.json:
        print(json.dumps(manifest, indent=2))
    else:
        print(f"{path.name}: {manifest.get('title') or 'exported moments'}, made {manifest.get('created', '?')}")
        for item in manifest.get("items", []):
            caption = f" — {item['caption']}" if item.get("caption") else ""
            print(f"  {item['file']}{caption}")
            if item.get("prompt"):
                print(f"      prompt: {item['prompt']}")
        if manifest.get("handout"):
            print(f"  {manifest['handout']}")
    if args.extract:
        written = packaging.unpack_package(package, Path(args.extract))
        print(f"Wrote {len(written)} files to {args.extract} (in the clear: keep them safe)", file=sys.stderr)
    return EXIT_OK


def cmd_analyse(args: argparse.Namespace) -> int:
    """Turn-taking proposed from the sound of a film file, or of a recording in the vault."""
    target = Path(args.target)
    progress = _progress_bar(target.name) if not args.json else None
    try:
        if target.exists():
            result = analysis.analyse_file(target, max_gap=args.max_gap, progress=progress)
        else:
            with _open(args) as vault:
                recording = find_recording(vault, args.target)
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


def cmd_identity(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        assert vault.identity is not None
        public = vault.identity.public
        if args.identity_command == "export":
            out = Path(args.output)
            out.write_text(public.to_file())
            print(f"Wrote your public key file to {out}; send it to whoever will send you packages.",
                  file=sys.stderr)
        print(f"{public.name}: fingerprint {public.fingerprint}")
    return EXIT_OK


def cmd_contact_add(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise CliError(f"{path}: does not exist") from exc
    contact = PublicIdentity.from_file(text, str(path))
    if args.name:
        contact = PublicIdentity(args.name, contact.x25519, contact.ed25519)
    with _open(args) as vault:
        added = vault.identities.add_contact(contact)
        if added:
            vault.audit.append("contact", {"name": contact.name, "fingerprint": contact.fingerprint})
    print(f"{'Added' if added else 'Already known:'} {contact.name}, fingerprint {contact.fingerprint} — compare "
          "it with theirs, by phone, before sending footage.")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        audit = vault.audit
        if args.audit_command == "verify":
            problems = audit.verify()
            for problem in problems:
                print(f"vigtool: audit trail: {problem}", file=sys.stderr)
            count = len(audit.entries())
            if problems:
                return EXIT_FAILED
            print(f"The audit trail is whole: {count} entries, each signed by this vault, none changed, "
                  "moved or removed.")
            return EXIT_OK
        entries = audit.entries()
    if args.json:
        print(json.dumps([{"seq": e.seq, "at": e.at, "kind": e.kind, "detail": e.detail} for e in entries],
                         indent=1))
    else:
        for e in entries:
            detail = ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items()) if v not in (None, ""))
            print(f"{e.seq:6d}  {e.at}  {e.kind:<10} {detail}")
    return EXIT_OK


def _purposes(text: str) -> list[Purpose]:
    try:
        return [Purpose(p.strip()) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"purposes are {', '.join(p.value for p in Purpose)}") from exc


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def cmd_consent(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        recording = find_recording(vault, args.recording)
        if args.consent_command == "set":
            made = consent.record_consent(vault, recording, args.person, args.purposes,
                                          recorded_by=args.by or (vault.identity.public.name if vault.identity
                                                                  else ""),
                                          given_on=args.date or date.today(), form_reference=args.form or "",
                                          expires_on=args.expires)
            print(f"{made.person} consented to {', '.join(p.plain for p in sorted(made.purposes))} for "
                  f"{recording.source_name}", file=sys.stderr)
        elif args.consent_command == "withdraw":
            _, copies = consent.withdraw(vault, recording, args.purposes, args.person)
            print(f"Withdrawn for {recording.source_name}; it is honoured at once.", file=sys.stderr)
            if copies:
                print("Nothing may be done with this film any more. Copies made earlier, to recall:", file=sys.stderr)
                for entry in copies:
                    print(f"  {entry.created_at:%Y-%m-%d %H:%M}  {entry.kind:<8} {entry.detail.get('file', '')}",
                          file=sys.stderr)
                if args.shred:
                    vault.delete_recording(recording)
                    print(f"{recording.source_name} is destroyed (its key first, then its files).", file=sys.stderr)
                else:
                    print("Run again with --shred to destroy the film for good (crypto-shredding).", file=sys.stderr)
        rows = consent.consents(vault, recording) if args.consent_command != "withdraw" or not args.shred else []
    if args.consent_command == "show":
        document = [{"person": c.person, "purposes": sorted(p.value for p in c.purposes),
                     "withdrawn": sorted(p.value for p in c.withdrawn), "recorded_by": c.recorded_by,
                     "given_on": c.given_on.isoformat(), "expires_on": c.expires_on.isoformat() if c.expires_on
                     else None, "form": c.form_reference} for c in rows]
        if args.json:
            print(json.dumps(document, indent=1))
        for c in [] if args.json else rows:
            withdrawn = f" (withdrawn: {', '.join(sorted(p.value for p in c.withdrawn))})" if c.withdrawn else ""
            print(f"{c.person}: {', '.join(sorted(p.value for p in c.purposes)) or 'nothing'}{withdrawn}")
        if not rows and not args.json:
            print("No consent recorded.")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    bars: dict[int, Callable[[int, int], None]] = {}  # one bar per film, so each redraws only on a new percent

    def show(recording: Recording, done: int, total: int) -> None:
        bars.setdefault(recording.id, _progress_bar(recording.source_name))(done, total)

    with _open(args) as vault:
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
    with _open(args) as vault:
        vault.change_passphrase(_new_passphrase(NEW_PASSPHRASE_ENV, "The new passphrase"))
    print("The passphrase is changed. The old one no longer opens this vault.", file=sys.stderr)
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        recording = find_recording(vault, args.recording)
        case = vault.repo.get_case(recording.case_id)
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
    # The composition root: the core never imports Qt, so the GUI is loaded by name only when asked for.
    try:
        app = importlib.import_module("ui.app")
    except ImportError as exc:
        raise CliError(f"the desktop app cannot start: {exc}") from exc
    passphrase = DEMO_PASSPHRASE if demo else os.environ.get(PASSPHRASE_ENV)
    code: int = app.run(vault_dir, passphrase, demo=demo, screenshot=screenshot, report_startup=report_startup)
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
    p.add_argument("--mode", choices=[m.value for m in ExportMode], default="auto",
                   help="smart: copy all but the frames up to the next keyframe (checked); reencode: all afresh; "
                   "auto: smart when possible, else re-encode (default)")
    p.add_argument("--speed", type=_fraction, default=Fraction(1), metavar="X", help="1, 0.5 or 0.25 (slow motion)")
    p.add_argument("--hold", type=int, metavar="FRAME", help="freeze the picture at this frame")
    p.add_argument("--hold-seconds", type=_fraction, default=Fraction(3), metavar="S", help="how long (default 3)")
    p.add_argument("--caption", metavar="TEXT", help="a caption for the clip")
    p.add_argument("--caption-mode", choices=[m.value for m in CaptionMode], default="burn",
                   help="burn: drawn into the picture (default); soft: a subtitle track")
    p.add_argument("--fade", type=_fraction, default=Fraction(0), metavar="S", help="fade in and out over S seconds")
    p.add_argument("--mute", action="store_true", help="leave the sound out")
    p.add_argument("--height", type=int, metavar="PX", help="picture height, e.g. 720")
    p.set_defaults(func=cmd_export)


def _add_package_parser(sub: Any) -> None:
    p = sub.add_parser("package", help="encrypted packages: write a review into one, open one")
    package = p.add_subparsers(dest="package_command", required=True, metavar="WHAT")
    p = package.add_parser("review", help=f"a review session's clips, stills, prompts and handout as one "
                           f"encrypted file (passphrase from ${PACKAGE_PASSPHRASE_ENV} or asked)")
    p.add_argument("session", metavar="SESSION", help="the review session's id")
    p.add_argument("-o", "--output", required=True, metavar=f"OUT{PACKAGE_SUFFIX}")
    p.set_defaults(func=cmd_package_review)
    p = package.add_parser("open", help="list what a package holds (no vault needed)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--extract", metavar="DIR", help="also write its files into DIR, in the clear")
    p.add_argument("--json", action="store_true", help="print the package's manifest as JSON")
    p.set_defaults(func=cmd_package_open)


def _add_identity_parsers(sub: Any) -> None:
    p = sub.add_parser("identity", help="your key pair: show its fingerprint, or export the public key file")
    what = p.add_subparsers(dest="identity_command", required=True, metavar="WHAT")
    what.add_parser("show", help="your name and fingerprint").set_defaults(func=cmd_identity)
    p = what.add_parser("export", help="write your public key file (for a supervisor to add you)")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(func=cmd_identity)
    p = sub.add_parser("contact", help="people packages can be sent to")
    what = p.add_subparsers(dest="contact_command", required=True, metavar="WHAT")
    p = what.add_parser("add", help="add someone from their public key file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", help="the name to know them by (default: the one in the file)")
    p.set_defaults(func=cmd_contact_add)
    p = sub.add_parser("audit", help="the signed, hash-chained record of what was done with the footage")
    what = p.add_subparsers(dest="audit_command", required=True, metavar="WHAT")
    p = what.add_parser("show", help="print the trail (for a data-protection officer)")
    p.add_argument("--json", action="store_true", help="as one JSON document")
    p.set_defaults(func=cmd_audit)
    what.add_parser("verify", help="check that no entry was changed, moved or removed; exits 1 if one was"
                    ).set_defaults(func=cmd_audit)


def _add_consent_parser(sub: Any) -> None:
    p = sub.add_parser("consent", help="what each person filmed agreed a recording may be used for")
    what = p.add_subparsers(dest="consent_command", required=True, metavar="WHAT")
    p = what.add_parser("set", help="record one person's consent (from the signed form)")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--person", required=True, help="as the form names them, e.g. Mother")
    p.add_argument("--purposes", required=True, type=_purposes, metavar="LIST",
                   help=f"comma-separated: {', '.join(p.value for p in Purpose)}")
    p.add_argument("--form", metavar="REF", help="the signed form's reference")
    p.add_argument("--by", metavar="NAME", help="who recorded it (default: you)")
    p.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="when it was given (default: today)")
    p.add_argument("--expires", type=_day, metavar="YYYY-MM-DD")
    p.set_defaults(func=cmd_consent)
    p = what.add_parser("withdraw", help="withdraw consent (all purposes and everybody, unless narrowed)")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--person")
    p.add_argument("--purposes", type=_purposes, metavar="LIST")
    p.add_argument("--shred", action="store_true", help="when nothing is allowed any more, destroy the film")
    p.set_defaults(func=cmd_consent)
    p = what.add_parser("show", help="who consented to what")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_consent)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigtool", description="Video Interaction Guidance: "
                                     "micro-analysis, clips and shared review, kept in a local vault.")
    parser.add_argument("--version", action="version", version=f"vigtool {__version__}")
    parser.add_argument("--vault", metavar="DIR", help="the vault folder (default: $VIGTOOL_VAULT, "
                        "else your user data folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init", help=f"create a vault (asks for a passphrase, or reads ${PASSPHRASE_ENV})")
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
    p.set_defaults(func=cmd_still)
    _add_export_parser(sub)
    p = sub.add_parser("handout", help="write a review session's handout for the family (.pdf or .html)")
    p.add_argument("session", metavar="SESSION", help="the review session's id")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--items", metavar="1,3", help="only these items (1-based, as listed in the session)")
    p.set_defaults(func=cmd_handout)
    _add_package_parser(sub)
    _add_identity_parsers(sub)
    _add_consent_parser(sub)
    p = sub.add_parser("analyse", help="propose turn-taking from the sound (who vocalised when, and the turns)")
    p.add_argument("target", metavar="FILE_OR_RECORDING", help="a film file, or a recording in the vault")
    p.add_argument("--json", action="store_true", help="print exactly one JSON document (times in seconds)")
    p.add_argument("--max-gap", type=_fraction, default=Fraction(3), metavar="S",
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
