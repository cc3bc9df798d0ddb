"""One copy of the app per database: a lock file beside it, held while the app runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile

from ccp_desktop.errors import SetupError


def lock_path_for(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lock")


def acquire_instance_lock(db_path: Path) -> QLockFile | None:
    """A lock beside the database held while the app runs; None when another instance holds it.

    QLockFile notices a lock left by a process that died (a crash or a power cut) and takes it over.
    Raises SetupError when the folder cannot hold a lock at all (read-only, no permission).
    """
    path = lock_path_for(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SetupError(f"The data folder {path.parent} cannot be created: {exc.strerror or exc}") from exc
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # a live holder is told apart from a dead one by its process id, not by age
    if lock.tryLock(200):
        return lock
    if lock.error() == QLockFile.LockError.LockFailedError:
        return None
    raise SetupError(f"The data folder {path.parent} is not writable, so the database cannot be opened for work")
