"""Is the database whole? A quick check before work that would spread damage (signing a package built from
a damaged page, counting records from it), and a way out when it is not: the newest good backup, or a
new database holding every row that can still be read. The damaged file is never deleted or changed."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import StoreError
from ccp_desktop.store import files
from ccp_desktop.store.backups import BackupInfo, backups_folder, inspect_backup
from ccp_desktop.store.location import database_path

QUICK_CHECK_LIMIT = 20  # problems listed; one is enough to stop


class DamagedDatabaseError(StoreError):
    """The database file is damaged: nothing more is written from it until it is restored or recovered."""


def quick_check(db: sqlite_utils.Database) -> list[str]:
    """SQLite's quick check (every page's structure, not index contents): [] when the file is whole."""
    try:
        rows = db.execute(f"PRAGMA quick_check({QUICK_CHECK_LIMIT})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    lines = [line for r in rows if r[0] != "ok" for line in str(r[0]).splitlines()]
    return [line for line in lines if line.strip() and not line.startswith("***")]


def require_whole(db: sqlite_utils.Database, doing: str) -> None:
    """Refuse `doing` (e.g. "export") from a damaged database, saying where the way back is."""
    problems = quick_check(db)
    if problems:
        raise _damaged(db, doing, problems[0])


def damaged_read(db: sqlite_utils.Database, doing: str, exc: sqlite3.DatabaseError) -> BaseException:
    """For work that reads only part of the file (an export of the latest changes): SQLite checks every page
    it reads, so a damaged page met on the way stops `doing` with require_whole's message, without a quick
    check of the whole file first (its cost grows with the database, not with the work). Any other
    database error is returned as it is."""
    primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF  # extended codes keep the primary in the low byte
    if primary not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return exc
    return _damaged(db, doing, str(exc))


def _damaged(db: sqlite_utils.Database, doing: str, problem: str) -> DamagedDatabaseError:
    path = database_path(db)
    where = backups_folder(path) if path else Path("backups")
    return DamagedDatabaseError(
        f"The database is damaged ({problem}), so the {doing} was stopped: nothing was written. "
        f"Restore the newest good backup (in {where}) or recover what can be read (Settings, or "
        "`ccp-desktop recover`); the damaged file is kept as it is."
    )


def newest_good_backup(db_path: Path) -> BackupInfo | None:
    """The newest backup beside the database that opens and passes its check (checked newest first,
    stopping at the first good one)."""
    folder = backups_folder(db_path)
    if not folder.is_dir():
        return None
    candidates = sorted((p for p in folder.glob("*.sqlite3") if p.is_file()), key=lambda p: p.stat().st_mtime,
                        reverse=True)
    for path in candidates:
        info = inspect_backup(path)
        if info.ok:
            return info
    return None


@dataclass
class RecoverResult:
    target: Path
    rows_read: dict[str, int] = field(default_factory=dict)  # per table, copied into the new database
    rows_lost: dict[str, int] = field(default_factory=dict)  # per table, rowids missing (exact for synced tables)
    problems: list[str] = field(default_factory=list)


def recover_database(damaged: Path, target: Path) -> RecoverResult:
    """Copy every row that can still be read from `damaged` into a new database at `target`: the schema
    as the damaged file declares it, rows table by table (a damaged stretch is narrowed down to the
    single unreadable rows, which are counted), then indexes and triggers, and full-text indexes
    rebuilt. `damaged` is opened read-only and never changed."""
    damaged, target = Path(damaged), Path(target)
    if target.exists():
        raise StoreError(f"{target} exists already; choose another name")
    partial = files.partial_path(target)
    source = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
    result = RecoverResult(target)
    try:
        schema = source.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
        out = sqlite3.connect(str(partial), isolation_level=None)
        try:
            out.execute("BEGIN")
            tables = [(name, sql) for kind, name, _t, sql in schema if kind == "table"
                      and not name.startswith("sqlite_") and "_fts_" not in name]
            for _name, sql in tables:
                out.execute(sql)
            for name, sql in tables:
                if "VIRTUAL" in sql.upper():
                    continue  # full-text indexes are rebuilt from the recovered rows below
                read, lost = _copy_rows(source, out, name)
                result.rows_read[name], result.rows_lost[name] = read, lost
            for kind, name, _t, sql in schema:
                if kind in ("index", "trigger"):
                    try:
                        out.execute(sql)
                    except sqlite3.DatabaseError as exc:  # an index a lost row made impossible: say so
                        result.problems.append(f"{kind} {name}: {exc}")
            for name, sql in tables:
                if "VIRTUAL" in sql.upper() and "fts5" in sql.lower():
                    with contextlib.suppress(sqlite3.DatabaseError):
                        out.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
            out.execute("COMMIT")
            dangling = out.execute("PRAGMA foreign_key_check").fetchall()
            if dangling:  # records whose parent was on a damaged page: `check` lists them for a person
                children = sorted({str(row[0]) for row in dangling})
                result.problems.append(f"{len(dangling)} records ({', '.join(children)}) refer to records that "
                                       "could not be read; `ccp-desktop check` lists them")
        finally:
            out.close()
    except sqlite3.DatabaseError as exc:
        _remove(partial)
        raise StoreError(f"Nothing could be recovered from {damaged.name}: {exc}") from exc
    finally:
        source.close()
    partial.replace(target)
    files.fsync_dir(target.parent)
    return result


def _copy_rows(source: sqlite3.Connection, out: sqlite3.Connection, table: str) -> tuple[int, int]:
    """Rows of one table by rowid stretches; a stretch that fails is halved until the bad rows are alone."""
    try:
        columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})").fetchall()]
        top = source.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        return 0, 0
    names = ", ".join(columns)
    insert = f"INSERT OR IGNORE INTO {table} (rowid, {names}) VALUES ({', '.join('?' for _ in range(len(columns) + 1))})"
    read = lost = 0
    stack = [(1, top)]
    while stack:
        low, high = stack.pop()
        if low > high:
            continue
        try:
            rows = source.execute(f"SELECT rowid, {names} FROM {table} WHERE rowid BETWEEN ? AND ?", [low, high]).fetchall()
        except sqlite3.DatabaseError:
            if low == high:
                lost += 1
                continue
            middle = (low + high) // 2
            stack += [(middle + 1, high), (low, middle)]
            continue
        out.executemany(insert, rows)
        read += len(rows)
    # A damaged page may also hide its rows without an error. Synced records are never deleted, so
    # their rowids run without holes: what is missing below the highest one was lost.
    return read, max(lost, top - read)


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def recovered_name(db_path: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(db_path).with_name(f"{Path(db_path).stem}-recovered-{stamp}.sqlite3")
