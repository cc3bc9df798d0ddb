"""Undoing an import from HQ's Posts page: the selected post's imported packages are listed; "Undo this
import…" asks, naming the package, the post and what it wrote; the undo runs on the background worker and
the lists refresh from what it changed. An undo that would lose a later change is refused, naming the
record, and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import Qt

from ccp_desktop.store.records import iter_records, update_record
from ccp_desktop.store.sync_state import list_imports
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.ui.forms.prompts import Button
from tests.hq.conftest import add_post_records, open_posts_page


def _titles(db: sqlite_utils.Database) -> list[str]:
    return sorted(a["title"] for a in iter_records(db, "activities"))


def _ask(qtbot: Any, panel: Any, row: int) -> Any:
    panel.table.selectRow(row)
    assert panel.undo_button.isEnabled()
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    question = panel.question
    assert question is not None and question.isVisible()
    return question


def test_undo_an_import_from_the_posts_page(qtbot: Any, post: Any, hq: Any, outbox: Path,
                                            shown_errors: list[Any]) -> None:
    add_post_records(post, "A")
    first = import_package(hq, export_package(post, outbox).path)
    add_post_records(post, "B")
    second = import_package(hq, export_package(post, outbox).path)
    assert _titles(hq) == ["Training A", "Training B"]
    posts = open_posts_page(qtbot, hq, "FJ-SUVA")
    panel = posts.imports
    ids = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert ids == [second.package_id, first.package_id]  # newest first
    assert [panel.table.item(0, c).text() for c in (1, 4, 5, 6, 7)] == ["5–8", "4", "0", "0", "0"]

    question = _ask(qtbot, panel, 0)
    assert f"package {second.package_id} from FJ-SUVA (changes 5–8" in question.text()
    assert "4 new, 0 updated, 0 deleted, 0 conflicts" in question.text()
    qtbot.mouseClick(question.button(Button.Cancel), Qt.MouseButton.LeftButton)  # asked, then kept
    assert _titles(hq) == ["Training A", "Training B"] and panel.undo_button.isEnabled()

    question = _ask(qtbot, panel, 0)
    with qtbot.waitSignal(panel.undone, timeout=10_000) as undone, \
            qtbot.waitSignal(posts.loaded, timeout=10_000):  # the page reads again: the lists follow the undo
        qtbot.mouseClick(question.button(Button.Yes), Qt.MouseButton.LeftButton)
    assert undone.args[0].counts["activities"] == {"removed": 1, "restored": 0}
    assert _titles(hq) == ["Training A"]
    assert [e["package_id"] for e in list_imports(hq, post_code="FJ-SUVA")] == [first.package_id]
    assert panel.table.rowCount() == 1 and panel.table.item(0, 0).text() == first.package_id
    assert panel.note.text().startswith(f"Undid the import of package {second.package_id} from FJ-SUVA")
    assert shown_errors == []


def test_an_undo_refused_names_the_record_and_changes_nothing(qtbot: Any, post: Any, hq: Any, outbox: Path,
                                                             shown_errors: list[Any]) -> None:
    add_post_records(post, "A")
    imported = import_package(hq, export_package(post, outbox).path)
    [activity] = iter_records(hq, "activities")
    update_record(hq, "activities", activity["id"], {"title": "Edited at HQ since"})  # a later change
    posts = open_posts_page(qtbot, hq, "FJ-SUVA")
    panel = posts.imports
    question = _ask(qtbot, panel, 0)
    qtbot.mouseClick(question.button(Button.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10_000)
    headline, _detail = shown_errors[0]
    assert f"Cannot undo the import of {imported.package_id}" in headline
    assert f"activity {activity['id']} (rev 2 now, the import wrote rev 1)" in headline
    assert _titles(hq) == ["Edited at HQ since"]
    assert [e["package_id"] for e in list_imports(hq, post_code="FJ-SUVA")] == [imported.package_id]
    assert panel.note.text() == "The undo was refused; nothing was changed." and panel.undo_button.isEnabled()
