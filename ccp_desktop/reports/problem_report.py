"""A problem report for IT support: one zip with the log, the database check and what installation this
is. Never the database, its backups, or the signing key: the report may travel by e-mail."""

from __future__ import annotations

import datetime as dt
import platform
import sqlite3
import sys
import zipfile
from pathlib import Path

import sqlite_utils

from ccp_desktop import APP_NAME, __version__, logs
from ccp_desktop.store import files
from ccp_desktop.store.connection import open_reader
from ccp_desktop.store.maintenance import check_database

REPORT_PREFIX = "ccp-problem-report"


def default_report_name() -> str:
    return f"{REPORT_PREFIX}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}.zip"


def check_text(db_path: Path | None, db: sqlite_utils.Database | None = None) -> str:
    """What `ccp-desktop check` says about the database, plus counts and the installation's role; on a
    file that cannot be opened, why. Numbers and codes only, never record values."""
    if db is None and (db_path is None or not Path(db_path).exists()):
        return f"database: none at {db_path}\n"
    lines = [f"database: {db_path}"]
    if db_path is not None and Path(db_path).exists():
        lines.append(f"size: {Path(db_path).stat().st_size} bytes")
    own = db is None
    try:
        if db is None:
            db = open_reader(Path(db_path))  # type: ignore[arg-type]  # nothing can be written, a damaged file least of all
        report = check_database(db)
        lines.append("check: ok" if report.ok else "check: PROBLEMS")
        lines += [f"  {problem}" for problem in report.problems[:200]]
        lines.append(f"schema version: {report.schema_version} (this program: {report.expected_schema_version})")
        for table in ("activities", "partners", "activity_partners", "equipment_deliveries", "equipment_items",
                      "change_journal", "sync_exports", "sync_imports", "sync_conflicts"):
            try:
                count = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                count = f"unreadable ({exc})"
            lines.append(f"rows in {table}: {count}")
        try:
            row = db.execute("SELECT post_code, role FROM installation").fetchone()
            if row:
                lines.append(f"installation: post {row[0]}, role {row[1]}")
        except sqlite3.DatabaseError as exc:
            lines.append(f"installation: unreadable ({exc})")
    except sqlite3.DatabaseError as exc:
        lines.append(f"check: the database cannot be read ({exc})")
    finally:
        if own and db is not None:
            db.close()
    return "\n".join(lines) + "\n"


def about_text() -> str:
    return (f"{APP_NAME} {__version__}\nmade: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n"
            f"python: {sys.version.split()[0]}\nsqlite: {sqlite3.sqlite_version}\nsystem: {platform.platform()}\n"
            "This report holds the program's log and the database check. It holds no records, no database "
            "file and no signing key.\n")


def write_problem_report(out: Path, db_path: Path | None, *, db: sqlite_utils.Database | None = None,
                         data_dir: Path | None = None) -> Path:
    """Write the report to `out` (a file, or a folder to put a dated file in); returns its path. Written
    through a partial file and renamed, so a full drive leaves nothing half-written."""
    out = Path(out).expanduser()
    target = out / default_report_name() if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    logs.log.info("problem report requested")
    partial = files.partial_path(target)
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("about.txt", about_text())
            archive.writestr("check.txt", check_text(db_path, db))
            for path in logs.log_files(data_dir):
                archive.write(path, f"logs/{path.name}")
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise files.write_failure(exc, target.parent, "the problem report") from None
    return target
