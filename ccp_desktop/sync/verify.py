"""Checking a package without importing it: safe to open, intact, signed, every row valid on its own."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import Problem
from ccp_desktop.store import sync_state
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.checks import validate_package
from ccp_desktop.sync.hq_keys import unsealing_for
from ccp_desktop.sync.package import Package, read_package
from ccp_desktop.sync.result import ImportResult, empty_counts


def describe_rejection(package: Package) -> str:
    count = len(package.errors)
    first = package.errors[0].describe() if package.errors else ""
    more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    return f"Rejected {package.path.name}: {first}{more}. Nothing was changed."


def base_result(package: Package, status: str) -> ImportResult:
    result = ImportResult(status=status, warnings=list(package.warnings), errors=list(package.errors))
    result.take_facts(package.manifest)
    for name, sheet in package.sheets.items():
        counts = empty_counts()
        counts["read"] = sheet.count
        result.counts[name] = counts
    return result


def untrusted_key_reason(db: sqlite_utils.Database, package: Package) -> str | None:
    """Why the package's signing key is not the one pinned for its post, or None (pinned or not yet known)."""
    post, key = package.manifest.get("post_code"), package.manifest.get("public_key")
    peer = sync_state.get_peer(db, post) if post else None
    if peer is None or not key or peer["public_key"] == key:
        return None
    return (
        f"signed by a key that is not the one trusted for {post} (trusted {peer['fingerprint']}, this package "
        f"{signing.fingerprint(key)}); if the post's laptop or key was replaced, register the new key "
        f"with `trust --post {post} --key=KEY`"
    )


def verify_package(path: Path, db: sqlite_utils.Database | None = None) -> ImportResult:
    """status "verified" (with rows read per sheet) or "rejected" with every problem found.

    Without a database the package is checked on its own. With one, the signing key is also compared
    with the key that database has pinned for the post (as import would).
    """
    with unsealing_for(db):  # at HQ a sealed package opens with HQ's encryption keys
        package = read_package(Path(path))
    if package.readable:
        validate_package(package, None)
    if package.readable and not package.errors and db is not None:
        reason = untrusted_key_reason(db, package)
        if reason:
            package.problem(reason, sheet=fmt.MANIFEST_SHEET, column="public_key",
                            value=signing.fingerprint(package.manifest["public_key"]))
    if package.errors:
        result = base_result(package, "rejected")
        result.message = describe_rejection(package)
        return result
    result = base_result(package, "verified")
    rows = sum(c["read"] for c in result.counts.values())
    who = package.manifest.get("post_code")
    if package.is_receipt:
        result.message = f"Verified: receipt from {who} for {package.manifest.get('for_post')}, signature valid."
    else:
        parts = [f"{result.counts[n]['read']} {k.plural.lower()}" for n, k in RECORD_KINDS.items() if result.counts.get(n, {}).get("read")]
        result.message = (f"Verified: {package.kind} package from {who}, {rows} rows "
                          f"({', '.join(parts) or 'none'}), signature valid.")
    if db is not None and who and sync_state.get_peer(db, who) is not None:
        result.message = result.message[:-1] + f", signed by the key trusted for {who}."
    elif db is not None and who:
        result.warnings.append(
            f"No key is trusted for {who} yet (this package's key: {signing.fingerprint(package.manifest['public_key'])})"
        )
    return result


__all__ = ["Problem", "verify_package"]
