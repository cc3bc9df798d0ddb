"""Fixtures for the GUI tests: databases with records, a main window, errors captured as shown."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BULK_ITEMS = 200_000


def _make_db(path: Path, post: str = "FJ-SUVA") -> Path:
    from ccp_desktop.sync.identity import initialise

    initialise(path, post_code=post, officer="Mere Tuilagi", role="field")
    return path


@pytest.fixture(scope="session")
def _bulk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 equipment items, made once per test run (the list tests only read it)."""
    from ccp_desktop.store.connection import open_database
    from tests.ui.bulkdata import load_bulk_items

    path = _make_db(tmp_path_factory.mktemp("bulk") / "bulk.sqlite3")
    db = open_database(path)
    load_bulk_items(db, BULK_ITEMS)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def bulk_db_path(_bulk_template: Path, tmp_path: Path) -> Path:
    """A private copy of the bulk database (tests may write to it)."""
    target = tmp_path / "bulkcopy" / "bulk.sqlite3"
    target.parent.mkdir()
    for source in _bulk_template.parent.glob(_bulk_template.name + "*"):  # the db, its WAL and its key
        shutil.copy2(source, target.parent / source.name)
    return target


@pytest.fixture
def demo_db_path(tmp_path: Path) -> Path:
    """A post database with a few hundred realistic records."""
    from ccp_desktop.demo import load_demo_data
    from ccp_desktop.store.connection import open_database

    path = _make_db(tmp_path / "demo" / "demo.sqlite3")
    db = open_database(path)
    load_demo_data(db, activities=300, equipment=80, seed=7)
    db.close()
    return path


@pytest.fixture
def shown_errors() -> Iterator[list[tuple[str, str]]]:
    """Every error shown through ui.errors.show_error while the test runs, as (headline, detail)."""
    from ccp_desktop.ui import errors

    seen: list[tuple[str, str]] = []
    errors.error_hooks.append(lambda headline, detail: seen.append((headline, detail)))
    yield seen
    errors.error_hooks.clear()


@pytest.fixture
def main_window(qtbot: Any, demo_db_path: Path) -> Iterator[Any]:
    from ccp_desktop.ui.main_window import MainWindow

    window = MainWindow(demo_db_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


@pytest.fixture
def quit_if_hung(qtbot: Any) -> Iterator[None]:
    """For a test that runs the app's own event loop (`run_gui`): ends it after 15 s if it hangs. Stopped
    when the test ends: `QApplication.exit` ends every event loop running when it fires, so a guard left
    behind would end a later test's wait for a signal (it failed an HQ desk test 15 s after these ran)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: QApplication.instance().exit(99))  # type: ignore[union-attr]
    guard.start(15_000)
    yield
    guard.stop()
