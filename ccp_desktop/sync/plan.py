"""Planning an import at HQ: for every row of a package, what it will do (insert, update, tombstone, leave
unchanged, or conflict), decided by what HQ and the post last agreed about that record.

Per record HQ keeps two numbers: the post's rev it last saw, and HQ's own rev when the two last agreed.
- a row whose rev HQ has seen already (or an older one) changes nothing: an old rev never wins;
- a newer row for a record HQ has not changed since they agreed replaces it (or tombstones it);
- a newer row for a record HQ *has* changed since is a conflict: both versions are kept for a person.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.sync.package import Package, decode
from ccp_desktop.sync.result import empty_counts


@dataclass
class KindPlan:
    kind: r.RecordKind
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)
    expected_revs: list[int] = field(default_factory=list)  # HQ's rev of each updated record when planned
    states: list[tuple[str, int, int]] = field(default_factory=list)  # (id, post rev seen, HQ rev agreed)
    conflicts: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (hq, post)
    counts: dict[str, int] = field(default_factory=empty_counts)


@dataclass
class Plan:
    post_code: str
    kinds: dict[str, KindPlan] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        return {name: dict(p.counts) for name, p in self.kinds.items()}

    @property
    def changes_anything(self) -> bool:
        return any(p.inserts or p.updates or p.conflicts for p in self.kinds.values())


def _fetch(db: sqlite_utils.Database, sql: str, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """Rows for many ids in one query (a JSON array parameter, no temporary table)."""
    out: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 50_000):
        chunk = json.dumps(ids[start : start + 50_000])
        for row in db.execute(sql, [chunk]):
            out[row[0]] = tuple(row)
    return out


def _parents_known(db: sqlite_utils.Database, package: Package, kind: r.RecordKind, row: tuple[Any, ...]) -> bool:
    """Whether every record this row refers to is in the package or in the database (deleted or not)."""
    for index, spec in enumerate(kind.fields):
        target, value = spec.ref, row[index]
        if spec.type != r.REF or not value or not target:
            continue
        in_package = target in package.sheets and value in package.ids(target)
        if not in_package and db.execute(f"SELECT 1 FROM {target} WHERE id = ?", [value]).fetchone() is None:
            return False
    return True


def plan_kind(db: sqlite_utils.Database, package: Package, kind: r.RecordKind) -> KindPlan:
    plan = KindPlan(kind)
    sheet = package.sheets[kind.name]
    post = package.manifest["post_code"]
    keys = kind.keys
    rev_at, deleted_at, origin_at = keys.index("rev"), keys.index("deleted"), keys.index("origin_post")
    content = [i for i, f in enumerate(kind.fields) if not f.system or f.key == "deleted"]
    ids = [row[0] for row in sheet.rows]
    stored = _fetch(db, f"SELECT {', '.join(keys)} FROM {kind.name} WHERE id IN (SELECT value FROM json_each(?))", ids)
    states = _fetch(
        db,
        "SELECT record_id, post_rev_seen, hq_rev_agreed FROM sync_record_state"
        f" WHERE table_name = '{kind.name}' AND record_id IN (SELECT value FROM json_each(?))",
        ids,
    )
    for row, excel_row in zip(sheet.rows, sheet.excel_rows, strict=True):
        rid, rev, deleted = row[0], row[rev_at], row[deleted_at]
        plan.counts["read"] += 1
        hq = stored.get(rid)
        if hq is None:
            state = states.get(rid)
            if state is not None and rev <= state[1]:
                plan.counts["unchanged"] += 1  # HQ saw this deletion (or a later rev) already
                continue
            if deleted and not _parents_known(db, package, kind, row):
                # The deletion of a record whose parent HQ never received (its package is missing or
                # later): remember the rev, so an older live version arriving later cannot revive it.
                plan.states.append((rid, rev, 0))
                plan.counts["tombstoned"] += 1
                continue
            plan.inserts.append(row)
            plan.states.append((rid, rev, rev))
            plan.counts["tombstoned" if deleted else "inserted"] += 1
            continue
        if hq[origin_at] != post:
            package.problem(f"this record belongs to post {hq[origin_at]}; a package from {post} cannot change it",
                            sheet=kind.name, row=excel_row, column="id", value=rid)
            continue
        _, seen, agreed = states.get(rid, (rid, 0, 0))
        hq_rev = hq[rev_at]
        if rev <= seen:
            plan.counts["unchanged"] += 1  # seen already, or older than a version HQ holds: an old rev never wins
            continue
        if hq_rev > agreed:  # HQ changed it since they last agreed (or never agreed about it)
            if all(row[i] == hq[i] for i in content):
                plan.counts["unchanged"] += 1  # both sides made the same change
                plan.states.append((rid, rev, hq_rev))
            else:
                plan.conflicts.append((decode(kind, hq), decode(kind, row)))
                plan.states.append((rid, rev, agreed))
                plan.counts["conflicting"] += 1
            continue
        if row == hq:
            plan.counts["unchanged"] += 1
            plan.states.append((rid, rev, hq_rev))
            continue
        # HQ has not touched it since they agreed: the post's newer version replaces it. A rev at or below
        # HQ's (possible after a conflict was settled at HQ) moves on from HQ's, as revs never go back.
        written = rev if rev > hq_rev else hq_rev + 1
        new_row = row if written == rev else row[:rev_at] + (written,) + row[rev_at + 1 :]
        plan.updates.append(new_row)
        plan.expected_revs.append(hq_rev)
        plan.states.append((rid, rev, written))
        plan.counts["tombstoned" if deleted and not hq[deleted_at] else "updated"] += 1
    return plan


def make_plan(db: sqlite_utils.Database, package: Package, progress: Callable[[int], None] | None = None) -> Plan:
    plan = Plan(post_code=package.manifest["post_code"])
    for name, kind in RECORD_KINDS.items():
        plan.kinds[name] = plan_kind(db, package, kind)
        if progress:
            progress(len(package.sheets[name].rows))
    return plan
