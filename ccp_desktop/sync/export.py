"""Export at the post: one signed workbook holding the latest state of every record changed since the last
package (`changes`), since HQ's last receipt (`since-receipt`) or everything (`full`), tombstones included."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop import __version__
from ccp_desktop.domain.coerce import format_timestamp
from ccp_desktop.domain.records import RECORD_KINDS, RecordKind
from ccp_desktop.errors import Cancelled, NothingToExport, PackageError, SetupError
from ccp_desktop.paths import key_path_for
from ccp_desktop.store import lineage, sync_state
from ccp_desktop.store.changes import Changes, run_recorded
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.health import damaged_read, require_whole
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.maintenance import journal_seq
from ccp_desktop.store.migrations import SCHEMA_VERSION
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.attachments_out import hashes_in_selection, write_parts
from ccp_desktop.sync.readme import readme_rows
from ccp_desktop.sync.workbook import PackageWriter

EXPORT_KINDS = ("changes", "full", "since-receipt")


@dataclass
class ExportResult:
    path: Path
    package_id: str
    kind: str
    seq_from: int
    seq_to: int
    counts: dict[str, int] = field(default_factory=dict)
    parts: list[Path] = field(default_factory=list)  # companion archives holding the attachments' bytes
    changes: Changes = field(default_factory=Changes)  # what recording the export wrote (the sync_exports row)


def load_signing_key(db: sqlite_utils.Database) -> Any:
    path = database_path(db)
    if path is None:
        raise SetupError("This database has no file, so it has no signing key")
    return signing.load_private_key(key_path_for(path))


def _seq_range(db: sqlite_utils.Database, kind: str) -> tuple[int, int]:
    top = journal_seq(db)
    if kind == "full":
        if top == 0:
            raise NothingToExport("There are no records to export yet; nothing was written")
        return 1, top
    if kind == "changes":
        start = sync_state.exported_seq(db) + 1
        if top < start:
            raise NothingToExport("Nothing has changed since the last package; nothing was written")
        return start, top
    receipt = sync_state.list_imports(db, kind="receipt")
    confirmed = max((r["seq_to"] for r in receipt), default=0)
    if top <= confirmed:
        raise NothingToExport(f"HQ has confirmed every change (up to {confirmed}); nothing was written")
    return confirmed + 1, top


def _selection(kind_name: str, full: bool) -> str:
    if full:
        return f"FROM {kind_name} AS t"
    # `+table_name`: the journal is read by its sequence range (the primary key), so the cost follows the
    # changes; on the (table_name, record_id) index SQLite would read the table's whole history.
    return (
        f"FROM {kind_name} AS t WHERE id IN (SELECT record_id FROM change_journal"
        f" WHERE +table_name = '{kind_name}' AND seq BETWEEN ? AND ?)"
    )


def _columns(kind: RecordKind) -> str:
    """A data sheet's columns: the record's, its latest journal sequence, the names it refers to."""
    seq = f"(SELECT max(seq) FROM change_journal j WHERE j.table_name = '{kind.name}' AND j.record_id = t.id)"
    names = [note.sql for note in fmt.annotations_for(kind) if note.target is not None]
    return ", ".join([*(f"t.{k}" for k in kind.keys), seq, *names])


def export_package(
    db: sqlite_utils.Database,
    out_dir: Path,
    *,
    kind: str = "changes",
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    after_write: Callable[[list[Path]], object] | None = None,
) -> ExportResult:
    """Write a package into `out_dir`; returns where and what. Raises NothingToExport or Cancelled.
    `after_write(paths)` runs on the finished workbook and its attachment archives before the export is
    recorded (sealing them for HQ): if it fails, they are removed and nothing is recorded, so the next
    export sends them again."""
    if kind not in EXPORT_KINDS:
        raise PackageError(f"Unknown package kind {kind!r}: use one of {', '.join(EXPORT_KINDS)}")
    install = require_installation(db)
    if install.is_hq:
        raise PackageError("HQ does not export data packages; it sends each post a receipt (`receipt --post CODE`)")
    key = load_signing_key(db)
    if kind == "full":  # never sign a package built from a damaged page; a full export reads them all anyway
        require_whole(db, "export")
    out_dir = prepare_out_dir(out_dir)
    created = dt.datetime.now(dt.UTC)
    package_id = str(uuid.uuid4())
    # One read transaction: counts, rows and the sequence range all come from the same snapshot.
    db.execute("BEGIN")
    try:
        seq_from, seq_to = _seq_range(db, kind)
        full = kind == "full"
        params = [] if full else [seq_from, seq_to]
        expected = {k: int(db.execute(f"SELECT count(*) {_selection(k, full)}", params).fetchone()[0]) for k in RECORD_KINDS}
        total = sum(expected.values())
        if total == 0:
            raise NothingToExport("Nothing has changed since the last package; nothing was written")
        target = out_dir / fmt.package_file_name(install.post_code, created, kind, seq_from, seq_to, package_id)
        if target.exists():
            raise PackageError(f"{target} exists already; wait a second and export again")
        previous = sync_state.last_data_export(db)
        writer = PackageWriter(target)
        try:
            hashes, done = {}, 0

            def tick(rows: int) -> None:
                nonlocal done
                done += rows
                if should_cancel and should_cancel():
                    raise Cancelled("Export cancelled; no file was written")
                if progress:
                    progress(done, total)

            for name, record_kind in RECORD_KINDS.items():
                hasher = fmt.SheetHasher()

                cursor = db.conn.execute(f"SELECT {_columns(record_kind)} {_selection(name, full)} ORDER BY t.rowid", params)
                writer.write_records(record_kind, cursor, expected[name], hasher, tick)
                hashes[name] = hasher.hexdigest()
            manifest = {
                "format": fmt.FORMAT_NAME,
                "format_version": str(fmt.FORMAT_VERSION),
                "schema_version": str(SCHEMA_VERSION),
                "package_id": package_id,
                "kind": kind,
                "post_code": install.post_code,
                "device_id": install.device_id,
                "incarnation": install.incarnation,
                "lineage": json.dumps(lineage.own_lineage_entries(db, install.incarnation)),
                "officer": install.officer,
                "created_at": format_timestamp(created),
                "seq_from": str(seq_from),
                "seq_to": str(seq_to),
                "previous_package_id": previous["package_id"] if previous else "",
                "app_version": __version__,
            }
            for name in RECORD_KINDS:
                manifest[f"rows.{name}"] = str(expected[name])
                manifest[f"hash.{name}"] = hashes[name]
            manifest["public_key"] = signing.public_key_text(key)
            manifest[fmt.SIGNATURE_KEY] = signing.sign(key, fmt.manifest_message(manifest))
            if should_cancel and should_cancel():
                raise Cancelled("Export cancelled; no file was written")
            path = writer.finish(manifest, readme_rows(manifest, install))
            try:
                parts = write_parts(db, path, hashes_in_selection(db, _selection("attachments", full), params))
            except BaseException:
                path.unlink(missing_ok=True)  # a package without the bytes it lists is not sent
                raise
        except BaseException:
            writer.abandon()
            raise
        try:
            if after_write is not None:
                after_write([path, *parts])
        except BaseException:
            for written in (path, *parts):
                written.unlink(missing_ok=True)
            raise
    except sqlite3.DatabaseError as exc:  # a damaged page read on the way (a changes export skips the whole-file check)
        raise damaged_read(db, "export", exc) from None
    finally:
        db.execute("ROLLBACK")
    try:
        recorded = run_recorded(
            db, sync_state.record_export, package_id=package_id, kind=kind, created_at=manifest["created_at"], path=str(path),
            seq_from=seq_from, seq_to=seq_to, previous_package_id=manifest["previous_package_id"] or None,
            counts=expected,
        )
    except BaseException:
        for written in (path, *parts):
            written.unlink(missing_ok=True)  # a package the database does not know about must not be sent
        raise
    if progress:
        progress(total, total)
    return ExportResult(path, package_id, kind, seq_from, seq_to, dict(expected), parts, recorded.changes)


def prepare_out_dir(out_dir: Path | str) -> Path:
    """The folder a package is written to, created if missing (a fresh USB stick has no outbox yet)."""
    folder = Path(out_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        raise PackageError(f"{folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PackageError(f"The folder {folder} cannot be created: {exc.strerror or exc}") from None
    return folder
