"""At HQ a list filtered by post and by another filter reads that post's rows (its index) and tests the other
filter on each: the cost is bounded by one post's records, not by the other value's rows at every post (a
post with no activity in a region made SQLite read all of the region's activities first: 0.7 s at 1.7
million records). The rows are the same either way: this post's, matching both, newest first."""

from __future__ import annotations

from typing import Any

import pytest

from ccp_desktop.reports.listing import ListQuery, _where, fetch_page, lists_for
from ccp_desktop.store.records import insert_records_bulk
from tests.unit import factories as f

POSTS = ("FJ-SUVA", "PG-PORTMORESBY", "WS-APIA")


@pytest.fixture
def hq(sites: Any) -> Any:
    db = sites("AU-HQ", role="hq")
    insert_records_bulk(db, "activities", [
        f.activity(title=f"Course {n}", country=("FJ", "PG", "WS")[n % 3], start_date=f"20{19 + n % 3}-03-01",
                   end_date=f"20{19 + n % 3}-03-02") for n in range(90)])
    # As if imported from three posts, three records at a time each.
    db.execute("UPDATE activities SET origin_post = CASE (rowid - 1) / 3 % 3 WHEN 0 THEN ? WHEN 1 THEN ? ELSE ? END",
               POSTS)
    return db


@pytest.mark.parametrize("other", [{"country": "PG"}, {"country": "TO"}, {"year": "2020"}, {"stream": "CAP"}])
def test_post_and_another_filter_read_the_posts_rows(hq: Any, other: dict[str, str]) -> None:
    spec = lists_for(True)["activities"]
    query = ListQuery(filters={"post": "PG-PORTMORESBY", **other})
    where, params = _where(hq, spec, query)
    plan = " ".join(str(r[-1]) for r in hq.execute(
        f"EXPLAIN QUERY PLAN SELECT activities.rowid FROM activities WHERE {where} ORDER BY activities.rowid DESC", params))
    assert "activities_post" in plan, plan

    shown = [row.open_id for row in fetch_page(hq, spec, query, None, 100)]
    column = {"country": "country", "year": "start_date", "stream": "stream"}[next(iter(other))]
    value = next(iter(other.values()))
    expected = [r[0] for r in hq.execute(
        f"SELECT id FROM activities WHERE origin_post = 'PG-PORTMORESBY' AND deleted = 0 AND {column} LIKE ?"
        " ORDER BY rowid DESC", [f"{value}%"])]
    assert shown == expected
    assert (len(shown) > 0) is (value != "TO")
