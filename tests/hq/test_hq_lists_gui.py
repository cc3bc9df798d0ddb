"""HQ's consolidated lists: a Post column (label and code) and a post filter, records under review marked in
the list and the detail pane; likely duplicate activities reviewed side by side and merged from the Review
page. A post's own app keeps its lists as they were (no Post column, no post filter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ccp_desktop.store.changes import run_recorded
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.ui.changes import OpChanges
from ccp_desktop.ui.main_window import MainWindow
from tests.hq.test_review import _deliver
from tests.sync.conftest import make_site
from tests.unit import factories as f


def _texts(page: Any, key: str) -> list[str]:
    col = page.spec.column_index(key)
    return [page.model.index(row, col).data() for row in range(page.model.rowCount())]


def _hq_with_a_pair(hq: Any, post: Any, outbox: Path, tmp_path: Path) -> Any:
    """Suva's course and Port Moresby's record of it; a laptop serial both posts recorded."""
    insert_record(post, "activities", f.activity(title="Incident response training for the national CERT"))
    _deliver(post, ["SN-77"])
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    pom = make_site(tmp_path / "pom", "PG-PORTMORESBY")
    insert_record(pom, "activities", f.activity(title="National CERT incident response training, Suva", start_date="2021-03-03"))
    insert_record(pom, "activities", f.activity(title="Cybercrime legislation review", activity_type="CRIME-LEGREV",
                                                stream="CRIME", country="PG", start_date="2022-05-01",
                                                end_date="2022-05-02"))
    _deliver(pom, ["sn-77"], country="PG", recipient="PNG CERT")
    assert import_package(hq, export_package(pom, outbox).path).status == "applied"
    pom.close()
    return hq


def test_hq_lists_show_the_post_filter_by_it_and_mark_records_under_review(
        qtbot: Any, hq: Any, post: Any, outbox: Path, tmp_path: Path, shown_errors: list[Any]) -> None:
    _hq_with_a_pair(hq, post, outbox, tmp_path)
    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("activities")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    header = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
    assert header[:2] == ["Title", "Post"] and header[-1] == "Review"
    assert _texts(page, "post") == ["Port Moresby (PG-PORTMORESBY)"] * 2 + ["Suva (FJ-SUVA)"]
    assert _texts(page, "review") == ["", "⚑ Likely duplicate", "⚑ Likely duplicate"]
    flag_col = page.spec.column_index("review")
    assert page.model.index(1, flag_col).data(Qt.ItemDataRole.BackgroundRole).color() == QColor("#fff3cd")
    assert page.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None

    combo = page.filters["post"]
    assert combo.findText("Suva (FJ-SUVA)") > 0 and combo.findText("Port Moresby (PG-PORTMORESBY)") > 0
    combo.setCurrentIndex(combo.findData("FJ-SUVA"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.count_label.text() == "1 activity match")
    page.table.selectRow(0)
    details = page.details.toPlainText()
    assert "likely the same activity as PG-PORTMORESBY's 'National CERT incident response training, Suva'" in details

    equipment = window.show_page("equipment")
    qtbot.waitUntil(lambda: equipment.model.rowCount() == 2)
    assert _texts(equipment, "post") == ["Port Moresby (PG-PORTMORESBY)", "Suva (FJ-SUVA)"]
    assert _texts(equipment, "review") == ["⚑ Serial at two posts"] * 2
    equipment.table.selectRow(1)
    assert "serial number sn-77 is also on an item of PG-PORTMORESBY" in equipment.details.toPlainText()
    partners = window.show_page("partners")
    qtbot.waitUntil(lambda: partners.model.rowCount() == 2)
    assert "post" in partners.filters and "Review" not in [c.label for c in partners.spec.columns]
    assert shown_errors == []
    window.close()


def test_a_likely_duplicate_merged_from_the_review_page(
        qtbot: Any, hq: Any, post: Any, outbox: Path, tmp_path: Path, shown_errors: list[Any]) -> None:
    _hq_with_a_pair(hq, post, outbox, tmp_path)
    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    window.show()
    nav_item = window.nav.item(window.page_names.index("review"))
    qtbot.waitUntil(lambda: nav_item.text() == "Review (2)", timeout=30_000)
    page = window.show_page("review")
    qtbot.waitUntil(lambda: page.list.rowCount() == 2)
    assert page.summary.text().startswith("1 serial number and 1 likely duplicate activity recorded at two posts")
    page.list.selectRow(1)
    assert page.list.item(1, 1).text() == "Likely duplicate activity: National CERT incident response training, Suva"
    assert page.merge_button.isVisible() and not page.moved_button.isVisible()
    assert page.different_button.text() == "Different activities"
    sides = page.sides
    assert [sides.item(0, c).text() for c in (0, 1)] == ["FJ-SUVA", "PG-PORTMORESBY"]
    assert sides.item(1, 1).text() == "National CERT incident response training, Suva"
    assert sides.item(4, 1).text() == "2021-03-03" and sides.item(1, 0).background().color() == QColor("#fff3cd")
    assert (sides.item(2, 0).text(), sides.item(3, 0).text()) == ("Fiji", "Tailored training")  # labels, not codes

    page.keep.setCurrentIndex(page.keep.findData("a"))
    page.note.setText("one course, co-funded by PNG")
    with qtbot.waitSignal(page.settled, timeout=30_000) as blocker:
        qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0]["action"] == "merged"
    qtbot.waitUntil(lambda: nav_item.text() == "Review (1)", timeout=30_000)
    activities = window.show_page("activities")
    qtbot.waitUntil(lambda: sorted(_texts(activities, "review")) == ["", "", "Merged: counted once"], timeout=30_000)
    row = _texts(activities, "review").index("Merged: counted once")
    activities.table.selectRow(row)
    assert "Merged: the same activity as FJ-SUVA's 'Incident response training for the national CERT'" in \
        activities.details.toPlainText()
    assert shown_errors == []
    window.close()


def test_a_posts_own_lists_have_no_post_column_or_filter(qtbot: Any, post: Any) -> None:
    insert_record(post, "activities", f.activity())
    window = MainWindow(database_path(post))
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("activities")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    labels = [c.label for c in page.spec.columns]
    assert "Post" not in labels and "Review" not in labels and "post" not in page.filters
    assert "review" not in window.page_names
    dashboard = window.show_page("dashboard")
    qtbot.waitUntil(lambda: dashboard.summary is not None and dashboard.summary.activity_count == 1)
    assert not dashboard.post_filter.isVisible() and not dashboard.by_post.isVisible()
    assert dashboard.heading.text() == "1 activity and 0 equipment item lines, FJ-SUVA"
    window.close()


def test_the_hq_dashboard_has_a_by_post_view_and_a_post_filter_on_every_chart(
        qtbot: Any, hq: Any, post: Any, outbox: Path, tmp_path: Path, shown_errors: list[Any]) -> None:
    from ccp_desktop.sync.review import list_review_items, settle_review_item

    _hq_with_a_pair(hq, post, outbox, tmp_path)
    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("dashboard")
    qtbot.waitUntil(lambda: page.summary is not None and page.by_post.rowCount() == 2, timeout=30_000)
    assert page.heading.text() == "3 activities and 2 equipment item lines, all posts"
    rows = [[page.by_post.item(r, c).text() for c in range(5)] for r in range(2)]
    assert rows == [["Suva (FJ-SUVA)", "2", "1", "43,125.50", "1"], ["Port Moresby (PG-PORTMORESBY)", "3", "2", "86,251.00", "1"]]
    assert page.by_post.item(0, 5).text() != "none"  # when its last package was made
    assert [page.post_filter.itemText(i) for i in range(page.post_filter.count())] == [
        "All posts", "Port Moresby (PG-PORTMORESBY)", "Suva (FJ-SUVA)"]

    # Double-click a post: every chart shows its records only.
    row = next(r for r in range(2) if page.by_post.item(r, 0).text().startswith("Port Moresby"))
    with qtbot.waitSignal(page.refreshed, timeout=30_000):
        page.by_post.cellDoubleClicked.emit(row, 0)
    assert page.post_filter.currentData() == "PG-PORTMORESBY"
    assert page.heading.text() == "2 activities and 1 equipment item line, Port Moresby (PG-PORTMORESBY)"
    summary = page.summary
    assert summary.activities_by_stream_status == {"CAP": {"completed": 1}, "CRIME": {"completed": 1}}
    assert summary.equipment_value_by_country == [("PG", 1850.0)]
    assert sum(summary.participants_by_sex.values()) == 44
    assert sum(float(t["spend"]) for t in summary.tranches) == 86251.0
    assert page.sex_chart.series()[0].slices()[0].label().startswith("Female 24 ")  # the chart follows the filter

    # Merged: the event is counted once (as Suva's), so Port Moresby's figures drop it.
    [pair] = [i for i in list_review_items(hq) if i["kind"] == "duplicate-activity"]
    settled = run_recorded(hq, settle_review_item, pair["id"], "merged")
    with qtbot.waitSignal(page.refreshed, timeout=30_000):
        window.hub.announce(OpChanges.of(settled.changes))  # as the Review page announces it
    assert page.heading.text() == "1 activity and 1 equipment item line, Port Moresby (PG-PORTMORESBY)"
    with qtbot.waitSignal(page.refreshed, timeout=30_000):
        page.post_filter.setCurrentIndex(0)
    assert page.heading.text() == "2 activities and 2 equipment item lines, all posts"
    assert shown_errors == []
    window.close()
