"""Attachments in the database: the records (synced like any other) and their bytes, stored once per SHA-256.

Attaching prepares every file first (outside the write lock: photos are re-encoded), then writes the
records and the bytes in one transaction; detaching tombstones the record and keeps the bytes (a restore,
an undo or another record may still need them). At HQ the bytes arrive apart from the records
(`sync/attachments_in.py`): an attachment whose bytes are not here yet is *expected*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain import attachments as att
from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.errors import Cancelled, NotFoundError, Problem, ValidationError
from ccp_desktop.store.records import get_record, insert_record, iter_records, tombstone_record
from ccp_desktop.store.transactions import write_transaction

KIND = "attachments"


@dataclass(frozen=True)
class AttachmentInfo:
    """One live attachment as lists and panels show it."""

    id: str
    sha256: str
    file_name: str
    media_type: str
    size_bytes: int
    signed_form: bool
    note: str | None
    present: bool  # the bytes are in this database (at HQ they may still be expected)

    @property
    def state(self) -> str:
        return "present" if self.present else "expected"


def target_of(kind: str) -> tuple[str, str]:
    """(table, reference column) for `activity`, `delivery` or `item` (or the table name itself)."""
    for word, (table, column) in att.TARGETS.items():
        if kind in (word, table):
            return table, column
    raise ValidationError([Problem("kind", f"attachments belong to an activity, a delivery or an item, not {kind!r}", kind)])


def read_files(paths: Sequence[Path | str], *, keep_location: bool = False,
               progress: Callable[[int, int], None] | None = None,
               should_cancel: Callable[[], bool] | None = None) -> list[att.PreparedFile]:
    """Read and prepare files (slow for photos, most of a second each: call before taking the write lock)."""
    prepared = []
    for done, path in enumerate(map(Path, paths)):
        if should_cancel and should_cancel():
            raise Cancelled("Attaching cancelled; nothing was attached")
        if progress:
            progress(done, len(paths))
        try:
            att.check_input_size(path.name, path.stat().st_size)
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError([Problem("file", f"{path.name}: cannot be read ({exc.strerror or exc})", str(path))]) from None
        prepared.append(att.prepare_file(path.name, data, keep_location=keep_location))
    return prepared


def attach_files(db: sqlite_utils.Database, kind: str, record_id: str, files: Sequence[att.PreparedFile], *,
                 signed_form: bool = False, note: str | None = None, officer: str | None = None) -> list[dict[str, Any]]:
    """Attach prepared files to one record, all or nothing; returns the new attachment records."""
    table, column = target_of(kind)
    label = r.record_kind(table).label.lower()
    if not files:
        raise ValidationError([Problem("file", "no file was given")])
    created = []
    with write_transaction(db):
        target = get_record(db, table, record_id)
        if target["deleted"]:
            raise NotFoundError(f"This {label} has been deleted; nothing was attached")
        live = list(iter_records(db, KIND, where=f"{column} = ?", params=[record_id]))
        held = {a["sha256"]: a["file_name"] for a in live}
        att.check_record_total(sum(a["size_bytes"] for a in live), list(files), label)
        for prepared in files:
            if prepared.sha256 in held:
                raise att.refuse(prepared.file_name, f"this {label} holds the same file already ({held[prepared.sha256]})")
            held[prepared.sha256] = prepared.file_name
            store_blob(db, prepared.sha256, prepared.media_type, prepared.data)
            created.append(insert_record(db, KIND, {
                column: record_id, "sha256": prepared.sha256, "file_name": prepared.file_name,
                "media_type": prepared.media_type, "size_bytes": prepared.size, "signed_form": signed_form,
                "note": note}, officer=officer))
    return created


def store_blob(db: sqlite_utils.Database, sha256: str, media_type: str, data: bytes) -> bool:
    """Keep the bytes once; True when they were new. The caller holds the transaction. The hash is checked
    here, whoever calls: content stored under another content's name would be evidence forged."""
    if att.sha256_of(data) != sha256:
        raise ValidationError([Problem("sha256", "the content does not match its SHA-256", sha256)])
    cursor = db.execute(
        "INSERT OR IGNORE INTO attachment_blobs (sha256, media_type, size_bytes, data, stored_at) VALUES (?, ?, ?, ?, ?)",
        [sha256, media_type, len(data), data, utc_now()])
    return cursor.rowcount > 0


def read_blob(db: sqlite_utils.Database, sha256: str) -> bytes | None:
    row = db.execute("SELECT data FROM attachment_blobs WHERE sha256 = ?", [sha256]).fetchone()
    return bytes(row[0]) if row else None


def list_attachments(db: sqlite_utils.Database, kind: str, record_id: str) -> list[AttachmentInfo]:
    """The live attachments of one record, oldest first, each saying whether its bytes are here."""
    table, column = target_of(kind)
    rows = db.execute(
        f"SELECT a.id, a.sha256, a.file_name, a.media_type, a.size_bytes, a.signed_form, a.note,"
        f" EXISTS (SELECT 1 FROM attachment_blobs b WHERE b.sha256 = a.sha256)"
        f" FROM attachments a WHERE a.{column} = ? AND a.deleted = 0 ORDER BY a.rowid", [record_id]).fetchall()
    return [AttachmentInfo(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], bool(row[7])) for row in rows]


def detach(db: sqlite_utils.Database, kind: str, record_id: str, sha256: str, *,
           officer: str | None = None) -> list[dict[str, Any]]:
    """Remove an attachment from a record by its SHA-256 (or a unique start of it, 8 characters or more);
    the record is tombstoned (it travels to HQ as a deletion), the bytes stay. Returns the tombstones."""
    table, column = target_of(kind)
    wanted = sha256.strip().lower()
    with write_transaction(db):
        matches = [a for a in list_attachments(db, table, record_id) if a.sha256.startswith(wanted)] if len(wanted) >= 8 else []
        if not matches:
            label = r.record_kind(table).label.lower()
            raise NotFoundError(f"No attachment with SHA-256 {sha256!r} on this {label} (give 8 characters or more); "
                                "nothing was removed")
        if len({a.sha256 for a in matches}) > 1:
            raise ValidationError([Problem("sha256", "more than one attachment starts so; give more of the hash", sha256)])
        return [tombstone_record(db, KIND, a.id, officer=officer) for a in matches]


def evidence_of(db: sqlite_utils.Database, kind: str, ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
    """For each record id holding live attachments: (how many, whether one is the signed handover form)."""
    _, column = target_of(kind)
    out: dict[str, tuple[int, bool]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ", ".join("?" for _ in chunk)
        for rid, count, signed in db.execute(
                f"SELECT {column}, count(*), max(signed_form) FROM attachments WHERE deleted = 0 AND {column} IN ({marks})"
                f" GROUP BY {column}", chunk):
            out[rid] = (int(count), bool(signed))
    return out


def signed_form_attached(db: sqlite_utils.Database, delivery_id: str) -> bool:
    """Whether a live attachment of the delivery is its signed handover form."""
    return db.execute("SELECT 1 FROM attachments WHERE delivery_id = ? AND signed_form = 1 AND deleted = 0 LIMIT 1",
                      [delivery_id]).fetchone() is not None


def expected_hashes(db: sqlite_utils.Database) -> set[str]:
    """SHA-256 of every live attachment whose bytes are not here yet: what HQ shows as expected."""
    return {row[0] for row in db.execute(
        "SELECT DISTINCT sha256 FROM attachments WHERE deleted = 0"
        " AND sha256 NOT IN (SELECT sha256 FROM attachment_blobs)")}


def listed_hashes(db: sqlite_utils.Database) -> set[str]:
    """SHA-256 of every attachment record, live or deleted: the contents a signed package has named."""
    return {row[0] for row in db.execute("SELECT DISTINCT sha256 FROM attachments")}


def known_media_types(db: sqlite_utils.Database, hashes: Iterable[str]) -> dict[str, str]:
    """The media type the signed attachment records give each SHA-256."""
    out: dict[str, str] = {}
    for sha in hashes:
        row = db.execute("SELECT media_type FROM attachments WHERE sha256 = ? LIMIT 1", [sha]).fetchone()
        if row:
            out[sha] = row[0]
    return out


def write_copy(db: sqlite_utils.Database, info: AttachmentInfo, folder: Path) -> Path:
    """The file as it was attached, written into `folder` (a private work folder) to open in a viewer."""
    data = read_blob(db, info.sha256)
    if data is None:
        raise NotFoundError(f"{info.file_name} has not arrived yet (its archive has not been imported)")
    name = Path(info.file_name).name or info.sha256[:12]
    if not name.lower().endswith(att.EXTENSIONS[info.media_type]):
        name += att.EXTENSIONS[info.media_type]  # the viewer goes by the extension
    target = Path(folder) / name
    target.write_bytes(data)
    return target
