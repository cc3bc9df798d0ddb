"""Start-up shows the window first (title, navigation, status bar, "Loading…"), from who the database
belongs to, then opens the database and makes the first page; a database that fails to open then is
reported as before the window existed, and the app ends with status 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel


def test_the_window_shows_before_the_database_is_opened(qtbot: Any, demo_db_path: Path) -> None:
    from ccp_desktop.store.installation_peek import peek_installation
    from ccp_desktop.ui.main_window import MainWindow

    opening = peek_installation(demo_db_path)
    assert opening is not None and opening.post_code == "FJ-SUVA"
    window = MainWindow(demo_db_path, opening=opening)
    qtbot.addWidget(window)
    assert not window.opened and window.pages.made_names() == []
    assert "FJ-SUVA" in window.windowTitle()
    assert window.status_labels["post"].text() == "Post: FJ-SUVA"
    placeholder = window.stack.currentWidget()
    assert isinstance(placeholder, QLabel) and placeholder.text() == "Loading…"
    assert not window.menuBar().isEnabled() and not window.nav.isEnabled()  # no page may be asked for yet
    with qtbot.waitSignal(window.first_painted, timeout=5000):
        window.show()
    window.finish_opening()
    assert window.opened and window.menuBar().isEnabled() and window.nav.isEnabled()
    assert window.current_page_name() == "dashboard"
    assert window.stack.currentWidget() is window.dashboard
    window.show_page("activities")
    qtbot.waitUntil(lambda: window.lists["activities"].model.total is not None, timeout=10_000)
    assert window.lists["activities"].model.total == 300
    window.close()


def test_no_file_or_no_installation_is_not_peeked(tmp_path: Path) -> None:
    import sqlite3

    from ccp_desktop.store.installation_peek import peek_installation

    assert peek_installation(tmp_path / "missing.sqlite3") is None
    sqlite3.connect(tmp_path / "empty.sqlite3").close()
    assert peek_installation(tmp_path / "empty.sqlite3") is None  # the setup wizard's case


@pytest.mark.qt_no_exception_capture
def test_a_database_failing_after_the_window_is_shown_ends_with_the_error(
        qtbot: Any, demo_db_path: Path, monkeypatch: pytest.MonkeyPatch, quit_if_hung: None) -> None:
    from ccp_desktop.errors import StoreError
    from ccp_desktop.store import connection
    from ccp_desktop.ui import app, errors
    from ccp_desktop.ui.worker import BackgroundWorker

    seen: list[str] = []

    def failing_open(path: Any, **kwargs: Any) -> Any:
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "main-window" and w.isVisible()]
        seen.append("window shown" if windows else "no window")
        raise StoreError(f"{path}: The database file is damaged (test)")

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(connection, "open_database", failing_open)
    monkeypatch.setattr(errors, "show_error", lambda parent, exc, **kw: shown.append(errors.error_text(exc)))
    assert app.run_gui(demo_db_path) == 1
    assert seen == ["window shown"]
    assert len(shown) == 1 and "damaged" in "".join(shown[0]), shown
    assert [w for w in BackgroundWorker._live if w.is_running()] == []
    assert not app.lock_path_for(demo_db_path).exists()


def test_once_open_the_start_up_objects_are_kept_out_of_the_collector(qtbot: Any, demo_db_path: Path) -> None:
    import gc

    from ccp_desktop.store.installation_peek import peek_installation
    from ccp_desktop.ui import app
    from ccp_desktop.ui.main_window import MainWindow

    window = MainWindow(demo_db_path, opening=peek_installation(demo_db_path))
    qtbot.addWidget(window)
    gc.unfreeze()
    try:
        with qtbot.waitSignal(window.first_painted, timeout=5000):
            window.show()
        assert gc.get_freeze_count() == 0
        app._finish_opening(window, QApplication.instance())
        assert window.opened and window.start_handled
        assert gc.get_freeze_count() > 10_000  # the modules, the window and its first page
        tracked = {id(o) for o in gc.get_objects()}
        assert id(window.dashboard) not in tracked and id(window.__dict__) not in tracked
    finally:
        gc.unfreeze()
        window.close()


# What a plain start may load before its window's first paint (issue 14, start-up: a frozen app loads
# each module from its archive): the database layer, the pages, the sync and report code come after.
FIRST_PAINT_MODULES = {
    "ccp_desktop", "ccp_desktop.cli", "ccp_desktop.commands", "ccp_desktop.commands.common", "ccp_desktop.errors",
    "ccp_desktop.logs", "ccp_desktop.paths", "ccp_desktop.store", "ccp_desktop.store.installation_peek",
    "ccp_desktop.ui", "ccp_desktop.ui.app", "ccp_desktop.ui.instance_lock", "ccp_desktop.ui.lazy_pages",
    "ccp_desktop.ui.main_window", "ccp_desktop.ui.settings",
}
NOT_BEFORE_FIRST_PAINT = ("sqlite_utils", "openpyxl", "python_calamine", "cryptography", "PIL", "lxml", "json",
                          "logging.handlers", "socket", "dataclasses", "multiprocessing", "PySide6.QtSvg",
                          "PySide6.QtCharts", "PySide6.QtPrintSupport")


def test_a_plain_start_loads_only_what_its_first_paint_needs(demo_db_path: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from ccp_desktop.ui.app import QUIT_WHEN_SHOWN_ENV

    probe = (
        "import sys\n"
        "from ccp_desktop.ui import app\n"
        "say_shown = app._say_shown_and_close\n"
        "def say(window):\n"
        "    print('loaded', *sorted(sys.modules), flush=True)\n"
        "    say_shown(window)\n"
        "app._say_shown_and_close = say\n"
        "from ccp_desktop.cli import main\n"
        f"sys.exit(main(['--db', {str(demo_db_path)!r}]))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CCP_DESKTOP_DATA_DIR=str(tmp_path / "data"),
               CCP_DESKTOP_CONFIG_DIR=str(tmp_path / "config"), **{QUIT_WHEN_SHOWN_ENV: "1"})
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded_line, shown_line = done.stdout.splitlines()[:2]
    assert shown_line.startswith("shown ")  # the probe ran at the first paint
    loaded = set(loaded_line.split()[1:])
    ours = {name for name in loaded if name.split(".")[0] == "ccp_desktop"}
    assert ours <= FIRST_PAINT_MODULES, sorted(ours - FIRST_PAINT_MODULES)
    early = sorted(name for name in loaded for unwanted in NOT_BEFORE_FIRST_PAINT
                   if name == unwanted or name.startswith(unwanted + "."))
    assert early == []
    assert "start gui" in (tmp_path / "data" / "logs" / "ccp-field-desk.log").read_text(encoding="utf-8")
