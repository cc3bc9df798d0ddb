"""Review items at HQ: the same serial number on items of two posts, and likely duplicate activities of two
posts (sync/duplicates.py: merged, or dismissed as different). For serials, the package that brings the second
one imports (one typo, or one laptop moved from Suva to Port Vila, no longer blocks everything else the
post sent) and a person looks at both deliveries side by side, then settles the pair:

- "moved": the same item moved between posts; the transfer is recorded (audit) and the flag cleared;
- "typo": one post mistyped it; HQ asks that post (the note says what), the items stay flagged until a
  package from it no longer carries the serial;
- "different": two different items that happen to share it; dismissed with a note."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.errors import NotFoundError, Problem, ValidationError
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync import duplicates
from ccp_desktop.sync.package import Package

ACTIONS = ("moved", "typo", "different")
_COLUMNS = ("id", "kind", "table_name", "record_a", "post_a", "record_b", "post_b", "detail", "package_id", "raised_at",
            "status", "action", "note", "settled_at", "settled_by")


def collision_warnings(package: Package) -> list[str]:
    return [f"Serial number {serial!r} is also on an item of {post}: the package imports, and a review item pairs "
            "the two for a person to settle" for serial, _item, _other, post in package.serial_collisions]


def _open_for(db: sqlite_utils.Database, serial: str, a: str, b: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM review_items WHERE kind = 'serial' AND status != 'settled' AND"
        " ((record_a = ? AND record_b = ?) OR (record_a = ? AND record_b = ?)) AND json_extract(detail, '$.serial') = ?"
        " COLLATE NOCASE", [a, b, b, a, serial]).fetchone()
    return row is not None


def raise_import_reviews(db: sqlite_utils.Database, package: Package) -> list[int]:
    """In the import's transaction: review items for the serials the package shares with other posts, then
    for its activities that look like another post's (only those against the rest: cheap)."""
    ids = _raise_serial_reviews(db, package)
    if package.sheets.get("activities") is not None:
        ids += duplicates.raise_duplicate_reviews(db, package.ids("activities"), package.manifest["package_id"],
                                                  package.manifest["post_code"])
    return ids


def _raise_serial_reviews(db: sqlite_utils.Database, package: Package) -> list[int]:
    """One review item per serial shared with another post's item (not again for a pair already under
    review); pairs no longer sharing the serial are settled."""
    _settle_resolved(db)
    post, ids = package.manifest["post_code"], []
    now = utc_now()
    for serial, item, other, other_post in package.serial_collisions:
        if _open_for(db, serial, other, item):
            continue
        cursor = db.execute(
            "INSERT INTO review_items (kind, table_name, record_a, post_a, record_b, post_b, detail, package_id, raised_at)"
            " VALUES ('serial', 'equipment_items', ?, ?, ?, ?, ?, ?, ?)",
            [other, other_post, item, post, json.dumps({"serial": serial}), package.manifest["package_id"], now])
        ids.append(int(cursor.lastrowid or 0))
    return ids


def _settle_resolved(db: sqlite_utils.Database) -> None:
    """A pair whose items no longer share the serial (a post fixed its typo, an item was deleted) is done."""
    rows = db.execute("SELECT id, record_a, record_b, json_extract(detail, '$.serial') FROM review_items"
                      " WHERE kind = 'serial' AND status != 'settled'").fetchall()
    for review_id, a, b, serial in rows:
        held = {r[0] for r in db.execute("SELECT item_id FROM serial_index WHERE serial = ?", [serial])}
        if not {a, b} <= held:
            db.execute("UPDATE review_items SET status = 'settled', action = coalesce(action, 'typo'), settled_at = ?,"
                       " settled_by = 'import', note = coalesce(note || '; ', '') || 'the serial is no longer on both items'"
                       " WHERE id = ?", [utc_now(), review_id])


# The importer (sync/importer.py) calls the hook by its first name.

_ACTIVITY_SIDE = ("title", "country", "activity_type", "start_date", "end_date", "location", "status",
                  "participants", "spend_aud", "deleted")


def _activity_side(db: sqlite_utils.Database, activity_id: str, post: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT title, country, activity_type, start_date, end_date, location, status, ifnull(participants_female, 0)"
        " + ifnull(participants_male, 0) + ifnull(participants_other, 0), spend_aud, deleted FROM activities WHERE id = ?",
        [activity_id]).fetchone()
    side: dict[str, Any] = {"activity_id": activity_id, "post": post, "merged_into": duplicates.merged_into(db, activity_id)}
    if row is not None:
        side.update(zip(_ACTIVITY_SIDE, row, strict=True))
        side["spend_aud"] = None if side["spend_aud"] is None else side["spend_aud"] / 100  # stored in cents
    return side


def _side(db: sqlite_utils.Database, item_id: str, post: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT i.description, i.make_model, i.serials, i.asset_tag, d.id, d.delivered_on, d.handover_ref, d.country,"
        " p.name, i.deleted FROM equipment_items i JOIN equipment_deliveries d ON d.id = i.delivery_id"
        " LEFT JOIN partners p ON p.id = d.recipient_partner_id WHERE i.id = ?", [item_id]).fetchone()
    side: dict[str, Any] = {"item_id": item_id, "post": post}
    if row is not None:
        keys = ("description", "make_model", "serials", "asset_tag", "delivery_id", "delivered_on", "handover_ref",
                "country", "recipient", "deleted")
        side.update(zip(keys, row, strict=True))
        side["serials"] = json.loads(side["serials"] or "[]")
    return side


def list_review_items(db: sqlite_utils.Database, *, include_settled: bool = False,
                      kind: str | None = None) -> list[dict[str, Any]]:
    """Open items (and those waiting for a post), each with both records side by side: deliveries for a
    serial, activities for a likely duplicate."""
    clauses, params = ([] if include_settled else ["status != 'settled'"]), []
    if kind:
        clauses.append("kind = ?")
        params.append(kind)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    out = []
    for row in db.execute(f"SELECT {', '.join(_COLUMNS)} FROM review_items{where} ORDER BY id", params).fetchall():
        item = dict(zip(_COLUMNS, row, strict=True))
        item["detail"] = json.loads(item["detail"])
        side = _activity_side if item["kind"] == duplicates.KIND else _side
        item["a"] = side(db, item["record_a"], item["post_a"])
        item["b"] = side(db, item["record_b"], item["post_b"])
        out.append(item)
    return out


def flagged_item_ids(db: sqlite_utils.Database) -> set[str]:
    """Items and activities in a review not settled yet: marked in the lists."""
    rows = db.execute("SELECT record_a, record_b FROM review_items WHERE status != 'settled'")
    return {rid for pair in rows for rid in pair}


def review_notes(db: sqlite_utils.Database, kind: str, record_id: str) -> list[str]:
    """What the detail pane says about a record under review (a delivery: about its items), or merged."""
    if kind == "equipment_deliveries":
        ids = [r[0] for r in db.execute("SELECT id FROM equipment_items WHERE delivery_id = ?", [record_id])]
    elif kind == "activities":
        ids = [record_id]
    else:
        return []
    notes = []
    for record in ids:
        for review_id, item_kind, a, post_a, b, post_b, detail, status in db.execute(
                "SELECT id, kind, record_a, post_a, record_b, post_b, detail, status FROM review_items"
                " WHERE status != 'settled' AND (record_a = ? OR record_b = ?) ORDER BY id", [record, record]).fetchall():
            other_post = post_b if record == a else post_a
            waiting = " (HQ asked the post to check it)" if status == "asked-post" else ""
            if item_kind == duplicates.KIND:
                other = b if record == a else a
                title = db.execute("SELECT title FROM activities WHERE id = ?", [other]).fetchone()
                notes.append(f"Review item #{review_id}: likely the same activity as {other_post}'s "
                             f"{title[0] if title else other!r}. Merge or dismiss it on the Review page.")
            else:
                serial = json.loads(detail).get("serial")
                notes.append(f"Review item #{review_id}: serial number {serial} is also on an item of {other_post}"
                             f"{waiting}. Settle it on the Review page.")
    if kind == "activities" and (kept := duplicates.merged_into(db, record_id)) is not None:
        row = db.execute("SELECT origin_post, title FROM activities WHERE id = ?", [kept]).fetchone()
        notes.append(f"Merged: the same activity as {row[0]}'s {row[1]!r}, which HQ's figures count instead."
                     if row else f"Merged into activity {kept}.")
    return notes


def settle_review_item(db: sqlite_utils.Database, review_id: int, action: str, *, note: str = "",
                       keep: str = "a") -> dict[str, Any]:
    """Settle (moved, different) or ask the post (typo: the pair stays flagged); a likely duplicate activity
    is merged (`keep`: which one is counted, 'a' the first recorded) or different. Audited."""
    kind_row = db.execute("SELECT kind FROM review_items WHERE id = ?", [review_id]).fetchone()
    if kind_row is not None and kind_row[0] == duplicates.KIND:
        return _settle_duplicate(db, review_id, action, note=note, keep=keep)
    if action not in ACTIONS:
        raise ValidationError([Problem("action", f"choose one of {', '.join(ACTIONS)}", action)])
    if action == "different" and not note.strip():
        raise ValidationError([Problem("note", "say why these are different items (the note is kept)", note)])
    install = require_installation(db)
    with write_transaction(db):
        row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM review_items WHERE id = ?", [review_id]).fetchone()
        if row is None:
            raise NotFoundError(f"No review item number {review_id}")
        item = dict(zip(_COLUMNS, row, strict=True))
        if item["status"] == "settled":
            raise ValidationError([Problem("id", f"review item {review_id} was settled already ({item['action']} on "
                                                 f"{item['settled_at']} by {item['settled_by']})", review_id)])
        status = "asked-post" if action == "typo" else "settled"
        now = utc_now()
        db.execute("UPDATE review_items SET status = ?, action = ?, note = ?, settled_at = ?, settled_by = ? WHERE id = ?",
                   [status, action, note.strip() or None, now if status == "settled" else None,
                    install.officer if status == "settled" else None, review_id])
        detail = json.loads(item["detail"])
        changes = {"review": review_id, "action": action, "note": note.strip(), "serial": detail.get("serial"),
                   "from": {"post": item["post_a"], "item": item["record_a"]},
                   "to": {"post": item["post_b"], "item": item["record_b"]}}
        write_audit(db, install.officer, "serial-transfer" if action == "moved" else f"review-{action}",
                    item["table_name"], item["record_b"], changes=changes)
    return dict(item, status=status, action=action, note=note.strip() or None)


def _settle_duplicate(db: sqlite_utils.Database, review_id: int, action: str, *, note: str, keep: str) -> dict[str, Any]:
    with write_transaction(db):
        row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM review_items WHERE id = ?", [review_id]).fetchone()
        item = dict(zip(_COLUMNS, row, strict=True))
        if item["status"] == "settled":
            raise ValidationError([Problem("id", f"review item {review_id} was settled already ({item['action']} on "
                                                 f"{item['settled_at']} by {item['settled_by']})", review_id)])
        duplicates.settle_duplicate(db, item, action, note=note, keep=keep)
    return dict(item, status="settled", action=action, note=note.strip() or None)
