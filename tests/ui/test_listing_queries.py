"""The list queries without Qt: keyset pages in any order, search words, sorted snapshots."""

from __future__ import annotations

from typing import Any

from ccp_desktop.reports.listing import (
    ACTIVITIES,
    EQUIPMENT,
    ListQuery,
    fetch_page,
    fetch_rows,
    sorted_rowids,
)
from ccp_desktop.store.records import insert_record, insert_records_bulk
from tests.unit import factories


def _all_pages(db: Any, query: ListQuery, size: int = 7) -> list[Any]:
    rows, after = [], None
    while True:
        page = fetch_page(db, ACTIVITIES, query, after, size)
        rows.extend(page)
        if len(page) < size:
            return rows
        after = page[-1]


def test_keyset_pages_in_every_order_match_a_sorted_snapshot(post_db: Any) -> None:
    insert_records_bulk(post_db, "activities", [
        factories.activity(title=f"T{n % 9}", spend_aud=None if n % 4 == 0 else float(n % 5), start_date=f"2020-02-{1 + n % 20:02d}")
        for n in range(60)])
    for key in ("title", "spend_aud", "start_date", None):
        for descending in (False, True):
            query = ListQuery(sort_key=key, descending=descending)
            paged = [r.rowid for r in _all_pages(post_db, query)]
            assert len(paged) == len(set(paged)) == 60, (key, descending)
            if key is not None:
                assert paged == sorted_rowids(post_db, ACTIVITIES, query), (key, descending)


def test_words_typed_in_part_still_find_the_record(post_db: Any) -> None:
    insert_record(post_db, "activities", factories.activity(title="Legislative drafting workshop, Apia"))
    insert_record(post_db, "activities", factories.activity(title="Incident response training"))
    for text in ("legislative drafting", "legis draft", "workshop ap", "APIA"):
        titles = [r.values[0] for r in fetch_page(post_db, ACTIVITIES, ListQuery(text=text))]
        assert titles == ["Legislative drafting workshop, Apia"], text
    assert fetch_page(post_db, ACTIVITIES, ListQuery(text="drafting zebra")) == []


def test_item_found_by_serial_by_handover_ref_and_rows_read_in_a_given_order(post_db: Any) -> None:
    partner = insert_record(post_db, "partners", factories.partner())
    delivery = insert_record(post_db, "equipment_deliveries", factories.delivery(partner["id"], handover_ref="HO-2024-0007"))
    insert_record(post_db, "equipment_items", factories.item(delivery["id"], serials=["5CG1234XYZ", "5CG1234XZZ"]))
    other = insert_record(post_db, "equipment_items", factories.item(delivery["id"], serials=["AB-77"], quantity=1))
    for text in ("5CG1234XYZ", "5cg1234", "HO-2024-0007"):
        found = fetch_page(post_db, EQUIPMENT, ListQuery(text=text))
        assert found and all(r.open_id == delivery["id"] for r in found), text
    assert len(fetch_page(post_db, EQUIPMENT, ListQuery(text="AB-77"))) == 1
    rows = fetch_page(post_db, EQUIPMENT, ListQuery())
    reordered = fetch_rows(post_db, EQUIPMENT, ListQuery(), [rows[1].rowid, rows[0].rowid, 999_999])
    assert [r.rowid for r in reordered] == [rows[1].rowid, rows[0].rowid]
    assert other["id"]


def test_search_walks_down_in_growing_windows_without_losing_a_match(post_db: Any, monkeypatch: Any) -> None:
    from ccp_desktop.reports import listing

    monkeypatch.setattr(listing, "SEARCH_WINDOW", 3)
    insert_records_bulk(post_db, "activities", [
        factories.activity(title=f"{'Needle' if n % 17 == 0 or n == 199 else 'Hay'} {n}") for n in range(200)])
    found = _all_pages(post_db, ListQuery(text="needle"), size=4)
    titles = [r.values[0] for r in found]
    assert titles == ["Needle 199"] + [f"Needle {n}" for n in range(187, -1, -17)]


def test_a_rare_match_is_read_in_one_query_and_pages_alike(post_db: Any, monkeypatch: Any) -> None:
    """Fewer matches than a search window holds: after the first window, one query for the rest instead of
    more windows; the same rows and pages."""
    from ccp_desktop.reports import listing

    insert_records_bulk(post_db, "activities", [
        factories.activity(title=f"{'Needle' if n % 17 == 0 else 'Hay'} {n}") for n in range(200)])
    answers: list[bool] = []
    real = listing.few_matches

    def spy(*args: Any, **kwargs: Any) -> bool:
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(listing, "few_matches", spy)
    monkeypatch.setattr(listing, "SEARCH_WINDOW", 50)  # 12 needles: fewer
    rare = [r.values[0] for r in _all_pages(post_db, ListQuery(text="needle"), size=5)]
    assert rare == [f"Needle {n}" for n in range(187, -1, -17)]
    assert answers and all(answers)  # the rest of each page in one query
    answers.clear()
    monkeypatch.setattr(listing, "SEARCH_WINDOW", 5)  # 12 needles: more than a window
    assert [r.values[0] for r in _all_pages(post_db, ListQuery(text="needle"), size=5)] == rare
    assert not any(answers)  # windows all the way
