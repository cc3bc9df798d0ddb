"""Export for HQ: sealed by default once HQ's encryption key is known at the post.

The post's own readable copy of a sealed package stays on the laptop, in `outbox/` beside the database
(owner-only, like the database that holds the same records), and is what the Sync history points at; only
the sealed `NAME.xlsx.age` is written to the folder chosen for sending (often a USB stick), so nothing
readable travels. Every file an export writes is sealed the same way (`seal.seal_files`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import SetupError
from ccp_desktop.paths import outbox_dir_for
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.files import make_private_folder
from ccp_desktop.store.location import database_path
from ccp_desktop.sync import seal
from ccp_desktop.sync.export import ExportResult, export_package, prepare_out_dir
from ccp_desktop.sync.hq_keys import known_hq_key, require_sealing_key

NOT_SEALED = ("This package is NOT sealed: anyone who gets hold of the file can read the names and records "
              "in it. Send it only by a channel you trust.")


@dataclass
class SendResult:
    export: ExportResult
    sealed: list[Path] = field(default_factory=list)  # what to send, when sealed
    sealed_for: str | None = None  # the fingerprint of HQ's key it was sealed to
    warning: str | None = None

    @property
    def send_path(self) -> Path:
        """The file to send HQ: the sealed workbook, or the plain one."""
        return self.sealed[0] if self.sealed else self.export.path

    @property
    def parts_to_send(self) -> list[Path]:
        """The attachments' archives to send with the package: sealed like it, or plain."""
        return self.sealed[1:] if self.sealed else self.export.parts

    @property
    def changes(self) -> Changes:
        """What the export wrote to the database (sealing writes files only)."""
        return self.export.changes

    @property
    def own_copy(self) -> Path:
        return self.export.path


def seal_by_default(db: sqlite_utils.Database) -> bool:
    """Whether an export seals when not told otherwise: once HQ's key is known here."""
    return known_hq_key(db) is not None


def export_for_hq(
    db: sqlite_utils.Database,
    out_dir: Path,
    *,
    kind: str = "changes",
    seal_it: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> SendResult:
    """Export a package to send HQ. `seal_it` None: seal when HQ's key is known. Sealing without the key
    is refused before anything is written."""
    sealing = seal_by_default(db) if seal_it is None else seal_it
    if not sealing:
        result = export_package(db, out_dir, kind=kind, progress=progress, should_cancel=should_cancel)
        hint = "" if seal_by_default(db) else " (HQ's encryption key is not known here: `hq-key --set FILE`)"
        return SendResult(result, warning=NOT_SEALED + hint)
    key = require_sealing_key(db)
    db_path = database_path(db)
    if db_path is None:
        raise SetupError("This database has no file, so it has no outbox for its own copies")
    target = prepare_out_dir(out_dir)
    outbox = make_private_folder(outbox_dir_for(db_path))
    sealed: list[Path] = []

    def seal_files(paths: list[Path]) -> None:  # the workbook, then its attachment archives
        sealed[:] = seal.seal_files(paths, [key.public_key], target)

    try:
        result = export_package(db, outbox, kind=kind, progress=progress, should_cancel=should_cancel,
                                after_write=seal_files)
    except BaseException:
        for path in sealed:  # sealed, but the export was not recorded: it must not be sent
            path.unlink(missing_ok=True)
        raise
    return SendResult(result, sealed, key.fingerprint)
