"""The dashboard: the post's own numbers, refreshed on the worker when records change."""

from __future__ import annotations

from typing import Any

from ccp_desktop.reports.dashboard import dashboard_summary
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.saving import save_record
from ccp_desktop.ui.changes import OpChanges
from ccp_desktop.ui.main_window import MainWindow


def test_dashboard_shows_the_posts_numbers_and_follows_changes(qtbot: Any, main_window: MainWindow) -> None:
    from tests.unit import factories

    page = main_window.dashboard
    main_window.show_page("dashboard")
    qtbot.waitUntil(lambda: page.summary is not None)
    assert page.heading.text().startswith("300 activities")
    bars = page.streams_chart.series()[0].barSets()
    assert sum(sum(b.at(i) for i in range(b.count())) for b in bars) == 300
    pie = page.sex_chart.series()[0]
    expected = dashboard_summary(main_window.db).participants_by_sex
    assert [s.value() for s in pie.slices()] == [expected["female"], expected["male"], expected["other"]]

    changes = save_record(main_window.db, "activities", factories.activity(participants_female=1000))
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        main_window.hub.announce(OpChanges.of(changes))
    assert page.heading.text().startswith("301 activities")
    assert page.sex_chart.series()[0].slices()[0].value() == expected["female"] + 1000

    refreshed: list[int] = []
    page.refreshed.connect(lambda: refreshed.append(1))
    main_window.hub.announce(OpChanges.of(save_record(main_window.db, "partners", factories.partner())))  # not charted
    main_window.hub.announce(OpChanges.of(Changes({"sync_exports": 1})))
    qtbot.waitUntil(lambda: main_window.worker.pending == 0)
    assert refreshed == []


def test_equipment_value_and_tranches_add_up(post_db: Any) -> None:
    from ccp_desktop.store.records import insert_record
    from tests.unit import factories

    partner = insert_record(post_db, "partners", factories.partner())
    delivery = insert_record(post_db, "equipment_deliveries", factories.delivery(partner["id"], country="WS"))
    insert_record(post_db, "equipment_items", factories.item(delivery["id"]))  # 2 x 1,850
    insert_record(post_db, "activities", factories.activity(tranche="T2018-PACIFIC", spend_aud=1000.0))
    summary = dashboard_summary(post_db)
    assert summary.equipment_value_by_country == [("WS", 3700.0)]
    pacific = next(t for t in summary.tranches if t["code"] == "T2018-PACIFIC")
    assert pacific["spend"] == 1000.0 and pacific["amount"] == 9_000_000.0
    assert summary.scope == "FJ-SUVA"
