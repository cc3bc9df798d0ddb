"""The Sync page announces what the export itself said it wrote (issue 9), not a guess of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ccp_desktop.ui.main_window import MainWindow


def test_the_sync_page_emits_the_changes_the_export_returned(qtbot: Any, main_window: MainWindow, tmp_path: Path) -> None:
    page = main_window.sync_page
    main_window.show_page("sync")
    page.folder.setText(str(tmp_path / "outbox"))
    emitted: list[Any] = []
    page.sync_changed.connect(emitted.append)
    with qtbot.waitSignal(page.export_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert dict(result.changes.counts) == {"sync_exports": 1}  # the package's row in the export history
    assert len(emitted) == 1 and emitted[0].source is page
    # passed on from the core, not rebuilt by the page: the very tables and records the export reported
    assert emitted[0].counts is result.changes.counts and emitted[0].ids is result.changes.ids
    qtbot.waitUntil(lambda: page.history.rowCount() == 1)  # the history refreshed from that announcement
