"""Setting up an installation: the database's identity row and its signing key, made together."""

from __future__ import annotations

from pathlib import Path

from ccp_desktop.errors import SetupError, ValidationError
from ccp_desktop.paths import key_path_for
from ccp_desktop.store.backups import RestoreResult, restore_backup
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.installation import (
    Installation,
    create_installation,
    get_installation,
    installation_problems,
)
from ccp_desktop.sync import signing

HQ_POST_CODE = "AU-CANBERRA"  # the program's headquarters in the reference data's list of posts


def initialise(db_path: Path, *, post_code: str, officer: str, role: str = "field") -> Installation:
    """Create a new database for a post (or HQ). Refuses one that is already set up."""
    problems = installation_problems(post_code, officer, role)
    if problems:
        raise ValidationError(problems)
    db = open_database(db_path)
    try:
        if get_installation(db) is not None:
            raise SetupError(f"{db_path} is already set up; it will not be set up again")
        key_path = key_path_for(Path(db_path))
        key = signing.load_private_key(key_path) if key_path.exists() else signing.create_private_key(key_path)
        public = signing.public_key_text(key)
        if role == "hq":  # HQ's encryption key for sealed packages, beside the signing key
            from ccp_desktop.sync.hq_keys import ensure_keyring

            ensure_keyring(Path(db_path))
        return create_installation(
            db, post_code=post_code, officer=officer, role=role,
            public_key=public, key_fingerprint=signing.fingerprint(public),
        )
    finally:
        db.close()


def restore_from_backup(db_path: Path, backup: Path) -> RestoreResult:
    """Restore a backup over (or in place of) the database at `db_path`. On a laptop whose signing key is
    gone (re-imaged, replaced), a new key is made: HQ must then be given the new public key."""
    key_path = key_path_for(Path(db_path))

    def make_key() -> tuple[str, str]:
        public = signing.public_key_text(signing.create_private_key(key_path))
        return public, signing.fingerprint(public)

    return restore_backup(Path(db_path), Path(backup), make_key=None if key_path.exists() else make_key)
