"""Sync commands for the command line: export, verify, import, receipt, trust, conflicts, resolve
(the HQ desk's posts, refusals and review are in desk_commands.py).
`cli.py` calls `register`; handlers return exit codes (0 done, 1 rejected)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ccp_desktop.commands.common import (
    EXIT_OK,
    EXIT_REJECTED,
    Command,
    db_path_from_args,
    print_listing_start,
)
from ccp_desktop.commands.common import open_existing as _open
from ccp_desktop.commands.common import print_json as _print_json
from ccp_desktop.errors import Problem
from ccp_desktop.logs import note_result


def _problem_line(problem: Problem) -> str:
    place = (("sheet", problem.sheet), ("row", problem.row), ("column", problem.field))
    where = [f"{name} {at}" for name, at in place if at]
    value = "" if problem.value in (None, "") else f" (value: {problem.value!r})"
    return f"  {', '.join(where)}: {problem.message}{value}"


def _report(result: Any, as_json: bool) -> int:
    note_result(result)
    if as_json:
        _print_json(result.to_json())
        return EXIT_OK if result.ok else EXIT_REJECTED
    stream = sys.stdout if result.ok else sys.stderr
    print(result.message, file=stream)
    for name, counts in result.counts.items():
        if counts.get("read"):
            detail = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "read" and v)
            print(f"  {name}: {counts['read']} read" + (f" ({detail})" if detail else ""), file=stream)
    for warning in result.warnings:
        print(f"warning: {warning}", file=stream)
    for problem in result.errors:
        print(_problem_line(problem), file=stream)
    return EXIT_OK if result.ok else EXIT_REJECTED


def cmd_export(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.sealed_export import export_for_hq

    kind = "full" if args.full else "since-receipt" if args.since_receipt else "changes"
    sent = export_for_hq(_open(args), Path(args.out).expanduser(), kind=kind, seal_it=False if args.no_seal else None)
    result = sent.export
    note_result(result)
    rows = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.counts.items() if n) or "no rows"
    print(f"Exported a {result.kind} package (changes {result.seq_from}–{result.seq_to}): {rows}.")
    if sent.sealed:
        print(f"Sealed for HQ's key {sent.sealed_for}; your own readable copy: {sent.own_copy}")
    if sent.warning:
        print(f"warning: {sent.warning}", file=sys.stderr)
    for part in sent.parts_to_send:  # the attachments' archives: send them with the package
        print(f"attachments: {part}")
    print(sent.send_path)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    # With a database at hand (HQ's own), also say whether the package's key is the one pinned for its post.
    from ccp_desktop.sync.verify import verify_package

    db = _open(args) if db_path_from_args(args).exists() else None
    return _report(verify_package(Path(args.file).expanduser(), db), args.json)


def cmd_import(args: argparse.Namespace) -> int:
    from ccp_desktop.commands.attachments import import_part_files, split_parts

    parts, paths = split_parts([Path(f).expanduser() for f in args.files])
    if not paths:  # only attachment archives: complete what earlier packages listed
        return import_part_files(args, parts)
    code = _import_packages(args, paths)
    return max(code, import_part_files(args, parts)) if parts else code


def _import_packages(args: argparse.Namespace, paths: list[Path]) -> int:
    from ccp_desktop.sync.importer import import_package

    if len(paths) > 1 or paths[0].is_dir():
        return _import_many(args, paths)
    result = import_package(_open(args), paths[0], dry_run=args.dry_run, accept_fingerprint=args.accept_key)
    return _report(result, args.json)


def _batch_line(entry: Any) -> str:
    shown = entry.outcome or entry.preview
    seq = f"{entry.seq_from}–{entry.seq_to}" if entry.seq_to else "?"
    line = f"{entry.path.name}: {entry.post_code or '?'} {entry.kind or '?'} {seq} [{entry.signature}] "
    line += shown.message if shown else "not read"
    if entry.waits_for:
        line += f" Waits for {entry.waits_text()}."
    return line


def _import_many(args: argparse.Namespace, paths: list[Path]) -> int:
    """Several files and folders: in post/sequence order, one line a package, then a summary."""
    from ccp_desktop.sync.batch import REJECTED, apply_batch, collect_package_files, dry_run_batch

    if args.accept_key:
        print("error: --accept-key is for one receipt at a post", file=sys.stderr)
        return EXIT_REJECTED
    if not collect_package_files(paths):
        print(f"No packages (.xlsx, .xlsx.age) in {', '.join(str(p) for p in paths)}.", file=sys.stderr)
        return EXIT_REJECTED
    db = _open(args)
    entries = dry_run_batch(db, paths)
    if args.dry_run:
        if args.json:
            _print_json({"dry_run": True, "packages": [e.to_json() for e in entries]})
        else:
            for entry in entries:
                print(_batch_line(entry))
        return EXIT_REJECTED if any(e.state == REJECTED for e in entries) else EXIT_OK
    summary = apply_batch(db, [e for e in entries if e.selectable])
    if args.json:
        _print_json(summary.to_json())
    else:
        for entry in entries:
            print(_batch_line(entry), file=sys.stdout if entry.state != REJECTED else sys.stderr)
            shown = entry.outcome or entry.preview
            for problem in (shown.errors if shown and not shown.ok else [])[:20]:
                print(_problem_line(problem), file=sys.stderr)
        print(summary.message)
    return EXIT_REJECTED if summary.refused else EXIT_OK


def cmd_receipt(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.receipts import write_receipt

    result = write_receipt(_open(args), args.post, Path(args.out).expanduser())
    note_result(result)
    print(f"Receipt for {args.post}: {result.counts.get('packages', 0)} packages, everything up to change {result.seq_to}.")
    print(result.path)
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.trust import trust_key, trust_package_key, trusted_keys

    db = _open(args)
    if args.from_package:
        if not args.fingerprint:
            print("error: --from-package needs --fingerprint (as the sender reads it out)", file=sys.stderr)
            return EXIT_REJECTED
        change = trust_package_key(db, Path(args.from_package).expanduser(), args.fingerprint, reason=args.reason or "")
    elif args.key:
        if not args.post:
            print("error: --key needs --post CODE", file=sys.stderr)
            return EXIT_REJECTED
        change = trust_key(db, args.post, args.key, reason=args.reason or "")
    else:
        peers = trusted_keys(db, args.post)
        if print_listing_start(args, peers, "No keys trusted yet" + (f" for {args.post}" if args.post else "") + "."):
            return EXIT_OK
        for peer in peers:
            print(f"{peer['post_code']}: {peer['fingerprint']} ({peer['pinned_how']}, {peer['pinned_at']})")
        return EXIT_OK
    if change.replaced:
        print(f"Replaced the key trusted for {change.post_code} ({change.replaced}) with {change.fingerprint}.")
    else:
        print(f"Trusting key {change.fingerprint} for {change.post_code}.")
    return EXIT_OK


def cmd_conflicts(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.conflicts import list_conflicts

    conflicts = list_conflicts(_open(args), include_resolved=args.all)
    if print_listing_start(args, conflicts, "No conflicts to resolve."):
        return EXIT_OK
    for c in conflicts:
        state = "" if c["status"] == "open" else f" [{c['status']}]"
        print(f"#{c['id']}{state} {c['table_name']} {c['record_id']} \"{c['title']}\" from {c['post_code']}: "
              f"HQ rev {c['hq_rev']} vs post rev {c['post_rev']}")
        for d in c["differences"]:
            print(f"    {d['field']}: HQ {d['hq']!r} | post {d['post']!r}")
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.conflicts import resolve_conflict

    fields = None
    if args.keep == "fields":
        fields = {}
        for pair in args.field or []:
            key, _, side = pair.partition("=")
            fields[key.strip()] = side.strip().lower()
    kept = resolve_conflict(_open(args), args.id, args.keep, fields=fields)
    which = {"post": "the post version", "hq": "the HQ version", "fields": "the fields chosen"}[args.keep]
    print(f"Conflict {args.id} settled: kept {which} (rev {kept['rev']}).")
    return EXIT_OK


def register(command: Command) -> None:
    p = command("export", cmd_export, "write a signed sync package of changes (the file path is printed last)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--full", action="store_true", help="every record, deleted ones included")
    which.add_argument("--since-receipt", action="store_true", help="everything HQ has not confirmed (a resend)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the package into")
    p.add_argument("--no-seal", action="store_true", help="write a plain package even though HQ's encryption key "
                                                          "is known (anyone can read it: a warning is printed)")

    p = command("verify", cmd_verify, "check a package (safe to open, intact, signed, valid) without importing it")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")

    p = command("import", cmd_import, "import a package: a post's data at HQ, or HQ's receipt at a post; at HQ "
                                      "several files and folders at once, applied in post and sequence order")
    p.add_argument("files", nargs="+", metavar="FILE_OR_FOLDER")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--accept-key", metavar="FINGERPRINT",
                   help="at a post, HQ's key fingerprint as HQ read it out: trust the first receipt signed by it")

    p = command("receipt", cmd_receipt, "write a signed receipt for a post (HQ)")
    p.add_argument("--post", required=True, help="post code, e.g. FJ-SUVA")
    p.add_argument("--out", required=True, metavar="DIR")

    p = command("trust", cmd_trust, "register a key (a post's at HQ, HQ's at a post), replace one, or list them")
    p.add_argument("--post", help="post code (at a post: HQ's code, e.g. AU-CANBERRA)")
    p.add_argument("--key", help="the public key as `init` and Settings show it (also in every package's Manifest)")
    p.add_argument("--from-package", metavar="FILE", help="trust the key that signed this package (needs --fingerprint)")
    p.add_argument("--fingerprint", help="the fingerprint the sender read out, to compare with the package's")
    p.add_argument("--reason", help="why (recorded in the audit log), e.g. 'laptop replaced'")
    p.add_argument("--json", action="store_true")

    p = command("conflicts", cmd_conflicts, "list records changed both at HQ and at a post")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="include settled conflicts")

    p = command("resolve", cmd_resolve, "settle a conflict by keeping one version")
    p.add_argument("id", type=int)
    p.add_argument("--keep", required=True, choices=["post", "hq", "fields"])
    p.add_argument("--field", action="append", metavar="FIELD=post|hq",
                   help="with --keep fields: which side each differing field comes from (repeat it)")
