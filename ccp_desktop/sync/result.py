"""What verifying or importing a package did, for people (message) and programs (to_json)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ccp_desktop.errors import Problem
from ccp_desktop.store.changes import Changes, changes_of_counts

COUNT_KEYS = ("read", "inserted", "updated", "unchanged", "conflicting", "tombstoned")
STATUSES = ("applied", "dry-run", "already-imported", "rejected", "verified")
MAX_VALUE_CHARS = 80


def short_value(value: Any) -> Any:
    """A cell value fit to show: long text cut, dates as ISO text."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return value[:MAX_VALUE_CHARS] + f"… ({len(value):,} characters)"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return short_value(str(value))


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.field,
        "value": short_value(problem.value),
        "message": problem.message,
    }


def _manifest_number(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


@dataclass(kw_only=True)
class PackageFacts:
    """What a package's manifest says of it: whose, what kind, which id, which of the post's changes, and
    when the post made it."""

    kind: str | None = None
    package_id: str | None = None
    post_code: str | None = None
    seq_from: int | None = None
    seq_to: int | None = None
    created_at: str | None = None

    def take_facts(self, manifest: Mapping[str, str]) -> None:
        """Copy them from a manifest as found (a damaged one leaves gaps, for the refusal to name)."""
        self.kind, self.package_id = manifest.get("kind") or None, manifest.get("package_id") or None
        self.post_code, self.created_at = manifest.get("post_code") or None, manifest.get("created_at") or None
        if "seq_from" in manifest or "seq_to" in manifest:
            self.seq_from = _manifest_number(manifest.get("seq_from"))
            self.seq_to = _manifest_number(manifest.get("seq_to"))


@dataclass
class ImportResult(PackageFacts):
    status: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    message: str = ""
    backup_path: str | None = None
    conflict_ids: list[int] = field(default_factory=list)
    review_ids: list[int] = field(default_factory=list)  # review items raised (a serial shared with another post)
    earlier: dict[str, Any] | None = None  # for a package imported before: when, by whom, what it did then
    unknown_key: str | None = None  # a receipt signed by an HQ key this post has not learnt: its fingerprint

    @property
    def ok(self) -> bool:
        return self.status != "rejected"

    @property
    def changes(self) -> Changes:
        """What an applied import wrote, from its own counts: the record tables with rows inserted, updated
        or deleted, and the sync bookkeeping (the import itself, conflicts and review items it raised)."""
        if self.status != "applied":
            return Changes()  # a dry run, a refusal or a repeat writes no record
        written = {table: sum(per.get(k, 0) for k in ("inserted", "updated", "tombstoned"))
                   for table, per in self.counts.items()}
        written |= {"sync_imports": 1, "sync_conflicts": len(self.conflict_ids), "review_items": len(self.review_ids)}
        return changes_of_counts(written)

    def totals(self) -> dict[str, int]:
        out = empty_counts()
        for per_kind in self.counts.values():
            for key in COUNT_KEYS:
                out[key] += per_kind.get(key, 0)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "kind": self.kind,
            "package_id": self.package_id,
            "post_code": self.post_code,
            "seq_from": self.seq_from,
            "seq_to": self.seq_to,
            "created_at": self.created_at,
            "message": self.message,
            "counts": self.counts,
            "warnings": list(self.warnings),
            "errors": [problem_json(p) for p in self.errors],
            "backup_path": self.backup_path,
            "conflict_ids": list(self.conflict_ids),
            "review_ids": list(self.review_ids),
            "earlier_import": self.earlier,
            "unknown_key": self.unknown_key,
        }
