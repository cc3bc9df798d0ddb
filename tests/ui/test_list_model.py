"""The record lists: pages on demand over 200,000 rows, search by serial, filters, sorting, tombstones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from ccp_desktop.reports.listing import ACTIVITIES, EQUIPMENT, ListQuery
from ccp_desktop.store.connection import open_database
from ccp_desktop.ui.list_page import ListPage
from ccp_desktop.ui.record_table import PAGE_SIZE, RecordTableModel
from ccp_desktop.ui.worker import BackgroundWorker
from tests.ui.bulkdata import serial_for
from tests.ui.conftest import BULK_ITEMS


def test_model_on_200000_rows_loads_in_batches(qtbot: Any, bulk_db_path: Path) -> None:
    db = open_database(bulk_db_path)
    worker = BackgroundWorker(bulk_db_path)
    try:
        model = RecordTableModel(db, EQUIPMENT, worker)
        with qtbot.waitSignal(model.count_changed, check_params_cb=lambda n: n is not None, timeout=20_000):
            model.reload()
        assert model.rowCount() == PAGE_SIZE
        assert model.total == BULK_ITEMS
        assert model.canFetchMore(QModelIndex())
        seen = [model.rowCount()]
        for _ in range(3):
            model.fetchMore(QModelIndex())
            seen.append(model.rowCount())
        assert seen == [PAGE_SIZE, 2 * PAGE_SIZE, 3 * PAGE_SIZE, 4 * PAGE_SIZE]
        # newest first, no row twice across page boundaries
        serials = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
        assert serials[0] == serial_for(BULK_ITEMS)
        assert len(set(serials)) == len(serials)
    finally:
        worker.stop()
        db.close()


def test_a_window_taller_than_a_page_is_filled_with_rows(qtbot: Any, bulk_db_path: Path) -> None:
    """The first page holds about two screens of a laptop; on a tall monitor the list still reaches the
    bottom of the window (the view asks for more pages until it is full), and no further."""
    db = open_database(bulk_db_path)
    page = ListPage(db, bulk_db_path, EQUIPMENT, None)
    qtbot.addWidget(page)
    page.resize(1200, 6 * PAGE_SIZE * page.table.verticalHeader().defaultSectionSize())
    page.show()
    qtbot.waitExposed(page)
    table = page.table
    qtbot.waitUntil(lambda: table.rowAt(table.viewport().height() - 1) != -1)  # a row at the very bottom
    shown = table.rowAt(table.viewport().height() - 1) + 1
    assert shown > 3 * PAGE_SIZE  # several pages' worth on the screen at once
    assert page.model.rowCount() < shown + 2 * PAGE_SIZE  # read to fill the window, not the whole table
    assert page.model.canFetchMore(QModelIndex())
    db.close()


def test_sorting_a_column_of_200000_rows_happens_once_in_the_background(qtbot: Any, bulk_db_path: Path) -> None:
    db = open_database(bulk_db_path)
    worker = BackgroundWorker(bulk_db_path)
    page = ListPage(db, bulk_db_path, EQUIPMENT, worker)
    qtbot.addWidget(page)
    page.show()
    try:
        with qtbot.waitSignal(page.model.reloaded, timeout=30_000):
            page.table.sortByColumn(EQUIPMENT.column_index("serials"), Qt.SortOrder.AscendingOrder)  # a header click
            assert page.count_label.text() == "Sorting…"
        assert page.model.data(page.model.index(0, 0)) == serial_for(1)
        assert page.model.total == BULK_ITEMS  # known from the sort, no count needed
        before = page.model.rowCount()
        page.model.fetchMore(QModelIndex())
        assert page.model.rowCount() == before + PAGE_SIZE
        serials = [page.model.data(page.model.index(r, 0)) for r in range(page.model.rowCount())]
        assert serials == [serial_for(n) for n in range(1, len(serials) + 1)]
    finally:
        worker.stop()
        db.close()


def test_sorted_pages_follow_on_without_gaps(post_db: Any) -> None:
    from ccp_desktop.store.records import insert_records_bulk
    from tests.unit import factories

    insert_records_bulk(post_db, "activities", [factories.activity(title=f"Activity {n:03d}", start_date=f"2021-01-{1 + n % 28:02d}")
                                                for n in range(250)])
    model = RecordTableModel(post_db, ACTIVITIES, None, page_size=40)
    model.sort(ACTIVITIES.column_index("start_date"), Qt.SortOrder.DescendingOrder)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    dates = [model.data(model.index(r, ACTIVITIES.column_index("start_date"))) for r in range(model.rowCount())]
    titles = {model.data(model.index(r, 0)) for r in range(model.rowCount())}
    assert len(dates) == 250 and len(titles) == 250
    assert dates == sorted(dates, reverse=True)


def test_filter_box_finds_an_item_by_serial_number(qtbot: Any, bulk_db_path: Path) -> None:
    db = open_database(bulk_db_path)
    worker = BackgroundWorker(bulk_db_path)
    page = ListPage(db, bulk_db_path, EQUIPMENT, worker)
    qtbot.addWidget(page)
    page.show()
    try:
        wanted = serial_for(123_457)
        with qtbot.waitSignal(page.model.modelReset, timeout=5000):
            qtbot.keyClicks(page.search, wanted)  # typed; the search runs after a pause in typing
        assert page.model.rowCount() == 1
        assert page.model.data(page.model.index(0, 0)) == wanted
        qtbot.waitUntil(lambda: page.count_label.text() == "1 item line match")
        qtbot.keyClick(page.search, Qt.Key.Key_Return)  # Enter goes to the first match
        assert page.table.hasFocus() and page.selected_id() == page.model.record_id(0)
        assert wanted in page.details.toPlainText()  # the delivery is shown beside the list, with its items
    finally:
        worker.stop()
        db.close()


def test_filters_narrow_the_list_and_count(qtbot: Any, demo_db_path: Path) -> None:
    db = open_database(demo_db_path)
    page = ListPage(db, demo_db_path, ACTIVITIES, None)
    qtbot.addWidget(page)
    everything = page.model.total
    combo = page.filters["stream"]
    combo.setCurrentIndex(combo.findData("CRIME"))
    crime = page.model.total
    expected = db.execute("SELECT count(*) FROM activities WHERE stream = 'CRIME' AND deleted = 0").fetchone()[0]
    assert crime == expected and 0 < crime < everything
    stream_col = ACTIVITIES.column_index("stream")
    assert {page.model.data(page.model.index(r, stream_col)) for r in range(page.model.rowCount())} == {"Cybercrime"}
    year = page.filters["year"]
    year.setCurrentIndex(year.findData("2019"))
    assert all(page.model.data(page.model.index(r, ACTIVITIES.column_index("start_date"))).startswith("2019")
               for r in range(page.model.rowCount()))
    assert page.count_label.text().endswith("match")
    db.close()


def test_tombstoned_records_are_not_listed(post_db: Any) -> None:
    from ccp_desktop.store.records import insert_record, tombstone_record
    from tests.unit import factories

    keep = insert_record(post_db, "activities", factories.activity(title="Kept"))
    gone = insert_record(post_db, "activities", factories.activity(title="Deleted one"))
    tombstone_record(post_db, "activities", gone["id"])
    model = RecordTableModel(post_db, ACTIVITIES, None)
    model.reload()
    assert [model.record_id(r) for r in range(model.rowCount())] == [keep["id"]]
    assert model.total == 1
    model.set_query(ListQuery(text="Deleted"))
    assert model.rowCount() == 0 and model.total == 0


def test_each_cell_answers_the_roles_a_view_asks(post_db: Any) -> None:
    """Figures are right-aligned, text is not; a row gives the record it opens; an invalid index and the
    roles a list has no use for (icons, fonts, check boxes) answer nothing."""
    from ccp_desktop.store.records import insert_record
    from tests.unit import factories

    kept = insert_record(post_db, "activities", factories.activity(title="Aligned", spend_aud=1234.5))
    model = RecordTableModel(post_db, ACTIVITIES, None)
    model.reload()
    title, spend = model.index(0, ACTIVITIES.column_index("title")), model.index(0, ACTIVITIES.column_index("spend_aud"))
    people = model.index(0, ACTIVITIES.column_index("participants"))
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(title) == "Aligned" and model.data(spend) == "1,234.50"
    assert model.data(spend, Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.data(people, Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.data(title, Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.data(title, Qt.ItemDataRole.UserRole) == kept["id"]
    assert model.data(title, Qt.ItemDataRole.ToolTipRole) == "Aligned"
    for role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.CheckStateRole,
                 Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
        assert model.data(title, role) is None
    assert model.data(QModelIndex()) is None
