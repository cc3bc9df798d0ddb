"""Checking a package without importing it: safe to open, intact, signed, every row valid on its own."""

from __future__ import annotations

from pathlib import Path

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import Problem
from ccp_desktop.sync.checks import validate_package
from ccp_desktop.sync.package import Package, read_package
from ccp_desktop.sync.result import ImportResult, empty_counts


def describe_rejection(package: Package) -> str:
    count = len(package.errors)
    first = package.errors[0].describe() if package.errors else ""
    more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    return f"Rejected {package.path.name}: {first}{more}. Nothing was changed."


def base_result(package: Package, status: str) -> ImportResult:
    m = package.manifest
    result = ImportResult(
        status=status, kind=package.kind, package_id=m.get("package_id") or None, post_code=m.get("post_code") or None,
        warnings=list(package.warnings), errors=list(package.errors),
    )
    if "seq_from" in m or "seq_to" in m:
        result.seq_from, result.seq_to = package.number("seq_from"), package.number("seq_to")
    for name, sheet in package.sheets.items():
        counts = empty_counts()
        counts["read"] = len(sheet.rows)
        result.counts[name] = counts
    return result


def verify_package(path: Path) -> ImportResult:
    """status "verified" (with rows read per sheet) or "rejected" with every problem found."""
    package = read_package(Path(path))
    if package.readable:
        validate_package(package, None)
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
    return result


__all__ = ["Problem", "verify_package"]
