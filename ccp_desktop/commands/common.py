"""What every command handler shares: exit codes, finding and opening the database, argument types."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ccp_desktop.errors import SetupError

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is an exception we turn into exit code 2 (not a bare SystemExit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: error: {message}")


class UsageError(Exception):
    pass


def db_path_from_args(args: argparse.Namespace) -> Path:
    """The database named by --db, else the default one in the per-user data folder."""
    from ccp_desktop.paths import default_db_path

    return Path(args.db).expanduser() if args.db else default_db_path()


def open_existing(args: argparse.Namespace) -> Any:
    """Open the database named by --db, refusing to create one by accident."""
    from ccp_desktop.store.connection import open_database

    path = db_path_from_args(args)
    if not path.exists():
        raise SetupError(f"No database at {path}: run `ccp-desktop --db {path} init --post CODE --officer NAME` first")
    return open_database(path)


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


Command = Callable[[str, Handler, str], argparse.ArgumentParser]


def print_json(data: Any) -> None:
    import json  # not at import: the desktop app's start reads this module (issue 14)

    print(json.dumps(data, ensure_ascii=False, indent=None, default=str))


def print_listing_start(args: argparse.Namespace, items: Sequence[Any], empty: str) -> bool:
    """How every list command starts: with `--json` the items as JSON (True: nothing more to print);
    otherwise `empty` when there are none, and the caller prints one line an item."""
    if args.json:
        print_json(items)
        return True
    if not items:
        print(empty)
    return False
