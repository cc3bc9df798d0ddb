"""The undo journal of imports: what an import changed, written in the import's own transaction, and the
undo that puts those records back as they were. Its size follows the package, not the database, which is
why it replaced the whole-database backup before every import (one full backup a day remains).

Undo is all or nothing and refuses when anything done after the import touched what it wrote (an HQ
edit, a later import, a settled conflict, a record that refers to one it inserted), naming the records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import NotFoundError, StoreError
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.sync_state import RecordState, find_import, record_states
from ccp_desktop.store.transactions import write_transaction

CHUNK = 10_000  # entries a row: a few rows per table per import, small enough to load one at a time
_SHOWN = 10  # records named in a refusal; the rest are counted


def save_entries(db: sqlite_utils.Database, package_id: str, table: str, action: str, entries: Sequence[Any]) -> None:
    """Part of the import's transaction (the caller holds it)."""
    db.conn.executemany(
        "INSERT INTO import_undo (package_id, table_name, action, entries) VALUES (?, ?, ?, ?)",
        ((package_id, table, action, json.dumps(list(entries[start : start + CHUNK]), ensure_ascii=False))
         for start in range(0, len(entries), CHUNK)),
    )


def state_entries(db: sqlite_utils.Database, table: str, states: Sequence[tuple[str, RecordState]],
                  prior: Mapping[str, RecordState] | None = None) -> list[Any]:
    """[record id, its agreement state before the import (or None), the post rev the import records].
    `prior`: those states as the caller read them in this transaction (the import's plan did)."""
    if prior is None:
        prior = record_states(db, table, [rid for rid, _ in states])
    return [[rid, list(_state_tuple(prior[rid])) if rid in prior else None, state.seen_rev] for rid, state in states]


def _state_tuple(state: RecordState) -> tuple[Any, ...]:
    return (state.seen_rev, state.agreed_rev, state.incarnation, state.seq)


@dataclass
class UndoResult:
    package_id: str
    post_code: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> {"removed": n, "restored": n}

    @property
    def message(self) -> str:
        removed = sum(c.get("removed", 0) for c in self.counts.values())
        restored = sum(c.get("restored", 0) for c in self.counts.values())
        return (f"Undid the import of package {self.package_id} from {self.post_code}: {removed} records it added "
                f"were removed and {restored} it changed were put back. Import the package again to redo it.")


def _entries(db: sqlite_utils.Database, package_id: str) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = {}
    rows = db.execute("SELECT table_name, action, entries FROM import_undo WHERE package_id = ? ORDER BY id", [package_id])
    for table, action, entries in rows:
        out.setdefault((table, action), []).extend(json.loads(entries))
    return out


def _current_revs(db: sqlite_utils.Database, table: str, ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(ids), 50_000):
        rows = db.execute(f"SELECT id, rev FROM {table} WHERE id IN (SELECT value FROM json_each(?))",
                          [json.dumps(ids[start : start + 50_000])])
        out.update({rid: rev for rid, rev in rows})
    return out


def _later_changes(db: sqlite_utils.Database, package_id: str, undo: dict[tuple[str, str], list[Any]]) -> list[str]:
    """Everything done after the import to what it wrote, one line a record."""
    found: list[str] = []
    for name in RECORD_KINDS:
        written = {rid: rev for rid, rev in undo.get((name, "inserted"), [])}
        kind = RECORD_KINDS[name]
        written |= {prior[0]: rev for prior, rev in undo.get((name, "updated"), [])}
        now = _current_revs(db, name, list(written))
        found += [f"{kind.label.lower()} {rid} (rev {now.get(rid)} now, the import wrote rev {rev})"
                  for rid, rev in written.items() if now.get(rid) != rev]
        seen = {rid: rev for rid, _prior, rev in undo.get((name, "state"), [])}
        states = record_states(db, name, list(seen))
        found += [f"{kind.label.lower()} {rid} (a later package from the post carried rev {states[rid].seen_rev})"
                  for rid, rev in seen.items() if rid in states and states[rid].seen_rev != rev and rid not in written]
        inserted = [rid for rid, _ in undo.get((name, "inserted"), [])]
        found += _referring(db, name, inserted, undo)
    settled = db.execute("SELECT id, table_name, record_id, status FROM sync_conflicts WHERE package_id = ?"
                         " AND status != 'open'", [package_id]).fetchall()
    found += [f"conflict {cid} on {table} {rid} was settled ({status})" for cid, table, rid, status in settled]
    return found


def _referring(db: sqlite_utils.Database, parent: str, ids: list[str], undo: dict[tuple[str, str], list[Any]]) -> list[str]:
    """Records outside this import that refer to a record it inserted: removing it would orphan them."""
    if not ids:
        return []
    out = []
    for kind in RECORD_KINDS.values():
        mine = json.dumps([rid for rid, _ in undo.get((kind.name, "inserted"), [])])
        for f in kind.fields:
            if f.type != r.REF or f.ref != parent:
                continue
            rows = db.execute(
                f"SELECT id, {f.key} FROM {kind.name} WHERE {f.key} IN (SELECT value FROM json_each(?))"
                " AND id NOT IN (SELECT value FROM json_each(?)) LIMIT 50", [json.dumps(ids), mine]).fetchall()
            out += [f"{kind.label.lower()} {cid} refers to {r.record_kind(parent).label.lower()} {pid}, which the "
                    "import added" for cid, pid in rows]
    return out


def undo_import(db: sqlite_utils.Database, package_id: str, officer: str | None = None) -> UndoResult:
    """Put every record the import of `package_id` wrote back as it was, in one transaction, audited
    (by `officer`, or this installation's officer). The package's ledger entry goes too, so the package
    can be imported again."""
    with write_transaction(db):
        officer = officer or require_installation(db).officer
        entry = find_import(db, package_id)
        if entry is None or entry["kind"] == "receipt":
            raise NotFoundError(f"No data package {package_id} was imported here; nothing was changed")
        undo = _entries(db, package_id)
        if not undo:
            raise StoreError(f"The import of {package_id} ({entry['imported_at']}) kept no undo journal (it was made "
                             "by an older version); restore the backup made before it instead. Nothing was changed.")
        later = _later_changes(db, package_id, undo)
        if later:
            shown = "; ".join(later[:_SHOWN]) + (f"; and {len(later) - _SHOWN} more" if len(later) > _SHOWN else "")
            raise StoreError(f"Cannot undo the import of {package_id}: {len(later)} of its records changed after it "
                             f"({shown}). Nothing was changed.")
        result = UndoResult(package_id, entry["post_code"])
        for name in reversed(RECORD_KINDS):  # children first: their references go before their parents
            removed = [rid for rid, _ in undo.get((name, "inserted"), [])]
            restored = [prior for prior, _ in undo.get((name, "updated"), [])]
            _remove(db, name, removed)
            _restore(db, RECORD_KINDS[name], restored)
            _restore_states(db, name, entry["post_code"], undo.get((name, "state"), []))
            result.counts[name] = {"removed": len(removed), "restored": len(restored)}
        _undo_bookkeeping(db, package_id, entry["post_code"], undo)
        write_audit(db, officer, "undo-import",
                    changes={"package_id": package_id, "post": entry["post_code"], "counts": result.counts})
    return result


def _with_trigger_lifted(db: sqlite_utils.Database, trigger: str, statements: Iterable[tuple[str, Any]]) -> None:
    """Run statements with one guard trigger dropped, then made again from its own SQL, inside the
    caller's transaction (SQLite's DDL is transactional: a failure brings the trigger back too). The
    guards refuse deletes and revisions going back; undoing an import is the one place that must do both."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [trigger]).fetchone()[0]
    db.execute(f"DROP TRIGGER {trigger}")
    for statement, params in statements:
        db.conn.executemany(statement, params)
    db.execute(sql)


def _remove(db: sqlite_utils.Database, table: str, ids: list[str]) -> None:
    if not ids:
        return
    rows = [(rid,) for rid in ids]
    if table == "equipment_items":  # the serial index has no delete trigger: synced rows are never deleted
        db.conn.executemany("DELETE FROM serial_index WHERE item_id = ?", rows)
    _with_trigger_lifted(db, f"{table}_no_delete", [(f"DELETE FROM {table} WHERE id = ?", rows)])


def _restore(db: sqlite_utils.Database, kind: r.RecordKind, priors: list[list[Any]]) -> None:
    if not priors:
        return
    sets = ", ".join(f"{c} = ?" for c in kind.keys[1:])
    _with_trigger_lifted(db, f"{kind.name}_rev_forward",
                         [(f"UPDATE {kind.name} SET {sets} WHERE id = ?", [tuple(p[1:]) + (p[0],) for p in priors])])


def _restore_states(db: sqlite_utils.Database, table: str, post_code: str, entries: list[Any]) -> None:
    gone = [(table, rid) for rid, prior, _ in entries if prior is None]
    back = [(table, rid, post_code, *prior) for rid, prior, _ in entries if prior is not None]
    db.conn.executemany("DELETE FROM sync_record_state WHERE table_name = ? AND record_id = ?", gone)
    db.conn.executemany(
        "INSERT OR REPLACE INTO sync_record_state (table_name, record_id, post_code, post_rev_seen, hq_rev_agreed,"
        " post_incarnation_seen, post_seq_seen) VALUES (?, ?, ?, ?, ?, ?, ?)", back)


def _undo_bookkeeping(db: sqlite_utils.Database, package_id: str, post_code: str,
                      undo: dict[tuple[str, str], list[Any]]) -> None:
    """Conflicts it raised go, ones it replaced come back; its open review items go; a key it pinned
    first is forgotten; then its ledger entry and its journal."""
    for conflict_id, prior in sorted(undo.get(("sync_conflicts", "conflict"), []), reverse=True):
        if prior is None:
            db.execute("DELETE FROM sync_conflicts WHERE id = ?", [conflict_id])
        else:
            db.execute("UPDATE sync_conflicts SET package_id = ?, detected_at = ?, hq_rev = ?, post_rev = ?,"
                       " hq_version = ?, post_version = ? WHERE id = ?", [*prior, conflict_id])
    db.execute("DELETE FROM review_items WHERE package_id = ? AND status = 'open'", [package_id])
    if undo.get(("sync_peers", "peer")):
        db.execute("DELETE FROM sync_peers WHERE post_code = ?", [post_code])
    db.execute("DELETE FROM sync_imports WHERE package_id = ?", [package_id])
    db.execute("DELETE FROM import_undo WHERE package_id = ?", [package_id])


def conflict_prior(db: sqlite_utils.Database, conflict_id: int | None) -> list[Any] | None:
    """The fields of an open conflict an import is about to replace (see _undo_bookkeeping)."""
    if conflict_id is None:
        return None
    row = db.execute("SELECT package_id, detected_at, hq_rev, post_rev, hq_version, post_version FROM sync_conflicts"
                     " WHERE id = ?", [conflict_id]).fetchone()
    return list(row) if row else None
