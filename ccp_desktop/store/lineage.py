"""Incarnations: which life of a post's database a package or a version came from.

A post's database starts an incarnation at setup and a new one each time a backup is restored; the new
one's history is its parent's up to `branch_seq` (the journal sequence the backup had reached), then its
own. Journal sequences restart from the backup's after a restore, and revisions of records with them,
so neither can be compared across incarnations without the lineage: this module answers "does this
incarnation's history hold that sequence of that one?".

A lineage is a list of (incarnation, limit) from an incarnation up to its root: the incarnation itself
with no limit, then each ancestor with the highest sequence of it that the descendant inherited.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now

UNBOUNDED = None  # a limit of None: the whole of that incarnation's history is inherited
Lineage = list[tuple[str, int | None]]

_COLUMNS = "incarnation, post_code, parent, branch_seq, device_id, fingerprint, started_at, reason"


@dataclass(frozen=True)
class Incarnation:
    incarnation: str
    post_code: str
    parent: str | None
    branch_seq: int | None
    device_id: str | None
    fingerprint: str | None
    started_at: str
    reason: str


def legacy_incarnation(post_code: str) -> str:
    """The incarnation of packages made before incarnations existed (format 1) from one post."""
    return f"legacy:{post_code}"


def get_incarnation(db: sqlite_utils.Database, incarnation: str) -> Incarnation | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM incarnations WHERE incarnation = ?", [incarnation]).fetchone()
    return Incarnation(*row) if row else None


def lineage_of(db: sqlite_utils.Database, incarnation: str) -> Lineage:
    """(incarnation, limit) from `incarnation` to its root; limits shrink as the chain goes up."""
    out: Lineage = []
    limit: int | None = UNBOUNDED
    current: str | None = incarnation
    seen: set[str] = set()
    while current is not None and current not in seen:
        seen.add(current)
        out.append((current, limit))
        entry = get_incarnation(db, current)
        if entry is None:
            break
        if entry.branch_seq is not None:
            limit = entry.branch_seq if limit is None else min(limit, entry.branch_seq)
        current = entry.parent
    return out


def inherits(lineage: Lineage, incarnation: str | None, seq: int | None) -> bool:
    """Whether a history with this lineage holds change `seq` of `incarnation` (None seq: unknown, which
    only an unbounded inheritance can vouch for)."""
    for ancestor, limit in lineage:
        if ancestor == incarnation:
            return limit is UNBOUNDED or (seq is not None and seq <= limit)
    return False


def clip_ranges(lineage: Lineage, ranges_by_incarnation: dict[str, list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The sequence ranges a lineage holds, from the ranges received per incarnation, merged in order."""
    pieces = []
    for incarnation, limit in lineage:
        for start, end in ranges_by_incarnation.get(incarnation, []):
            if limit is not None:
                if start > limit:
                    continue
                end = min(end, limit)
            pieces.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# ---- at a post: its own lineage ---------------------------------------------------------------------


def own_lineage_entries(db: sqlite_utils.Database, incarnation: str) -> list[list[Any]]:
    """This database's lineage as it travels in a package's manifest: [incarnation, parent, branch_seq]."""
    out = []
    for name, _ in lineage_of(db, incarnation):
        entry = get_incarnation(db, name)
        if entry is not None:
            out.append([entry.incarnation, entry.parent, entry.branch_seq])
    return out


def begin_incarnation(db: sqlite_utils.Database, *, reason: str, branch_seq: int, fingerprint: str | None) -> str:
    """Start a new life of this database (after a restore): a new incarnation whose parent is the one the
    database had. The caller holds the transaction."""
    row = db.execute("SELECT post_code, device_id, incarnation FROM installation").fetchone()
    post_code, device_id, parent = row
    new = str(uuid.uuid4())
    db.execute(
        f"INSERT INTO incarnations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [new, post_code, parent, branch_seq, device_id, fingerprint, utc_now(), reason],
    )
    db.execute("UPDATE installation SET incarnation = ?", [new])
    return new


# ---- at HQ: every post's incarnations -----------------------------------------------------------------


def parse_lineage(text: str | None) -> list[tuple[str, str | None, int | None]]:
    """A manifest's `lineage` (JSON); [] when absent or malformed (the caller treats that as format 1)."""
    if not text:
        return []
    try:
        data = json.loads(text)
        return [(str(i), None if p is None else str(p), None if b is None else int(b)) for i, p, b in data]
    except (ValueError, TypeError):
        return []


def _adoptable_legacy(db: sqlite_utils.Database, post_code: str, fingerprint: str | None) -> str | None:
    """The post's format-1 history, if a new root incarnation signed with the same key continues it."""
    legacy = get_incarnation(db, legacy_incarnation(post_code))
    if legacy is None or legacy.fingerprint not in (None, fingerprint):
        return None
    adopted = db.execute("SELECT 1 FROM incarnations WHERE parent = ? AND reason = 'continues-legacy'",
                         [legacy.incarnation]).fetchone()
    return None if adopted else legacy.incarnation


def resolve_lineage(db: sqlite_utils.Database, post_code: str, entries: Sequence[tuple[str, str | None, int | None]],
                    fingerprint: str | None) -> Lineage:
    """The lineage a package's incarnation has (or will have once registered), read only. `entries`
    come from its manifest, its own incarnation first; none (format 1) means the post's legacy history."""
    if not entries:
        return lineage_of(db, legacy_incarnation(post_code))
    named = {e[0]: e for e in entries}
    out: Lineage = []
    limit: int | None = UNBOUNDED
    current: str | None = entries[0][0]
    seen: set[str] = set()
    while current is not None and current not in seen:
        seen.add(current)
        out.append((current, limit))
        known = get_incarnation(db, current)
        if known is not None:
            parent, branch = known.parent, known.branch_seq
        elif current in named:
            _, parent, branch = named[current]
            if parent is None:
                parent = _adoptable_legacy(db, post_code, fingerprint)
        else:
            break
        if branch is not None:
            limit = branch if limit is None else min(limit, branch)
        current = parent
    return out


def register_lineage(
    db: sqlite_utils.Database, post_code: str, entries: Sequence[tuple[str, str | None, int | None]], *,
    device_id: str | None, fingerprint: str | None,
) -> list[str]:
    """Record the incarnations a package names that HQ has not met; returns the new ones. A new root
    signed with the key HQ knew the post's old (format 1) packages by continues that legacy history."""
    added = []
    for incarnation, parent, branch_seq in reversed(list(entries)):  # root first
        if get_incarnation(db, incarnation) is not None:
            continue
        reason = "restore" if parent else "setup"
        if parent is None:
            parent = _adoptable_legacy(db, post_code, fingerprint)
            reason = "continues-legacy" if parent else reason
        db.execute(
            f"INSERT INTO incarnations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [incarnation, post_code, parent, branch_seq, device_id, fingerprint, utc_now(), reason],
        )
        added.append(incarnation)
    return added


def ensure_legacy(db: sqlite_utils.Database, post_code: str, fingerprint: str | None) -> str:
    """The legacy incarnation of a post, made when its first format-1 package arrives."""
    name = legacy_incarnation(post_code)
    if get_incarnation(db, name) is None:
        db.execute(f"INSERT INTO incarnations ({_COLUMNS}) VALUES (?, ?, NULL, NULL, NULL, ?, ?, 'legacy')",
                   [name, post_code, fingerprint, utc_now()])
    return name


def incarnations_of(db: sqlite_utils.Database, post_code: str) -> list[Incarnation]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM incarnations WHERE post_code = ? ORDER BY started_at", [post_code])
    return [Incarnation(*row) for row in rows]


def children_of(db: sqlite_utils.Database, names: Iterable[str]) -> list[Incarnation]:
    wanted = list(names)
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM incarnations WHERE parent IN (SELECT value FROM json_each(?))", [json.dumps(wanted)]
    )
    return [Incarnation(*row) for row in rows]
