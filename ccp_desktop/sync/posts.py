"""HQ's posts desk: every post in the reference data and every post heard from, with its key, its last
package, what HQ holds of its history and what to ask it for, open conflicts, refusals with their
reasons, and whether it is overdue (no package for longer than the threshold in settings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.errors import Problem, ValidationError
from ccp_desktop.store import refusal_log, sync_state
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync.refusals import refused_since_last_import
from ccp_desktop.sync.status import post_overview

OVERDUE_SETTING, DEFAULT_OVERDUE_DAYS = "overdue_days", 14


def overdue_days(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [OVERDUE_SETTING]).fetchone()
    try:
        return int(row[0]) if row else DEFAULT_OVERDUE_DAYS
    except ValueError:
        return DEFAULT_OVERDUE_DAYS


def set_overdue_days(db: sqlite_utils.Database, days: int) -> None:
    if days < 1:
        raise ValidationError([Problem("overdue_days", "must be 1 day or more", days)])
    officer = require_installation(db).officer
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [OVERDUE_SETTING, str(days)])
        write_audit(db, officer, "setting", changes={OVERDUE_SETTING: days})


def _days_since(stamp: str | None, now: dt.datetime) -> int | None:
    if not stamp:
        return None
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max((now - moment).days, 0)


def ask_text(post_code: str, missing: list[tuple[int, int]], refusals: list[dict[str, Any]] | None = None) -> str:
    """What to ask a post for: "ask FJ-SUVA for changes 1185–1669". A hole a refused package covers is
    not lost: the post is asked to fix what was refused, not to resend the same package again."""
    if not missing:
        return ""
    lost: list[str] = []
    refused: list[str] = []
    for a, b in missing:
        hit = any((r["seq_from"] or 0) <= b and a <= (r["seq_to"] or 0) for r in refusals or [])
        (refused if hit else lost).append(f"{a}–{b}" if a != b else str(a))
    parts = []
    if lost:
        parts.append(f"ask {post_code} for changes {', '.join(lost)}")
    if refused:
        parts.append(f"changes {', '.join(refused)} were refused: send {post_code} the reasons to fix")
    return "; ".join(parts)


def posts_desk(db: sqlite_utils.Database, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One entry per post (HQ's own code left out), posts heard from and reference posts alike."""
    now = now or dt.datetime.now(dt.UTC)
    own = require_installation(db).post_code
    ref = load_reference()
    labels = {p["code"]: p["label"] for p in ref.entries("posts")}
    heard = {p["post_code"]: p for p in post_overview(db)}
    refusal_posts = refusal_log.refused_posts(db)
    codes = sorted(({*labels, *heard, *sync_state.peer_codes(db), *refusal_posts}) - {own})
    threshold = overdue_days(db)
    out = []
    for code in codes:
        seen = heard.get(code, {})
        peer = sync_state.get_peer(db, code)
        days = _days_since(seen.get("last_package_created_at"), now)
        missing = seen.get("missing", [])
        refusals = refused_since_last_import(db, code)
        out.append({
            "post_code": code,
            "name": labels.get(code, "(not in the reference list)"),
            "fingerprint": peer["fingerprint"] if peer else None,
            "pinned_at": peer["pinned_at"] if peer else None,
            "pinned_how": peer["pinned_how"] if peer else None,
            "packages": seen.get("packages", 0),
            "last_package_created_at": seen.get("last_package_created_at"),
            "last_import_at": seen.get("last_import_at"),
            "confirmed_seq": seen.get("confirmed_seq", 0),
            "highest_seq": seen.get("highest_seq", 0),
            "missing": missing,
            "ask": ask_text(code, missing, refusals),
            "open_conflicts": seen.get("open_conflicts", 0),
            "days_since_last_package": days,
            "overdue": days is not None and days > threshold,
            "overdue_days": threshold,
            "refusals": refusals,
            "imports": sync_state.list_imports(db, post_code=code, kind="data"),  # newest first: each can be undone
        })
    # Posts heard from (or expected: a key registered, a refusal) first, then those not heard from yet.
    out.sort(key=lambda p: (not (p["packages"] or p["fingerprint"] or p["refusals"]), p["post_code"]))
    return out
