"""The commands for footage that travels and the safeguards around it: packages (a review, supervision and
comments), identity and contacts, consent, the audit trail, and agreement between two codings."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from storage.package import SUFFIX as PACKAGE_SUFFIX
from storage.package import is_for_person
from vigtool.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    PACKAGE_PASSPHRASE_ENV,
    CliError,
    day_arg,
    new_passphrase,
    open_vault,
    progress_bar,
    purposes_arg,
    recording_json,
)
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.services import agreement, consent, lanes, packaging, sharing, supervision, training
from vigtool.services.consent import Purpose
from vigtool.services.frames import find_recording
from vigtool.services.vault import Vault


def cmd_package_review(args: argparse.Namespace) -> int:
    out = Path(args.output)
    passphrase = new_passphrase(PACKAGE_PASSPHRASE_ENV, f"A passphrase for the package {out}")
    with open_vault(args) as vault:
        try:
            session = vault.repo.reviews.get(int(args.session))
        except (LookupError, ValueError) as exc:
            raise CliError(f"no review session {args.session!r} in this vault") from exc
        try:
            result = packaging.package_review(vault, session, out, passphrase, progress=progress_bar(out.name),
                                              overwrite=args.overwrite)
        finally:
            if sys.stderr.isatty():
                print(file=sys.stderr)
    print(f"Wrote the review ({result.items} moments, prompts and handout) to the encrypted package {out}",
          file=sys.stderr)
    return EXIT_OK


def cmd_package_supervision(args: argparse.Namespace) -> int:
    out = Path(args.output)
    with open_vault(args) as vault:
        to = supervision.contact(vault, args.to)
        recordings = [find_recording(vault, r) for r in args.recordings]
        supervision.send_for_supervision(vault, recordings, to, out)
    print(f"Wrote {out}: {len(recordings)} film(s) with their marks, encrypted to {to.name} ({to.fingerprint}) "
          "and signed by you", file=sys.stderr)
    return EXIT_OK


def cmd_package_training(args: argparse.Namespace) -> int:
    out = Path(args.output)
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        consent.check(vault, recording, Purpose.TRAINING)  # before a folder is made for it
        out.mkdir(parents=True, exist_ok=True)
        end = args.to if args.to is not None else recording.frame_count
        written = training.training_pack(vault, recording, FrameRange(args.from_, end), out,
                                         training.TrainingOptions(caption=args.caption or "", voice=args.voice,
                                                                  whole_picture=args.whole_picture),
                                         progress=progress_bar(recording.source_name))
    print(f"Wrote {written} and about.txt (what was blurred, and how), voice {args.voice}, watermarked, "
          "no metadata", file=sys.stderr)
    return EXIT_OK


def cmd_package_comments(args: argparse.Namespace) -> int:
    out = Path(args.output)
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        supervision.send_comments(vault, recording, out)
    print(f"Wrote your comments on {recording.source_name} to {out} (no footage in it)", file=sys.stderr)
    return EXIT_OK


def _open_for_person(args: argparse.Namespace, path: Path) -> int:
    with open_vault(args) as vault:
        taken = supervision.take_in(vault, path)
        if args.json:  # one JSON document on stdout, as for every other --json
            print(json.dumps(_taken_json(vault, taken), indent=2))
            return EXIT_OK
    if isinstance(taken, supervision.Merged):
        print(f"{'Merged' if taken.changed else 'Already merged:'} {taken.marks} mark(s) on the lane "
              f"'{taken.track_name}' of {taken.recording.source_name}; your own marks are as they were")
    else:
        for recording in taken:
            print(f"Opened {recording.source_name} for supervision (recording {recording.id}): the "
                  "practitioner's marks are on the lanes they sent (read-only); add yours on 'Supervision'")
    return EXIT_OK


def _taken_json(vault: Vault, taken: supervision.Merged | list[Recording]) -> dict[str, Any]:
    """What a package made for this vault's user did: the films taken in, or the comments merged."""
    if isinstance(taken, supervision.Merged):
        recording = taken.recording
        return {"kind": supervision.COMMENTS, "changed": taken.changed, "marks": taken.marks,
                "lane": taken.track_name,
                "recording": recording_json(recording, vault.repo.cases.get(recording.case_id))}
    return {"kind": supervision.SUPERVISION,
            "from": sharing.received_from(vault, taken[0]) if taken else None,
            "recordings": [recording_json(r, vault.repo.cases.get(r.case_id)) for r in taken]}


def _coder(vault: Vault, recording: Recording, lanes: list[str] | None, side: str) -> agreement.Coder | None:
    if not lanes:
        return None
    return agreement.Coder(side if len(lanes) > 1 else lanes[0], agreement.find_lanes(vault, recording, lanes))


def cmd_agreement(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        recording = find_recording(vault, args.recording)
        try:
            a, b = _coder(vault, recording, args.hers, "hers"), _coder(vault, recording, args.mine, "mine")
            if (a is None) != (b is None):
                raise ValueError("give both --hers and --mine, or neither (her lanes and yours)")
            report = agreement.agreement(vault, recording, a, b, slice_seconds=args.slice,
                                         within_seconds=args.within)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        if args.csv:
            agreement.save_csv(report, Path(args.csv))
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
        return EXIT_OK
    result = report.result
    print(f"{report.a.name} and {report.b.name} on {recording.source_name}")
    print(f"  {report.moments_sentence(result.overall)}")
    print(f"  {report.kappa_sentence(result.overall)}")
    for figures in result.codes:
        print(f"{report.code_name(figures.code)} ({figures.code})")
        print(f"  {report.moments_sentence(figures)}")
        print(f"  {report.kappa_sentence(figures)}")
    if result.differences:
        print(f"Where you differ ({report.a.name} | {report.b.name}):")
        for pair in result.differences:
            left, right = (report.code_name(c) for c in pair.codes())
            print(f"  {report.time_of(pair)}  {left} | {right}")
    if args.csv:
        print(f"Wrote {args.csv}", file=sys.stderr)
    return EXIT_OK


def cmd_package_open(args: argparse.Namespace) -> int:
    """List a package's contents; with --extract, write its files out in the clear."""
    path = Path(args.file)
    if path.exists() and is_for_person(path):
        return _open_for_person(args, path)
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


def cmd_identity(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        assert vault.identity is not None
        public = vault.identity.public
        if args.identity_command == "name":
            try:
                lanes.set_my_name(vault, args.name)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            public = vault.identity.public
        if args.identity_command == "export":
            out = Path(args.output)
            supervision.save_key_card(vault, out)
            print(f"Wrote your public key file to {out}; send it to whoever will send you packages.",
                  file=sys.stderr)
        print(f"{public.name}: fingerprint {public.fingerprint}")
    return EXIT_OK


def cmd_contact_add(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        contact, added = supervision.add_contact(vault, Path(args.file), args.name or "")
    print(f"{'Added' if added else 'Already known:'} {contact.name}, fingerprint {contact.fingerprint} — compare "
          "it with theirs, by phone, before sending footage.")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
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


def cmd_consent(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
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


def _add_package_parser(sub: Any) -> None:
    p = sub.add_parser("package", help="encrypted packages: write a review into one, open one")
    package = p.add_subparsers(dest="package_command", required=True, metavar="WHAT")
    p = package.add_parser("review", help=f"a review session's clips, stills, prompts and handout as one "
                           f"encrypted file (passphrase from ${PACKAGE_PASSPHRASE_ENV} or asked)")
    p.add_argument("session", metavar="SESSION", help="the review session's id")
    p.add_argument("-o", "--output", required=True, metavar=f"OUT{PACKAGE_SUFFIX}")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (kept otherwise)")
    p.set_defaults(func=cmd_package_review)
    p = package.add_parser("supervision", help="films with their marks, encrypted to a contact (supervision "
                           "consent needed)")
    p.add_argument("recordings", nargs="+", metavar="RECORDING")
    p.add_argument("--to", required=True, metavar="CONTACT", help="name or fingerprint")
    p.add_argument("-o", "--output", required=True, metavar=f"OUT{PACKAGE_SUFFIX}")
    p.set_defaults(func=cmd_package_supervision)
    p = package.add_parser("training", help="teaching material: faces blurred, voice disguised, watermarked "
                           "(training consent needed)")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--from", dest="from_", type=int, default=0, metavar="N")
    p.add_argument("--to", type=int, metavar="M", help="the frame after the last one (default: the end)")
    p.add_argument("--caption", metavar="TEXT", help="a pseudonymous caption, e.g. 'Parent and baby, 4 months'")
    p.add_argument("--voice", choices=training.VOICES, default="disguise")
    p.add_argument("--whole-picture", action="store_true",
                   help="blur everything but the outline of the scene; every frame must still be looked at, "
                   "which only the window can show (so this is refused here, and says why)")
    p.add_argument("-o", "--output", required=True, metavar="DIR")
    p.set_defaults(func=cmd_package_training)
    p = package.add_parser("comments", help="your Supervision lane, back to whoever sent you the recording")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("-o", "--output", required=True, metavar=f"OUT{PACKAGE_SUFFIX}")
    p.set_defaults(func=cmd_package_comments)
    p = package.add_parser("open", help="list what a package holds (no vault needed); one made for you is "
                           "taken in (supervision) or merged (comments)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--extract", metavar="DIR", help="also write its files into DIR, in the clear")
    p.add_argument("--json", action="store_true", help="print the package's manifest as JSON (for a package "
                   "made for you: the films taken in, or the comments merged)")
    p.set_defaults(func=cmd_package_open)


def _add_identity_parsers(sub: Any) -> None:
    p = sub.add_parser("identity", help="your key pair: show its fingerprint, or export the public key file")
    what = p.add_subparsers(dest="identity_command", required=True, metavar="WHAT")
    what.add_parser("show", help="your name and fingerprint").set_defaults(func=cmd_identity)
    p = what.add_parser("name", help="set your name (on your key card and your lanes)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_identity)
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
    p.add_argument("--purposes", required=True, type=purposes_arg, metavar="LIST",
                   help=f"comma-separated: {', '.join(p.value for p in Purpose)}")
    p.add_argument("--form", metavar="REF", help="the signed form's reference")
    p.add_argument("--by", metavar="NAME", help="who recorded it (default: you)")
    p.add_argument("--date", type=day_arg, metavar="YYYY-MM-DD", help="when it was given (default: today)")
    p.add_argument("--expires", type=day_arg, metavar="YYYY-MM-DD")
    p.set_defaults(func=cmd_consent)
    p = what.add_parser("withdraw", help="withdraw consent (all purposes and everybody, unless narrowed)")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--person")
    p.add_argument("--purposes", type=purposes_arg, metavar="LIST")
    p.add_argument("--shred", action="store_true", help="when nothing is allowed any more, destroy the film")
    p.set_defaults(func=cmd_consent)
    p = what.add_parser("show", help="who consented to what")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_consent)


def add_sharing_parsers(sub: Any) -> None:
    _add_package_parser(sub)
    _add_identity_parsers(sub)
    _add_consent_parser(sub)
    p = sub.add_parser("agreement", help="how closely two coders agree: moments matched, and kappa over time "
                       "slices, per code and overall (default: her lanes and yours)")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--hers", nargs="+", metavar="LANE", help="her lanes, as shown (e.g. 'Anna: Parent')")
    p.add_argument("--mine", nargs="+", metavar="LANE", help="your lanes")
    p.add_argument("--slice", type=Fraction, default=agreement.SLICE_SECONDS, metavar="SECONDS",
                   help="the time slice kappa compares (default 1)")
    p.add_argument("--within", type=Fraction, default=agreement.WITHIN_SECONDS, metavar="SECONDS",
                   help="marks this close count as one moment (default 0.5)")
    p.add_argument("--csv", metavar="FILE", help="also write the figures and the differences as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_agreement)
