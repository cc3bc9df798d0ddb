"""Issue 10, item 14: dates typed day/month/year (as in Australia) or ISO, unambiguously, in every entry
path; a form's calendar opens near the date that matters, not on today."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt, QTimer

from ccp_desktop.domain.coerce import CoerceError, parse_date
from ccp_desktop.store.records import get_record
from tests.ui.test_forms_activity import fill_activity
from tests.ui.test_forms_support import error_of, field, open_form, save_with_keyboard, type_into  # noqa: F401


@pytest.mark.parametrize(("typed", "stored"), [
    ("5/3/2024", "2024-03-05"), ("05/03/2024", "2024-03-05"), ("5.3.2024", "2024-03-05"), ("31/12/2024", "2024-12-31"),
    ("2024-03-05", "2024-03-05"), ("2024-03-05T09:30:00.000Z", "2024-03-05"),
])
def test_day_first_and_iso_dates_are_read_one_way(typed: str, stored: str) -> None:
    assert parse_date(typed) == stored


@pytest.mark.parametrize(("typed", "says"), [
    ("3/25/2024", "is not a real date (day 3, month 25, year 2024)"),  # US order is never guessed
    ("5/3/24", "has a two-digit year"),
    ("2024-3-5", "is not a date"),
    ("next Tuesday", "is not a date"),
])
def test_other_dates_are_refused_naming_both_orders(typed: str, says: str) -> None:
    with pytest.raises(CoerceError, match="day/month/year \\(31/12/2024\\) or year-month-day \\(2024-12-31\\)") as caught:
        parse_date(typed)
    assert says in str(caught.value)


def test_the_form_takes_australian_dates(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    fill_activity(qtbot, form)
    type_into(qtbot, field(form, "start_date"), "1/3/2021")
    type_into(qtbot, field(form, "end_date"), "5/3/2021")
    assert error_of(form, "start_date") == "" and error_of(form, "end_date") == ""
    type_into(qtbot, field(form, "end_date"), "28/2/2021")
    assert error_of(form, "end_date") == "End date is before the start date"  # 28 February, read day first
    type_into(qtbot, field(form, "end_date"), "5/3/2021")
    _kind, activity_id = save_with_keyboard(qtbot, form)
    record = get_record(post_db, "activities", activity_id)
    assert (record["start_date"], record["end_date"]) == ("2021-03-01", "2021-03-05")


def test_the_end_date_calendar_opens_on_the_start_date(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    type_into(qtbot, field(form, "start_date"), "14/8/2019")
    end = field(form, "end_date")
    menu = end.button.menu()
    QTimer.singleShot(50, menu.close)  # the calendar pops up in its own event loop: close it once shown
    qtbot.mouseClick(end.button, Qt.MouseButton.LeftButton)
    assert end.calendar.selectedDate() == QDate(2019, 8, 14)
