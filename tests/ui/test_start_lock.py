"""Start-up takes the one-instance lock on a thread while the window is made (ui/app.py): the window is
still shown only by the instance that holds the lock; and the start-up benchmark's probe
(CCP_QUIT_WHEN_SHOWN) says "shown" at the first paint and ends the app with status 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ccp_desktop.ui.app import QUIT_WHEN_SHOWN_ENV, acquire_instance_lock, lock_path_for, run_gui
from ccp_desktop.ui.main_window import MainWindow


def test_a_second_instance_never_shows_its_window(qtbot: Any, post_db_path: Path) -> None:
    held = acquire_instance_lock(post_db_path)
    assert held is not None
    seen: list[str] = []

    def watch() -> None:
        if any(isinstance(w, MainWindow) and w.isVisible() for w in QApplication.topLevelWidgets()):
            seen.append("main window shown")
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(5, watch)

    QTimer.singleShot(0, watch)
    assert run_gui(post_db_path) == 1
    assert seen == ["CCP Field Desk is already open on this database."]
    held.unlock()


def test_the_probe_says_shown_and_the_app_ends(qtbot: Any, post_db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], quit_if_hung: None) -> None:
    monkeypatch.setenv(QUIT_WHEN_SHOWN_ENV, "1")
    assert run_gui(post_db_path) == 0
    word, cpu = capsys.readouterr().out.split()
    assert word == "shown" and float(cpu) > 0  # the CPU seconds this process has used (the benchmark reads them)
    assert not lock_path_for(post_db_path).exists()  # released on the way out
