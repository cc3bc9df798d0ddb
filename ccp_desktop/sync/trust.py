"""Which signing keys an installation trusts: at HQ each post's, at a post HQ's. A key is learnt
deliberately (registered by its text, or taken from a package after a person compared its fingerprint),
pinned on a post's first package, and replaced only on purpose, with the reason audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import PackageError, Problem, ValidationError
from ccp_desktop.store import sync_state
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import POST_CODE, require_installation
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync import signing
from ccp_desktop.sync.hq_keys import unsealing_for
from ccp_desktop.sync.package import open_package


@dataclass(frozen=True)
class TrustChange:
    post_code: str
    fingerprint: str
    replaced: str | None  # the fingerprint trusted before, if another


def same_fingerprint(a: str, b: str) -> bool:
    """Fingerprints as people type them: case, spaces and dashes do not matter."""
    def norm(text: str) -> str:
        return "".join(ch for ch in text.upper() if ch.isalnum())
    return norm(a) == norm(b) and bool(norm(a))


def trust_key(db: sqlite_utils.Database, post_code: str, public_key: str, *, how: str = "registered",
              reason: str = "") -> TrustChange:
    """Trust `public_key` for `post_code` (one transaction, audited)."""
    if not POST_CODE.match(post_code or ""):
        raise ValidationError([Problem("post", "Post code must look like FJ-SUVA", post_code)])
    signing.parse_public_key(public_key)  # refuses a malformed key with a clear message
    install = require_installation(db)
    fingerprint = signing.fingerprint(public_key)
    with write_transaction(db):
        old = sync_state.get_peer(db, post_code)
        sync_state.pin_peer(db, post_code, public_key.strip(), fingerprint, how)
        write_audit(db, install.officer, "trust-key", changes={
            "post": post_code, "fingerprint": fingerprint, "how": how, "reason": reason,
            "replaced": old["fingerprint"] if old else None})
    replaced = old["fingerprint"] if old and old["public_key"] != public_key.strip() else None
    return TrustChange(post_code, fingerprint, replaced)


def trust_package_key(db: sqlite_utils.Database, path: Path, fingerprint: str, *, reason: str = "") -> TrustChange:
    """Trust the key that signed a package, once a person has compared its fingerprint with the one the
    sender read out. The package must be intact (its manifest signature holds)."""
    with unsealing_for(db):
        book, package = open_package(Path(path))
        if book is not None:
            book.close()
    if not package.readable or package.errors:
        raise PackageError(f"{Path(path).name} cannot be used to learn a key: "
                           + "; ".join(p.describe() for p in package.errors[:3]))
    key = package.manifest["public_key"]
    actual = signing.fingerprint(key)
    if not same_fingerprint(actual, fingerprint):
        raise PackageError(f"The package is signed by key {actual}, not {fingerprint}: it was not trusted. "
                           "Check the fingerprint with the sender by phone")
    return trust_key(db, package.manifest["post_code"], key, how="confirmed-from-package", reason=reason)


def trusted_keys(db: sqlite_utils.Database, post_code: str | None = None) -> list[dict[str, object]]:
    codes = [post_code] if post_code else sync_state.peer_codes(db)
    return [p for p in (sync_state.get_peer(db, code) for code in codes) if p is not None]
