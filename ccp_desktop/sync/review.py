"""Review items at HQ: the same serial number on items of two posts. The package that brings the second
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
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.transactions import write_transaction
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


def raise_serial_reviews(db: sqlite_utils.Database, package: Package) -> list[int]:
    """In the import's transaction: one review item per serial shared with another post's item (not
    again for a pair already under review); pairs no longer sharing the serial are settled."""
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


def list_review_items(db: sqlite_utils.Database, *, include_settled: bool = False) -> list[dict[str, Any]]:
    """Open items (and those waiting for a post), each with both deliveries side by side."""
    where = "" if include_settled else " WHERE status != 'settled'"
    out = []
    for row in db.execute(f"SELECT {', '.join(_COLUMNS)} FROM review_items{where} ORDER BY id"):
        item = dict(zip(_COLUMNS, row, strict=True))
        item["detail"] = json.loads(item["detail"])
        item["a"] = _side(db, item["record_a"], item["post_a"])
        item["b"] = _side(db, item["record_b"], item["post_b"])
        out.append(item)
    return out


def flagged_item_ids(db: sqlite_utils.Database) -> set[str]:
    """Items in a review not settled yet: marked in the lists."""
    rows = db.execute("SELECT record_a, record_b FROM review_items WHERE status != 'settled'")
    return {rid for pair in rows for rid in pair}


def settle_review_item(db: sqlite_utils.Database, review_id: int, action: str, *, note: str = "") -> dict[str, Any]:
    """Settle (moved, different) or ask the post (typo: the pair stays flagged). Audited."""
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
        db.execute("INSERT INTO audit_log (at, officer, action, table_name, record_id, changes) VALUES (?, ?, ?, ?, ?, ?)",
                   [now, install.officer, "serial-transfer" if action == "moved" else f"review-{action}",
                    item["table_name"], item["record_b"], json.dumps(changes, ensure_ascii=False)])
    return dict(item, status=status, action=action, note=note.strip() or None)
