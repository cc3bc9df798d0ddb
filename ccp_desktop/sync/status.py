"""Where sync stands, for the dashboard and the Sync screen: changes waiting, packages sent and received,
and at HQ which posts are up to date and which packages are missing."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ccp_desktop.store import sync_state


def pending_change_count(db: sqlite_utils.Database) -> int:
    """Journal entries not yet in any exported package."""
    start = sync_state.exported_seq(db)
    return int(db.execute("SELECT count(*) FROM change_journal WHERE seq > ?", [start]).fetchone()[0])


def last_export(db: sqlite_utils.Database) -> dict[str, Any] | None:
    entry = sync_state.last_data_export(db)
    if entry is None:
        return None
    return {k: entry[k] for k in ("package_id", "created_at", "path", "kind", "seq_from", "seq_to")}


def last_receipt(db: sqlite_utils.Database) -> dict[str, Any] | None:
    receipts = sync_state.list_imports(db, kind="receipt", limit=1)
    if not receipts:
        return None
    entry = receipts[0]
    notes = entry["summary"].get("hq_notes") or {"refused": [], "settled": []}
    return {"package_id": entry["package_id"], "created_at": entry["created_at"], "confirmed_seq": entry["seq_to"],
            "hq_notes": notes}


def hq_glance(db: sqlite_utils.Database) -> dict[str, Any]:
    """At HQ, for the status bar and the Sync page: the posts' packages imported (how many, from how many
    posts, the newest) and the newest receipt written. HQ exports no data package, so it has no changes
    waiting to be sent: every record it holds is in its journal, and counting them says nothing."""
    packages, posts = db.execute(
        "SELECT count(*), count(DISTINCT post_code) FROM sync_imports WHERE kind != 'receipt'").fetchone()
    newest = sync_state.list_imports(db, kind="data", limit=1)
    receipt = sync_state.last_receipt_export(db)
    return {
        "packages": int(packages), "posts": int(posts),
        "last_import": {k: newest[0][k] for k in ("post_code", "created_at", "imported_at")} if newest else None,
        "last_receipt": {k: receipt[k] for k in ("for_post", "created_at")} if receipt else None,
    }


def _counts_text(counts: dict[str, Any]) -> str:
    parts = []
    for name, value in counts.items():
        number = value.get("read", 0) if isinstance(value, dict) else value
        if number:
            parts.append(f"{number:,} {name.replace('_', ' ')}")
    return ", ".join(parts) or "no rows"


def package_history(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Packages sent and received, newest first."""
    out = []
    for entry in sync_state.list_exports(db):
        summary = (f"receipt for {entry['for_post']}: everything up to {entry['seq_to']}" if entry["kind"] == "receipt"
                   else _counts_text(entry["counts"]))
        out.append({"direction": "sent", "kind": entry["kind"], "package_id": entry["package_id"],
                    "at": entry["created_at"], "seq_from": entry["seq_from"], "seq_to": entry["seq_to"],
                    "path": entry["path"], "summary": summary})
    for entry in sync_state.list_imports(db):
        if entry["kind"] == "receipt":
            summary = f"receipt from {entry['post_code']}: HQ holds everything up to {entry['seq_to']}"
        else:
            summary = f"from {entry['post_code']}: {_counts_text(entry['summary'].get('counts', {}))}"
            if entry["summary"].get("conflicts"):
                summary += f"; {entry['summary']['conflicts']} conflicts"
        out.append({"direction": "received", "kind": entry["kind"], "package_id": entry["package_id"],
                    "at": entry["imported_at"], "seq_from": entry["seq_from"], "seq_to": entry["seq_to"],
                    "path": None, "summary": summary})
    out.sort(key=lambda e: e["at"], reverse=True)
    return out


def post_overview(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """At HQ, one entry per post heard from: last package, confirmed sequence, missing ranges, open conflicts."""
    posts = [row[0] for row in db.execute(
        "SELECT DISTINCT post_code FROM sync_imports WHERE kind != 'receipt' ORDER BY post_code")]
    out = []
    for post in posts:
        imports = sync_state.list_imports(db, post_code=post, kind="data")
        ranges = sync_state.covered_ranges(db, post)
        open_conflicts = db.execute(
            "SELECT count(*) FROM sync_conflicts WHERE post_code = ? AND status = 'open'", [post]).fetchone()[0]
        out.append({
            "post_code": post,
            "last_import_at": imports[0]["imported_at"] if imports else None,
            "last_package_created_at": max(e["created_at"] for e in imports) if imports else None,
            "packages": len(imports),
            "confirmed_seq": sync_state.confirmed_seq(db, post),
            "highest_seq": max((end for _, end in ranges), default=0),
            "missing": sync_state.missing_ranges(ranges),
            "open_conflicts": int(open_conflicts),
        })
    return out


def hq_notes_text(notes: dict[str, Any], *, max_problems: int = 10) -> str:
    """At a post, what HQ's last receipt said besides what arrived: refused packages with the rows to fix,
    and the conflicts HQ settled (which version, or which side each field came from)."""
    lines = []
    for refused in notes.get("refused") or []:
        lines.append(f"HQ refused {refused.get('file_name')} (changes {refused.get('seq_from')}–{refused.get('seq_to')}). "
                     "Fix these, then export again:")
        for p in (refused.get("problems") or [])[:max_problems]:
            where = ", ".join(x for x in (p.get("sheet") or "", f"row {p['row']}" if p.get("row") else "",
                                          f"column {p.get('column')}" if p.get("column") else "") if x)
            lines.append(f"  • {where}: {p.get('message')}")
    kept_words = {"post": "your version", "hq": "HQ's version"}
    for settled in notes.get("settled") or []:
        what = f"{settled.get('table', '').replace('_', ' ')} “{settled.get('title') or settled.get('record_id')}”"
        if settled.get("kept") == "fields":
            fields = settled.get("fields") or {}
            mine = [k for k, side in fields.items() if side == "post"]
            theirs = [k for k, side in fields.items() if side == "hq"]
            lines.append(f"HQ settled a conflict on {what}: yours for {', '.join(mine) or 'no field'}, HQ's for "
                         f"{', '.join(theirs) or 'no field'}.")
        else:
            lines.append(f"HQ settled a conflict on {what}: kept {kept_words.get(settled.get('kept', ''), 'a version')}.")
    return "\n".join(lines)
