"""Settings → Move data folder: the officer picks a folder, confirms, and the app reopens on the copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from ccp_desktop import paths
from ccp_desktop.paths import key_path_for
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import stats
from ccp_desktop.store.relocate import UI_SETTINGS_FILENAME
from ccp_desktop.ui.app import lock_path_for
from ccp_desktop.ui.settings import SETTINGS_FILENAME
from ccp_desktop.ui.settings_dialog import SettingsDialog


def _open_settings(qtbot: Any, window: Any, chosen: Path | str) -> SettingsDialog:
    window.open_settings()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    asked: list[str] = []

    def choose(parent: Any, caption: str, start: str) -> str:
        asked.append(caption)
        return str(chosen)

    dialog.choose_folder = choose
    qtbot.mouseClick(dialog.findChild(QPushButton, "move-data-folder"), _left())
    assert asked == ["Choose the new data folder"]
    return dialog


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def _box(name: str) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == name and widget.isVisible():
            return widget
    return None


def test_move_data_folder_copies_the_data_and_reopens_on_it(qtbot: Any, main_window: Any, tmp_path: Path,
                                                            monkeypatch: Any) -> None:
    old = main_window.db_path
    before = stats(main_window.db)
    target = tmp_path / "encrypted-drive" / "ccp"
    dialog = _open_settings(qtbot, main_window, target)
    dialog.officer.clear()
    qtbot.keyClicks(dialog.officer, "Mere Tuilagi-Ravu")  # typed before moving: goes with the data

    qtbot.waitUntil(lambda: _box("confirm-move") is not None)
    confirm = _box("confirm-move")
    assert confirm is not None and str(target) in confirm.text()
    assert "Nothing is deleted" in confirm.informativeText()
    qtbot.mouseClick(confirm.button(QMessageBox.StandardButton.Yes), _left())

    qtbot.waitUntil(lambda: main_window.successor is not None, timeout=10_000)
    new_window = main_window.successor
    qtbot.addWidget(new_window)
    new_db = target / paths.DB_FILENAME
    assert new_window.db_path == new_db
    assert new_window.isVisible() and not main_window.isVisible()
    assert stats(new_window.db) == before
    assert new_window.installation.officer == "Mere Tuilagi-Ravu"
    assert key_path_for(new_db).exists()
    assert lock_path_for(new_db).exists()  # the new window holds the one-instance lock of its database
    assert paths.read_pointer() == target.resolve()
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    assert paths.default_db_path() == new_db  # the next start opens the new folder

    qtbot.waitUntil(lambda: _box("data-moved") is not None)
    told = _box("data-moved")
    assert told is not None and str(target) in told.text()
    assert str(old.parent) in told.informativeText()  # where the old copy still is
    told.accept()
    old_db = open_database(old)  # the original is left untouched, readable
    try:
        assert stats(old_db) == before
    finally:
        old_db.close()


def test_a_refused_folder_is_explained_and_changes_nothing(qtbot: Any, main_window: Any,
                                                           shown_errors: list[tuple[str, str]]) -> None:
    inside = main_window.db_path.parent / "sub"
    dialog = _open_settings(qtbot, main_window, inside)
    qtbot.waitUntil(lambda: bool(shown_errors))
    assert "inside the current data folder" in shown_errors[0][0]
    assert _box("confirm-move") is None
    assert not inside.exists() and not paths.pointer_path().exists()
    assert dialog.isVisible() and main_window.successor is None


def test_a_failed_copy_is_shown_and_the_app_stays_on_the_old_folder(qtbot: Any, main_window: Any, tmp_path: Path,
                                                                    shown_errors: list[tuple[str, str]],
                                                                    monkeypatch: Any) -> None:
    from ccp_desktop.store import relocate

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(relocate, "_copy_private", fail)
    target = tmp_path / "usb"
    dialog = _open_settings(qtbot, main_window, target)
    qtbot.waitUntil(lambda: _box("confirm-move") is not None)
    confirm = _box("confirm-move")
    assert confirm is not None
    qtbot.mouseClick(confirm.button(QMessageBox.StandardButton.Yes), _left())
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10_000)
    assert "No space left on device" in shown_errors[0][0] and "nothing was changed" in shown_errors[0][0]
    assert not target.exists() and not paths.pointer_path().exists()
    assert main_window.successor is None and main_window.isVisible()
    assert dialog.move_button.isEnabled()


def test_cancelling_the_folder_chooser_does_nothing(qtbot: Any, main_window: Any) -> None:
    dialog = _open_settings(qtbot, main_window, "")
    assert _box("confirm-move") is None and dialog.isVisible()
    assert not paths.pointer_path().exists()


def test_the_core_copies_the_layout_file_the_ui_writes() -> None:
    assert UI_SETTINGS_FILENAME == SETTINGS_FILENAME


def test_a_dialog_opened_on_its_own_moves_on_a_worker_of_its_own(qtbot: Any, post_db: Any, post_db_path: Path,
                                                                   tmp_path: Path) -> None:
    target = tmp_path / "backed-up"
    dialog = SettingsDialog(post_db, post_db_path, choose_folder=lambda parent, caption, start: str(target))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.move_button, _left())
    qtbot.waitUntil(lambda: _box("confirm-move") is not None)
    confirm = _box("confirm-move")
    assert confirm is not None
    with qtbot.waitSignal(dialog.data_moved) as moved:
        qtbot.mouseClick(confirm.button(QMessageBox.StandardButton.Yes), _left())
    assert moved.args == [target / paths.DB_FILENAME]
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert (post_db_path.parent / "MOVED-TO-NEW-FOLDER.txt").exists()
