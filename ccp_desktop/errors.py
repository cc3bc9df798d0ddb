"""The small error hierarchy every layer raises and the CLI and GUI show in plain words."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with one field of one record (and, in a package, one cell). A named tuple, not a
    dataclass: every start imports this module, and `dataclasses` with one frozen class costs the
    desktop app's start 3 ms (issue 14)."""

    field: str
    message: str
    value: object = None
    sheet: str | None = None
    row: int | None = None

    def describe(self) -> str:
        where = ""
        if self.sheet is not None:
            where = f"{self.sheet}"
            if self.row is not None:
                where += f" row {self.row}"
            where += ", "
        return f"{where}{self.field}: {self.message}"


class CcpError(Exception):
    """Base of every error a user may see; its message is written for a person."""


class ValidationError(CcpError):
    """A record (or a package) broke one or more rules; nothing was written."""

    def __init__(self, problems: list[Problem], summary: str | None = None) -> None:
        self.problems = list(problems)
        text = summary or "; ".join(p.describe() for p in self.problems[:10])
        if len(self.problems) > 10:
            text += f"; and {len(self.problems) - 10} more problems"
        super().__init__(text)


class NotFoundError(CcpError):
    """A record, file or setting that should exist does not."""


class SetupError(CcpError):
    """The database is not set up, is set up already, or is not ours."""


class PackageError(CcpError):
    """A sync package is unreadable, damaged, forged or not for us."""


class StoreError(CcpError):
    """The database refused an operation (corrupt file, disk full, locked by another program)."""


class NothingToExport(CcpError):
    """There are no changes to send; no file was written."""


class Cancelled(CcpError):
    """The person cancelled a long job; it left nothing half-done."""


class DiskFullError(StoreError):
    """A drive had no room (or refused a write); nothing half-written was left behind."""


def describe_error(exc: BaseException) -> str:
    """One line, in plain words, for any error a user may meet (the CLI prints it, the GUI shows it)."""
    import sqlite3

    if isinstance(exc, ValidationError):
        return f"rejected: {exc}"
    if isinstance(exc, CcpError):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        return database_failure_text(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    return f"unexpected problem ({type(exc).__name__}: {exc}); nothing was changed"


def database_failure_text(exc: Exception) -> str:
    """What a person is told when SQLite refuses: a full drive, a failing write, a damaged file."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name == "SQLITE_FULL" or "database or disk is full" in text:
        return "The drive holding the database is full; nothing was saved. Free some space and try again."
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return ("The database file could not be written (disk I/O error: the drive may be full, removed or "
                "failing); nothing was saved. Free some space or check the drive, then try again; "
                "`ccp-desktop check` tells whether the database is intact.")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text or "not a database" in text:
        return (f"The database file is damaged ({text}); nothing was changed. Do not keep working in it: "
                "copies made before each import and each backup are in the `backups` folder beside it.")
    return f"The database could not complete this ({text}); nothing was saved."
