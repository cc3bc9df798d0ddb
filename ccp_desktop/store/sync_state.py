"""Sync bookkeeping in the database: packages sent and received, pinned keys, what HQ and each post last
agreed about every record, conflicts; and writing a post's rows at HQ exactly as the post sent them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.errors import StoreError
from ccp_desktop.store import lineage
from ccp_desktop.store.batch_values import insert_values

# ---- packages sent (post: data packages; HQ: receipts) -------------------------------------------


def record_export(
    db: sqlite_utils.Database, *, package_id: str, kind: str, created_at: str, path: str, seq_from: int,
    seq_to: int, previous_package_id: str | None, counts: dict[str, int], for_post: str | None = None,
) -> None:
    with db.atomic():
        db.execute(
            "INSERT INTO sync_exports (package_id, kind, created_at, path, seq_from, seq_to, previous_package_id,"
            " for_post, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [package_id, kind, created_at, path, seq_from, seq_to, previous_package_id, for_post, json.dumps(counts)],
        )


def _export_dict(row: Sequence[Any]) -> dict[str, Any]:
    keys = ("package_id", "kind", "created_at", "path", "seq_from", "seq_to", "previous_package_id", "for_post", "counts")
    out = dict(zip(keys, row, strict=True))
    out["counts"] = json.loads(out["counts"])
    return out


_EXPORT_COLUMNS = "package_id, kind, created_at, path, seq_from, seq_to, previous_package_id, for_post, counts"


def _last_export(db: sqlite_utils.Database, receipt: bool) -> dict[str, Any] | None:
    row = db.execute(f"SELECT {_EXPORT_COLUMNS} FROM sync_exports WHERE (kind = 'receipt') = ? "
                     "ORDER BY rowid DESC LIMIT 1", [receipt]).fetchone()
    return _export_dict(row) if row else None


def last_data_export(db: sqlite_utils.Database) -> dict[str, Any] | None:
    return _last_export(db, receipt=False)


def last_receipt_export(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """At HQ, the newest receipt written for a post."""
    return _last_export(db, receipt=True)


def exported_seq(db: sqlite_utils.Database) -> int:
    """The highest journal sequence any data package has carried (0 when none)."""
    return int(db.execute("SELECT coalesce(max(seq_to), 0) FROM sync_exports WHERE kind != 'receipt'").fetchone()[0])


def list_exports(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return [_export_dict(row) for row in db.execute(f"SELECT {_EXPORT_COLUMNS} FROM sync_exports ORDER BY rowid DESC")]


# ---- packages received (HQ: data packages; post: receipts) ---------------------------------------

_IMPORT_COLUMNS = (
    "package_id", "kind", "post_code", "seq_from", "seq_to", "content_hash", "created_at", "imported_at",
    "imported_by", "backup_path", "summary", "incarnation",
)


def _import_dict(row: Sequence[Any]) -> dict[str, Any]:
    out = dict(zip(_IMPORT_COLUMNS, row, strict=True))
    out["summary"] = json.loads(out["summary"])
    return out


def find_import(db: sqlite_utils.Database, package_id: str) -> dict[str, Any] | None:
    row = db.execute(f"SELECT {', '.join(_IMPORT_COLUMNS)} FROM sync_imports WHERE package_id = ?", [package_id]).fetchone()
    return _import_dict(row) if row else None


def record_import(db: sqlite_utils.Database, entry: dict[str, Any]) -> None:
    values = dict(entry, summary=json.dumps(entry["summary"], ensure_ascii=False))
    values.setdefault("incarnation", None)
    db.execute(
        f"INSERT INTO sync_imports ({', '.join(_IMPORT_COLUMNS)}) VALUES ({', '.join('?' for _ in _IMPORT_COLUMNS)})",
        [values[k] for k in _IMPORT_COLUMNS],
    )


def list_imports(db: sqlite_utils.Database, *, post_code: str | None = None, kind: str | None = None,
                 limit: int | None = None) -> list[dict[str, Any]]:
    """Packages received, newest first; `kind="data"` for every kind but receipts."""
    clauses, params = [], []
    if post_code:
        clauses.append("post_code = ?")
        params.append(post_code)
    if kind == "data":
        clauses.append("kind != 'receipt'")
    elif kind:
        clauses.append("kind = ?")
        params.append(kind)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT {', '.join(_IMPORT_COLUMNS)} FROM sync_imports{where} ORDER BY rowid DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_import_dict(row) for row in db.execute(sql, params)]


def current_incarnation(db: sqlite_utils.Database, post_code: str) -> str | None:
    """The incarnation a post's newest data package (by when it was made) came from: the laptop's
    database as it is now."""
    row = db.execute(
        "SELECT incarnation FROM sync_imports WHERE post_code = ? AND kind != 'receipt'"
        " ORDER BY created_at DESC, rowid DESC LIMIT 1", [post_code],
    ).fetchone()
    return row[0] if row else None


def ranges_by_incarnation(db: sqlite_utils.Database, post_code: str) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    rows = db.execute(
        "SELECT incarnation, seq_from, seq_to FROM sync_imports WHERE post_code = ? AND kind != 'receipt'"
        " ORDER BY seq_from", [post_code],
    )
    for incarnation, start, end in rows:
        out.setdefault(incarnation, []).append((start, end))
    return out


def covered_ranges(db: sqlite_utils.Database, post_code: str, incarnation: str | None = None) -> list[tuple[int, int]]:
    """The journal ranges HQ holds of a post's history as one incarnation sees it (default: the post's
    current one), merged, in order. Ranges of an ancestor count up to where the restore branched off."""
    incarnation = incarnation or current_incarnation(db, post_code)
    if incarnation is None:
        return []
    return lineage.clip_ranges(lineage.lineage_of(db, incarnation), ranges_by_incarnation(db, post_code))


def missing_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Holes below the highest sequence held: the packages to ask the post for."""
    out, expected = [], 1
    for start, end in ranges:
        if start > expected:
            out.append((expected, start - 1))
        expected = max(expected, end + 1)
    return out


def confirmed_seq(db: sqlite_utils.Database, post_code: str, incarnation: str | None = None) -> int:
    """Everything up to this sequence has arrived from the post, with no hole."""
    ranges = covered_ranges(db, post_code, incarnation)
    return ranges[0][1] if ranges and ranges[0][0] <= 1 else 0


# ---- pinned keys ---------------------------------------------------------------------------------


def get_peer(db: sqlite_utils.Database, post_code: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT post_code, public_key, fingerprint, pinned_at, pinned_how FROM sync_peers WHERE post_code = ?", [post_code]
    ).fetchone()
    return dict(zip(("post_code", "public_key", "fingerprint", "pinned_at", "pinned_how"), row, strict=True)) if row else None


def peer_codes(db: sqlite_utils.Database) -> list[str]:
    return [row[0] for row in db.execute("SELECT post_code FROM sync_peers ORDER BY post_code")]


def pin_peer(db: sqlite_utils.Database, post_code: str, public_key: str, fingerprint: str, how: str) -> None:
    db.execute(
        "INSERT INTO sync_peers (post_code, public_key, fingerprint, pinned_at, pinned_how) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (post_code) DO UPDATE SET public_key = excluded.public_key, fingerprint = excluded.fingerprint,"
        " pinned_at = excluded.pinned_at, pinned_how = excluded.pinned_how",
        [post_code, public_key, fingerprint, utc_now(), how],
    )


# ---- what each side last agreed, per record -------------------------------------------------------


class RecordState(NamedTuple):
    """What HQ last knew of a record from its post: the post's rev and where that version stood in the
    post's history (incarnation, journal sequence; the sequence is an upper bound for format-1
    packages), and HQ's own rev when the two last agreed. (A named tuple: an import makes one per row,
    and a frozen dataclass costs three times as much to make.)"""

    seen_rev: int
    agreed_rev: int
    incarnation: str | None = None
    seq: int | None = None


def record_state(db: sqlite_utils.Database, table: str, record_id: str) -> RecordState | None:
    row = db.execute(
        "SELECT post_rev_seen, hq_rev_agreed, post_incarnation_seen, post_seq_seen FROM sync_record_state"
        " WHERE table_name = ? AND record_id = ?",
        [table, record_id],
    ).fetchone()
    return RecordState(*row) if row else None


def record_states(db: sqlite_utils.Database, table: str, ids: Sequence[str]) -> dict[str, RecordState]:
    out: dict[str, RecordState] = {}
    for start in range(0, len(ids), 50_000):
        rows = db.execute(
            "SELECT record_id, post_rev_seen, hq_rev_agreed, post_incarnation_seen, post_seq_seen FROM sync_record_state"
            " WHERE table_name = ? AND record_id IN (SELECT value FROM json_each(?))",
            [table, json.dumps(list(ids[start : start + 50_000]))],
        )
        for rid, *rest in rows:
            out[rid] = RecordState(*rest)
    return out


def set_record_states(db: sqlite_utils.Database, table: str, post_code: str,
                      states: Iterable[tuple[str, RecordState]]) -> None:
    # In key order: the table is keyed by (table, record id), and an import's hundreds of thousands of
    # random ids written in order land on neighbouring pages (a third of the time at 430,000 states).
    insert_values(db.conn, "INSERT OR REPLACE INTO sync_record_state (table_name, record_id, post_code, post_rev_seen,"
                  " hq_rev_agreed, post_incarnation_seen, post_seq_seen)",
                  ((table, rid, post_code, *st) for rid, st in sorted(states, key=itemgetter(0))), 7)


# ---- writing a post's rows as they are ------------------------------------------------------------


def write_remote_rows(db: sqlite_utils.Database, kind: r.RecordKind, rows: Sequence[Sequence[Any]], *, replace: bool,
                      expected_revs: Sequence[int] | None = None) -> None:
    """Insert (or replace the content of) records exactly as a package carries them: rev, updated_at,
    updated_by and origin_post included. Rows are database-form tuples in `kind.keys` order. The journal
    and serial-number triggers apply; a revision going backwards is refused by the schema.

    With `expected_revs`, each update applies only if the record still has the rev the caller saw; if
    any record moved on meanwhile, nothing is written (StoreError) rather than overwriting it."""
    cols = kind.keys
    if replace:
        sets = ", ".join(f"{c} = ?" for c in cols[1:])
        if expected_revs is None:
            sql = f"UPDATE {kind.name} SET {sets} WHERE id = ?"
            db.conn.executemany(sql, (tuple(row[1:]) + (row[0],) for row in rows))
            return
        sql = f"UPDATE {kind.name} SET {sets} WHERE id = ? AND rev = ?"
        cursor = db.conn.executemany(sql, (tuple(row[1:]) + (row[0], rev) for row, rev in zip(rows, expected_revs, strict=True)))
        if cursor.rowcount != len(rows):
            raise StoreError(f"{kind.plural}: {len(rows) - cursor.rowcount} records changed while the import was being "
                             "applied; nothing was imported. Import the package again.")
    else:
        insert_values(db.conn, f"INSERT INTO {kind.name} ({', '.join(cols)})", rows, len(cols))


def stored_row(db: sqlite_utils.Database, kind: r.RecordKind, record_id: str) -> tuple[Any, ...] | None:
    """A record as database values in `kind.keys` order."""
    row = db.execute(f"SELECT {', '.join(kind.keys)} FROM {kind.name} WHERE id = ?", [record_id]).fetchone()
    return tuple(row) if row else None


# ---- conflicts -------------------------------------------------------------------------------------

_CONFLICT_COLUMNS = (
    "id", "table_name", "record_id", "post_code", "package_id", "detected_at", "hq_rev", "post_rev",
    "hq_version", "post_version", "status", "resolved_at", "resolved_by", "held_by",
)


def _conflict_dict(row: Sequence[Any]) -> dict[str, Any]:
    out = dict(zip(_CONFLICT_COLUMNS, row, strict=True))
    out["hq_version"] = json.loads(out["hq_version"])
    out["post_version"] = json.loads(out["post_version"])
    return out


def open_conflict_id(db: sqlite_utils.Database, table: str, record_id: str) -> int | None:
    row = db.execute(
        "SELECT id FROM sync_conflicts WHERE table_name = ? AND record_id = ? AND status = 'open'", [table, record_id]
    ).fetchone()
    return int(row[0]) if row else None


def save_conflict(
    db: sqlite_utils.Database, *, table: str, record_id: str, post_code: str, package_id: str,
    hq_version: dict[str, Any], post_version: dict[str, Any], held_by: int | None = None,
) -> int:
    """Keep both versions. A newer post version of a record already in conflict replaces the older one."""
    hq_text = json.dumps(hq_version, ensure_ascii=False)
    post_text = json.dumps(post_version, ensure_ascii=False)
    existing = open_conflict_id(db, table, record_id)
    if existing is not None:
        db.execute(
            "UPDATE sync_conflicts SET package_id = ?, detected_at = ?, hq_rev = ?, post_rev = ?, hq_version = ?,"
            " post_version = ? WHERE id = ?",
            [package_id, utc_now(), hq_version["rev"], post_version["rev"], hq_text, post_text, existing],
        )
        return existing
    cursor = db.execute(
        "INSERT INTO sync_conflicts (table_name, record_id, post_code, package_id, detected_at, hq_rev, post_rev,"
        " hq_version, post_version, held_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [table, record_id, post_code, package_id, utc_now(), hq_version["rev"], post_version["rev"], hq_text, post_text,
         held_by],
    )
    return int(cursor.lastrowid or 0)


def list_conflicts(db: sqlite_utils.Database, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    where = "" if include_resolved else " WHERE status = 'open'"
    rows = db.execute(f"SELECT {', '.join(_CONFLICT_COLUMNS)} FROM sync_conflicts{where} ORDER BY id")
    return [_conflict_dict(row) for row in rows]


def get_conflict(db: sqlite_utils.Database, conflict_id: int) -> dict[str, Any] | None:
    row = db.execute(f"SELECT {', '.join(_CONFLICT_COLUMNS)} FROM sync_conflicts WHERE id = ?", [conflict_id]).fetchone()
    return _conflict_dict(row) if row else None


def held_conflict_ids(db: sqlite_utils.Database, conflict_id: int) -> list[int]:
    rows = db.execute("SELECT id FROM sync_conflicts WHERE held_by = ? AND status = 'open' ORDER BY id", [conflict_id])
    return [int(row[0]) for row in rows]


def mark_conflict_resolved(db: sqlite_utils.Database, conflict_id: int, status: str, officer: str,
                           resolution: dict[str, Any] | None = None) -> None:
    """`resolution`: for a conflict settled field by field, the side each field was taken from."""
    db.execute(
        "UPDATE sync_conflicts SET status = ?, resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?",
        [status, utc_now(), officer, json.dumps(resolution) if resolution is not None else None, conflict_id],
    )
