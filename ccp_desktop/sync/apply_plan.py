"""Applying a planned package at HQ, inside the import's one transaction: each sheet's plan as soon as it is
made (rows, agreement states, conflicts, and the undo journal `store/import_undo.py` needs), then the
package's own entries (review items, pinned key, lineage, ledger, audit)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.domain.records import RecordKind
from ccp_desktop.store import bulk_insert, import_undo, lineage, sync_state
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import Installation
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.package import Package
from ccp_desktop.sync.plan import KindPlan
from ccp_desktop.sync.result import ImportResult
from ccp_desktop.sync.review import raise_import_reviews


class Applier:
    """Writes plans into the open transaction; the caller commits, or rolls everything back."""

    def __init__(self, db: sqlite_utils.Database, package: Package) -> None:
        self.db, self.package = db, package
        self.post_code, self.package_id = package.manifest["post_code"], package.manifest["package_id"]
        self.conflict_ids: list[int] = []
        self._saved: dict[tuple[str, str], int] = {}  # (table, id) -> its conflict, for dependants held with it
        self._conflicts_undo: list[Any] = []

    def apply_sheet(self, kind_plan: KindPlan) -> None:
        db, kind = self.db, kind_plan.kind
        _journal_for_undo(db, self.package_id, kind, kind_plan)
        if kind_plan.updates:
            sync_state.write_remote_rows(db, kind, kind_plan.updates, replace=True, expected_revs=kind_plan.expected_revs)
        if kind_plan.inserts:
            bulk_insert.insert_rows(db, kind, kind_plan.inserts)  # journal and indexes written in bulk
        sync_state.set_record_states(db, kind.name, self.post_code, kind_plan.states)
        for (hq_version, post_version), parent in zip(kind_plan.conflicts, kind_plan.held_by, strict=True):
            replaced = import_undo.conflict_prior(db, sync_state.open_conflict_id(db, kind.name, post_version["id"]))
            conflict_id = sync_state.save_conflict(
                db, table=kind.name, record_id=post_version["id"], post_code=self.post_code,
                package_id=self.package_id, hq_version=hq_version, post_version=post_version,
                held_by=self._saved.get(parent) if parent else None,
            )
            self._saved[(kind.name, post_version["id"])] = conflict_id
            self.conflict_ids.append(conflict_id)
            self._conflicts_undo.append([conflict_id, replaced])

    def finish(self, install: Installation, result: ImportResult) -> None:
        """The package's own entries, once every sheet is applied; `result` gets its conflicts and reviews."""
        db, package, m = self.db, self.package, self.package.manifest
        import_undo.save_entries(db, self.package_id, "sync_conflicts", "conflict", self._conflicts_undo)
        result.review_ids = raise_import_reviews(db, package)  # serial pairs and likely duplicates; settles pairs un-shared
        fingerprint = signing.fingerprint(m["public_key"])
        if sync_state.get_peer(db, self.post_code) is None:
            sync_state.pin_peer(db, self.post_code, m["public_key"], fingerprint, "first-import")
            import_undo.save_entries(db, self.package_id, "sync_peers", "peer", [self.post_code])
        if package.lineage_entries:
            lineage.register_lineage(db, self.post_code, package.lineage_entries, device_id=m.get("device_id"),
                                     fingerprint=fingerprint)
        else:
            lineage.ensure_legacy(db, self.post_code, fingerprint)
        result.conflict_ids = self.conflict_ids
        summary = {"counts": result.counts, "warnings": result.warnings, "conflicts": len(self.conflict_ids),
                   "file_sha256": package.file_sha256}
        sync_state.record_import(db, {
            "package_id": self.package_id, "kind": m["kind"], "post_code": self.post_code,
            "seq_from": package.number("seq_from"), "seq_to": package.number("seq_to"),
            "content_hash": fmt.content_hash(m), "created_at": m["created_at"], "imported_at": utc_now(),
            "imported_by": install.officer, "backup_path": result.backup_path, "summary": summary,
            "incarnation": package.incarnation,
        })
        write_audit(db, install.officer, "import-package",
                    changes={"package_id": self.package_id, "post": self.post_code, "counts": result.counts})


def _journal_for_undo(db: sqlite_utils.Database, package_id: str, kind: RecordKind, kind_plan: KindPlan) -> None:
    """Before the rows are written: what `import_undo.undo_import` needs to put them back (the prior
    version of each updated record, the ids of inserted ones, the prior agreement states)."""
    rev_at = kind.keys.index("rev")
    import_undo.save_entries(db, package_id, kind.name, "inserted", [[row[0], row[rev_at]] for row in kind_plan.inserts])
    import_undo.save_entries(db, package_id, kind.name, "updated",
                             [[list(prior), row[rev_at]] for prior, row in zip(kind_plan.priors, kind_plan.updates, strict=True)])
    import_undo.save_entries(db, package_id, kind.name, "state",
                             import_undo.state_entries(db, kind.name, kind_plan.states, kind_plan.prior_states))
