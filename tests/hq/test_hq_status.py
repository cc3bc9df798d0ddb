"""What HQ's window says of sync: HQ sends no data package, so it has no "changes to export" and no
export to offer; the status bar, the File menu and the Sync page say what HQ does instead: the posts'
packages imported, the receipts written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.store.connection import database_path
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.receipts import write_receipt
from ccp_desktop.sync.status import hq_glance
from ccp_desktop.ui.main_window import MainWindow
from tests.hq.conftest import add_post_records


def _imported(hq: sqlite_utils.Database, post: sqlite_utils.Database, outbox: Path, tag: str) -> None:
    add_post_records(post, tag)
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied", result.message


def test_the_glance_counts_packages_and_posts_and_names_the_newest(
        sites: Callable[..., sqlite_utils.Database], outbox: Path) -> None:
    hq = sites("AU-CANBERRA", role="hq", officer="Hana HQ")
    assert hq_glance(hq) == {"packages": 0, "posts": 0, "last_import": None, "last_receipt": None}
    suva, vila = sites("FJ-SUVA", officer="Mere"), sites("VU-PORTVILA", officer="Jean")
    _imported(hq, suva, outbox, "SUVA-A")
    _imported(hq, suva, outbox, "SUVA-B")
    _imported(hq, vila, outbox, "VILA-A")
    write_receipt(hq, "FJ-SUVA", outbox)
    glance = hq_glance(hq)
    assert (glance["packages"], glance["posts"]) == (3, 2)
    assert glance["last_import"]["post_code"] == "VU-PORTVILA"
    assert glance["last_receipt"]["for_post"] == "FJ-SUVA"


def test_hq_window_shows_imports_and_receipts_not_changes_to_export(
        qtbot: Any, sites: Callable[..., sqlite_utils.Database], outbox: Path) -> None:
    hq = sites("AU-CANBERRA", role="hq", officer="Hana HQ")
    _imported(hq, sites("FJ-SUVA", officer="Mere"), outbox, "SUVA-A")
    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.status_refreshed, timeout=30_000):
        window.show()
    bar = {key: label.text() for key, label in window.status_labels.items()}
    assert bar["pending"].startswith("Last import: FJ-SUVA, ")
    assert bar["export"] == "1 package from 1 post"
    assert bar["receipt"] == "No receipt written yet"
    assert not any("export" in text.lower() for text in bar.values())
    assert window.status_labels["pending"].accessibleName() == "Last package imported"
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    entries = [a.text() for a in file_menu.actions()]
    assert "&Import a package…" in entries and not any("export" in e.lower() for e in entries)

    page = window.pages["sync"]
    with qtbot.waitSignal(page.history_loaded, timeout=30_000):
        window.show_page("sync")
    assert page.summary.text().startswith("1 package imported from 1 post; the last from FJ-SUVA, ")
    assert not page.export_button.isVisible()  # HQ exports no data package
    assert page.import_button.isVisible()
    assert page.history.rowCount() == 1 and page.history.item(0, 0).text() == "Received"

    write_receipt(hq, "FJ-SUVA", outbox)  # as the Posts page does, then the window refreshes
    with qtbot.waitSignal(window.status_refreshed, timeout=30_000):
        window.refresh_status()
    assert window.status_labels["receipt"].text().startswith("Last receipt written: FJ-SUVA, ")
    window.close()
