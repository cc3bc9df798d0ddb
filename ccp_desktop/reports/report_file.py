"""What the program report and the IATI file share as long writes: where the file may go, one database
snapshot written to a hidden partial file renamed into place (a cancelled or failed report leaves nothing
behind), and progress with cancel. No Qt."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import Cancelled, CcpError
from ccp_desktop.reports import figures as fg


def report_target(out: Path | str, suffix: str, kind: str) -> Path:
    """Where a report goes: a file ending in `suffix` (`kind` says what it is, for the message), its folder
    created if missing."""
    path = Path(out).expanduser()
    if path.is_dir():
        raise CcpError(f"{path} is a folder: give a file name ending in {suffix}")
    if path.suffix.lower() != suffix:
        raise CcpError(f"{path.name}: {kind}, give a file name ending in {suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CcpError(f"The folder {path.parent} cannot be created: {exc.strerror or exc}") from None
    return path


def checked_request(db: sqlite_utils.Database, out: Path | str, scope: fg.ReportScope | None, suffix: str,
                    kind: str) -> tuple[fg.ReportScope, Path]:
    """What a report checks before any work: the file it may go to (`report_target`) and its scope
    (default: everything), which must be one the database can answer (ValidationError otherwise)."""
    scope = scope or fg.ReportScope()
    target = report_target(out, suffix, kind)
    fg.check_scope(db, scope)
    return scope, target


@contextlib.contextmanager
def write_from_snapshot(
    db: sqlite_utils.Database, target: Path, discard: Callable[[], None] | None = None
) -> Iterator[Path]:
    """Yield the hidden partial file beside `target` to write, while every read sees one snapshot of the
    database. Written without error, it is synced and renamed into place; on any error or cancel,
    `discard()` runs (to close half-written streams) and the partial file is removed."""
    partial = target.with_name(f".{target.name}.partial")
    db.execute("BEGIN")  # one snapshot: every part of the file sees the same records
    try:
        yield partial
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        if discard is not None:
            discard()
        partial.unlink(missing_ok=True)
        raise
    finally:
        db.execute("ROLLBACK")


class Progress:
    """A long write's progress and cancel: each step reached is told to `progress(done, total)`, and the
    work stops (Cancelled, saying `cancelled`) as soon as `should_cancel()` says so."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None,
                 should_cancel: Callable[[], bool] | None, cancelled: str) -> None:
        self.total, self.done = total, 0
        self.progress, self.should_cancel, self.cancelled = progress, should_cancel, cancelled

    def check_cancel(self) -> None:
        if self.should_cancel and self.should_cancel():
            raise Cancelled(self.cancelled)

    def reach(self, done: int) -> None:
        self.done = done
        self.check_cancel()
        if self.progress:
            self.progress(done, self.total)

    def advance(self, steps: int) -> None:
        self.reach(self.done + steps)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.total, self.total)
