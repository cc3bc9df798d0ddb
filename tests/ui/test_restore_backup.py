"""Settings → Restore from backup: the officer picks a backup from the list (or a file from a USB stick),
confirms, and the window reopens on the restored database with the old one kept aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from ccp_desktop.demo import load_demo_data
from ccp_desktop.domain.wording import local_time
from ccp_desktop.paths import key_path_for
from ccp_desktop.store.backups import backups_folder, backups_to_keep, inspect_backup
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import backup_database, stats
from ccp_desktop.ui.restore_dialog import RestoredDialog, RestoreDialog
from ccp_desktop.ui.settings_dialog import SettingsDialog

LEFT = Qt.MouseButton.LeftButton


def _box(name: str) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == name and widget.isVisible():
            return widget
    return None


def _backup_then_edit(window: Any) -> tuple[Path, dict[str, int]]:
    """A backup of the window's database as it is now, then more records made after it."""
    backup = backup_database(window.db)
    counts = stats(window.db)
    load_demo_data(window.db, activities=12, equipment=3, seed=11)  # the edits the backup does not hold
    assert stats(window.db)["activities"] == counts["activities"] + 12
    return backup, counts


def _open_restore(qtbot: Any, window: Any, chosen: Path | str = "") -> tuple[SettingsDialog, RestoreDialog]:
    window.open_settings()
    settings = window.findChild(SettingsDialog)
    assert settings is not None
    qtbot.waitExposed(settings)
    settings.choose_file = lambda parent, caption, start: str(chosen)
    qtbot.mouseClick(settings.restore_button, LEFT)
    restore = settings.findChild(RestoreDialog)
    assert restore is not None
    if restore.table.rowCount() == 0 and not restore.backups:
        with qtbot.waitSignal(restore.listed, timeout=10_000):
            pass
    return settings, restore


def _row_texts(dialog: RestoreDialog, row: int) -> list[str]:
    return [dialog.table.item(row, c).text() if dialog.table.item(row, c) else "" for c in range(dialog.table.columnCount())]


def test_restore_from_the_list_reopens_on_the_backup_and_keeps_the_old_database(qtbot: Any, main_window: Any) -> None:
    backup, counts = _backup_then_edit(main_window)
    db_path = main_window.db_path
    later = stats(main_window.db)
    _, dialog = _open_restore(qtbot, main_window)

    texts = _row_texts(dialog, 0)
    assert texts[0] == local_time(inspect_backup(backup).made_at)  # the laptop's time, zone named
    assert texts[1:5] == [f"{counts['activities']:,}", f"{counts['partners']:,}",
                          f"{counts['equipment_deliveries']:,}", f"{counts['equipment_items']:,}"]
    assert texts[5] == f"{counts['journal_seq']:,}" and texts[6] == backup.name
    assert dialog.restore_button.isEnabled()  # the newest usable backup is chosen for them
    assert "Mere Tuilagi" in dialog.status.text() and "FJ-SUVA" in dialog.status.text()

    qtbot.mouseClick(dialog.restore_button, LEFT)
    qtbot.waitUntil(lambda: _box("confirm-restore") is not None)
    confirm = _box("confirm-restore")
    assert confirm is not None
    assert texts[0] in confirm.text()
    detail = confirm.informativeText()
    assert str(backups_folder(db_path)) in detail and "kept aside" in detail  # what is kept
    assert f"Edits made after {texts[0]}" in detail and "HQ" in detail  # what is lost, what HQ is told
    assert confirm.defaultButton() is confirm.button(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(confirm.button(QMessageBox.StandardButton.Yes), LEFT)

    qtbot.waitUntil(lambda: main_window.successor is not None, timeout=20_000)
    window = main_window.successor
    qtbot.addWidget(window)
    assert window.db_path == db_path and window.isVisible() and not main_window.isVisible()
    assert stats(window.db)["activities"] == counts["activities"]
    # The main window shows the restored counts.
    qtbot.waitUntil(lambda: window.dashboard.summary is not None, timeout=10_000)
    assert window.dashboard.summary.activity_count == counts["activities"]
    page = window.show_page("activities")
    qtbot.waitUntil(lambda: page.model.total == counts["activities"], timeout=10_000)

    told = window.findChild(RestoredDialog)
    assert told is not None and told.isVisible()
    aside = next(backups_folder(db_path).glob("*-before-restore-*.sqlite3"))
    assert str(aside) in told.detail.text()
    assert f"{counts['activities']:,} activities" in told.detail.text()
    assert told.key_panel is None  # the laptop kept its key: nothing to send HQ
    old = open_database(aside)  # the database as it was, with the later edits, kept whole
    try:
        assert stats(old)["activities"] == later["activities"]
    finally:
        old.close()
    told.accept()


def test_a_damaged_backup_is_shown_unusable_and_cannot_be_restored(qtbot: Any, main_window: Any, tmp_path: Path) -> None:
    good = backup_database(main_window.db)
    damaged = good.with_name("ccp-damaged.sqlite3")
    data = bytearray(good.read_bytes())
    data[:16] = b"not a database!!"  # the header gone: SQLite refuses the file
    damaged.write_bytes(bytes(data))
    before = stats(main_window.db)
    _, dialog = _open_restore(qtbot, main_window)
    names = [dialog.table.item(r, 6).text() for r in range(dialog.table.rowCount())]
    row = names.index(damaged.name)
    text = dialog.table.item(row, 1).text()
    assert text.startswith("Not usable: it ") and "database" in text
    assert dialog.table.item(row, 0).foreground().color().name() == "#8a8a8a"  # greyed
    dialog.table.selectRow(row)
    assert not dialog.restore_button.isEnabled()
    assert "cannot be restored" in dialog.status.text() and damaged.name in dialog.status.text()
    dialog.confirm_restore()  # even asked directly, it does not ask to restore it
    assert _box("confirm-restore") is None

    # The same file from a USB stick, through Choose another file…
    usb = tmp_path / "usb" / "backup.sqlite3"
    usb.parent.mkdir()
    usb.write_bytes(damaged.read_bytes())
    dialog.choose_file = lambda parent, caption, start: str(usb)
    with qtbot.waitSignal(dialog.inspected, timeout=10_000):
        qtbot.mouseClick(dialog.choose_button, LEFT)
    assert dialog.table.item(0, 6).text() == str(usb)
    assert not dialog.restore_button.isEnabled() and "cannot be restored" in dialog.status.text()
    assert stats(main_window.db) == before and main_window.successor is None
    assert not list(backups_folder(main_window.db_path).glob("*-before-restore-*"))


def test_cancelling_leaves_everything_as_it_was(qtbot: Any, main_window: Any) -> None:
    backup, _ = _backup_then_edit(main_window)
    before = stats(main_window.db)
    folder = sorted(p.name for p in backups_folder(main_window.db_path).iterdir())
    settings, dialog = _open_restore(qtbot, main_window)
    qtbot.mouseClick(dialog.restore_button, LEFT)
    qtbot.waitUntil(lambda: _box("confirm-restore") is not None)
    confirm = _box("confirm-restore")
    assert confirm is not None
    qtbot.mouseClick(confirm.button(QMessageBox.StandardButton.Cancel), LEFT)
    qtbot.waitUntil(lambda: _box("confirm-restore") is None)
    assert dialog.isVisible()  # back to the list, to choose again or cancel
    with qtbot.waitSignal(dialog.rejected):
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), LEFT)
    assert settings.isVisible() and main_window.successor is None and main_window.isVisible()
    assert stats(main_window.db) == before  # the window's connection is still open and unchanged
    assert sorted(p.name for p in backups_folder(main_window.db_path).iterdir()) == folder
    assert backup.exists()


def test_a_restore_that_makes_a_new_key_shows_it_for_hq(qtbot: Any, main_window: Any) -> None:
    backup, _ = _backup_then_edit(main_window)
    old_fingerprint = main_window.installation.key_fingerprint
    key_path_for(main_window.db_path).unlink()  # the key was lost (a folder restored without it)
    _, dialog = _open_restore(qtbot, main_window)
    qtbot.mouseClick(dialog.restore_button, LEFT)
    qtbot.waitUntil(lambda: _box("confirm-restore") is not None)
    qtbot.mouseClick(_box("confirm-restore").button(QMessageBox.StandardButton.Yes), LEFT)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: main_window.successor is not None, timeout=20_000)
    window = main_window.successor
    qtbot.addWidget(window)
    told = window.findChild(RestoredDialog)
    assert told is not None and told.key_panel is not None
    install = window.installation
    assert install.key_fingerprint != old_fingerprint and key_path_for(window.db_path).exists()
    assert told.key_panel.fingerprint.text() == install.key_fingerprint
    assert told.key_panel.public_key.text() == install.public_key
    assert told.key_panel.copy_button.isEnabled()


def test_restore_waits_for_unsaved_forms(qtbot: Any, main_window: Any, shown_errors: list[tuple[str, str]]) -> None:
    from ccp_desktop.ui import forms
    from tests.ui.test_forms_support import field, type_into

    backup, _ = _backup_then_edit(main_window)
    before = stats(main_window.db)
    form = forms.open_record_form(main_window, main_window.db, "activities")
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    type_into(qtbot, field(form, "title"), "Half-typed workshop")
    assert main_window.unsaved_forms() == [form]
    main_window.restore_backup(inspect_backup(backup))
    assert shown_errors and "nothing was restored" in shown_errors[0][0]
    assert main_window.successor is None and stats(main_window.db) == before  # still open, unchanged
    assert form.isVisible() and main_window.splitter.isVisible()
    form.finish_clean()  # so that closing the window does not ask about it
    form.close()


@pytest.mark.parametrize("keep", [5, 40])
def test_settings_set_how_many_backups_to_keep(qtbot: Any, post_db: Any, post_db_path: Path, keep: int) -> None:
    dialog = SettingsDialog(post_db, post_db_path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.keep.value() == 20  # the default
    dialog.keep.setValue(keep)
    with qtbot.waitSignal(dialog.accepted):  # saved on the background worker, then the dialog closes
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), LEFT)
    assert backups_to_keep(post_db) == keep
    assert dialog.changes.tables == {"settings"}


def test_closing_the_list_before_it_is_read_is_harmless(qtbot: Any, main_window: Any) -> None:
    backup_database(main_window.db)
    main_window.open_settings()
    settings = main_window.findChild(SettingsDialog)
    qtbot.waitExposed(settings)
    qtbot.mouseClick(settings.restore_button, LEFT)
    dialog = settings.findChild(RestoreDialog)
    dialog.reject()  # at once: the worker is still reading the backups
    qtbot.waitUntil(lambda: main_window.worker.pending == 0, timeout=10_000)
    qtbot.waitUntil(lambda: settings.findChild(RestoreDialog) is None)  # gone, and its late answer dropped
    assert settings.isVisible() and main_window.successor is None
