"""Attachment commands: `attach KIND ID FILE…`, `attachments KIND ID`, `detach KIND ID HASH`, and the
companion archives (`*.att-NN.zip`) that `import` is given beside or instead of packages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ccp_desktop.commands.common import EXIT_OK, EXIT_REJECTED, Command
from ccp_desktop.commands.common import open_existing as _open
from ccp_desktop.commands.common import print_json as _print_json
from ccp_desktop.domain.attachments import TARGETS, megabytes

KINDS = tuple(TARGETS)


def cmd_attach(args: argparse.Namespace) -> int:
    from ccp_desktop.store.attachments import attach_files, read_files

    prepared = read_files(args.files, keep_location=args.keep_location)  # before the write lock: photos are re-encoded
    created = attach_files(_open(args), args.kind, args.id, prepared, signed_form=args.signed_form, note=args.note)
    for record in created:
        print(f"attached {record['file_name']} ({record['media_type']}, {megabytes(record['size_bytes'])}) "
              f"sha256 {record['sha256']}")
    return EXIT_OK


def cmd_attachments(args: argparse.Namespace) -> int:
    from ccp_desktop.store.attachments import list_attachments, read_blob

    db = _open(args)
    found = list_attachments(db, args.kind, args.id)
    if args.save:
        folder = Path(args.save).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        for info in found:
            data = read_blob(db, info.sha256) if info.present else None
            if data is not None:
                (folder / f"{info.sha256[:8]}-{Path(info.file_name).name}").write_bytes(data)
    if args.json:
        _print_json([{"id": a.id, "sha256": a.sha256, "file_name": a.file_name, "media_type": a.media_type,
                      "size_bytes": a.size_bytes, "signed_form": a.signed_form, "note": a.note, "state": a.state}
                     for a in found])
        return EXIT_OK
    if not found:
        print(f"No attachments on this {args.kind}.")
    for a in found:
        mark = " [signed handover form]" if a.signed_form else ""
        print(f"{a.sha256}  {a.state:8}  {megabytes(a.size_bytes):>7}  {a.media_type:15}  {a.file_name}{mark}")
    return EXIT_OK


def cmd_detach(args: argparse.Namespace) -> int:
    from ccp_desktop.store.attachments import detach

    for record in detach(_open(args), args.kind, args.id, args.hash):
        print(f"removed {record['file_name']} (sha256 {record['sha256']})")
    return EXIT_OK


def split_parts(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(companion archives, everything else) among the files `import` was given."""
    from ccp_desktop.sync.attachments_out import is_part

    parts = [p for p in paths if p.is_file() and is_part(p)]
    return parts, [p for p in paths if p not in parts]


def import_part_files(args: argparse.Namespace, parts: list[Path]) -> int:
    """`import` given companion archives: store what each brings, name each one refused."""
    from ccp_desktop.sync.attachments_in import import_parts

    result = import_parts(_open(args), parts)
    if args.json:
        _print_json({"stored": result.stored, "already": result.already, "still_expected": result.still_expected,
                     "accepted": [p.name for p in result.accepted],
                     "refused": {p.name: why for p, why in result.refused.items()}})
    else:
        if result.summary():
            print(result.summary())
        for line in result.problems():
            print(line, file=sys.stderr if "refused" in line else sys.stdout)
    return EXIT_OK if result.ok else EXIT_REJECTED


def register(command: Command) -> None:
    p = command("attach", cmd_attach, "attach photos (JPEG, PNG) or PDF scans to an activity, delivery or item")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("id", help="the record's id")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--signed-form", action="store_true", help="the files are the signed handover form")
    p.add_argument("--note", help="a short note kept with each file")
    p.add_argument("--keep-location", action="store_true", help="keep a photo's GPS position (dropped by default)")

    p = command("attachments", cmd_attachments, "list a record's attachments with their SHA-256 (present or expected)")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("id", help="the record's id")
    p.add_argument("--save", metavar="DIR", help="also write the files that are present into DIR")
    p.add_argument("--json", action="store_true")

    p = command("detach", cmd_detach, "remove an attachment from a record (by its SHA-256, 8 characters or more)")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("id", help="the record's id")
    p.add_argument("hash", metavar="HASH")
