"""The main window: pages, shortcuts, status bar, remembered layout, one instance per database."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from ccp_desktop.errors import Cancelled, NotFoundError
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.saving import save_record
from ccp_desktop.ui.app import acquire_instance_lock, run_gui
from ccp_desktop.ui.changes import OpChanges
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.main_window import PAGES, MainWindow
from ccp_desktop.ui.worker import BackgroundWorker


def test_navigation_and_shortcuts(qtbot: Any, main_window: MainWindow) -> None:
    assert [main_window.nav.item(n).text() for n in range(main_window.nav.count())] == [
        "Dashboard", "Activities", "Equipment", "Partners", "Sync"]
    for n, name in enumerate(PAGES, start=1):
        qtbot.keyClick(main_window, Qt.Key(Qt.Key.Key_0 + n), Qt.KeyboardModifier.ControlModifier)
        assert main_window.current_page_name() == name
    qtbot.keyClick(main_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # find from the Sync page
    assert main_window.current_page_name() == "activities"
    assert main_window.lists["activities"].search.hasFocus()


def test_status_bar_names_post_and_officer(qtbot: Any, main_window: MainWindow) -> None:
    labels = main_window.status_labels
    assert labels["post"].text() == "Post: FJ-SUVA"
    assert labels["officer"].text() == "Officer: Mere Tuilagi"
    assert main_window.windowTitle().endswith("FJ-SUVA")


def test_lists_show_the_demo_records_with_counts(qtbot: Any, main_window: MainWindow) -> None:
    page = main_window.lists["activities"]
    main_window.show_page("activities")
    qtbot.waitUntil(lambda: page.count_label.text() == "300 activities")
    assert page.model.rowCount() < 300  # pages as the view needs them, not the whole table
    page.table.selectRow(0)
    assert page.open_button.isEnabled() and page.delete_button.isEnabled()
    assert page.model.data(page.model.index(0, 0)) in page.details.toPlainText()


def test_a_change_refreshes_only_the_views_that_show_it(qtbot: Any, main_window: MainWindow) -> None:
    from tests.unit import factories

    main_window.show_page("activities")
    activities, partners = main_window.lists["activities"], main_window.lists["partners"]
    partner_resets: list[int] = []
    partners.model.modelReset.connect(lambda: partner_resets.append(1))
    changes = save_record(main_window.db, "activities", factories.activity(title="Cyber drill, Lautoka"))
    with qtbot.waitSignal(activities.model.reloaded):
        main_window.hub.announce(OpChanges.of(changes))
    assert activities.model.record_id(0) == changes.record_id
    assert partner_resets == []  # partners do not show activities' titles: untouched
    assert not main_window.lists["equipment"].stale
    main_window.hub.announce(OpChanges.of(Changes({"equipment_deliveries": 1})))
    assert main_window.lists["equipment"].stale  # hidden: refreshed when next shown
    with qtbot.waitSignal(main_window.lists["equipment"].model.reloaded):
        main_window.show_page("equipment")
    assert not main_window.lists["equipment"].stale


def test_window_size_splitter_and_columns_are_remembered(qtbot: Any, demo_db_path: Path) -> None:
    first = MainWindow(demo_db_path)
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 560)  # within the offscreen screen (800x600)
    first.splitter.setSizes([180, 580])
    first.show_page("equipment")
    first.lists["equipment"].table.horizontalHeader().resizeSection(1, 333)
    nav_width = first.splitter.sizes()[0]
    assert nav_width != 150  # moved from the default
    first.close()

    second = MainWindow(demo_db_path)
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (760, 560)
    qtbot.waitUntil(lambda: second.splitter.sizes()[0] == nav_width)  # once the first layout has run
    assert second.current_page_name() == "equipment"
    assert second.lists["equipment"].table.horizontalHeader().sectionSize(1) == 333
    second.close()


def test_fits_a_1366_by_768_screen(qtbot: Any, main_window: MainWindow) -> None:
    main_window.resize(1366, 740)
    for name in PAGES:
        main_window.show_page(name)
        assert main_window.minimumSizeHint().width() <= 1366
        assert main_window.minimumSizeHint().height() <= 740


def test_settings_dialog_renames_the_officer(qtbot: Any, main_window: MainWindow) -> None:
    from ccp_desktop.ui.settings_dialog import SettingsDialog

    main_window.open_settings()
    dialog = main_window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    assert str(main_window.db_path) in [w.text() for w in dialog.findChildren(type(dialog.officer)) if w.isReadOnly()]
    dialog.officer.clear()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and "required" in dialog.problem.text()
    qtbot.keyClicks(dialog.officer, "Sione Fifita")
    with qtbot.waitSignal(main_window.hub.changed):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert main_window.status_labels["officer"].text() == "Officer: Sione Fifita"


def test_errors_are_shown_without_blocking(qtbot: Any, main_window: MainWindow, shown_errors: list[Any]) -> None:
    box = show_error(main_window, NotFoundError("No activity with id x"))
    assert box.isVisible() and box.text() == "No activity with id x"
    assert shown_errors == [("No activity with id x", "")]
    box.close()
    show_error(main_window, KeyError("boom"))
    assert shown_errors[-1][0] == "Something went wrong; nothing was changed."


def test_worker_runs_jobs_off_the_gui_thread_with_its_own_connection(qtbot: Any, post_db_path: Path) -> None:
    worker = BackgroundWorker(post_db_path)
    seen: dict[str, Any] = {}

    def job(db: Any, progress: Any, should_cancel: Any) -> int:
        seen["thread"] = threading.current_thread() is not threading.main_thread()
        progress(1, 1)
        return int(db.execute("SELECT count(*) FROM installation").fetchone()[0])

    results: list[Any] = []
    progress: list[Any] = []
    worker.submit("count", job, on_done=results.append, on_progress=lambda d, t: progress.append((d, t)))
    qtbot.waitUntil(lambda: results == [1])
    assert seen["thread"] and progress == [(1, 1)]

    gate = threading.Event()
    errors: list[BaseException] = []

    def long_job(db: Any, progress: Any, should_cancel: Any) -> None:
        gate.wait(5)
        if should_cancel():
            raise Cancelled("stopped")

    running = worker.submit("long", long_job, on_error=errors.append)
    queued = worker.submit("queued", job, on_done=results.append, on_error=errors.append)
    running.cancel()
    queued.cancel()
    gate.set()
    qtbot.waitUntil(lambda: len(errors) == 2)
    assert all(isinstance(e, Cancelled) for e in errors) and results == [1]
    worker.stop()


def test_one_instance_per_database(qtbot: Any, post_db_path: Path) -> None:
    lock = acquire_instance_lock(post_db_path)
    assert lock is not None
    assert acquire_instance_lock(post_db_path) is None  # held: a second instance is refused
    said: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            said.append(box.text() + " " + box.informativeText())
            box.accept()
        else:
            QTimer.singleShot(10, read_and_close)

    QTimer.singleShot(0, read_and_close)
    assert run_gui(post_db_path) == 1
    assert "already open" in said[0] and str(post_db_path) in said[0]
    lock.unlock()
    other = acquire_instance_lock(post_db_path)
    assert other is not None
    other.unlock()


def test_a_set_up_database_opens_straight_to_the_main_window(qtbot: Any, post_db_path: Path) -> None:
    seen: list[str] = []

    def close_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(10, close_when_shown)
            return
        seen.append(windows[0].windowTitle())
        windows[0].close()

    QTimer.singleShot(0, close_when_shown)
    assert run_gui(post_db_path) == 0
    assert seen == ["CCP Field Desk — FJ-SUVA"]
    lock = acquire_instance_lock(post_db_path)  # released on the way out
    assert lock is not None
    lock.unlock()


def test_a_folder_that_cannot_hold_the_lock_is_not_taken_for_a_second_instance(tmp_path: Path) -> None:
    import pytest

    from ccp_desktop.errors import SetupError

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(SetupError, match="cannot be created"):
        acquire_instance_lock(blocker / "db.sqlite3")


def test_a_posts_file_menu_exports_and_imports_receipts(main_window: MainWindow) -> None:
    file_menu = next(a.menu() for a in main_window.menuBar().actions() if a.text() == "&File")
    shortcuts = {a.text(): a.shortcut().toString() for a in file_menu.actions()}
    assert shortcuts["&Export package"] == "Ctrl+E" and shortcuts["&Import receipt…"] == "Ctrl+I"
