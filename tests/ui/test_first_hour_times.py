"""Issue 10, item 13: stamps are stored in UTC and shown in the laptop's time zone, with the zone named."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.domain.wording import local_time
from ccp_desktop.store.drafts import save_draft
from ccp_desktop.store.records import get_record
from ccp_desktop.store.saving import save_record
from ccp_desktop.ui.changes import OpChanges
from ccp_desktop.ui.forms import offer_draft_restore
from ccp_desktop.ui.main_window import MainWindow
from tests.ui.test_forms_support import boxes  # noqa: F401
from tests.unit import factories


@pytest.fixture
def laptop_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_utc_stamps_read_in_the_laptops_zone(laptop_zone: Any) -> None:
    laptop_zone("Australia/Sydney")
    assert local_time("2026-01-15T01:30:00.000Z") == "2026-01-15 12:30 AEDT"  # summer time
    assert local_time("2026-07-15T01:30:00.000Z") == "2026-07-15 11:30 AEST"
    laptop_zone("Pacific/Efate")  # Port Vila: the zone has no abbreviation, so its offset is named
    assert local_time("2026-01-15T01:30:00.000Z") == "2026-01-15 12:30 UTC+11"
    laptop_zone("UTC")
    assert local_time("2026-01-15T01:30:00.000Z") == "2026-01-15 01:30 UTC"
    assert local_time(None, never="never") == "never"


def test_draft_times_and_record_details_are_local(qtbot: Any, laptop_zone: Any, main_window: MainWindow,
                                                   boxes: Any) -> None:
    laptop_zone("Pacific/Efate")
    db = main_window.db
    save_draft(db, "partners:new-x", "partners", None, {"state": {"fields": {"name": "Half"}}, "title": "New partner"})
    db.execute("UPDATE drafts SET saved_at = '2026-01-15T01:30:00.000Z'")
    boxes.answer(QMessageBox.StandardButton.Yes)
    [form] = offer_draft_restore(main_window, db)
    assert "(saved 2026-01-15 12:30 UTC+11)" in boxes.texts[-1]
    assert "Restored from a draft saved at 2026-01-15 12:30 UTC+11;" in form.notice.text()
    form.finish_clean()
    form.close()

    changes = save_record(db, "activities", factories.activity(title="Zone check"))
    record = get_record(db, "activities", str(changes.record_id))
    page = main_window.lists["activities"]
    main_window.show_page("activities")
    main_window.hub.announce(OpChanges.of(changes))
    qtbot.waitUntil(lambda: page.select_record(record["id"]))
    stamp = get_record(db, "activities", record["id"])["updated_at"]
    assert stamp.endswith("Z")  # stored UTC
    assert f"{local_time(stamp)} by Mere Tuilagi" in page.details.toPlainText()
    assert "UTC+11" in page.details.toPlainText()
