"""`make screenshots`: every main screen and dialog rendered offscreen to docs/screenshots/*.png.

Runs on a throwaway data folder with demo records, at 1366x768 (the smallest laptop screen the app
is made for). The forms' pictures come from ui/forms/screenshots.py.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSize, QTimer  # noqa: E402
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
    wizard.button(QWizard.WizardButton.CancelButton).click()
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
    _settle(app, lambda: sync.export_job is None, ms=30_000)
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
        _wizard_shots(app, folder, out, written)
        db_path = folder / "post" / "ccp-field-desk.sqlite3"
        initialise(db_path, post_code="FJ-SUVA", officer="Mere Tuilagi")
        db = open_database(db_path)
        load_demo_data(db, activities=400, equipment=120, seed=3)
        db.close()
        _main_window_shots(app, db_path, out, written)
    from ccp_desktop.ui.forms.screenshots import render_form_screenshots

    written.extend(render_form_screenshots(out))
    return written


if __name__ == "__main__":  # python -m ccp_desktop.ui.screenshots [folder]
    for path in render_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(path)
