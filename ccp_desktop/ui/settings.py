"""Remembered window state (geometry, splitters, columns, last folders), kept beside the database.

Keeping it with the data folder means each database remembers its own layout, and a portable
install (or a test) never writes to the user's registry or ~/.config.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

SETTINGS_FILENAME = "ui-settings.ini"


def ui_settings(db_path: Path) -> QSettings:
    return QSettings(str(Path(db_path).parent / SETTINGS_FILENAME), QSettings.Format.IniFormat)
