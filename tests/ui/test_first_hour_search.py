"""Issue 10, item 9: the Equipment list finds any part of a serial number, asset tag or handover
reference (officers read the end of a serial off a sticker), as typed in the search box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ccp_desktop.reports.listing import EQUIPMENT, ListQuery, count_rows, display_value, fetch_page
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record, update_record
from ccp_desktop.ui.main_window import MainWindow
from tests.unit import factories


def _delivery(db: Any, ref: str, serials: list[str], tag: str) -> str:
    partner = insert_record(db, "partners", factories.partner(name=f"Recipient {ref}"))
    delivery = insert_record(db, "equipment_deliveries", factories.delivery(partner["id"], handover_ref=ref))
    item = insert_record(db, "equipment_items", factories.item(delivery["id"], serials=serials, quantity=len(serials),
                                                                 asset_tag=tag))
    return str(item["id"])


def _found(db: Any, text: str) -> list[str]:
    return sorted(display_value(EQUIPMENT.columns[0], r.values[0]) for r in fetch_page(db, EQUIPMENT, ListQuery(text=text)))


@pytest.fixture
def stock(post_db: Any) -> Any:
    _delivery(post_db, "HO-2024-0117", ["5CG1234XYZ", "5CG1234XZA"], "CCP-VU-000381")
    _delivery(post_db, "HO-2023-0042", ["SN-A1"], "CCP-FJ-000002")
    return post_db


@pytest.mark.parametrize(("typed", "found"), [
    ("34XYZ", ["5CG1234XYZ, 5CG1234XZA"]),  # the end of a serial, read off the sticker
    ("xza", ["5CG1234XYZ, 5CG1234XZA"]),  # any case
    ("1234X", ["5CG1234XYZ, 5CG1234XZA"]),  # the middle
    ("000381", ["5CG1234XYZ, 5CG1234XZA"]),  # part of an asset tag
    ("2024-01", ["5CG1234XYZ, 5CG1234XZA"]),  # part of a handover reference
    ("0042", ["SN-A1"]),
    ("5CG", ["5CG1234XYZ, 5CG1234XZA"]),  # the start still works
    ("laptop", ["5CG1234XYZ, 5CG1234XZA", "SN-A1"]),  # and words
])
def test_any_part_of_a_code_finds_the_item(stock: Any, typed: str, found: list[str]) -> None:
    assert _found(stock, typed) == found
    assert count_rows(stock, EQUIPMENT, ListQuery(text=typed)) == len(found)


def test_the_index_follows_edits_and_deletions(stock: Any) -> None:
    item_id = _delivery(stock, "HO-9", ["QQQ777"], "")
    assert _found(stock, "Q777") == ["QQQ777"]
    update_record(stock, "equipment_items", item_id, {"serials": ["RRR888"], "quantity": 1})
    assert _found(stock, "Q777") == [] and _found(stock, "R888") == ["RRR888"]


def test_an_existing_database_is_indexed_when_upgraded(tmp_path: Path) -> None:
    """A database made before the step (the released 0.1.0 fixture) finds its serials by any part after it."""
    import shutil

    from ccp_desktop.store.migrations import migrations

    fixture = Path(__file__).parents[1] / "fixtures" / "v0_1_0"
    for name in ("post.sqlite3", "post.sqlite3.signing-key"):
        shutil.copy2(fixture / name, tmp_path / name)
    db = open_database(tmp_path / "post.sqlite3")  # migrates
    assert "m011_substring_search" in {m.name for m in migrations.applied(db)}
    serial = db.execute("SELECT value FROM equipment_items, json_each(serials) WHERE deleted = 0 LIMIT 1").fetchone()
    assert serial is not None
    tail = serial[0][-4:]
    assert any(tail.casefold() in r.values[0].casefold() for r in fetch_page(db, EQUIPMENT, ListQuery(text=tail)))
    db.close()


def test_search_box_finds_the_end_of_a_serial(qtbot: Any, post_db_path: Path) -> None:
    db = open_database(post_db_path)
    _delivery(db, "HO-2024-0117", ["5CG1234XYZ"], "CCP-VU-000381")
    _delivery(db, "HO-2023-0042", ["SN-A1"], "")
    db.close()
    window = MainWindow(post_db_path)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("equipment")
    qtbot.waitUntil(lambda: page.model.total == 2)
    qtbot.keyClicks(page.search, "234xyz")
    qtbot.waitUntil(lambda: page.model.total == 1)
    assert page.model.data(page.model.index(0, 0)) == "5CG1234XYZ"
    assert page.count_label.text() == "1 item line match"
    window.close()


def test_a_whole_serial_is_found_alike_with_or_without_the_shortcut(stock: Any, monkeypatch: Any) -> None:
    """The list finds a typed serial through its digits and checks it whole (store/search.substring_rowids);
    without that shortcut, the trigram phrase: the same items, pages and counts."""
    from ccp_desktop.reports import list_search

    _delivery(stock, "HO-2024-0200", ["CCP-1234567"], "TAG-A")
    _delivery(stock, "HO-2024-0201", ["XCCP-1234567-B"], "TAG-B")
    _delivery(stock, "HO-2024-0202", ["OTHER-1234567"], "TAG-C")
    typed = ["CCP-1234567", "ccp-1234567", "HO-2024-02", "5CG1234X", "CCP-9999999"]
    shortcut = {t: (_found(stock, t), count_rows(stock, EQUIPMENT, ListQuery(text=t))) for t in typed}
    assert shortcut["CCP-1234567"] == (["CCP-1234567", "XCCP-1234567-B"], 2)
    assert shortcut["HO-2024-02"][1] == 3 and shortcut["CCP-9999999"] == ([], 0)
    monkeypatch.setattr(list_search, "substring_rowids", lambda *args: None)
    assert {t: (_found(stock, t), count_rows(stock, EQUIPMENT, ListQuery(text=t))) for t in typed} == shortcut
