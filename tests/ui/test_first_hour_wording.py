"""Issue 10, items 3, 4 and 12: integer axes with integer ticks, nouns that agree with their number, and
one name (with labels, not codes) for the line of effort wherever a person reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QValueAxis
from PySide6.QtCore import Qt

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.domain.wording import count_of
from ccp_desktop.reports.dashboard import value_axis_ticks
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record
from ccp_desktop.ui.main_window import MainWindow
from tests.unit import factories


@pytest.fixture
def one_activity_window(qtbot: Any, post_db_path: Path) -> Any:
    db = open_database(post_db_path)
    insert_record(db, "activities", factories.activity())
    db.close()
    window = MainWindow(post_db_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def tick_labels(axis: QValueAxis) -> list[str]:
    """What the axis prints: its tick values in its label format (as Qt Charts formats them)."""
    count = axis.tickCount()
    values = [axis.min() + n * (axis.max() - axis.min()) / (count - 1) for n in range(count)]
    return [axis.labelFormat() % v for v in values]


def test_dashboard_with_one_activity_reads_plainly(qtbot: Any, one_activity_window: MainWindow) -> None:
    page = one_activity_window.dashboard
    one_activity_window.show_page("dashboard")
    qtbot.waitUntil(lambda: page.summary is not None)
    assert page.heading.text().startswith("1 activity and 0 equipment item lines")

    [values] = [a for a in page.streams_chart.axes() if isinstance(a, QValueAxis)]
    labels = tick_labels(values)
    assert labels == ["0", "1"]  # not "0, 0, 0, 0, 0, 1"
    assert len(set(labels)) == len(labels)
    [categories] = [a for a in page.streams_chart.axes() if isinstance(a, QBarCategoryAxis)]
    assert categories.categories() == ["Capability", "Cybercrime", "Law and norms"]  # not CAP, CRIME, NORMS


@pytest.mark.parametrize("most", [1, 2, 3, 4, 7, 12, 23, 99, 300, 12_345])
def test_count_axes_tick_on_whole_numbers(most: int) -> None:
    top, step, decimals = value_axis_ticks(most, whole=True)
    assert top >= most and step >= 1 and step.is_integer() and decimals == 0
    assert 2 <= top / step + 1 <= 7  # a handful of ticks, each a whole number


@pytest.mark.parametrize("most", [0.004, 0.5, 1.25, 3.7, 9, 10, 34])
def test_money_axes_print_as_many_decimals_as_their_step(most: float) -> None:
    top, step, decimals = value_axis_ticks(most)
    labels = [f"%.{decimals}f" % (n * step) for n in range(round(top / step) + 1)]
    assert top >= most and len(set(labels)) == len(labels)


def test_nouns_agree_with_numbers() -> None:
    assert count_of(1, "activity", "activities") == "1 activity"
    assert count_of(0, "activity", "activities") == "0 activities"
    assert count_of(1204, "item line") == "1,204 item lines"


def test_line_of_effort_is_one_name_with_labels(qtbot: Any, one_activity_window: MainWindow) -> None:
    page = one_activity_window.lists["activities"]
    one_activity_window.show_page("activities")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    headers = [page.model.headerData(n, Qt.Orientation.Horizontal) for n in range(page.model.columnCount())]
    assert "Line of effort" in headers and "Stream" not in headers
    column = headers.index("Line of effort")
    assert page.model.data(page.model.index(0, column)) == "Capability"
    assert page.model.data(page.model.index(0, column), Qt.ItemDataRole.ToolTipRole) == "Cyber security capability"
    assert page.filters["stream"].itemText(0) == "Any line of effort"
    assert page.filters["stream"].itemText(1) == load_reference().label("streams", "CAP")
