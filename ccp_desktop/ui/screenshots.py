"""`make screenshots`: every main screen and dialog rendered offscreen to docs/screenshots/*.png, and the
offline guide's pictures (resources/guide/images) scaled from them.

Runs on a throwaway data folder with demo records, on an offscreen screen of 1366x768 (a usual laptop),
then, in a child process whose screen is 1024x600 (a netbook), the main window and the activity form as
they open there. The forms' pictures come from ui/forms/screenshots.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def _use_screen(width: int, height: int) -> None:
    """An offscreen platform with one screen of this size (Qt's own is 800x600): windows fit themselves
    to the screen they open on, so the pictures show what an officer's screen of that size shows."""
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    if platform.split(":")[0] != "offscreen" or "configfile=" in platform:
        return
    config = Path(tempfile.gettempdir()) / f"ccp-screenshots-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [{"name": f"{width}x{height}", "x": 0, "y": 0, "width": width,
                                               "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
                                               "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


_SMALL = "--small-screen" in sys.argv
if _SMALL:
    _use_screen(1024, 600)
else:
    _use_screen(1366, 768)

from PySide6.QtCore import QEventLoop, QSize, QTimer  # noqa: E402 - after the screen is chosen
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWizard  # noqa: E402

SCREEN = QSize(1366, 768)
WINDOW = QSize(1366, 740)  # less a taskbar


def _settle(app: QApplication, until: Callable[[], bool] = lambda: True, ms: int = 5000) -> None:
    """Let queued work (the worker's answers, layouts) finish before a picture is taken."""
    loop = QEventLoop()
    waited = 0
    while waited < ms:
        app.processEvents()
        if until():
            break
        QTimer.singleShot(20, loop.quit)
        loop.exec()
        waited += 20
    app.processEvents()


def _save(widget: QWidget, path: Path, written: list[Path]) -> None:
    widget.grab().save(str(path))
    written.append(path)


def _wizard_shots(app: QApplication, folder: Path, out: Path, written: list[Path]) -> None:
    from ccp_desktop.ui.setup_wizard import SetupWizard

    wizard = SetupWizard(folder / "new" / "ccp-field-desk.sqlite3")
    wizard.show()
    wizard.post_page.post.setCurrentIndex(2)
    _settle(app)
    _save(wizard, out / "setup-1-post.png", written)
    wizard.next()
    wizard.officer_page.officer.setText("Mere Tuilagi")
    _settle(app)
    _save(wizard, out / "setup-2-officer.png", written)
    wizard.next()
    _settle(app)
    _save(wizard, out / "setup-3-confirm.png", written)
    wizard.button(QWizard.WizardButton.CommitButton).click()  # sets up the throwaway database
    _settle(app)
    _save(wizard, out / "setup-4-key.png", written)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    wizard.close()


def _main_window_shots(app: QApplication, db_path: Path, out: Path, written: list[Path]) -> None:
    from ccp_desktop.errors import Problem, ValidationError
    from ccp_desktop.ui.errors import show_error
    from ccp_desktop.ui.main_window import MainWindow
    from ccp_desktop.ui.settings_dialog import SettingsDialog

    window = MainWindow(db_path)
    window.resize(WINDOW)
    window.show()
    page = window.show_page("dashboard")
    _settle(app, lambda: window.dashboard.summary is not None and window.worker.pending == 0)
    _save(window, out / "main-dashboard.png", written)

    for name in ("activities", "partners"):
        page = window.show_page(name)
        window.lists[name].table.selectRow(1)
        _settle(app, lambda page=page: page.model.total is not None)  # type: ignore[misc]
        _save(window, out / f"main-{name}.png", written)

    equipment = window.lists["equipment"]
    window.show_page("equipment")
    serial = equipment.model.data(equipment.model.index(3, 0)).split(",")[0]
    equipment.search.setText(serial)
    equipment.apply_filters()
    equipment.table.selectRow(0)
    _settle(app, lambda: equipment.model.total is not None)
    _save(window, out / "main-equipment-find-serial.png", written)

    sync = window.sync_page
    window.show_page("sync")
    sync.folder.setText(str(db_path.parent / "outbox"))
    sync.start_export()
    _settle(app, lambda: sync.export.job is None, ms=30_000)
    sync.refresh()
    _settle(app, lambda: sync.history.rowCount() > 0 and window.worker.pending == 0)
    _save(window, out / "main-sync.png", written)

    dialog = SettingsDialog(window.db, db_path, window)
    dialog.show()
    _settle(app)
    _save(dialog, out / "dialog-settings.png", written)
    dialog.close()

    box = show_error(window, ValidationError([Problem("end_date", "End date cannot be before the start date", "2023-05-01")]))
    _settle(app)
    _save(box, out / "dialog-error.png", written)
    box.close()
    window.close()

    already = QMessageBox(QMessageBox.Icon.Information, "CCP Field Desk", "CCP Field Desk is already open on this database.")
    already.setInformativeText(f"{db_path}\n\nSwitch to the window that is open (check the taskbar); "
                               "only one may work on a database at a time.")
    already.show()
    _settle(app)
    _save(already, out / "dialog-already-open.png", written)
    already.close()


def _restore_shots(app: QApplication, db_path: Path, out: Path, written: list[Path]) -> None:
    """Settings → Restore from backup with three backups (one damaged, greyed), and the setup wizard's
    backup page on a re-imaged laptop, the backup chosen."""
    import shutil
    import time

    from ccp_desktop.store.connection import open_database
    from ccp_desktop.store.maintenance import backup_database
    from ccp_desktop.ui.restore_dialog import RestoreDialog
    from ccp_desktop.ui.setup_wizard import SetupWizard

    db = open_database(db_path)
    newest = backup_database(db)
    db.close()
    older = shutil.copy2(newest, newest.with_name("ccp-field-desk-20260301T020000Z.sqlite3"))
    damaged = newest.with_name("ccp-field-desk-20260310T020000Z.sqlite3")
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)  # cut short: what a full USB stick leaves
    now = time.time()
    os.utime(older, (now - 9 * 86400, now - 9 * 86400))
    os.utime(damaged, (now - 2 * 86400, now - 2 * 86400))
    dialog = RestoreDialog(db_path, post_code="FJ-SUVA")
    dialog.show()
    _settle(app)
    _save(dialog, out / "dialog-restore.png", written)
    dialog.close()

    wizard = SetupWizard(db_path.parent.parent / "reimaged" / "ccp-field-desk.sqlite3",
                         choose_file=lambda parent, caption, start: str(newest))
    wizard.show()
    wizard.post_page.from_backup.setChecked(True)
    wizard.next()
    wizard.backup_page.choose()
    _settle(app, lambda: wizard.backup_page.info is not None)
    _save(wizard, out / "setup-backup.png", written)
    wizard.reject()
    wizard.deleteLater()


def _small_screen_shots(app: QApplication, db_path: Path, out: Path, written: list[Path]) -> None:
    """On a 1024x600 screen: the window as it opens there (its saved size was the default), and a form."""
    from ccp_desktop.ui import forms
    from ccp_desktop.ui.main_window import MainWindow

    window = MainWindow(db_path)
    window.show()
    page = window.show_page("equipment")
    window.lists["equipment"].table.selectRow(0)
    _settle(app, lambda: page.model.total is not None and window.worker.pending == 0)  # type: ignore[attr-defined]
    _save(window, out / "main-1024x600.png", written)
    form = forms.open_record_form(window, window.db, "activities")
    _settle(app)
    _save(form, out / "form-activity-1024x600.png", written)
    form.finish_clean()
    form.close()
    window.close()


def _render_small_screen(out: Path) -> list[Path]:
    """The 1024x600 pictures, in a child process: a Qt process has one set of screens for its life."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")  # not this process's 1366x768 screen
    done = subprocess.run([sys.executable, "-m", "ccp_desktop.ui.screenshots", "--small-screen", str(out)],
                          capture_output=True, text=True, timeout=600, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"1024x600 screenshots failed: {done.stderr[-2000:]}")
    return [Path(line) for line in done.stdout.splitlines() if line.strip()]


def render_screenshots(out: Path) -> list[Path]:
    from ccp_desktop.demo import load_demo_data
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.identity import initialise
    from ccp_desktop.ui.app import application

    app = application()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not _SMALL:
            _wizard_shots(app, folder, out, written)
        db_path = folder / "post" / "ccp-field-desk.sqlite3"
        initialise(db_path, post_code="FJ-SUVA", officer="Mere Tuilagi")
        db = open_database(db_path)
        load_demo_data(db, activities=400, equipment=120, seed=3)
        db.close()
        if _SMALL:
            _small_screen_shots(app, db_path, out, written)
            return written
        _main_window_shots(app, db_path, out, written)
        _restore_shots(app, db_path, out, written)
    from ccp_desktop.paths import resource_path
    from ccp_desktop.ui.forms.screenshots import render_form_screenshots
    from ccp_desktop.ui.guide import write_guide_pictures
    written.extend(render_form_screenshots(out))
    written.extend(_render_small_screen(out))
    written.extend(write_guide_pictures(out, resource_path("guide", "images")))
    return written


if __name__ == "__main__":  # python -m ccp_desktop.ui.screenshots [--small-screen] [folder]
    folders = [a for a in sys.argv[1:] if not a.startswith("--")]
    from ccp_desktop.ui.worker import stopping_workers

    with stopping_workers():
        for path in render_screenshots(Path(folders[0] if folders else "docs/screenshots")):
            print(path)
