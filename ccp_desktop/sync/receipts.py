"""Receipts: HQ tells a post, in a signed package, which of its packages arrived and up to which change
it holds everything; the post records it and can then resend whatever HQ has not confirmed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import sqlite_utils

from ccp_desktop import __version__
from ccp_desktop.domain.coerce import format_timestamp, utc_now
from ccp_desktop.errors import NotFoundError, PackageError, ValidationError
from ccp_desktop.errors import Problem as _Problem
from ccp_desktop.store import lineage, sync_state
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import POST_CODE, Installation, require_installation
from ccp_desktop.store.migrations import SCHEMA_VERSION
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.checks import validate_package, validate_receipt_target
from ccp_desktop.sync.export import ExportResult, load_signing_key, prepare_out_dir
from ccp_desktop.sync.package import RECEIPT_KIND, Package
from ccp_desktop.sync.refusals import receipt_notes
from ccp_desktop.sync.result import ImportResult
from ccp_desktop.sync.rowcodec import stored_to_canonical
from ccp_desktop.sync.trust import same_fingerprint
from ccp_desktop.sync.verify import base_result, describe_rejection
from ccp_desktop.sync.workbook import PackageWriter


def _receipt_readme(manifest: dict[str, str], install: Installation, count: int) -> list[list[str]]:
    return [
        ["CCP Field Desk receipt"],
        ["What this is", f"HQ's receipt for post {manifest['for_post']}: the packages HQ has imported from it."],
        ["From", f"{install.officer}, {install.post_code}"],
        ["Created (UTC)", manifest["created_at"]],
        ["Confirmed", f"every change up to journal sequence {manifest['confirmed_seq']}; {count} packages listed"],
        ["At the post", "Import it with the Sync screen or `ccp-desktop import FILE`. Do not edit it: it is signed."],
    ]


def write_receipt(db: sqlite_utils.Database, post_code: str, out_dir: Path) -> ExportResult:
    """A signed receipt for one post, written into `out_dir` (HQ only)."""
    install = require_installation(db)
    if not install.is_hq:
        raise PackageError("Receipts are written at HQ; this installation is a post")
    if not POST_CODE.match(post_code or ""):
        raise ValidationError([_Problem("post", "Post code must look like FJ-SUVA", post_code)])
    imports = sorted(sync_state.list_imports(db, post_code=post_code, kind="data"), key=lambda e: e["seq_from"])
    if not imports:
        raise NotFoundError(f"No package from {post_code} has been imported yet; there is nothing to confirm")
    out_dir = prepare_out_dir(out_dir)
    key = load_signing_key(db)
    created = dt.datetime.now(dt.UTC)
    incarnation = sync_state.current_incarnation(db, post_code) or lineage.legacy_incarnation(post_code)
    confirmed = sync_state.confirmed_seq(db, post_code, incarnation)
    rows = [stored_to_canonical(RECEIPT_KIND, (e["package_id"], e["kind"], e["seq_from"], e["seq_to"], e["created_at"],
                                              e["imported_at"])) for e in imports]
    hasher = fmt.SheetHasher()
    for row in rows:
        hasher.add(row)
    manifest = {
        "format": fmt.FORMAT_NAME, "format_version": str(fmt.RECEIPT_FORMAT_VERSION), "schema_version": str(SCHEMA_VERSION),
        "package_id": str(uuid.uuid4()), "kind": "receipt", "post_code": install.post_code,
        "device_id": install.device_id, "officer": install.officer, "created_at": format_timestamp(created),
        "for_post": post_code, "confirmed_seq": str(confirmed), "confirms_incarnation": incarnation,
        "seq_from": "0", "seq_to": str(confirmed),
        "app_version": __version__, f"rows.{fmt.RECEIPT_SHEET}": str(hasher.rows),
        "hq_notes": json.dumps(receipt_notes(db, post_code), ensure_ascii=False, separators=(",", ":")),
        f"hash.{fmt.RECEIPT_SHEET}": hasher.hexdigest(), "public_key": signing.public_key_text(key),
    }
    manifest[fmt.SIGNATURE_KEY] = signing.sign(key, fmt.manifest_message(manifest))
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    short_id = manifest["package_id"][:8]
    target = out_dir / f"CCP-{install.post_code}-{stamp}-receipt-for-{post_code}-{confirmed}-{short_id}.xlsx"
    if target.exists():
        raise PackageError(f"{target} exists already; wait a second and try again")
    writer = PackageWriter(target)
    try:
        writer.write_plain_sheet(fmt.RECEIPT_SHEET, RECEIPT_KIND.keys, rows)
        path = writer.finish(manifest, _receipt_readme(manifest, install, len(rows)))
    except BaseException:
        writer.abandon()
        raise
    sync_state.record_export(
        db, package_id=manifest["package_id"], kind="receipt", created_at=manifest["created_at"], path=str(path),
        seq_from=0, seq_to=confirmed, previous_package_id=None, counts={fmt.RECEIPT_SHEET: len(rows)},
        for_post=post_code,
    )
    return ExportResult(path, manifest["package_id"], "receipt", 0, confirmed, {fmt.RECEIPT_SHEET: len(rows)})


def _refuse(package: Package, message: str, column: str, value: object = None) -> ImportResult:
    package.problem(message, sheet=fmt.MANIFEST_SHEET, column=column, value=value)
    result = base_result(package, "rejected")
    result.message = describe_rejection(package)
    return result


def _hq_key_refusal(db: sqlite_utils.Database, package: Package, accept_fingerprint: str | None) -> ImportResult | None:
    """A post trusts a receipt only from the HQ key it knows; the first one only once a person has
    compared its fingerprint with HQ's (`accept_fingerprint`)."""
    m = package.manifest
    if sync_state.get_peer(db, m["post_code"]) is not None:
        return None  # pinned, and check_sender has compared the keys already
    actual = signing.fingerprint(m["public_key"])
    if accept_fingerprint and same_fingerprint(actual, accept_fingerprint):
        return None
    if accept_fingerprint:
        return _refuse(package, f"the receipt is signed by key {actual}, not {accept_fingerprint}: not trusted",
                       "public_key", actual)
    result = _refuse(package, f"this post does not know HQ's key yet. The receipt is signed by key {actual}: "
                              "compare it with HQ's fingerprint (by phone or from HQ's letter), then accept it "
                              "(import --accept-key FINGERPRINT, or answer Yes on the Sync screen)",
                     "public_key", actual)
    result.unknown_key = actual
    return result


def _effective_confirmed(db: sqlite_utils.Database, install: Installation, package: Package) -> tuple[int | None, str]:
    """How far the receipt confirms this database's own history, or (None, why not)."""
    m = package.manifest
    confirmed = int(m["confirmed_seq"])
    own = lineage.lineage_of(db, install.incarnation)
    target = m.get("confirms_incarnation") or ""
    if not target or target.startswith("legacy:"):
        target = own[-1][0]  # HQ knows only this post's history from before incarnations: the root's
    limits = dict(own)
    if target not in limits:
        return None, (f"this receipt confirms another installation of post {install.post_code} (a replaced laptop, or "
                      "a database restored elsewhere); ask HQ for a receipt after your next package")
    limit = limits[target]
    effective = confirmed if limit is None else min(confirmed, limit)
    sent = sync_state.exported_seq(db)
    if effective > sent:
        return None, (f"HQ's receipt confirms changes up to {confirmed}, but this post has sent changes only up to "
                      f"{sent}: it is not for this laptop's history, or it was forged")
    return effective, ""


def apply_receipt(db: sqlite_utils.Database, package: Package, install: Installation, *, dry_run: bool,
                  accept_fingerprint: str | None = None) -> ImportResult:
    """Record a receipt at the post (its sheets are read and its sender checked already)."""
    validate_receipt_target(package, install.post_code)
    if not package.errors:
        refusal = _hq_key_refusal(db, package, accept_fingerprint)
        if refusal is not None:
            return refusal
        validate_package(package, None)
    if not package.errors and not package.manifest.get("confirmed_seq", "").isdigit():
        package.problem("the receipt does not say up to which change HQ holds everything", sheet=fmt.MANIFEST_SHEET,
                        column="confirmed_seq", value=package.manifest.get("confirmed_seq"))
    if package.errors:
        result = base_result(package, "rejected")
        result.message = describe_rejection(package)
        return result
    m = package.manifest
    confirmed, why = _effective_confirmed(db, install, package)
    if confirmed is None:
        return _refuse(package, why, "confirmed_seq", m["confirmed_seq"])
    listed = len(package.sheets[fmt.RECEIPT_SHEET].rows)
    result = base_result(package, "dry-run" if dry_run else "applied")
    result.seq_from, result.seq_to = 0, confirmed
    result.message = f"Receipt from {m['post_code']}: HQ holds {listed} packages and every change up to {confirmed}."
    notes = read_hq_notes(m)
    if notes["refused"]:
        result.message += (f" HQ refused {len(notes['refused'])} package{'s' if len(notes['refused']) != 1 else ''}: "
                           "the Sync page lists the rows to fix.")
    if notes["settled"]:
        result.message += f" HQ settled {len(notes['settled'])} conflict{'s' if len(notes['settled']) != 1 else ''}."
    if dry_run:
        return result
    with write_transaction(db):
        if sync_state.get_peer(db, m["post_code"]) is None:
            sync_state.pin_peer(db, m["post_code"], m["public_key"], signing.fingerprint(m["public_key"]),
                                "confirmed-by-officer")
        sync_state.record_import(db, {
            "package_id": m["package_id"], "kind": "receipt", "post_code": m["post_code"], "seq_from": 0,
            "seq_to": confirmed, "content_hash": fmt.content_hash(m), "created_at": m["created_at"],
            "imported_at": utc_now(), "imported_by": install.officer, "backup_path": None,
            "summary": {"confirmed_seq": confirmed, "packages": listed, "counts": result.counts, "hq_notes": notes},
            "incarnation": m.get("confirms_incarnation") or None,
        })
        write_audit(db, install.officer, "import-receipt",
                    changes={"package_id": m["package_id"], "confirmed_seq": confirmed})
    return result


def read_hq_notes(manifest: dict[str, str]) -> dict[str, list[dict[str, object]]]:
    """The refusals and settled conflicts a receipt tells the post about (signed with the manifest);
    a receipt from an HQ that does not send them has none."""
    try:
        notes = json.loads(manifest.get("hq_notes") or "{}")
    except ValueError:
        notes = {}
    if not isinstance(notes, dict):
        notes = {}
    return {"refused": list(notes.get("refused") or []), "settled": list(notes.get("settled") or [])}
