"""The HQ desk in the real window: drop a folder, check, import the selected packages, see refusals with
their problem table (saved as .xlsx for the post), then the Posts page for that state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent

from ccp_desktop.store.connection import database_path
from ccp_desktop.ui.main_window import MainWindow
from tests.hq.conftest import open_posts_page


def _drop(window: MainWindow, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def _column(table: Any, col: int) -> list[str]:
    return [table.item(row, col).text() for row in range(table.rowCount())]


def test_drop_check_import_and_the_posts_page(qtbot: Any, morning: Any, tmp_path: Path, shown_errors: list[Any]) -> None:
    hq, m = morning
    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    window.show()
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles[-4:] == ["Import many", "Posts", "Conflicts", "Review"]
    page = window.pages["hq-import"]
    with qtbot.waitSignal(page.checked, timeout=60_000):
        _drop(window, m.folder)
    assert window.current_page_name() == "hq-import"
    table = page.table
    assert _column(table, 1) == ["FJ-SUVA"] * 4 + ["VU-PORTVILA"] * 2 + ["WS-APIA"] * 2
    assert _column(table, 3)[:4] == ["1–4", "1–4", "1–4", "5–8"]
    outcomes = _column(table, 11)
    assert "Would apply" in outcomes[0] and "The same package as copy-of-suva-1.xlsx" in outcomes[1]
    assert "not the one trusted for FJ-SUVA" in outcomes[2]
    assert "Waits for changes 5–8 from VU-PORTVILA" in outcomes[5]
    assert _column(table, 5)[3] == "4" and _column(table, 10)[4] == f"first seen {page.entries[4].fingerprint}"
    assert _column(table, 10)[0] == "pinned key"
    checks = [table.item(row, 0).checkState() == Qt.CheckState.Checked for row in range(table.rowCount())]
    assert checks == [True, False, True, True, True, True, True, True]  # the duplicate is not applied twice

    dialog = page.show_problems(6)  # the edited Apia package
    assert dialog is not None and dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "activities" and "values differ" in dialog.table.item(0, 4).text()
    saved = dialog.save_to(tmp_path / "apia-problems.xlsx")
    sheet = openpyxl.load_workbook(saved)["Problems"]
    assert [c.value for c in sheet[2]] == ["Sheet", "Row", "Column", "Value", "Message"]
    assert sheet.cell(3, 1).value == "activities" and "values differ" in sheet.cell(3, 5).value
    dialog.close()

    table.item(5, 0).setCheckState(Qt.CheckState.Unchecked)  # hold back the package after the gap
    with qtbot.waitSignal(page.imported, timeout=60_000) as blocker:
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
        assert not page.import_button.isEnabled() and page.jobs.cancel_button.isVisible()
    summary = blocker.args[0]
    assert (summary.applied, summary.refused) == (4, 2)
    assert page.summary.text().startswith("4 packages imported; 2 refused")
    assert "Applied changes package from FJ-SUVA" in _column(table, 11)[0]
    assert hq.execute("SELECT count(*) FROM sync_imports").fetchone()[0] == 4
    assert shown_errors == []

    posts = window.pages["posts"]
    with qtbot.waitSignal(posts.loaded, timeout=30_000):
        window.show_page("posts")
    rows = {posts.table.item(r, 0).text(): r for r in range(posts.table.rowCount())}
    assert {"FJ-SUVA", "VU-PORTVILA", "WS-APIA", "TO-NUKUALOFA"} <= set(rows) and "AU-CANBERRA" not in rows
    assert posts.table.item(rows["TO-NUKUALOFA"], 2).text() == "not registered"
    assert posts.table.item(rows["TO-NUKUALOFA"], 4).text() == "never"
    assert posts.table.item(rows["WS-APIA"], 10).text() == ""  # its edited copy was refused, the good one imported
    assert posts.table.item(rows["FJ-SUVA"], 10).text() == "1"  # the other laptop's package
    assert posts.table.item(rows["VU-PORTVILA"], 6).text() == "4" and posts.table.item(rows["VU-PORTVILA"], 7).text() == ""
    posts.select_post("FJ-SUVA")
    assert "suva-other-laptop.xlsx" in posts.detail.text() and "not the one trusted" in posts.detail.text()
    with qtbot.waitSignal(posts.receipt_written, timeout=30_000):
        posts.write_receipt("VU-PORTVILA", tmp_path)
    assert "Receipt for VU-PORTVILA saved" in posts.summary.text()
    window.close()


def test_registering_then_replacing_a_key_from_the_posts_page(qtbot: Any, morning: Any, tmp_path: Path) -> None:
    from ccp_desktop.store.installation import require_installation
    from tests.sync.conftest import make_site

    hq, _m = morning
    tonga = make_site(tmp_path / "tonga", "TO-NUKUALOFA")
    new_laptop = make_site(tmp_path / "tonga2", "TO-NUKUALOFA")
    posts = open_posts_page(qtbot, hq, "TO-NUKUALOFA")
    assert posts.key_button.text() == "Register key…"
    dialog = posts.ask_key()
    dialog.key.setText(require_installation(tonga).public_key)
    with qtbot.waitSignal(posts.key_trusted, timeout=30_000) as first:
        dialog.accept()
    assert first.args[0].replaced is None
    qtbot.waitUntil(lambda: posts.table.item(posts.table.currentRow(), 2).text() == first.args[0].fingerprint)
    assert posts.key_button.text() == "Replace key…"
    dialog = posts.ask_key()
    dialog.key.setText(require_installation(new_laptop).public_key)
    dialog.reason.setText("laptop re-imaged after a disk failure")
    with qtbot.waitSignal(posts.key_trusted, timeout=30_000) as second:
        dialog.accept()
    assert second.args[0].replaced == first.args[0].fingerprint
    audit = hq.execute("SELECT changes FROM audit_log WHERE action = 'trust-key' ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert "laptop re-imaged after a disk failure" in audit
    posts.window().close()
    tonga.close()
    new_laptop.close()


def test_a_conflict_side_by_side_settled_field_by_field(qtbot: Any, post: Any, hq: Any, outbox: Path) -> None:
    from ccp_desktop.store.records import get_record, update_record
    from ccp_desktop.sync.export import export_package
    from ccp_desktop.sync.importer import import_package
    from tests.sync.conftest import add_sample

    sample = add_sample(post)
    import_package(hq, export_package(post, outbox).path)
    rid, partner = sample["activity"]["id"], sample["partner"]["id"]
    update_record(hq, "activities", rid, {"title": "HQ title", "location": "Nadi"})
    update_record(post, "activities", rid, {"title": "Post title"})
    update_record(hq, "partners", partner, {"contact": "HQ desk"})
    update_record(post, "partners", partner, {"contact": "Post desk"})
    import_package(hq, export_package(post, outbox).path)

    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    window.show()
    page = window.pages["conflicts"]
    nav_item = window.nav.item(window.page_names.index("conflicts"))
    qtbot.waitUntil(lambda: nav_item.text() == "Conflicts (2)", timeout=30_000)
    window.show_page("conflicts")
    qtbot.waitUntil(lambda: page.list.rowCount() == 2)
    page.table_filter.setCurrentIndex(page.table_filter.findData("activities"))
    assert page.list.rowCount() == 1 and page.list.item(0, 3).text() == "FJ-SUVA"
    labels = [page.sides.item(row, 0).text() for row in range(page.sides.rowCount())]
    title_row = labels.index("Title")
    assert page.sides.item(title_row, 1).text() == "Post title" and page.sides.item(title_row, 2).text() == "HQ title"
    assert page.sides.item(title_row, 1).background().color() == QColor("#fff3cd")
    assert set(page.choices) == {"title", "location"}
    page.choose("title", "post")
    page.choose("location", "hq")
    with qtbot.waitSignal(page.resolved, timeout=30_000):
        qtbot.mouseClick(page.keep_fields, Qt.MouseButton.LeftButton)
    now = get_record(hq, "activities", rid)
    assert (now["title"], now["location"]) == ("Post title", "Nadi")
    qtbot.waitUntil(lambda: nav_item.text() == "Conflicts (1)", timeout=30_000)
    page.table_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.list.rowCount() == 1 and page.list.item(0, 1).text() == "Partner")
    window.close()


def test_a_serial_at_two_posts_reviewed_side_by_side(qtbot: Any, post: Any, hq: Any, outbox: Path, tmp_path: Path,
                                                    shown_errors: list[Any]) -> None:
    from ccp_desktop.sync.export import export_package
    from ccp_desktop.sync.importer import import_package
    from ccp_desktop.sync.review import list_review_items
    from tests.hq.test_review import _deliver
    from tests.sync.conftest import make_site

    _deliver(post, ["SN-77", "SN-78"])
    import_package(hq, export_package(post, outbox).path)
    vila = make_site(tmp_path / "vila", "VU-PORTVILA")
    _deliver(vila, ["sn-77", "SN-V2"], country="VU", recipient="Vanuatu CERT")
    _deliver(vila, ["SN-78", "SN-V3"], country="VU", recipient="Vanuatu Police")
    assert import_package(hq, export_package(vila, outbox).path).status == "applied"

    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    window.show()
    page = window.pages["review"]
    nav_item = window.nav.item(window.page_names.index("review"))
    qtbot.waitUntil(lambda: nav_item.text() == "Review (2)", timeout=30_000)
    window.show_page("review")
    qtbot.waitUntil(lambda: page.list.rowCount() == 2)
    sides = page.sides
    assert [sides.item(0, c).text() for c in (0, 1)] == ["FJ-SUVA", "VU-PORTVILA"]
    assert page.list.item(0, 1).text() == "Serial number SN-78"
    assert [sides.item(1, c).text() for c in (0, 1)] == ["Fiji Police Force Cybercrime Unit", "Vanuatu Police"]
    assert sides.item(5, 1).text() == "SN-78, SN-V3" and sides.item(5, 1).background().color() == QColor("#fff3cd")

    with qtbot.waitSignal(page.settled, timeout=30_000):  # without a note, "different" is refused in plain words
        qtbot.mouseClick(page.different_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(shown_errors))
        page.note.setText("laptop redeployed")
        qtbot.mouseClick(page.moved_button, Qt.MouseButton.LeftButton)
    assert shown_errors[0][0] == "Some values need fixing; nothing was saved."
    qtbot.waitUntil(lambda: nav_item.text() == "Review (1)", timeout=30_000)
    page.note.setText("ask VU-PORTVILA to read the sticker again")
    with qtbot.waitSignal(page.settled, timeout=30_000):
        qtbot.mouseClick(page.typo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.list.rowCount() == 1 and page.list.item(0, 3).text() == "asked the post")
    assert [i["status"] for i in list_review_items(hq)] == ["asked-post"]
    window.close()
    vila.close()
