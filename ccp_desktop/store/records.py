"""Reading and writing synced records. Every write validates through the domain first, runs in one
transaction, bumps `rev`, stamps who and when, and leaves an audit entry; the triggers journal it."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sized
from itertools import islice
from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import STORED_FORM, coerce_record, utc_now
from ccp_desktop.domain.validation import first_invalid, validate_record
from ccp_desktop.errors import NotFoundError, Problem, ValidationError
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.bulk_insert import RowWriter, bulk_load
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.transactions import write_transaction

BULK_BATCH = 5_000  # records a bulk load validates, encodes and inserts at a time


class StoreLookup:
    """Answers validation's questions about other records from the database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def exists(self, kind: str, record_id: str) -> bool:
        row = self.db.execute(f"SELECT 1 FROM {r.record_kind(kind).name} WHERE id = ? AND deleted = 0", [record_id])
        return row.fetchone() is not None

    def serial_owner(self, serial: str, post: str | None = None) -> str | None:
        """With `post`, the item of that post holding the serial: the index is unique per (serial, post), and
        at HQ an item of another post holding it is a review item, not a reason to refuse the save."""
        if post is None:
            row = self.db.execute("SELECT item_id FROM serial_index WHERE serial = ?", [serial]).fetchone()
        else:
            row = self.db.execute("SELECT item_id FROM serial_index WHERE serial = ? AND post = ?", [serial, post]).fetchone()
        return row[0] if row else None


def decode_row(kind: r.RecordKind, row: Mapping[str, Any]) -> dict[str, Any]:
    """A database row in stored form (JSON lists decoded, money from integer cents to AUD)."""
    out = dict(row)
    for field in kind.fields:
        form = STORED_FORM.get(field.type)
        if form is not None and field.key in out:
            out[field.key] = form[1](out[field.key])
    return out


def encode_row(kind: r.RecordKind, record: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for field in kind.fields:
        value = record.get(field.key)
        form = STORED_FORM.get(field.type)
        out[field.key] = value if form is None else form[0](value)
    return out


def get_record(db: sqlite_utils.Database, kind_name: str, record_id: str) -> dict[str, Any]:
    kind = r.record_kind(kind_name)
    row = db.execute(f"SELECT * FROM {kind.name} WHERE id = ?", [record_id]).fetchone()
    if row is None:
        raise NotFoundError(f"No {kind.label.lower()} with id {record_id}")
    cols = [d[0] for d in db.execute(f"SELECT * FROM {kind.name} LIMIT 0").description]
    return decode_row(kind, dict(zip(cols, row, strict=True)))


def iter_records(
    db: sqlite_utils.Database, kind_name: str, *, include_deleted: bool = False, where: str = "", params: Iterable[Any] = ()
) -> Iterator[dict[str, Any]]:
    kind = r.record_kind(kind_name)
    clauses = [] if include_deleted else ["deleted = 0"]
    if where:
        clauses.append(f"({where})")
    sql = f"SELECT * FROM {kind.name}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "") + " ORDER BY rowid"
    for row in db.query(sql, list(params)):
        yield decode_row(kind, row)


def _prepare(kind: r.RecordKind, values: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce user-facing values, refusing system fields a caller must not set."""
    user_values = {k: v for k, v in values.items() if k not in {f.key for f in r.SYSTEM_FIELDS}}
    record, problems = coerce_record(kind, user_values)
    if problems:
        raise ValidationError(problems)
    return record


def _check(db: sqlite_utils.Database, kind: r.RecordKind, record: Mapping[str, Any]) -> None:
    problems = validate_record(kind, record, lookup=StoreLookup(db))
    problems.extend(_unique_link_problems(db, kind, record))
    if problems:
        raise ValidationError(problems)


def _unique_link_problems(db: sqlite_utils.Database, kind: r.RecordKind, record: Mapping[str, Any]) -> list[Problem]:
    if kind.name != "activity_partners" or record.get("deleted"):
        return []
    row = db.execute(
        "SELECT 1 FROM activity_partners WHERE activity_id = ? AND partner_id = ? AND deleted = 0 AND id != ?",
        [record.get("activity_id"), record.get("partner_id"), record.get("id") or ""],
    ).fetchone()
    return [Problem("partner_id", "This partner is already linked to the activity", record.get("partner_id"))] if row else []


def _audit(db: sqlite_utils.Database, officer: str, action: str, kind: r.RecordKind, rec_id: str, rev: int, changes: Any) -> None:
    write_audit(db, officer, action, kind.name, rec_id, rev, changes)


def _write(db: sqlite_utils.Database, kind: r.RecordKind, record: Mapping[str, Any], *, replace: bool) -> None:
    row = encode_row(kind, record)
    cols = list(row)
    slots = ", ".join("?" for _ in cols)
    if replace:
        sets = ", ".join(f"{c} = ?" for c in cols if c != "id")
        db.execute(f"UPDATE {kind.name} SET {sets} WHERE id = ?", [row[c] for c in cols if c != "id"] + [row["id"]])
    else:
        db.execute(f"INSERT INTO {kind.name} ({', '.join(cols)}) VALUES ({slots})", [row[c] for c in cols])


def insert_record(db: sqlite_utils.Database, kind_name: str, values: Mapping[str, Any], *, officer: str | None = None) -> dict[str, Any]:
    """Create a record; returns it in stored form. Raises ValidationError naming every bad field."""
    kind = r.record_kind(kind_name)
    install = require_installation(db)
    record = r.blank_record(kind) | _prepare(kind, values)
    record.update(
        id=str(uuid.uuid4()),
        origin_post=install.post_code,
        rev=1,
        updated_at=utc_now(),
        updated_by=officer or install.officer,
        deleted=0,
    )
    if kind.name == "activities" and not record.get("dac_code") and record.get("activity_type"):
        from ccp_desktop.domain.reference import load_reference

        record["dac_code"] = load_reference().default_dac_code(record["activity_type"])
    with write_transaction(db):
        _check(db, kind, record)
        _write(db, kind, record, replace=False)
        _audit(db, record["updated_by"], "create", kind, record["id"], 1, {k: v for k, v in record.items() if v not in (None, [], "")})
    return record


def update_record(
    db: sqlite_utils.Database,
    kind_name: str,
    record_id: str,
    changes: Mapping[str, Any],
    *,
    officer: str | None = None,
    expected_rev: int | None = None,
) -> dict[str, Any]:
    """Change some fields of a live record. `expected_rev` guards against editing a stale copy."""
    kind = r.record_kind(kind_name)
    install = require_installation(db)
    updates = _prepare(kind, changes)
    with write_transaction(db):
        current = get_record(db, kind.name, record_id)
        if current["deleted"]:
            raise NotFoundError(f"This {kind.label.lower()} has been deleted")
        if expected_rev is not None and current["rev"] != expected_rev:
            raise ValidationError(
                [Problem("rev", "the record was changed elsewhere since you opened it; reopen it", current["rev"])]
            )
        diff = {k: [current.get(k), v] for k, v in updates.items() if current.get(k) != v}
        if not diff:
            return current
        record = current | updates
        record.update(rev=current["rev"] + 1, updated_at=utc_now(), updated_by=officer or install.officer)
        _check(db, kind, record)
        _write(db, kind, record, replace=True)
        _audit(db, record["updated_by"], "update", kind, record_id, record["rev"], diff)
    return record


def tombstone_record(db: sqlite_utils.Database, kind_name: str, record_id: str, *, officer: str | None = None) -> dict[str, Any]:
    """Mark a record deleted. Its dependants (links, items) are tombstoned with it."""
    kind = r.record_kind(kind_name)
    install = require_installation(db)
    who = officer or install.officer
    with write_transaction(db):
        current = get_record(db, kind.name, record_id)
        if current["deleted"]:
            return current
        blockers = deletion_blockers(db, kind.name, record_id)
        if blockers:
            raise ValidationError(blockers)
        for child_kind, fk in _DEPENDANTS.get(kind.name, ()):
            for child in list(iter_records(db, child_kind, where=f"{fk} = ?", params=[record_id])):
                tombstone_record(db, child_kind, child["id"], officer=who)
        record = current | {"deleted": 1, "rev": current["rev"] + 1, "updated_at": utc_now(), "updated_by": who}
        _write(db, kind, record, replace=True)
        _audit(db, who, "delete", kind, record_id, record["rev"], None)
    return record


def _refusal(kind: r.RecordKind, exc: sqlite3.IntegrityError) -> ValidationError:
    """A bulk load's records refused by the schema, in plain words."""
    text = str(exc)
    if "serial_index" in text:
        reason = "a serial number is already recorded on another item"
    elif "FOREIGN KEY" in text:
        reason = "a record refers to a record that does not exist"
    elif "UNIQUE" in text:
        reason = "a record with the same id exists already"
    else:
        reason = text
    return ValidationError([Problem("id", reason)], f"{kind.plural}: {reason}; nothing was written")


# Records that cannot outlive the record they point at. Deliveries keep their (optional) activity link.
_DEPENDANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "activities": (("activity_partners", "activity_id"), ("attachments", "activity_id")),
    "partners": (("activity_partners", "partner_id"),),
    "equipment_deliveries": (("equipment_items", "delivery_id"), ("attachments", "delivery_id")),
    "equipment_items": (("attachments", "item_id"),),
}


def dependants_of(kind_name: str) -> tuple[tuple[str, str], ...]:
    """(child table, column) of the records deleted with a record of this kind."""
    return _DEPENDANTS.get(kind_name, ())


# Live records that point at a record and must not be left pointing at a deleted one. They are not
# deleted with it (a delivery is not part of its recipient): the person changes or deletes them first.
_BLOCKERS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "partners": (("equipment_deliveries", "recipient_partner_id", "is the recipient of"),),
    "activities": (("equipment_deliveries", "activity_id", "is linked to"),),
}


def deletion_blockers(db: sqlite_utils.Database, kind_name: str, record_id: str) -> list[Problem]:
    """Why a record cannot be deleted yet (live records that point at it), each in plain words."""
    kind = r.record_kind(kind_name)
    out = []
    for table, fk, verb in _BLOCKERS.get(kind.name, ()):
        n = db.execute(f"SELECT count(*) FROM {table} WHERE {fk} = ? AND deleted = 0", [record_id]).fetchone()[0]
        if n:
            what = r.record_kind(table).label.lower() if n == 1 else r.record_kind(table).plural.lower()
            out.append(Problem("id", f"This {kind.label.lower()} {verb} {n} {what}; change or delete "
                               f"{'it' if n == 1 else 'them'} first", record_id))
    return out


def insert_records_bulk(
    db: sqlite_utils.Database, kind_name: str, rows: Iterable[Mapping[str, Any]], *, officer: str | None = None, validate: bool = True
) -> int:
    """Insert many new records in one transaction (demo data, bulk loads). All or nothing."""
    kind = r.record_kind(kind_name)
    install = require_installation(db)
    who = officer or install.officer
    now = utc_now()
    stamped = (
        r.blank_record(kind) | dict(values) | {"id": values.get("id") or str(uuid.uuid4()), "origin_post": install.post_code,
                                               "rev": 1, "updated_at": now, "updated_by": who, "deleted": 0}
        for values in rows)
    # Known in advance for a list (a generator counts as one batch): how to load, not what is loaded.
    adding = len(rows) if isinstance(rows, Sized) else BULK_BATCH
    count = 0
    try:
        with write_transaction(db), bulk_load(db, kind, adding) as write:
            while batch := list(islice(stamped, BULK_BATCH)):
                _insert_records(kind, batch, count, validate, write)
                count += len(batch)
            write_audit(db, who, "bulk-create", kind.name, changes={"count": count})
    except sqlite3.IntegrityError as exc:  # the schema's verdict (references, serials), after the rollback
        raise _refusal(kind, exc) from None
    return count


def _insert_records(kind: r.RecordKind, records: list[dict[str, Any]], before: int, validate: bool,
                    write: RowWriter) -> None:
    """One batch of a bulk load, the `before` records ahead of it already written in the transaction."""
    if validate:
        # Field rules a column at a time; references and serial uniqueness are enforced by the schema
        # (foreign keys, serial_index) for the whole batch at once.
        refused = first_invalid(kind, records)
        if refused is not None:
            at, problems = refused
            raise ValidationError(problems, f"record {before + at + 1}: " + "; ".join(p.describe() for p in problems))
    # encode_row's work, straight into the row in column order, each field's encoder looked up once a batch
    forms = [(f.key, STORED_FORM[f.type][0] if f.type in STORED_FORM else None) for f in kind.fields]
    rows = [[record.get(key) if encode is None else encode(record.get(key)) for key, encode in forms]
            for record in records]
    write(rows)
