"""Backups listed and restored safely.

Restoring never destroys anything: the backup is checked first, copied beside the database and brought up
to this version's schema there; the current database (with its WAL) is moved aside into `backups/`; only
then does the copy take the database's name. The restored database starts a new incarnation (see
`lineage.py`), so HQ can tell the edits made after the restore from the ones the backup lacks, and none
is dropped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import SetupError, StoreError
from ccp_desktop.store import files, lineage
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.files import BACKUPS_DIRNAME as BACKUPS_DIR
from ccp_desktop.store.files import fsync_dir, restrict_file
from ccp_desktop.store.installation import set_public_key
from ccp_desktop.store.maintenance import count_live, journal_seq
from ccp_desktop.store.migrations import SYNCED_TABLES
from ccp_desktop.store.transactions import write_transaction


@dataclass
class BackupInfo:
    path: Path
    made_at: str  # UTC, from the file's modification time
    ok: bool
    problem: str = ""
    post_code: str | None = None
    officer: str | None = None
    journal_seq: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"path": str(self.path), "made_at": self.made_at, "ok": self.ok, "problem": self.problem,
                "post_code": self.post_code, "officer": self.officer, "journal_seq": self.journal_seq,
                "counts": self.counts}


def _stamp(path: Path) -> str:
    moment = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def inspect_backup(path: Path) -> BackupInfo:
    """Open a backup read-only and say what it holds, or what is wrong with it. Never writes to it."""
    path = Path(path)
    if not path.is_file():
        return BackupInfo(path, "", False, f"{path} is not a file")
    info = BackupInfo(path, _stamp(path), False)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        info.problem = f"cannot be opened: {exc}"
        return info
    try:
        check = conn.execute("PRAGMA quick_check").fetchall()
        if [r[0] for r in check] != ["ok"]:
            info.problem = "damaged: " + "; ".join(str(r[0]) for r in check[:3])
            return info
        row = conn.execute("SELECT post_code, officer FROM installation").fetchone()
        if row is None:
            info.problem = "holds no installation: not a CCP Field Desk database that was set up"
            return info
        info.post_code, info.officer = row
        info.journal_seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM change_journal").fetchone()[0])
        info.counts = {t: int(conn.execute(f"SELECT count(*) FROM {t} WHERE deleted = 0").fetchone()[0]) for t in SYNCED_TABLES}
        info.ok = True
    except sqlite3.DatabaseError as exc:
        info.problem = f"is not a CCP Field Desk database ({exc})"
    finally:
        conn.close()
    return info


def backups_folder(db_path: Path) -> Path:
    return Path(db_path).parent / BACKUPS_DIR


def list_backups(db_path: Path) -> list[BackupInfo]:
    """Every backup beside the database, newest first, with its date and record counts."""
    folder = backups_folder(db_path)
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob("*.sqlite3") if p.is_file()]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [inspect_backup(p) for p in files]


def instance_holding(db_path: Path) -> int | None:
    """The process id of a running copy of the app that has this database open (its lock file), or None."""
    lock = Path(db_path).with_name(Path(db_path).name + ".lock")
    try:
        pid = int(lock.read_text(encoding="utf-8", errors="replace").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid == os.getpid():
        return pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    except OSError:
        return None
    return pid


@dataclass
class RestoreResult:
    restored_from: Path
    kept_aside: Path | None
    incarnation: str
    branch_seq: int
    counts: dict[str, int]
    new_key: bool = False


MakeKey = Callable[[], tuple[str, str]]


def restore_backup(db_path: Path, backup: Path, *, make_key: MakeKey | None = None) -> RestoreResult:
    """Replace the database at `db_path` with a checked copy of `backup`, keeping the current one aside.

    `make_key`, when given (the signing key file is missing: a new laptop), creates the key and returns
    (public text, fingerprint), which the restored installation then records: HQ must be told it."""
    db_path, backup = Path(db_path), Path(backup)
    holder = instance_holding(db_path)
    if holder is not None and holder != os.getpid():
        raise SetupError(f"CCP Field Desk (process {holder}) has this database open: close it, then restore")
    info = inspect_backup(backup)
    if not info.ok:
        raise StoreError(f"The backup {backup.name} cannot be restored: it {info.problem}. Nothing was changed.")
    current = inspect_backup(db_path) if db_path.exists() else None
    if current is not None and current.ok and current.post_code != info.post_code:
        raise SetupError(f"The backup belongs to post {info.post_code}, this database to {current.post_code}; "
                         "nothing was changed")
    staging = files.partial_path(db_path)  # named after this process: a killed restore's copy is tidied up
    _remove_database_files(staging)
    # At every moment a database stands under the database's name, whole: the current one (its WAL
    # folded in and a copy kept aside first), then, in one rename, the restored one.
    try:
        result = _stage(backup, staging, info, make_key)
        kept = _keep_aside(db_path) if db_path.exists() else None
        for suffix in ("-wal", "-shm"):  # empty after the checkpoint; a stale WAL must never meet the new file
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        os.replace(staging, db_path)
        restrict_file(db_path)
        fsync_dir(db_path.parent)
    except BaseException:
        _remove_database_files(staging)
        raise
    result.kept_aside = kept
    return result


def _copy_database(source: sqlite3.Connection, target_path: Path) -> None:
    """Copy a whole database through SQLite's backup API (a consistent snapshot, WAL included)."""
    target = sqlite3.connect(str(target_path))
    try:
        source.backup(target)
    finally:
        target.close()


def _stage(backup: Path, staging: Path, info: BackupInfo, make_key: MakeKey | None) -> RestoreResult:
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _copy_database(source, staging)
    finally:
        source.close()
    db = open_database(staging)  # brings an older backup's schema up to date
    try:
        new_key = False
        with write_transaction(db):
            fingerprint = db.execute("SELECT key_fingerprint FROM installation").fetchone()[0]
            if make_key is not None:
                public, fingerprint = make_key()
                set_public_key(db, public, fingerprint)
                new_key = True
            branch = journal_seq(db)
            incarnation = lineage.begin_incarnation(db, reason="restore", branch_seq=branch, fingerprint=fingerprint)
            officer = db.execute("SELECT officer FROM installation").fetchone()[0]
            write_audit(db, officer, "restore-backup", changes={
                "backup": backup.name, "backup_made_at": info.made_at, "journal_seq": branch,
                "incarnation": incarnation, "new_key": new_key})
        counts = count_live(db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return RestoreResult(backup, None, incarnation, branch, counts, new_key)


def _keep_aside(db_path: Path) -> Path:
    """Fold the current database's WAL into it and copy it into backups/ (whole, synced); the original
    stays in place until the restored file replaces it. A database too damaged to copy through SQLite
    is copied byte for byte, WAL and all."""
    folder = backups_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = folder / f"{db_path.stem}-before-restore-{stamp}-{uuid.uuid4().hex[:6]}.sqlite3"
    partial = files.partial_path(aside)
    try:
        conn = sqlite3.connect(str(db_path))
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _copy_database(conn, partial)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        _remove_database_files(partial)
        for suffix in ("", "-wal"):
            side = db_path.with_name(db_path.name + suffix)
            if side.exists():
                shutil.copyfile(side, aside.with_name(aside.name + suffix))
        return aside
    restrict_file(partial)
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, aside)
    fsync_dir(folder)
    return aside


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


DEFAULT_KEEP = 20
KEEP_SETTING = "backups_keep"


def backups_to_keep(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [KEEP_SETTING]).fetchone()
    try:
        return max(1, int(row[0])) if row else DEFAULT_KEEP
    except ValueError:
        return DEFAULT_KEEP


def set_backups_to_keep(db: sqlite_utils.Database, keep: int, officer: str) -> None:
    if keep < 1:
        raise SetupError("Keep at least 1 backup")
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [KEEP_SETTING, str(keep)])
        write_audit(db, officer, "set-setting", changes={KEEP_SETTING: keep})


DAILY_MARK = "-daily-"


def daily_backup_target(db_path: Path | None) -> Path | None:
    """Where the day's automatic backup goes (UTC day), or None when today's is made already. Imports
    back up the whole database at most once a day; each import keeps its own undo journal instead."""
    source = Path(db_path) if db_path else Path("ccp-field-desk.sqlite3")
    day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    folder = backups_folder(source)
    if folder.is_dir() and any(folder.glob(f"{source.stem}{DAILY_MARK}{day}*.sqlite3")):
        return None
    return folder / f"{source.stem}{DAILY_MARK}{day}T{dt.datetime.now(dt.UTC):%H%M%S}Z.sqlite3"


def rotate_backups(db_path: Path, keep: int) -> list[Path]:
    """Delete the oldest automatic backups beyond `keep`, never the newest good one (if every newer one
    is damaged, the last good backup stays whatever its age). Returns what was deleted. Copies kept
    aside by a restore or a move are never deleted here."""
    folder = backups_folder(db_path)
    if not folder.is_dir():
        return []
    files = sorted((p for p in folder.glob("*.sqlite3") if p.is_file() and "-before-restore-" not in p.name),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    kept, spare = files[:keep], files[keep:]
    if spare and not any(inspect_backup(p).ok for p in kept):
        good = next((p for p in spare if inspect_backup(p).ok), None)
        spare = [p for p in spare if p != good]
    for path in spare:
        path.unlink(missing_ok=True)
    return spare
