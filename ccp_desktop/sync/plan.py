"""Planning an import at HQ: for every row of a package, what it will do (insert, update, tombstone, leave
unchanged, or conflict), decided by what HQ and the post last agreed about that record.

Per record HQ keeps the post's version it last saw (its rev, and where it stood in the post's history:
incarnation and journal sequence) and HQ's own rev when the two last agreed. First, how the row relates
to the version HQ saw:
- the same incarnation, or a row whose history holds the seen version ("descends"): compare revs —
  a rev HQ has seen already changes nothing (an old rev never wins); a newer row for a record HQ has not
  changed since they agreed replaces it; one HQ *has* changed since is a conflict;
- a row the seen version's history already holds ("stale", e.g. an old package from before a restore)
  changes nothing;
- neither ("concurrent": the post restored a backup, and this row was written without knowing the
  version HQ holds): the same content changes nothing, other content is a conflict. Revisions restart
  with a restored backup, so here they prove nothing; no version is dropped or overwritten silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.store import lineage as lin
from ccp_desktop.store.records import dependants_of
from ccp_desktop.store.sync_state import RecordState, record_state, record_states
from ccp_desktop.sync import signing
from ccp_desktop.sync.package import Package, decode
from ccp_desktop.sync.result import empty_counts


@dataclass
class KindPlan:
    kind: r.RecordKind
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)
    expected_revs: list[int] = field(default_factory=list)  # HQ's rev of each updated record when planned
    priors: list[tuple[Any, ...]] = field(default_factory=list)  # HQ's row before each update (the undo journal)
    states: list[tuple[str, RecordState]] = field(default_factory=list)
    prior_states: dict[str, RecordState] = field(default_factory=dict)  # before the import, for its undo journal
    conflicts: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (hq, post)
    held_by: list[tuple[str, str] | None] = field(default_factory=list)  # per conflict: the parent it waits for
    counts: dict[str, int] = field(default_factory=empty_counts)

    def release(self) -> None:
        """Once applied, only the counts are needed: the rows go with their sheet's."""
        for rows in (self.inserts, self.updates, self.expected_revs, self.priors, self.states, self.conflicts, self.held_by):
            rows.clear()
        self.prior_states.clear()


@dataclass
class Plan:
    post_code: str
    lineage: lin.Lineage
    kinds: dict[str, KindPlan] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        return {name: dict(p.counts) for name, p in self.kinds.items()}


def _conflict(plan: KindPlan, hq: dict[str, Any], post: dict[str, Any], held_by: tuple[str, str] | None = None) -> None:
    plan.conflicts.append((hq, post))
    plan.held_by.append(held_by)
    plan.counts["conflicting"] += 1


def _held_parent(kind: r.RecordKind, row: tuple[Any, ...], deleted_in_conflict: set[tuple[str, str]]) -> tuple[str, str] | None:
    """The parent whose deletion is in conflict, if this row is a dependant deleted with it."""
    for parent_kind in RECORD_KINDS.values():
        for child, column in dependants_of(parent_kind.name):
            if child == kind.name:
                key = (parent_kind.name, row[kind.keys.index(column)])
                if key in deleted_in_conflict:
                    return key
    return None


class _Relations:
    """How a row's version relates to the version HQ last saw (see the module docstring)."""

    def __init__(self, db: sqlite_utils.Database, row_lineage: lin.Lineage) -> None:
        self.db, self.row_lineage, self.incarnation = db, row_lineage, row_lineage[0][0]
        self._lineages: dict[str, lin.Lineage] = {}

    def of(self, state: RecordState | None, seq: int | None) -> str:
        if state is None or state.incarnation is None or state.incarnation == self.incarnation:
            return "same"
        if lin.inherits(self.row_lineage, state.incarnation, state.seq):
            return "descends"
        seen = self._lineages.get(state.incarnation)
        if seen is None:
            seen = self._lineages[state.incarnation] = lin.lineage_of(self.db, state.incarnation)
        return "stale" if lin.inherits(seen, self.incarnation, seq) else "concurrent"


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


def plan_kind(db: sqlite_utils.Database, package: Package, kind: r.RecordKind, relations: _Relations,
              deleted_in_conflict: set[tuple[str, str]] | None = None) -> KindPlan:
    """`deleted_in_conflict`: parents whose deletion by the post is in conflict in this plan; their
    dependants deleted with them wait in conflict too, to be settled the same way."""
    deleted_in_conflict = deleted_in_conflict if deleted_in_conflict is not None else set()
    plan = KindPlan(kind)
    sheet = package.sheets[kind.name]
    post = package.manifest["post_code"]
    incarnation, package_seq = relations.incarnation, package.number("seq_to")
    keys = kind.keys
    rev_at, deleted_at, origin_at = keys.index("rev"), keys.index("deleted"), keys.index("origin_post")
    content = [i for i, f in enumerate(kind.fields) if not f.system or f.key == "deleted"]
    ids = [row[0] for row in sheet.rows]
    stored = _fetch(db, f"SELECT {', '.join(keys)} FROM {kind.name} WHERE id IN (SELECT value FROM json_each(?))", ids)
    states = plan.prior_states = record_states(db, kind.name, ids)
    for position, (row, excel_row) in enumerate(zip(sheet.rows, sheet.excel_rows, strict=True)):
        rid, rev, deleted = row[0], row[rev_at], row[deleted_at]
        seq = sheet.seq_of(position, package_seq)
        plan.counts["read"] += 1
        hq, state = stored.get(rid), states.get(rid)
        relation = relations.of(state, seq)
        if relation == "stale":
            plan.counts["unchanged"] += 1  # HQ holds a later version of this record from the post's history
            continue
        if hq is None:
            if state is not None and rev <= state.seen_rev:
                plan.counts["unchanged"] += 1  # HQ saw this deletion (or a later rev) already
                continue
            if deleted and not _parents_known(db, package, kind, row):
                # The deletion of a record whose parent HQ never received (its package is missing or
                # later): remember the rev, so an older live version arriving later cannot revive it.
                plan.states.append((rid, RecordState(rev, 0, incarnation, seq)))
                plan.counts["tombstoned"] += 1
                continue
            plan.inserts.append(row)
            plan.states.append((rid, RecordState(rev, rev, incarnation, seq)))
            plan.counts["tombstoned" if deleted else "inserted"] += 1
            continue
        if hq[origin_at] != post:
            package.problem(f"this record belongs to post {hq[origin_at]}; a package from {post} cannot change it",
                            sheet=kind.name, row=excel_row, column="id", value=rid)
            continue
        seen, agreed = (state.seen_rev, state.agreed_rev) if state else (0, 0)
        hq_rev = hq[rev_at]
        same_content = all(row[i] == hq[i] for i in content)
        if relation == "concurrent":
            # Written after a restore without knowing the version HQ holds: equal content agrees,
            # anything else goes to a person.
            if same_content:
                plan.counts["unchanged"] += 1
                plan.states.append((rid, RecordState(max(rev, seen), hq_rev, incarnation, seq)))
            else:
                _conflict(plan, decode(kind, hq), decode(kind, row))
                plan.states.append((rid, RecordState(rev, agreed, incarnation, seq)))
            continue
        if rev <= seen:
            plan.counts["unchanged"] += 1  # seen already, or older than a version HQ holds: an old rev never wins
            continue
        if hq_rev > agreed:  # HQ changed it since they last agreed (or never agreed about it)
            if same_content:
                plan.counts["unchanged"] += 1  # both sides made the same change
                plan.states.append((rid, RecordState(rev, hq_rev, incarnation, seq)))
            else:
                _conflict(plan, decode(kind, hq), decode(kind, row))
                plan.states.append((rid, RecordState(rev, agreed, incarnation, seq)))
            continue
        if row == hq:
            plan.counts["unchanged"] += 1
            plan.states.append((rid, RecordState(rev, hq_rev, incarnation, seq)))
            continue
        parent = _held_parent(kind, row, deleted_in_conflict) if deleted and not hq[deleted_at] else None
        if parent is not None:
            _conflict(plan, decode(kind, hq), decode(kind, row), held_by=parent)
            plan.states.append((rid, RecordState(rev, agreed, incarnation, seq)))
            continue
        # HQ has not touched it since they agreed: the post's newer version replaces it. A rev at or below
        # HQ's (possible after a conflict was settled at HQ, or a restore) moves on from HQ's, as revs never go back.
        written = rev if rev > hq_rev else hq_rev + 1
        new_row = row if written == rev else row[:rev_at] + (written,) + row[rev_at + 1 :]
        plan.updates.append(new_row)
        plan.expected_revs.append(hq_rev)
        plan.priors.append(hq)
        plan.states.append((rid, RecordState(rev, written, incarnation, seq)))
        plan.counts["tombstoned" if deleted and not hq[deleted_at] else "updated"] += 1
    return plan


def package_lineage(db: sqlite_utils.Database, package: Package) -> lin.Lineage:
    m = package.manifest
    return lin.resolve_lineage(db, m["post_code"], package.lineage_entries, signing.fingerprint(m["public_key"]))


class Planner:
    """Plans a package sheet by sheet, parents before children (the order of `RECORD_KINDS`), so that an
    import can apply each sheet before it reads the next."""

    def __init__(self, db: sqlite_utils.Database, package: Package) -> None:
        self.db, self.package = db, package
        self.plan = Plan(post_code=package.manifest["post_code"], lineage=package_lineage(db, package))
        self._relations = _Relations(db, self.plan.lineage)
        self._deleted_in_conflict: set[tuple[str, str]] = set()

    def plan_sheet(self, kind: r.RecordKind) -> KindPlan:
        kind_plan = plan_kind(self.db, self.package, kind, self._relations, self._deleted_in_conflict)
        self._deleted_in_conflict |= {(kind.name, post["id"]) for _, post in kind_plan.conflicts if post.get("deleted")}
        self.plan.kinds[kind.name] = kind_plan
        return kind_plan

    def plan_deleted_but_used(self, db: sqlite_utils.Database, kind: r.RecordKind) -> KindPlan:
        """Once every sheet is validated (a later sheet may use a record HQ deleted): the conflicts of HQ's
        deletions the package still uses, as a plan of their own (read through `db`, the importer's
        connection); the kind's counts include them."""
        extra = KindPlan(kind)
        _plan_deleted_but_used(db, self.package, kind, extra)
        counts = self.plan.kinds.setdefault(kind.name, KindPlan(kind)).counts
        counts["conflicting"] += extra.counts["conflicting"]
        return extra


def _plan_deleted_but_used(db: sqlite_utils.Database, package: Package, kind: r.RecordKind, plan: KindPlan) -> None:
    """Records HQ deleted that the package still uses (a new delivery for a deleted activity): each is a
    conflict between HQ's deletion and the post's live record as HQ last had it from the post."""
    for table, rid in sorted(package.deleted_at_hq):
        if table != kind.name or (kind.name in package.sheets and rid in package.ids(kind.name)):
            continue
        row = db.execute(f"SELECT {', '.join(kind.keys)} FROM {kind.name} WHERE id = ?", [rid]).fetchone()
        state = record_state(db, kind.name, rid)
        hq = decode(kind, tuple(row))
        post = dict(hq, deleted=0, rev=state.seen_rev if state else hq["rev"])
        _conflict(plan, hq, post)
