"""The search shortcuts of store/search.py, which the lists rely on at a million items: they must find exactly
what the slower searches find.

- substring_rowids: a serial found through its longest run, then checked whole, finds what the trigram
  phrase finds (which costs 50 ms at a million items).
- words_beginning: the last word typed, searched as the few whole words it begins, finds what its prefix
  finds (a prefix over a word in every row costs 50-90 ms)."""

from __future__ import annotations

from typing import Any

import pytest

from ccp_desktop.reports.list_search import match_expression
from ccp_desktop.reports.listing import EQUIPMENT, ListQuery, count_rows, fetch_page
from ccp_desktop.store.records import insert_record
from ccp_desktop.store.search import substring_query, substring_rowids, words_beginning
from tests.unit import factories

SERIALS = [
    ["BULK-00777777"], ["bulk-00777777-2"], ["XBULK-00777777Z"], ["BULK 00777777"], ["BULK-0077777"],
    ["OTHER-00777777"], ["5CG1234XYZ", "5CG1234XZA"], ["SN-A1"], ["00777777"],
]


@pytest.fixture
def items(post_db: Any) -> Any:
    partner = insert_record(post_db, "partners", factories.partner())
    delivery = insert_record(post_db, "equipment_deliveries", factories.delivery(partner["id"]))
    for n, serials in enumerate(SERIALS):
        insert_record(post_db, "equipment_items", factories.item(delivery["id"], serials=serials, quantity=len(serials),
                                                                  asset_tag="BULK-TAG" if n == 5 else f"TAG-{n}"))
    return post_db


def _by_phrase(db: Any, text: str) -> list[int]:
    expression = substring_query(text)
    return sorted(r[0] for r in db.execute(
        "SELECT rowid FROM equipment_items_codes_fts WHERE equipment_items_codes_fts MATCH ?", [expression]))


@pytest.mark.parametrize("typed", [
    "BULK-00777777",  # a whole serial: any case, inside a longer code, not across a space
    "bulk-0077777",  # one digit short: also the longer ones
    "K-007", "34XYZ", "1234X", "LK-00777777Z",
    "BULK-00777777 TAG-0",  # two parts: each must occur
    "TAG-1 00777777", "BULK-TAG",  # a part in the asset tag, the other in a serial
])
def test_the_shortcut_finds_what_the_phrase_finds(items: Any, typed: str) -> None:
    found = substring_rowids(items.conn, "equipment_items_codes_fts", typed, 100)
    assert found is not None, "each case has a part with a shorter run of three or more"
    assert found == _by_phrase(items, typed)
    assert found or typed == "bulk-0077777"  # not all empty: the comparison means something


def test_the_whole_serial_is_checked_not_just_its_digits(items: Any) -> None:
    found = substring_rowids(items.conn, "equipment_items_codes_fts", "BULK-00777777", 100)
    serials = {r[0]: r[1] for r in items.execute("SELECT rowid, serials FROM equipment_items")}
    assert sorted(serials[r] for r in found or []) == ['["BULK-00777777"]', '["XBULK-00777777Z"]', '["bulk-00777777-2"]']


def test_no_shortcut_when_it_would_not_help_or_finds_too_many(items: Any) -> None:
    assert substring_rowids(items.conn, "equipment_items_codes_fts", "777777", 100) is None  # one run: the phrase itself
    assert substring_rowids(items.conn, "equipment_items_codes_fts", "SN-A1", 100) is None  # no run of three
    assert substring_rowids(items.conn, "equipment_items_codes_fts", "", 100) is None
    # "00777777" is in six items: with room for five, the caller runs the phrase instead.
    assert substring_rowids(items.conn, "equipment_items_codes_fts", "BULK-00777777", 5) is None
    assert substring_rowids(items.conn, "equipment_items_codes_fts", "BULK-00777777", 6) is not None


def test_the_words_a_prefix_begins_are_listed_when_few(items: Any) -> None:
    conn = items.conn
    assert words_beginning(conn, "equipment_items_fts", "lap", 8) == ["laptop"]  # the factories' items
    assert words_beginning(conn, "equipment_items_fts", "laptop", 8) == ["laptop"]
    assert words_beginning(conn, "equipment_items_fts", "LAPTOP", 8) == ["laptop"]  # folded as FTS5 folds it
    assert words_beginning(conn, "equipment_items_fts", "zebra", 8) == []  # in no item at all
    assert words_beginning(conn, "equipment_items_fts", "café", 8) is None  # FTS5 folds accents its own way
    assert words_beginning(conn, "equipment_items_fts", "5cg1234x", 8) == ["5cg1234xyz", "5cg1234xza"]
    assert words_beginning(conn, "equipment_items_fts", "5cg1234x", 1) is None  # more than asked for
    every = [r[0] for r in conn.execute("SELECT DISTINCT term FROM temp.equipment_items_fts_instances ORDER BY term")]
    assert words_beginning(conn, "equipment_items_fts", "0", 1000) == [w for w in every if w.startswith("0")]


def test_the_last_word_is_searched_as_the_words_it_begins(items: Any, monkeypatch: Any) -> None:
    from ccp_desktop.reports import list_search

    delivery = items.execute("SELECT id FROM equipment_deliveries").fetchone()[0]
    for n, description in enumerate(("Laptops for the unit", "Laptop bag", "Router")):
        insert_record(items, "equipment_items", factories.item(delivery, description=description, serials=[f"R-{n}"], quantity=1))
    tables = ["equipment_items_fts", "equipment_deliveries_fts"]
    assert match_expression(items, tables, "rout") == '"router"'
    assert match_expression(items, tables, "Laptop") == '("laptop" OR "laptops")'
    assert match_expression(items, tables, "laptop ba") == '"laptop" AND "bag"'
    typed = ["router", "rout", "Laptop", "laptops", "laptop ba", "bag laptop", "5CG1234XYZ", "zebra", "r"]
    found = {t: ([r.rowid for r in fetch_page(items, EQUIPMENT, ListQuery(text=t))],
                 count_rows(items, EQUIPMENT, ListQuery(text=t))) for t in typed}
    assert found["rout"] == found["router"] and found["router"][1] == 1
    assert found["Laptop"][1] > found["laptops"][1] == 1
    monkeypatch.setattr(list_search, "words_beginning", lambda *args: None)  # every last word a prefix
    assert match_expression(items, tables, "rout") == '"rout"*'
    assert {t: ([r.rowid for r in fetch_page(items, EQUIPMENT, ListQuery(text=t))],
                count_rows(items, EQUIPMENT, ListQuery(text=t))) for t in typed} == found
