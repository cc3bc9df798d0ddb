"""Files written on the way to a final one: a private work folder, half-written files named after their
owner, room checked before writing, and what a killed process left behind removed on the next start.

A power cut or a kill leaves two kinds of debris: scratch files (openpyxl's per-sheet XML, which holds
record contents in plain text) and half-written files beside their final name (`*.partial`). Both carry
the id of the process that made them, so a later start can tell a dead writer's leftovers from the
files of a writer still at work in another process (the desktop app and a command at the same time).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import CcpError, DiskFullError, StoreError, database_failure_text  # noqa: F401
from ccp_desktop.paths import fsync_dir  # noqa: F401 - one rule for making a rename durable; used here and by callers of files

log = logging.getLogger(__name__)

WORK_DIRNAME = "tmp"
BACKUPS_DIRNAME = "backups"
PARTIAL_SUFFIX = ".partial"
SPACE_MARGIN_BYTES = 1024 * 1024  # never plan to fill a drive to its last megabyte
_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


# ---- owner-only files: the database and its WAL, backups, the key, packages and receipts (0600), and the
# folders the app makes for them (0700). A file system without modes (a FAT USB stick) keeps its own rules.

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def restrict_file(path: Path) -> None:
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.chmod(path, FILE_MODE)


def restrict_folder(path: Path) -> None:
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.chmod(path, FOLDER_MODE)


def make_private_folder(path: Path) -> Path:
    """Create a folder (and its parents) for the app's own files, owner-only."""
    path = Path(path)
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True)
    if not existed:
        restrict_folder(path)
    return path


def restrict_database(path: Path) -> None:
    """The database and the WAL and shared-memory files beside it."""
    for suffix in ("", "-wal", "-shm"):
        side = Path(path).with_name(Path(path).name + suffix)
        if side.exists():
            restrict_file(side)


# ---- owners ----------------------------------------------------------------------------------------

def pid_alive(pid: int) -> bool:
    """Whether process `pid` still runs. Never signals it (on Windows os.kill would end it)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - exercised on Windows builds only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def partial_path(target: Path) -> Path:
    """The hidden half-written file beside `target`, named after this process: `.NAME.PID.partial`."""
    target = Path(target)
    return target.with_name(f".{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")


def _owner_pid(name: str) -> int | None:
    """The process id in a `.NAME.PID.partial` or `PID-…` work folder name, else None."""
    if name.endswith(PARTIAL_SUFFIX):
        stem = name[: -len(PARTIAL_SUFFIX)]
        pid = stem.rsplit(".", 1)[-1]
    else:
        pid = name.split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _is_leftover(path: Path) -> bool:
    """A file or folder whose owner is gone. An old-style `.partial` without a pid counts as one too:
    this program has not written such names since it started recording the owner."""
    pid = _owner_pid(path.name)
    if pid is None:
        return path.name.endswith(PARTIAL_SUFFIX)
    return not pid_alive(pid)


# ---- the private work folder -----------------------------------------------------------------------

def work_root(data_dir: Path | None = None) -> Path:
    """`tmp/` inside the data folder (the default one unless given)."""
    if data_dir is None:
        from ccp_desktop.paths import default_data_dir

        data_dir = default_data_dir()
    return Path(data_dir) / WORK_DIRNAME


def make_work_dir(data_dir: Path | None = None) -> Path:
    """A fresh folder only this user can read, for scratch files that hold record contents."""
    root = work_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    _owner_only(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))  # mkdtemp makes it 0700
    return folder


def _owner_only(folder: Path) -> None:
    if os.name != "nt":
        os.chmod(folder, 0o700)


def remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


# ---- room --------------------------------------------------------------------------------------------

def free_bytes(folder: Path) -> int:
    """Free space for this user on the drive holding `folder` (or its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def megabytes(size: int) -> str:
    """A size as a person reads it: "340 KB", "3.2 MB", "52 MB"."""
    if size < 1024 * 1024:
        return f"{max(size, 0) // 1024} KB"
    mb = size / (1024 * 1024)
    return f"{mb:.1f} MB" if mb < 10 else f"{mb:.0f} MB"


def full_message(folder: Path, free: int, needed: int, what: str) -> str:
    return (f"The drive holding {folder} is full: {megabytes(free)} free, {what} needs {megabytes(needed)}. "
            "Free some space there (or choose another drive) and try again; nothing was written.")


def require_free_space(folder: Path, needed: int, what: str) -> None:
    """Say before starting that `what` (e.g. "the package") will not fit, with both sizes."""
    free = free_bytes(folder)
    if free < needed + SPACE_MARGIN_BYTES:
        raise DiskFullError(full_message(folder, free, needed, what))


def is_full_error(exc: BaseException) -> bool:
    """A write refused for lack of room: ENOSPC/EFBIG/EDQUOT, lxml's IO_ENOSPC/IO_EFBIG, SQLITE_FULL."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return "full" in str(exc)
    text = str(exc)
    return type(exc).__name__ == "SerialisationError" and ("ENOSPC" in text or "EFBIG" in text)


def write_failure(exc: BaseException, folder: Path, what: str, needed: int | None = None) -> CcpError:
    """The plain-words error for a failed write of `what` into `folder`."""
    if isinstance(exc, CcpError):
        return exc
    if needed is not None and not is_full_error(exc) and free_bytes(folder) < needed + SPACE_MARGIN_BYTES:
        return DiskFullError(full_message(folder, free_bytes(folder), needed, what))  # an I/O error, and no room
    if is_full_error(exc):
        free = free_bytes(folder)
        if needed is not None:
            return DiskFullError(full_message(folder, free, needed, what))
        return DiskFullError(f"The drive holding {folder} is full, or refused a file this large, while writing "
                             f"{what} ({megabytes(free)} free). Free some space and try again; nothing was written.")
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return StoreError(f"Writing {what} to {folder} failed ({reason}); nothing was written. "
                      "Check the drive is still connected and writable, then try again.")


# ---- copying a finished file into place ---------------------------------------------------------------

def place_file(source: Path, target: Path, what: str) -> Path:
    """Copy `source` to `target` through a hidden partial file beside it: room checked first, fsync,
    rename. On any failure nothing is left under either name at the target."""
    size = Path(source).stat().st_size
    require_free_space(target.parent, size, what)
    partial = partial_path(target)
    try:
        with open(source, "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(partial, target)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, Exception):
            raise write_failure(exc, target.parent, what, size) from exc
        raise
    fsync_dir(target.parent)
    return target


# ---- leftovers -----------------------------------------------------------------------------------------

def remove_partials(folder: Path) -> list[Path]:
    """Half-written files (`*.partial`) in `folder` whose writer is gone."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for path in entries:
        # a half-built database (a restore) may have left its WAL and shared-memory files beside it
        name = path.name.removesuffix("-wal").removesuffix("-shm").removesuffix("-journal")
        if name.endswith(PARTIAL_SUFFIX) and path.is_file() and _is_leftover(path.with_name(name)):
            try:
                path.unlink()
                removed.append(path)
            except OSError as exc:
                log.warning("could not remove the leftover %s: %r", path, exc)
    return removed


def remove_work_leftovers(data_dir: Path | None = None) -> list[Path]:
    """Work folders under `tmp/` whose process is gone (a killed export's sheet files among them)."""
    root = work_root(data_dir)
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for path in root.iterdir():
        if _is_leftover(path) or _owner_pid(path.name) is None:
            if path.is_dir():
                remove_tree(path)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def remove_leftovers(db_path: Path | None, extra_folders: Iterable[Path] = ()) -> list[Path]:
    """Everything a killed or failed run left behind: scratch folders in the data folder(s), partial
    backups, and partial packages in the given folders (where packages were last written). Files of a
    process still running are left alone. Returns what was removed (for the log)."""
    removed = remove_work_leftovers(None)
    folders: list[Path] = []
    if db_path is not None:
        db_folder = Path(db_path).parent
        removed += remove_work_leftovers(db_folder) if work_root(db_folder) != work_root(None) else []
        folders += [db_folder, db_folder / BACKUPS_DIRNAME]
    folders += [Path(f) for f in extra_folders]
    seen: set[Path] = set()
    for folder in folders:
        key = folder.resolve() if folder.exists() else folder
        if key in seen:
            continue
        seen.add(key)
        removed += remove_partials(folder)
    if removed:
        log.info("removed %d leftover file(s) of an interrupted run", len(removed))
    return removed


def recent_export_folders(db: sqlite_utils.Database, limit: int = 20) -> list[Path]:
    """The last `limit` distinct folders packages were written to (a killed export leaves its partial
    file there). Many packages go to one folder, so more rows than folders are read."""
    try:
        rows = db.execute("SELECT path FROM sync_exports ORDER BY rowid DESC LIMIT ?", [limit * 25]).fetchall()
    except sqlite3.DatabaseError:
        return []
    return list(dict.fromkeys(Path(row[0]).parent for row in rows))[:limit]


def clean_up_after_crash(db: sqlite_utils.Database, db_path: Path) -> list[Path]:
    """On opening a database: remove what an interrupted run left (never blocks opening)."""
    try:
        return remove_leftovers(db_path, recent_export_folders(db))
    except Exception as exc:  # noqa: BLE001 - tidying up must never stop the officer from working
        log.warning("could not tidy up after an interrupted run: %r", exc)
        return []
