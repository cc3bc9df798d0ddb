"""The Sync page: export in the background (verify accepts the file), nothing to send, cancel, receipts."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.sync.verify import verify_package
from ccp_desktop.ui.main_window import MainWindow


def _export(qtbot: Any, window: MainWindow, folder: Path, kind: str = "changes") -> Any:
    page = window.sync_page
    window.show_page("sync")
    page.folder.setText(str(folder))
    page.findChild(type(page.kind_group.button(0)), f"kind-{kind}").setChecked(True)
    with qtbot.waitSignal(page.export_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
        assert not page.export_button.isEnabled() and page.export.cancel_button.isVisible()
    return blocker.args[0]


def test_export_from_the_sync_page_makes_a_package_verify_accepts(qtbot: Any, main_window: MainWindow, tmp_path: Path) -> None:
    page = main_window.sync_page
    qtbot.waitUntil(lambda: "changes to export" in main_window.status_labels["pending"].text())
    assert main_window.status_labels["pending"].text() != "0 changes to export"
    result = _export(qtbot, main_window, tmp_path / "outbox")
    assert result.path.parent == tmp_path / "outbox" and result.path.exists()
    verified = verify_package(result.path)
    assert verified.status == "verified", verified.message
    assert result.path.name in page.export_result.text() and str(result.path.parent) in page.export_result.text()
    assert page.open_folder_button.isVisible() and page.export_button.isEnabled()
    qtbot.waitUntil(lambda: main_window.status_labels["pending"].text() == "0 changes to export")
    assert main_window.status_labels["export"].text() != "Last export: never"
    qtbot.waitUntil(lambda: page.history.rowCount() == 1)
    assert page.history.item(0, 0).text() == "Sent" and page.history.item(0, 5).text() == result.path.name


def test_nothing_to_send_is_said_plainly(qtbot: Any, main_window: MainWindow, tmp_path: Path, shown_errors: list[Any]) -> None:
    _export(qtbot, main_window, tmp_path)
    page = main_window.sync_page
    with qtbot.waitSignal(page.export_failed, timeout=30_000):
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert "nothing" in page.export_result.text().lower()
    assert shown_errors == []  # not an error box: there is simply nothing new
    assert len(list(tmp_path.glob("*.xlsx"))) == 1


def test_cancel_leaves_no_file(qtbot: Any, main_window: MainWindow, tmp_path: Path) -> None:
    page = main_window.sync_page
    main_window.show_page("sync")
    gate = threading.Event()
    main_window.worker.submit("hold", lambda db, progress, cancelled: gate.wait(10))  # keep the worker busy
    page.folder.setText(str(tmp_path / "out"))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.export_failed, timeout=30_000):
        qtbot.mouseClick(page.export.cancel_button, Qt.MouseButton.LeftButton)
        gate.set()
    assert page.export_result.text() == "Export cancelled; no file was written."
    assert not list(tmp_path.glob("**/*.xlsx")) and page.export_button.isEnabled()


def test_importing_a_receipt_from_hq_shows_what_hq_confirmed(qtbot: Any, main_window: MainWindow, tmp_path: Path) -> None:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.identity import initialise
    from ccp_desktop.sync.importer import import_package
    from ccp_desktop.sync.receipts import write_receipt

    sent = _export(qtbot, main_window, tmp_path / "outbox")
    hq_path = tmp_path / "hq" / "hq.sqlite3"
    initialise(hq_path, post_code="AU-CANBERRA", officer="HQ Data Officer", role="hq")
    hq = open_database(hq_path)
    assert import_package(hq, sent.path).status == "applied"
    (tmp_path / "to-post").mkdir()
    receipt = write_receipt(hq, "FJ-SUVA", tmp_path / "to-post")
    hq.close()

    page = main_window.sync_page
    # The post has not learnt HQ's key: the first receipt asks the officer to compare the fingerprint.
    with qtbot.waitSignal(page.import_finished, timeout=30_000) as refused:
        page.import_file(receipt.path)
    assert refused.args[0].status == "rejected"
    qtbot.waitUntil(lambda: page.trust_question is not None and page.trust_question.isVisible())
    hq_fingerprint = open_database(hq_path).execute("SELECT key_fingerprint FROM installation").fetchone()[0]
    assert hq_fingerprint in page.trust_question.text()
    with qtbot.waitSignal(page.import_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(page.trust_question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert blocker.args[0].status == "applied", blocker.args[0].message
    assert page.import_result.text() == blocker.args[0].message
    qtbot.waitUntil(lambda: main_window.status_labels["receipt"].text() != "Last receipt: never")
    qtbot.waitUntil(lambda: page.history.rowCount() == 2)
    assert {page.history.item(r, 0).text() for r in range(2)} == {"Sent", "Received"}
    assert "confirmed" in page.summary.text()


def test_hq_previews_a_package_before_importing_it(qtbot: Any, main_window: MainWindow, tmp_path: Path) -> None:
    from ccp_desktop.sync.identity import initialise

    sent = _export(qtbot, main_window, tmp_path / "outbox")
    hq_path = tmp_path / "hq" / "hq.sqlite3"
    initialise(hq_path, post_code="AU-CANBERRA", officer="HQ Data Officer", role="hq")
    hq = MainWindow(hq_path)
    qtbot.addWidget(hq)
    hq.show()
    page = hq.sync_page
    hq.show_page("sync")
    assert page.import_button.text() == "Import a package…"
    activities = hq.lists["activities"]
    assert activities.model.rowCount() == 0
    with qtbot.waitSignal(page.preview_ready, timeout=30_000) as preview:
        page.import_file(sent.path)
    assert preview.args[0].status == "dry-run"
    assert page.import_result.text().startswith(preview.args[0].message) and page.apply_button.isVisible()
    assert hq.db.execute("SELECT count(*) FROM activities").fetchone()[0] == 0
    with qtbot.waitSignal(page.import_finished, timeout=30_000) as applied:
        qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)
    assert applied.args[0].status == "applied", applied.args[0].message
    assert not page.apply_button.isVisible()
    hq.show_page("activities")
    qtbot.waitUntil(lambda: activities.model.total == 300)  # the list follows the import
    hq.close()
