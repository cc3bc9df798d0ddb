"""Importing a package: at HQ a post's data package, at a post HQ's receipt.

open safely → manifest and signature → pinned key → the same file again? → the day's first import: a full
backup → under one write lock and in one transaction, sheet by sheet (parents first): read and hash it,
validate every row (references against the package and the database), plan it, apply it (with the undo
journal `store/import_undo.py`), let its rows go → the ledger entry → commit; or, for a problem anywhere
or a dry run, roll everything back. Memory holds one sheet's rows, not the package's.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import Cancelled, Problem, StoreError
from ccp_desktop.heap import give_back_freed_memory
from ccp_desktop.store import lineage, sync_state
from ccp_desktop.store.backups import backups_to_keep, daily_backup_target, rotate_backups
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.installation import Installation, require_installation
from ccp_desktop.store.maintenance import backup_database, checkpoint_deferred
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.apply_plan import Applier
from ccp_desktop.sync.hq_keys import unsealing_for
from ccp_desktop.sync.package import Package, expected_sheets, open_package, read_sheets
from ccp_desktop.sync.plan import Plan, package_lineage
from ccp_desktop.sync.prepare import prepare_sheets
from ccp_desktop.sync.reader import Workbook
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


COLLECT_AFTER_ROWS = 100_000  # rows read, from which an import collects its garbage before giving memory back


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
    `backup=False`: the caller made one already (a batch backs up once before its first package).
    Afterwards the memory the import freed goes back to the system (`heap`)."""
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
    # The sheets read are gone, and HQ's app keeps running after its import; a big one's cycles are worth a
    # collection first (a copy imported before reports the rows of its first import, and holds none).
    big = result.status != "already-imported" and result.totals()["read"] >= COLLECT_AFTER_ROWS
    give_back_freed_memory(collect=big)
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
        if not package.is_receipt:
            result = _import_data(db, book, package, install, tracker, dry_run=dry_run, backup=backup)
            if progress:
                progress(tracker.total, tracker.total)
            return result
        read_sheets(book, package, tracker.step)
    finally:
        book.close()
    done = already_imported(db, package)
    if done is not None:
        return done
    from ccp_desktop.sync.receipts import apply_receipt

    return apply_receipt(db, package, install, dry_run=dry_run, accept_fingerprint=accept_fingerprint)


def _import_data(db: sqlite_utils.Database, book: Workbook, package: Package, install: Installation,
                 tracker: _Tracker, *, dry_run: bool, backup: bool) -> ImportResult:
    """The day's first import backs the database up first (the undo journal covers the rest); a backup
    that ends up holding nothing new (a refused package, a failure) is removed again."""
    target = daily_backup_target(database_path(db)) if backup and not dry_run else None
    if target is None:
        return _read_and_apply(db, book, package, install, tracker, dry_run, None)
    try:
        made = backup_database(db, target)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"Could not back up the database before importing ({exc}); nothing was changed") from exc
    try:
        result = _read_and_apply(db, book, package, install, tracker, dry_run, str(made))
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
    return result


class _Abandon(Exception):  # noqa: N818 - not an error: the way out of the transaction that keeps nothing
    """Ends the import's transaction keeping nothing (a refused package, or a dry run), with its result."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(result.status)
        self.result = result


def _read_and_apply(db: sqlite_utils.Database, book: Workbook, package: Package, install: Installation,
                    tracker: _Tracker, dry_run: bool, backup: str | None) -> ImportResult:
    """Read, validate, plan and apply sheet by sheet under one write lock and in one transaction: memory
    holds one sheet's rows at a time, nothing HQ does meanwhile can slip between what a plan saw and what
    is written (a form saved during the import waits, then lands on top as HQ's own edit), and a problem
    anywhere (or a dry run) rolls every sheet back."""
    try:
        with checkpoint_deferred(db), write_transaction(db):
            return _apply_sheet_by_sheet(db, book, package, install, tracker, dry_run, backup)
    except _Abandon as ended:
        return ended.result
    except sqlite3.DatabaseError as exc:
        package.errors.append(Problem("database", f"the database refused the import ({exc})"))
        return _reject(package)


def _apply_sheet_by_sheet(db: sqlite_utils.Database, book: Workbook, package: Package, install: Installation,
                          tracker: _Tracker, dry_run: bool, backup: str | None) -> ImportResult:
    if sync_state.find_import(db, package.manifest["package_id"]) is not None:
        # Imported before (or by another window meanwhile): a copy is still read in full, without holding
        # its rows, so that tampering shows.
        read_sheets(book, package, tracker.step, keep_rows=False)
        done = already_imported(db, package)
        assert done is not None
        return done
    applier = Applier(db, package)
    preparer = prepare_sheets(db, database_path(db), book, package, tracker.step)
    for prepared in preparer:  # the next sheet is prepared while this one is written
        if prepared.plan is not None and not package.errors:
            applier.apply_sheet(prepared.plan)
            prepared.plan.release()
        prepared.sheet.release()
    planner = preparer.planner
    if package.errors or planner is None:
        raise _Abandon(_with_gap_hint(db, package, _reject(package)))
    for kind in RECORD_KINDS.values():
        applier.apply_sheet(planner.plan_deleted_but_used(db, kind))
    if package.errors:
        raise _Abandon(_reject(package))
    result = _planned(db, package, planner.plan, "dry-run" if dry_run else "applied")
    result.backup_path = backup
    applier.finish(install, result)
    if dry_run:
        result.message = _summary_line(package, planner.plan, "Dry run, nothing changed:")
        result.backup_path, result.conflict_ids, result.review_ids = None, [], []
        raise _Abandon(result)
    result.message = _summary_line(package, planner.plan, "Applied")
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


