"""A database damaged by a bad sector: the window opens, the background check finds it, and a screen says
what is wrong and offers the newest good backup or a recovery; the damaged file is kept aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ccp_desktop.store.backups import backups_folder
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import backup_database, check_database, stats
from ccp_desktop.store.records import insert_record
from tests.unit import factories as f
from tests.unit.test_damaged_database import damage_a_page_of

LEFT = Qt.MouseButton.LeftButton


def _damaged_window(qtbot: Any, demo_db_path: Path) -> tuple[Any, dict[str, int]]:
    from ccp_desktop.ui.main_window import MainWindow

    db = open_database(demo_db_path)
    for n in range(300):
        insert_record(db, "activities", f.activity(title=f"Training {n} " + "x" * 200))
    backup_database(db)
    counts = stats(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    damage_a_page_of(demo_db_path)
    window = MainWindow(demo_db_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.damaged_found, timeout=20_000):
        window.after_shown()
    return window, counts


def test_the_damaged_screen_names_the_problem_and_the_newest_good_backup(qtbot: Any, demo_db_path: Path) -> None:
    window, counts = _damaged_window(qtbot, demo_db_path)
    dialog = window.damaged_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.message.text()
    assert "damaged" in text and f"{counts['activities']:,} activities" in text and "typed again" in text
    assert dialog.restore_button.isEnabled()
    qtbot.mouseClick(dialog.restore_button, LEFT)
    qtbot.waitUntil(lambda: window.successor is not None, timeout=30_000)
    successor = window.successor
    qtbot.addWidget(successor)
    assert stats(successor.db)["activities"] == counts["activities"] and check_database(successor.db).ok
    aside = next(backups_folder(demo_db_path).glob("*-before-restore-*.sqlite3"))
    assert aside.stat().st_size > 0  # the damaged file, kept


def test_recovering_keeps_every_readable_row_and_switches_to_it(qtbot: Any, demo_db_path: Path) -> None:
    window, counts = _damaged_window(qtbot, demo_db_path)
    dialog = window.damaged_dialog
    with qtbot.waitSignal(dialog.recovered, timeout=30_000) as recovered:
        qtbot.mouseClick(dialog.recover_button, LEFT)
    info = recovered.args[0]
    assert info.ok and 0 < info.counts["activities"] < counts["activities"]
    qtbot.waitUntil(lambda: window.successor is not None, timeout=30_000)
    successor = window.successor
    qtbot.addWidget(successor)
    assert stats(successor.db)["activities"] == info.counts["activities"]
    report = check_database(successor.db)
    # What was lost shows: records that referred to rows on the damaged page now point at nothing.
    assert report.integrity == [] and report.foreign_keys
    assert all("refers to a missing activities" in p for p in report.foreign_keys)
