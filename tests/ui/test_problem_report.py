"""Help → Save a problem report… writes the zip on the worker and says where it went."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox


def test_help_menu_saves_a_problem_report(qtbot: Any, main_window: Any, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "for-it.zip"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Zip files (*.zip)"))
    action = main_window.findChild(type(main_window.menuBar().actions()[0]), "save-problem-report")
    help_menu = next(a.menu() for a in main_window.menuBar().actions() if a.text() == "&Help")
    assert action in help_menu.actions()
    action.trigger()

    def saved_box() -> QMessageBox | None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.objectName() == "problem-report-saved" and widget.isVisible():
                return widget
        return None

    qtbot.waitUntil(lambda: saved_box() is not None, timeout=10_000)
    box = saved_box()
    assert box is not None and "for-it.zip" in box.text() and "not your signing key" in box.informativeText()
    with zipfile.ZipFile(target) as archive:
        assert "check.txt" in archive.namelist()
        assert "check: ok" in archive.read("check.txt").decode()
        assert not [n for n in archive.namelist() if n.endswith(".sqlite3")]
    box.close()
