"""Where things live: bundled resources (from source or frozen) and the per-user data folder.

The data folder may be moved (Settings → Move data folder…); a small pointer file in the per-user
config folder then records where it went, so that the next start finds it without a command line.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "CCP_DESKTOP_DATA_DIR"
CONFIG_DIR_ENV = "CCP_DESKTOP_CONFIG_DIR"
DB_FILENAME = "ccp-field-desk.sqlite3"
POINTER_FILENAME = "location.json"
APP_DIR_NAME = "ccp-field-desk"

log = logging.getLogger(__name__)


def resource_path(*parts: str) -> Path:
    """Path of a file under `resources/`, from a source checkout or inside a PyInstaller build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    root = Path(frozen_root) if frozen_root else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


def config_dir() -> Path:
    """The per-user config folder holding the pointer file; `CCP_DESKTOP_CONFIG_DIR` overrides it (tests)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False))


def pointer_path() -> Path:
    return config_dir() / POINTER_FILENAME


def read_pointer() -> Path | None:
    """The data folder recorded by a move, or None when there is none or it names no existing folder.

    A damaged pointer (a hand edit, a disk fault) is ignored rather than fatal: the app then starts on
    the default folder, which is where an officer would look first anyway.
    """
    path = pointer_path()
    try:
        text = path.read_text(encoding="utf-8")
        import json  # only when there is a pointer to read: not on a plain start (issue 14)

        data = json.loads(text)
        folder = Path(str(data["data_dir"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable data folder pointer %s: %r", path, exc)
        return None
    if not folder.is_dir():
        log.warning("the data folder pointer names %s, which is not a folder; using the default", folder)
        return None
    return folder


def write_pointer(folder: Path) -> Path:
    """Record `folder` as the data folder: temp file, fsync, rename, so a power cut leaves old or new."""
    import json

    target = pointer_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"data_dir": str(Path(folder).resolve()), "version": 1}, indent=2) + "\n"
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".location-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


def fsync_dir(folder: Path) -> None:
    """Make a rename durable; not possible (nor needed) on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def platform_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def default_data_dir() -> Path:
    """The data folder: `CCP_DESKTOP_DATA_DIR` (tests, portable installs), else where a move put it,
    else the per-user default."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return read_pointer() or platform_data_dir()


def key_path_for(db_path: Path) -> Path:
    """The private signing key lives beside the database, readable by its owner only."""
    return Path(db_path).with_name(Path(db_path).name + ".signing-key")


def seal_keys_path_for(db_path: Path) -> Path:
    """HQ's private encryption keys (an age identity file), beside the signing key, owner-only."""
    return Path(db_path).with_name(Path(db_path).name + ".encryption-keys")


def outbox_dir_for(db_path: Path) -> Path:
    """Where a post keeps its own readable copy of each package it sent sealed (owner-only)."""
    return Path(db_path).parent / "outbox"


def default_db_path() -> Path:
    return default_data_dir() / DB_FILENAME
