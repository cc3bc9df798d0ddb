"""`ccp-desktop restore FILE` on a replaced laptop: no data folder yet, no key; it says what to send HQ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ccp_desktop.cli import main
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.maintenance import backup_database


def test_restore_onto_a_new_laptop_makes_the_folder_and_prints_the_new_key(post_db: Any, tmp_path: Path,
                                                                          capsys: Any) -> None:
    backup = backup_database(post_db, tmp_path / "usb" / "backup.sqlite3")
    old = require_installation(post_db)
    new = tmp_path / "new-laptop" / "data" / "ccp-field-desk.sqlite3"
    assert main(["--db", str(new), "restore", str(backup)]) == 0
    out = capsys.readouterr().out
    db = open_database(new)
    try:
        install = require_installation(db)
    finally:
        db.close()
    assert install.post_code == old.post_code and install.key_fingerprint != old.key_fingerprint
    assert f"Signing key fingerprint: {install.key_fingerprint}" in out
    assert f"trust --post FJ-SUVA --key={install.public_key}" in out


def test_restore_on_the_same_laptop_keeps_its_key_and_prints_none(post_db: Any, post_db_path: Path, tmp_path: Path,
                                                                  capsys: Any) -> None:
    backup = backup_database(post_db, tmp_path / "usb" / "backup.sqlite3")
    fingerprint = require_installation(post_db).key_fingerprint
    post_db.close()
    assert main(["--db", str(post_db_path), "restore", str(backup)]) == 0
    out = capsys.readouterr().out
    assert "kept at" in out and "Signing key fingerprint" not in out and fingerprint not in out
