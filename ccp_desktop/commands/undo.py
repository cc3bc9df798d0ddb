"""`undo-import PACKAGE_ID`: take back one import at HQ (see store/import_undo.py). `cli.py` calls
`register`; a refusal is a CcpError, which the CLI prints in plain words (exit 1)."""

from __future__ import annotations

import argparse

from ccp_desktop.commands.common import EXIT_OK, Command, open_existing


def cmd_undo_import(args: argparse.Namespace) -> int:
    from ccp_desktop.store.import_undo import undo_import

    db = open_existing(args)
    result = undo_import(db, args.package_id.strip())
    print(result.message)
    return EXIT_OK


def register(command: Command) -> None:
    p = command("undo-import", cmd_undo_import, "undo one import at HQ (refused if anything changed its records since)")
    p.add_argument("package_id", metavar="PACKAGE_ID", help="the package id, as `import` and the package history show it")


