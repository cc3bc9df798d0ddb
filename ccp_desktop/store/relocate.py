"""Moving the data folder: copy, verify, then point the app at the copy; the original is left untouched.

Order matters for safety. The copy is made and checked while the original stays the live database;
only a verified copy is recorded in the pointer file (the single switch-over step, atomic). Any
failure before that removes what was copied and leaves the pointer as it was, so nothing is half-done.
The original is never deleted: a note beside it says where the data went, and the person deletes it
once they have seen the data in its new place.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import CcpError, SetupError, StoreError
from ccp_desktop.paths import (
    DB_FILENAME,
    key_path_for,
    outbox_dir_for,
    seal_keys_path_for,
    write_pointer,
)
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.files import partial_path
from ccp_desktop.store.maintenance import backup_database, check_database, stats
from ccp_desktop.store.refusal_log import REFUSALS_SUFFIX

log = logging.getLogger(__name__)

# Kept in step with ccp_desktop.ui.settings.SETTINGS_FILENAME (a Qt module the core must not import;
# a test checks the two agree).
UI_SETTINGS_FILENAME = "ui-settings.ini"
BACKUPS_DIRNAME = "backups"
MOVED_NOTE_FILENAME = "MOVED-TO-NEW-FOLDER.txt"
SPACE_MARGIN = 1.1  # room for the copy plus a little, so the disk is not filled to the last byte


def check_move_target(current_db_path: Path, new_folder: Path) -> Path:
    """Why `new_folder` cannot take the data (a SetupError), or the resolved folder when it can.

    Read-only: nothing is created here, so the UI may ask before the person confirms.
    """
    current = Path(current_db_path).resolve()
    old_folder = current.parent
    target = Path(new_folder).expanduser().resolve()
    if target == old_folder:
        raise SetupError(f"The data is already in {target}; choose a different folder")
    if target.is_relative_to(old_folder):
        raise SetupError(f"{target} is inside the current data folder {old_folder}; choose a folder outside it")
    if target.exists() and not target.is_dir():
        raise SetupError(f"{target} is a file, not a folder; choose a folder")
    if target.is_dir():
        if _holds_ccp_database(target):
            raise SetupError(f"{target} already holds a CCP Field Desk database; choose an empty folder, "
                             "nothing was copied or overwritten")
        clashes = [name for name in _files_to_write() if (target / name).exists()]
        if clashes:
            raise SetupError(f"{target} already has {', '.join(clashes)}; choose an empty folder, nothing was overwritten")
    return target


def move_data_folder(
    db: sqlite_utils.Database,
    current_db_path: Path,
    new_folder: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Copy the database, its signing key, window layout and backups into `new_folder`, verify the copy,
    then record `new_folder` as the data folder. Returns the new database path.

    `db` is an open connection to `current_db_path` (the copy is taken through SQLite's backup API, so
    the app may keep it open). Raises CcpError and changes nothing when the move cannot be done.
    """
    current = Path(current_db_path).resolve()
    target = check_move_target(current, new_folder)
    created: list[Path] = []  # everything this move made, removed again if it fails
    folder_made = _make_folder(target)
    try:
        _require_writable(target)
        _require_space(current, target)
        new_db = target / DB_FILENAME
        created.append(new_db)
        created.append(partial_path(new_db))  # backup_database's work file
        backup_database(db, new_db, progress=progress)
        old_key, new_key = key_path_for(current), key_path_for(new_db)
        if old_key.exists():
            created.append(new_key)
            _copy_private(old_key, new_key)
        old_seal, new_seal = seal_keys_path_for(current), seal_keys_path_for(new_db)  # HQ's encryption keys
        if old_seal.exists():
            created.append(new_seal)
            _copy_private(old_seal, new_seal)
        for name in (UI_SETTINGS_FILENAME, current.name + REFUSALS_SUFFIX):  # layout; HQ's refusal log
            if (current.parent / name).is_file():
                created.append(target / name)
                shutil.copy2(current.parent / name, target / name)
        for folder in (BACKUPS_DIRNAME, outbox_dir_for(current).name):  # backups; a post's copies of sealed packages
            if (current.parent / folder).is_dir():
                created.append(target / folder)
                shutil.copytree(current.parent / folder, target / folder)
        _verify_copy(db, new_db)
        for old, new in ((old_key, new_key), (old_seal, new_seal)):
            if old.exists() and new.read_bytes() != old.read_bytes():
                raise StoreError(f"The key copied to {new} differs from the original")
        write_pointer(target)
    except BaseException as exc:
        _remove(created, target if folder_made else None)
        if isinstance(exc, CcpError):
            raise
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise StoreError(f"The data could not be copied to {target} ({_plain(exc)}); nothing was changed, "
                             "the program keeps using the current folder") from exc
        raise
    _leave_note(current, new_db)
    return new_db


def moved_note_path(current_db_path: Path) -> Path:
    return Path(current_db_path).parent / MOVED_NOTE_FILENAME


# --- steps -----------------------------------------------------------------------------------------------
def _files_to_write() -> list[str]:
    names = [DB_FILENAME, DB_FILENAME + "-wal", DB_FILENAME + "-shm", key_path_for(Path(DB_FILENAME)).name,
             seal_keys_path_for(Path(DB_FILENAME)).name, outbox_dir_for(Path(DB_FILENAME)).name]
    return names + [UI_SETTINGS_FILENAME, BACKUPS_DIRNAME, DB_FILENAME + REFUSALS_SUFFIX]


def _holds_ccp_database(folder: Path) -> bool:
    """True when `folder` has a signing key, or a SQLite file in it carries a CCP installation."""
    if any(folder.glob("*.signing-key")):
        return True
    for candidate in folder.glob("*.sqlite3"):
        try:
            # immutable: a look that writes nothing (a plain read-only open of a WAL file makes a -shm)
            conn = sqlite3.connect(f"{candidate.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'installation'").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            continue  # not a database we could read: not ours to worry about
        if found:
            return True
    return False


def _make_folder(target: Path) -> bool:
    """Create `target` if needed; True when this move made it (so a failure removes it again)."""
    if target.is_dir():
        return False
    try:
        target.mkdir(parents=True)
    except OSError as exc:
        raise SetupError(f"The folder {target} cannot be created ({_plain(exc)}); nothing was copied") from exc
    return True


def _require_writable(target: Path) -> None:
    try:
        fd, probe = tempfile.mkstemp(dir=target, prefix=".ccp-write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SetupError(f"The folder {target} is not writable ({_plain(exc)}); nothing was copied") from exc


def _require_space(current: Path, target: Path) -> None:
    need = sum(p.stat().st_size for p in current.parent.glob(current.name + "*") if p.is_file())
    backups = current.parent / BACKUPS_DIRNAME
    if backups.is_dir():
        need += sum(p.stat().st_size for p in backups.rglob("*") if p.is_file())
    free = shutil.disk_usage(target).free
    if free < need * SPACE_MARGIN:
        raise SetupError(f"{target} has {free // 2**20} MB free but the data needs about "
                         f"{int(need * SPACE_MARGIN) // 2**20 + 1} MB; nothing was copied")


def _copy_private(source: Path, dest: Path) -> None:
    """Copy the signing key readable by its owner only, from the first byte (never briefly 0644)."""
    data = source.read_bytes()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if os.name != "nt":
        os.chmod(dest, 0o600)  # O_CREAT's mode is filtered by the umask; this says exactly 0600


def _verify_copy(db: sqlite_utils.Database, new_db: Path) -> None:
    copy = open_database(new_db, migrate=False)
    try:
        report = check_database(copy)
        if not report.ok:
            raise StoreError(f"The copy in {new_db.parent} failed its check ({'; '.join(report.problems[:3])}); "
                             "nothing was changed")
        got, want = stats(copy), stats(db)
        if got != want:
            raise StoreError(f"The copy in {new_db.parent} does not hold the same records as the original "
                             f"({got} against {want}); nothing was changed")
        copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        copy.close()


def _remove(created: list[Path], folder: Path | None) -> None:
    """Undo a failed move; best effort, each path on its own, so one stuck file does not keep the rest."""
    for path in reversed(created):
        for extra in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            try:
                if extra.is_dir():
                    shutil.rmtree(extra)
                else:
                    extra.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove %s after a failed move: %r", extra, exc)
    if folder is not None:
        try:
            folder.rmdir()  # only if empty: never remove something this move did not make
        except OSError as exc:
            log.warning("could not remove %s after a failed move: %r", folder, exc)


def _leave_note(current: Path, new_db: Path) -> None:
    """A note beside the old database saying where the data went. The move is complete without it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"On {stamp} CCP Field Desk moved its data to:\n  {new_db.parent}\n\n"
            f"The files in this folder ({current.name} and its signing key) are the old copy, left untouched.\n"
            "The program no longer uses them. Delete them once you have checked your records in the new folder.\n")
    try:
        moved_note_path(current).write_text(text, encoding="utf-8")
    except OSError as exc:
        log.warning("could not leave a note in %s: %r", current.parent, exc)


def _plain(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
