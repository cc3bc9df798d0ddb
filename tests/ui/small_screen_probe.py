"""Run in a child process whose offscreen platform has one 1024x600 screen (see test_first_hour_small_screen):
opens the main window as an officer would and prints, as JSON, where the parts a person needs ended up."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea, QWidget


def on_screen(widget: QWidget, free: QRect) -> bool:
    """Shown, with its whole rectangle inside the screen's free area."""
    if not widget.isVisible() or widget.width() <= 0 or widget.height() <= 0:
        return False
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return free.contains(QRect(top_left, widget.size()))


def probe(db_path: Path, saved_size: tuple[int, int]) -> dict[str, Any]:
    from ccp_desktop.ui import forms
    from ccp_desktop.ui.main_window import MainWindow

    app = QApplication.instance()
    free = app.primaryScreen().availableGeometry()
    # The layout as a previous session left it (ui-settings.ini), at the size given.
    before = MainWindow(db_path)
    before.resize(*saved_size)
    before.close()  # never shown, so nothing fitted it: the layout saved is that size

    window = MainWindow(db_path)
    window.show()
    app.processEvents()
    found: dict[str, Any] = {"screen": [free.width(), free.height()],
                             "window": [window.frameGeometry().width(), window.frameGeometry().height()],
                             "window on screen": free.contains(window.frameGeometry())}
    found["status bar"] = on_screen(window.statusBar(), free)
    page = window.show_page("equipment")
    app.processEvents()
    page.table.selectRow(0)
    app.processEvents()
    found["open button"] = on_screen(page.open_button, free)
    found["delete button"] = on_screen(page.delete_button, free)
    found["detail pane"] = on_screen(page.details, free) and page.details.width() >= 150
    sync = window.show_page("sync")
    app.processEvents()
    choose = next(b for b in sync.findChildren(QPushButton) if b.text() == "Choose…")
    found["choose button"] = on_screen(choose, free)
    found["export button"] = on_screen(sync.export_button, free)
    for kind in ("activities", "equipment_deliveries"):
        form = forms.open_record_form(window, window.db, kind)
        app.processEvents()
        scroll = form.findChild(QScrollArea)
        found[f"{kind} form on screen"] = free.contains(form.frameGeometry())
        found[f"{kind} form scrolls sideways"] = scroll.horizontalScrollBar().maximum() > 0
        found[f"{kind} save button"] = on_screen(form.save_button, free)
        form.finish_clean()
        form.close()
    window.close()
    return found


def main() -> None:
    from ccp_desktop.demo import load_demo_data
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.identity import initialise

    folder, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    _app = QApplication([])
    db_path = folder / "post" / "post.sqlite3"
    initialise(db_path, post_code="VU-PORTVILA", officer="Test Officer", role="field")
    db = open_database(db_path)
    load_demo_data(db, activities=20, equipment=10, seed=3)
    db.close()
    print(json.dumps(probe(db_path, (width, height))))


if __name__ == "__main__":
    main()
