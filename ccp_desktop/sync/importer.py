"""Importing a package: at HQ a post's data package, at a post HQ's receipt.

open safely → manifest and signature → pinned key → already imported? → read and hash every sheet →
validate every row (references against the package and the database) → plan → (dry run stops here) →
the day's first import: a full backup → apply the whole plan in one transaction, with a ledger entry and
an undo journal (`store/import_undo.py`), or nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.domain.records import RECORD_KINDS, RecordKind
from ccp_desktop.errors import Cancelled, Problem, StoreError
from ccp_desktop.store import bulk_insert, import_undo, lineage, sync_state
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.backups import backups_to_keep, daily_backup_target, rotate_backups
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.installation import Installation, require_installation
from ccp_desktop.store.maintenance import backup_database
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.checks import validate_package
from ccp_desktop.sync.hq_keys import unsealing_for
from ccp_desktop.sync.package import Package, expected_sheets, open_package, read_sheets
from ccp_desktop.sync.plan import KindPlan, Plan, make_plan, package_lineage
from ccp_desktop.sync.result import ImportResult, empty_counts
from ccp_desktop.sync.verify import base_result, describe_rejection, untrusted_key_reason

Progress = Callable[[int, int], None]


class _Tracker:
    """Progress over the phases (read, validate, plan), with cancel checked as it goes."""

    def __init__(self, total: int, progress: Progress | None, should_cancel: Callable[[], bool] | None) -> None:
        self.total, self.done = max(total, 1) * 3, 0
        self.progress, self.should_cancel = progress, should_cancel

    def step(self, rows: int) -> None:
        self.done += rows
        if self.should_cancel and self.should_cancel():
            raise Cancelled("Import cancelled; nothing was changed")
        if self.progress:
            self.progress(min(self.done, self.total), self.total)


def _reject(package: Package) -> ImportResult:
    result = base_result(package, "rejected")
    result.message = describe_rejection(package)
    return result


def _refuse(package: Package, message: str, column: str = "post_code", value: Any = None) -> ImportResult:
    package.problem(message, sheet=fmt.MANIFEST_SHEET, column=column, value=value)
    return _reject(package)


def check_sender(db: sqlite_utils.Database, package: Package, install: Installation) -> ImportResult | None:
    """Refuse a package meant for the other side, from ourselves, or signed by a key we do not trust."""
    m = package.manifest
    post = m["post_code"]
    if package.is_receipt and install.is_hq:
        return _refuse(package, "receipts are imported at a post; this installation is HQ", "kind", "receipt")
    if not package.is_receipt and not install.is_hq:
        return _refuse(package, f"data packages are imported at HQ; this installation is post {install.post_code}",
                       "kind", package.kind)
    if post == install.post_code:
        return _refuse(package, "this package was made by this installation itself", value=post)
    untrusted = untrusted_key_reason(db, package)
    if untrusted:
        return _refuse(package, untrusted, "public_key", signing.fingerprint(m["public_key"]))
    if sync_state.get_peer(db, post) is None and not package.is_receipt:
        package.warnings.append(
            f"First package from {post}: its signing key (fingerprint {signing.fingerprint(m['public_key'])}) "
            "will be trusted from now on; compare it with the one the post reads out"
        )
    return None


def already_imported(db: sqlite_utils.Database, package: Package) -> ImportResult | None:
    """None for a package not imported yet. For one that was: "already imported" only when this copy's
    signed content is the content imported (a re-save that keeps every value is fine); a copy that
    differs is refused, naming what differs. The counts are this run's (nothing); the earlier import's
    are reported apart, so that scripts adding up `inserted` do not count twice."""
    entry = sync_state.find_import(db, package.manifest["package_id"])
    if entry is None:
        return None
    when = f"{entry['imported_at']} by {entry['imported_by']}"
    if entry["content_hash"] != fmt.content_hash(package.manifest):
        return _refuse(package, f"a different package with the same id was imported on {when}: this copy was "
                                "changed or forged", "package_id", package.manifest["package_id"])
    if package.errors:
        package.errors.insert(0, Problem("package_id", f"this copy differs from the package imported on {when}; "
                                         "it was changed after export", package.manifest["package_id"],
                                         fmt.MANIFEST_SHEET))
        return _reject(package)
    return _already_imported_result(base_result(package, "already-imported"), entry)


def same_file_imported(db: sqlite_utils.Database, package: Package, file_hash: str) -> ImportResult | None:
    """The very file imported before (the same package sent twice): "already imported" without reading its
    sheets, for its bytes are the ones that were read, hashed and verified then. Any other copy (re-saved
    in Excel, changed, forged) differs in its bytes and is read and compared in full (`already_imported`)."""
    entry = sync_state.find_import(db, package.manifest["package_id"])
    if entry is None or entry["summary"].get("file_sha256") != file_hash:
        return None
    if entry["content_hash"] != fmt.content_hash(package.manifest):  # the same bytes cannot differ; be sure
        return None
    result = base_result(package, "already-imported")
    for kind in expected_sheets(package.kind):  # what reading would have counted: the signed row counts
        result.counts.setdefault(kind.name, empty_counts())["read"] = package.number(f"rows.{kind.name}")
    return _already_imported_result(result, entry)


def _already_imported_result(result: ImportResult, entry: dict[str, Any]) -> ImportResult:
    when = f"{entry['imported_at']} by {entry['imported_by']}"
    result.earlier = {"imported_at": entry["imported_at"], "imported_by": entry["imported_by"],
                      "counts": entry["summary"].get("counts", {})}
    result.message = f"Already imported on {when}; this copy matches it, so nothing was changed now."
    return result


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _held_ranges(db: sqlite_utils.Database, package: Package, plan_lineage: lineage.Lineage | None = None,
                 ) -> list[tuple[int, int]]:
    """What HQ holds of the history this package's incarnation has, with this package's range added."""
    post = package.manifest["post_code"]
    held = sync_state.ranges_by_incarnation(db, post)
    held.setdefault(package.incarnation, []).append((package.number("seq_from"), package.number("seq_to")))
    return lineage.clip_ranges(plan_lineage or package_lineage(db, package), held)


def gap_warnings(db: sqlite_utils.Database, package: Package, plan_lineage: lineage.Lineage | None = None) -> list[str]:
    post = package.manifest["post_code"]
    holes = sync_state.missing_ranges(_held_ranges(db, package, plan_lineage))
    if not holes:
        return []
    spans = ", ".join(f"{a}–{b}" for a, b in holes)
    return [
        f"Missing from {post}: changes {spans} have not arrived (a package was lost or is still on its way); "
        "the rest applies. Ask the post to resend what HQ has not confirmed (export --since-receipt)."
    ]


def _with_gap_hint(db: sqlite_utils.Database, package: Package, result: ImportResult) -> ImportResult:
    """A reference to a missing record may point into a package that has not arrived yet: say so."""
    if not any(p.message.startswith("no ") and " with id " in p.message for p in result.errors):
        return result
    holes = sync_state.missing_ranges(_held_ranges(db, package))
    if holes:
        spans = ", ".join(f"{a}–{b}" for a, b in holes)
        result.message += (f" Some records it refers to may be in changes {spans}, which have not arrived: import "
                           "that package first, or ask the post for a resend (export --since-receipt).")
    return result


def _summary_line(package: Package, plan: Plan, verb: str) -> str:
    totals = {k: sum(p.counts[k] for p in plan.kinds.values()) for k in ("inserted", "updated", "tombstoned", "unchanged", "conflicting")}
    text = (f"{verb} {package.kind} package from {package.manifest['post_code']}: {totals['inserted']} new, "
            f"{totals['updated']} updated, {totals['tombstoned']} deleted, {totals['unchanged']} unchanged")
    if totals["conflicting"]:
        text += f", {totals['conflicting']} in conflict (see `conflicts`)"
    return text + "."


def _apply(db: sqlite_utils.Database, package: Package, plan: Plan, install: Installation, result: ImportResult) -> list[int]:
    """Everything in one transaction: rows, agreement state, conflicts, pinned key, ledger, audit."""
    m = package.manifest
    conflict_ids: list[int] = []
    saved: dict[tuple[str, str], int] = {}  # (table, id) -> its conflict, for dependants held with it
    conflicts_undo: list[Any] = []
    package_id = m["package_id"]
    now = utc_now()
    with write_transaction(db):
        for name, kind_plan in plan.kinds.items():
            kind = RECORD_KINDS[name]
            _journal_for_undo(db, package_id, kind, kind_plan)
            if kind_plan.updates:
                sync_state.write_remote_rows(db, kind, kind_plan.updates, replace=True, expected_revs=kind_plan.expected_revs)
            if kind_plan.inserts:
                bulk_insert.insert_rows(db, kind, kind_plan.inserts)  # journal and indexes written in bulk
            sync_state.set_record_states(db, name, plan.post_code, kind_plan.states)
            for (hq_version, post_version), parent in zip(kind_plan.conflicts, kind_plan.held_by, strict=True):
                replaced = import_undo.conflict_prior(db, sync_state.open_conflict_id(db, name, post_version["id"]))
                conflict_id = sync_state.save_conflict(
                    db, table=name, record_id=post_version["id"], post_code=plan.post_code, package_id=m["package_id"],
                    hq_version=hq_version, post_version=post_version,
                    held_by=saved.get(parent) if parent else None,
                )
                saved[(name, post_version["id"])] = conflict_id
                conflict_ids.append(conflict_id)
                conflicts_undo.append([conflict_id, replaced])
        import_undo.save_entries(db, package_id, "sync_conflicts", "conflict", conflicts_undo)
        from ccp_desktop.sync.review import raise_import_reviews

        result.review_ids = raise_import_reviews(db, package)  # serial pairs and likely duplicates; settles pairs un-shared
        if sync_state.get_peer(db, plan.post_code) is None:
            sync_state.pin_peer(db, plan.post_code, m["public_key"], signing.fingerprint(m["public_key"]), "first-import")
            import_undo.save_entries(db, package_id, "sync_peers", "peer", [plan.post_code])
        fingerprint = signing.fingerprint(m["public_key"])
        if package.lineage_entries:
            lineage.register_lineage(db, plan.post_code, package.lineage_entries, device_id=m.get("device_id"),
                                     fingerprint=fingerprint)
        else:
            lineage.ensure_legacy(db, plan.post_code, fingerprint)
        summary = {"counts": result.counts, "warnings": result.warnings, "conflicts": len(conflict_ids),
                   "file_sha256": package.file_sha256}
        sync_state.record_import(db, {
            "package_id": m["package_id"], "kind": m["kind"], "post_code": plan.post_code,
            "seq_from": package.number("seq_from"), "seq_to": package.number("seq_to"),
            "content_hash": fmt.content_hash(m), "created_at": m["created_at"], "imported_at": now,
            "imported_by": install.officer, "backup_path": result.backup_path, "summary": summary,
            "incarnation": package.incarnation,
        })
        write_audit(db, install.officer, "import-package",
                    changes={"package_id": m["package_id"], "post": plan.post_code, "counts": result.counts})
    return conflict_ids


def _journal_for_undo(db: sqlite_utils.Database, package_id: str, kind: RecordKind, kind_plan: KindPlan) -> None:
    """Before the rows are written: what `import_undo.undo_import` needs to put them back (the prior
    version of each updated record, the ids of inserted ones, the prior agreement states)."""
    rev_at = kind.keys.index("rev")
    import_undo.save_entries(db, package_id, kind.name, "inserted", [[row[0], row[rev_at]] for row in kind_plan.inserts])
    import_undo.save_entries(db, package_id, kind.name, "updated",
                             [[list(prior), row[rev_at]] for prior, row in zip(kind_plan.priors, kind_plan.updates, strict=True)])
    import_undo.save_entries(db, package_id, kind.name, "state", import_undo.state_entries(db, kind.name, kind_plan.states))


def import_package(
    db: sqlite_utils.Database,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    accept_fingerprint: str | None = None,
    backup: bool = True,
) -> ImportResult:
    """Import a data package (HQ) or a receipt (post). A bad package is not an exception: status "rejected";
    at HQ a refusal (not a dry run's) is kept with its reasons (`sync.refusals`).

    `accept_fingerprint`: at a post that does not know HQ's key yet, the fingerprint a person compared
    with HQ's; the first receipt signed by that key is then trusted (and the key pinned).
    `backup=False`: the caller made one already (a batch backs up once before its first package)."""
    with unsealing_for(db):  # at HQ a sealed package opens with HQ's encryption keys
        result = _import_package(db, path, dry_run=dry_run, progress=progress, should_cancel=should_cancel,
                                 accept_fingerprint=accept_fingerprint, backup=backup)
    if result.status in ("applied", "already-imported") and result.kind != "receipt":
        from ccp_desktop.sync.attachments_in import (
            complete_beside,  # the archives beside the workbook
        )

        parts = complete_beside(db, Path(path), result.counts.get("attachments", {}).get("read", 0))
        if parts is not None:
            parts.report_into(result)
    if result.status == "rejected" and not dry_run:
        install = require_installation(db)
        if install.is_hq:
            from ccp_desktop.sync.refusals import record_refusal

            record_refusal(db, result, file_name=Path(path).name, officer=install.officer)
    return result


def _import_package(db: sqlite_utils.Database, path: Path, *, dry_run: bool, progress: Progress | None,
                    should_cancel: Callable[[], bool] | None, accept_fingerprint: str | None,
                    backup: bool) -> ImportResult:
    install = require_installation(db)
    book, package = open_package(Path(path))
    if book is None:
        return _reject(package)
    try:
        if not package.readable or package.errors:
            return _reject(package)
        refusal = check_sender(db, package, install)
        if refusal is not None:
            return refusal
        package.file_sha256 = file_sha256(Path(path))
        same = same_file_imported(db, package, package.file_sha256)
        if same is not None:
            return same
        total = sum(package.number(f"rows.{name}") for name in RECORD_KINDS)
        tracker = _Tracker(total, progress, should_cancel)
        read_sheets(book, package, tracker.step)  # a copy of an imported package is read too: tampering shows
    finally:
        book.close()
    done = already_imported(db, package)
    if done is not None:
        return done
    if package.is_receipt:
        from ccp_desktop.sync.receipts import apply_receipt

        return apply_receipt(db, package, install, dry_run=dry_run, accept_fingerprint=accept_fingerprint)
    validate_package(package, db, tracker.step)  # even after a bad cell or hash: list every problem at once
    if package.errors:
        return _with_gap_hint(db, package, _reject(package))
    if dry_run:
        plan = make_plan(db, package, tracker.step)
        if package.errors:
            return _reject(package)
        result = _planned(db, package, plan, "dry-run")
        result.message = _summary_line(package, plan, "Dry run, nothing changed:")
        if progress:
            progress(tracker.total, tracker.total)
        return result
    target = daily_backup_target(database_path(db)) if backup else None
    if target is None:  # today's backup is made (or the caller made one): the undo journal does the rest
        result = _plan_and_apply(db, package, install, tracker, None)
        if progress:
            progress(tracker.total, tracker.total)
        return result
    try:
        made = backup_database(db, target)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"Could not back up the database before importing ({exc}); nothing was changed") from exc
    try:
        result = _plan_and_apply(db, package, install, tracker, str(made))
    except BaseException:
        made.unlink(missing_ok=True)  # nothing was applied: the backup would only fill the disk
        raise
    if result.status != "applied":
        made.unlink(missing_ok=True)
        result.backup_path = None
    else:
        source = database_path(db)
        if source is not None:
            rotate_backups(source, backups_to_keep(db))
    if progress:
        progress(tracker.total, tracker.total)
    return result


def lineage_warnings(db: sqlite_utils.Database, package: Package, plan_lineage: lineage.Lineage) -> list[str]:
    """Say when a package comes from a restored database or from a new installation of its post."""
    post = package.manifest["post_code"]
    known = {i.incarnation for i in lineage.incarnations_of(db, post)}
    out = []
    for incarnation, parent, branch_seq in package.lineage_entries:
        if incarnation in known:
            continue
        if parent is not None:
            out.append(f"{post} restored a backup that held its changes up to {branch_seq}: edits made after the "
                       "restore are compared with what HQ holds, and any that disagree are listed as conflicts.")
        elif known and plan_lineage[-1][0] == incarnation:
            out.append(f"This package comes from a new installation of {post} (device {package.manifest.get('device_id')}: "
                       "a replaced or re-imaged laptop?). Its changes are numbered from 1 again; what is missing is "
                       "reported for it alone.")
    return out


def _planned(db: sqlite_utils.Database, package: Package, plan: Plan, status: str) -> ImportResult:
    result = base_result(package, status)
    result.counts = plan.counts()
    result.warnings += lineage_warnings(db, package, plan.lineage) + gap_warnings(db, package, plan.lineage)
    if package.serial_collisions:
        from ccp_desktop.sync.review import collision_warnings

        result.warnings += collision_warnings(package)
    return result


def _plan_and_apply(db: sqlite_utils.Database, package: Package, install: Installation, tracker: _Tracker,
                    backup: str | None) -> ImportResult:
    """Plan and apply under one write lock: nothing HQ does meanwhile can slip between what the plan saw
    and what is written (a form saved during the import waits, then lands on top as HQ's own edit)."""
    try:
        with write_transaction(db):
            done = already_imported(db, package)  # another window or command may have imported it meanwhile
            if done is not None:
                return done
            plan = make_plan(db, package, tracker.step)
            if package.errors:
                return _reject(package)
            result = _planned(db, package, plan, "applied")
            result.backup_path = backup
            result.conflict_ids = _apply(db, package, plan, install, result)
    except sqlite3.DatabaseError as exc:
        package.errors.append(Problem("database", f"the database refused the import ({exc})"))
        return _reject(package)
    result.message = _summary_line(package, plan, "Applied")
    return result
