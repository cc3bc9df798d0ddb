"""HQ's encryption key at both ends. At HQ: the keyring beside the signing key (made at setup, or by the
first `hq-key`), shown, exported for posts, rotated with an overlap. At a post: the public key it seals
packages to, learnt at setup (shipped with the installer) or from HQ's key file, kept in the database so
that a restored backup still knows it. Every change is one transaction with its audit entry."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.errors import PackageError, SetupError
from ccp_desktop.paths import resource_path, seal_keys_path_for
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.files import make_private_folder
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.location import database_path
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync import seal

SETTING = "hq_encryption_key"
SHIPPED_KEY_FILE = "hq_encryption_key.txt"
DEFAULT_OVERLAP_DAYS = 90  # a post may be offline for weeks, and must be sent the new key and set it


def shipped_key_path() -> Path:
    """Where the installer for the program's HQ ships HQ's public key (absent in a source checkout)."""
    return resource_path(SHIPPED_KEY_FILE)


def shipped_key() -> str | None:
    """HQ's public key shipped with this installation, or None. A damaged shipped file is an error."""
    path = shipped_key_path()
    return seal.read_recipient_file(path) if path.is_file() else None


# ---- at HQ ---------------------------------------------------------------------------------------------

def _db_file(db: sqlite_utils.Database) -> Path:
    path = database_path(db)
    if path is None:
        raise SetupError("This database has no file, so it has no encryption keys")
    return path


def ensure_keyring(db_path: Path) -> list[seal.SealKey]:
    """HQ's keys, making the first one if there is none (setup, or an HQ set up before sealing existed)."""
    path = seal_keys_path_for(Path(db_path))
    keys = seal.read_keyring(path)
    if not keys:
        make_private_folder(path.parent)
        keys = [seal.new_seal_key()]
        seal.write_keyring(path, keys)
    return keys


def _require_hq(db: sqlite_utils.Database, what: str) -> Any:
    install = require_installation(db)
    if not install.is_hq:
        raise SetupError(f"{what} is done at HQ; a post learns HQ's key with `hq-key --set FILE`")
    return install


def hq_keys(db: sqlite_utils.Database) -> list[seal.SealKey]:
    """HQ's keys, oldest first (the first is made if there is none yet)."""
    _require_hq(db, "Making HQ's encryption key")
    return ensure_keyring(_db_file(db))


def export_hq_key(db: sqlite_utils.Database, target: Path) -> tuple[Path, seal.SealKey]:
    """Write HQ's current public key for the posts (a valid age recipients file)."""
    current = seal.current_key(hq_keys(db))
    assert current is not None  # ensure_keyring always leaves a current key
    target = Path(target).expanduser()
    if target.is_dir():
        target = target / SHIPPED_KEY_FILE
    note = f"Made {current.created_at[:10]}. A post runs: ccp-desktop hq-key --set {target.name}"
    try:
        target.write_text(seal.recipient_file_text(current.public_key, note), encoding="utf-8")
    except OSError as exc:
        raise SetupError(f"HQ's key could not be written to {target}: {exc.strerror or exc}") from None
    return target, current


def rotate_hq_key(db: sqlite_utils.Database, overlap_days: int = DEFAULT_OVERLAP_DAYS,
                  now: dt.datetime | None = None) -> tuple[seal.SealKey, seal.SealKey]:
    """A new key pair for HQ; the old one keeps opening packages for `overlap_days`. Returns (new, old)."""
    if overlap_days < 0:
        raise SetupError("The overlap is a number of days, 0 or more")
    install = _require_hq(db, "Rotating HQ's encryption key")
    path = seal_keys_path_for(_db_file(db))
    keys = seal.rotated(ensure_keyring(_db_file(db)), overlap_days, now or dt.datetime.now(dt.UTC))
    old = [k for k in keys if k.retired_at == keys[-1].created_at][-1]
    with write_transaction(db):  # the audit entry commits only if the keyring was written
        write_audit(db, install.officer, "rotate-hq-encryption-key", changes={
            "new": keys[-1].fingerprint, "retired": old.fingerprint, "open_until": old.open_until})
        seal.write_keyring(path, keys)
    return keys[-1], old


def keyring_of(db: sqlite_utils.Database | None) -> seal.Keyring | None:
    """What `db`'s installation opens sealed packages with: HQ's keys, or None (a post, or no file)."""
    path = database_path(db) if db is not None else None
    if path is None:
        return None
    keys = seal.read_keyring(seal_keys_path_for(path))
    return seal.Keyring(tuple(keys), path.parent) if keys else None


@contextlib.contextmanager
def unsealing_for(db: sqlite_utils.Database | None) -> Iterator[None]:
    """Read packages inside this block with the keys of `db`'s installation (see seal.unsealing)."""
    with seal.unsealing(keyring_of(db)):
        yield


# ---- at a post -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KnownHqKey:
    public_key: str
    fingerprint: str
    learnt_at: str
    how: str


def known_hq_key(db: sqlite_utils.Database) -> KnownHqKey | None:
    """The HQ public key this post seals to, or None."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [SETTING]).fetchone()
    if not row:
        return None
    data = json.loads(row[0])
    return KnownHqKey(data["public_key"], seal.key_fingerprint(data["public_key"]), data["learnt_at"], data["how"])


def learn_hq_key(db: sqlite_utils.Database, public_key: str, how: str) -> tuple[KnownHqKey, str | None]:
    """Seal packages to `public_key` from now on. Returns the key and the fingerprint it replaced, if any."""
    install = require_installation(db)
    if install.is_hq:
        raise SetupError("HQ makes its own encryption key (`hq-key`, `hq-key --rotate`); --set is for posts")
    public_key = public_key.strip()
    seal.parse_recipient(public_key)
    known = KnownHqKey(public_key, seal.key_fingerprint(public_key), utc_now(), how)
    with write_transaction(db):
        old = known_hq_key(db)
        value = {"public_key": public_key, "learnt_at": known.learnt_at, "how": how}
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [SETTING, json.dumps(value)])
        write_audit(db, install.officer, "set-hq-encryption-key", changes={
            "fingerprint": known.fingerprint, "how": how, "replaced": old.fingerprint if old else None})
    return known, (old.fingerprint if old and old.public_key != public_key else None)


def learn_hq_key_file(db: sqlite_utils.Database, path: Path) -> tuple[KnownHqKey, str | None]:
    """`hq-key --set FILE`: a bad file is refused, naming it, and nothing changes."""
    path = Path(path).expanduser()
    return learn_hq_key(db, seal.read_recipient_file(path), f"from {path.name}")


def learn_shipped_key(db: sqlite_utils.Database) -> KnownHqKey | None:
    """At setup: HQ's key shipped with the installer, when there is one."""
    key = shipped_key()
    return learn_hq_key(db, key, "shipped with the installer")[0] if key else None


def require_sealing_key(db: sqlite_utils.Database) -> KnownHqKey:
    known = known_hq_key(db)
    if known is None:
        raise PackageError("HQ's encryption key is not known at this post, so the package cannot be sealed: "
                           "set it with `hq-key --set FILE` (the file HQ sent), or export with --no-seal")
    return known
