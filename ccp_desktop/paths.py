"""Where things live: bundled resources (from source or frozen) and the per-user data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "CCP_DESKTOP_DATA_DIR"
DB_FILENAME = "ccp-field-desk.sqlite3"


def resource_path(*parts: str) -> Path:
    """Path of a file under `resources/`, from a source checkout or inside a PyInstaller build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    root = Path(frozen_root) if frozen_root else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


def default_data_dir() -> Path:
    """The per-user data folder; `CCP_DESKTOP_DATA_DIR` overrides it (tests, portable installs)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("ccp-field-desk", appauthor=False))


def default_db_path() -> Path:
    return default_data_dir() / DB_FILENAME
