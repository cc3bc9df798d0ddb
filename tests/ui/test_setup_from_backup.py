"""A replaced or re-imaged laptop: the setup wizard restores a backup of the post's data instead of setting
up from scratch, shows what the backup holds before restoring it, and shows the new key for HQ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWizard

from ccp_desktop.demo import load_demo_data
from ccp_desktop.domain.wording import local_time
from ccp_desktop.paths import key_path_for
from ccp_desktop.store.backups import inspect_backup
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.maintenance import backup_database, stats
from ccp_desktop.ui.app import needs_setup
from ccp_desktop.ui.setup_wizard import SetupWizard

LEFT = Qt.MouseButton.LeftButton


def _click_radio(qtbot: Any, button: Any) -> None:
    """Click a radio button on its circle (a form row may stretch it past its text, where a click misses)."""
    qtbot.mouseClick(button, LEFT, pos=QPoint(8, button.height() // 2))


def _old_laptop_backup(tmp_path: Path) -> tuple[Path, dict[str, int], str]:
    """The old laptop's data, backed up to a USB stick: (backup, its counts, the old key's fingerprint)."""
    from ccp_desktop.sync.identity import initialise

    old = tmp_path / "old-laptop" / "ccp-field-desk.sqlite3"
    install = initialise(old, post_code="VU-PORTVILA", officer="Leimara Kalo", role="field")
    db = open_database(old)
    load_demo_data(db, activities=40, equipment=10, seed=5)
    usb = tmp_path / "usb"
    usb.mkdir()
    backup = backup_database(db, usb / "vu-portvila-backup.sqlite3")
    counts = stats(db)
    db.close()
    return backup, counts, install.key_fingerprint


def _wizard_at_backup_page(qtbot: Any, db_path: Path, chosen: Path) -> SetupWizard:
    wizard = SetupWizard(db_path, choose_file=lambda parent, caption, start: str(chosen))
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # a fresh setup needs a post first
    _click_radio(qtbot, wizard.post_page.from_backup)
    assert next_button.isEnabled() and not wizard.post_page.post.isEnabled()  # the backup says which post
    qtbot.mouseClick(next_button, LEFT)
    assert wizard.currentPage() is wizard.backup_page
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()  # no file chosen yet
    with qtbot.waitSignal(wizard.inspected, timeout=10_000):
        qtbot.mouseClick(wizard.backup_page.choose_button, LEFT)
    return wizard


def test_a_new_laptop_restores_the_posts_backup_and_shows_its_new_key(qtbot: Any, tmp_path: Path) -> None:
    backup, counts, old_fingerprint = _old_laptop_backup(tmp_path)
    db_path = tmp_path / "new-laptop" / "ccp-field-desk.sqlite3"
    assert needs_setup(db_path) and not db_path.parent.exists()
    wizard = _wizard_at_backup_page(qtbot, db_path, backup)
    assert not db_path.exists()  # looking at a backup writes nothing

    summary = wizard.backup_page.summary.text()  # what it holds, before anything is restored
    for expected in ("VU-PORTVILA", "Port Vila", "Leimara Kalo", f"{counts['activities']} activities",
                     f"{counts['equipment_items']} item lines", local_time(inspect_backup(backup).made_at),
                     str(db_path)):
        assert expected in summary, expected
    restore = wizard.button(QWizard.WizardButton.CommitButton)
    assert restore.text() == "Restore" and restore.isEnabled()
    with qtbot.waitSignal(wizard.currentIdChanged, timeout=20_000):
        qtbot.mouseClick(restore, LEFT)
    assert wizard.currentPage() is wizard.restored_page

    assert not needs_setup(db_path)
    db = open_database(db_path)
    try:
        install = require_installation(db)
        assert stats(db)["activities"] == counts["activities"]
    finally:
        db.close()
    assert (install.post_code, install.officer) == ("VU-PORTVILA", "Leimara Kalo")
    assert key_path_for(db_path).exists() and install.key_fingerprint != old_fingerprint  # a new key: HQ must learn it
    page = wizard.restored_page
    assert page.panel.isVisible() and page.key_note.isVisible()
    assert page.panel.fingerprint.text() == install.key_fingerprint
    assert page.panel.public_key.text() == install.public_key
    assert f"ccp-desktop trust --post VU-PORTVILA --key={install.public_key}" == page.panel.command.text()
    assert f"{counts['activities']} activities" in page.summary.text()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()  # restored: no going back
    with qtbot.waitSignal(wizard.accepted, timeout=5000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)

    # run_gui then opens the main window on it, which shows the restored records.
    from ccp_desktop.ui.main_window import MainWindow

    window = MainWindow(db_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.dashboard.summary is not None, timeout=10_000)
    assert window.dashboard.summary.activity_count == counts["activities"]
    assert window.windowTitle().endswith("VU-PORTVILA")
    window.close()


def test_a_damaged_backup_is_refused_before_anything_is_written(qtbot: Any, tmp_path: Path) -> None:
    backup, _, _ = _old_laptop_backup(tmp_path)
    damaged = backup.with_name("damaged.sqlite3")
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)  # a header and nothing whole behind it
    db_path = tmp_path / "new-laptop" / "ccp-field-desk.sqlite3"
    wizard = _wizard_at_backup_page(qtbot, db_path, damaged)
    assert "damaged.sqlite3 cannot be restored: it " in wizard.backup_page.problem.text()
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    assert wizard.backup_page.summary.text() == ""
    assert not db_path.exists() and not key_path_for(db_path).exists()
    wizard.backup_page.choose_file = lambda parent, caption, start: str(backup)  # the right file, chosen again
    with qtbot.waitSignal(wizard.inspected, timeout=10_000):
        qtbot.mouseClick(wizard.backup_page.choose_button, LEFT)
    assert wizard.backup_page.problem.text() == "" and wizard.button(QWizard.WizardButton.CommitButton).isEnabled()


def test_going_back_to_a_fresh_setup_still_works(qtbot: Any, tmp_path: Path) -> None:
    wizard = SetupWizard(tmp_path / "x" / "ccp.sqlite3")
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    _click_radio(qtbot, wizard.post_page.from_backup)
    assert wizard.post_page.from_backup.isChecked() and not wizard.post_page.post.isEnabled()
    _click_radio(qtbot, wizard.post_page.fresh)
    assert wizard.post_page.fresh.isChecked()
    assert wizard.post_page.post.isEnabled() and not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.keyClicks(wizard.post_page.post.lineEdit(), "FJ-SUVA")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), LEFT)
    assert wizard.currentPage() is wizard.officer_page
