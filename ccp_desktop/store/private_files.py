"""Files that hold the post's data are readable by the officer's account only (where the platform has
POSIX modes): the database and its WAL, backups, the signing key, exported packages and receipts (0600),
and the folders the app makes for them (0700). A file system without modes (a FAT USB stick) keeps its
own rules; that is not an error."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

BACKUPS_DIR = "backups"
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


def fsync_dir(folder: Path) -> None:
    """Make a rename durable; not possible (nor needed) on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
