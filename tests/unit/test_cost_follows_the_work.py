"""Work that must cost what it handles, not what the database holds (issue 14): an export of the latest
changes, and the likely-duplicate check an import runs. Measured in SQLite virtual-machine steps (a
progress handler), which do not depend on the machine's load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.demo import load_demo_data
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import update_record
from ccp_desktop.sync import duplicates
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise


def _steps(db: sqlite_utils.Database, work: Callable[[], Any]) -> int:
    """SQLite VM steps (in hundreds) that `work` takes on `db`'s connection."""
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    db.conn.set_progress_handler(tick, 100)
    try:
        work()
    finally:
        db.conn.set_progress_handler(None, 100)
    return counted[0]


def _post_with_five_changes(folder: Path, activities: int) -> tuple[sqlite_utils.Database, Path]:
    path = folder / "post.sqlite3"
    initialise(path, post_code="FJ-SUVA", officer="Mere Tuilagi")
    db = open_database(path)
    load_demo_data(db, activities=activities, equipment=activities // 10, seed=2)
    export_package(db, folder / "out")  # everything so far has been sent
    for (record_id,) in db.execute("SELECT id FROM activities ORDER BY rowid LIMIT 5").fetchall():
        update_record(db, "activities", record_id, {"location": "Suva, changed"})
    return db, folder / "out"


def test_an_export_of_five_changes_costs_the_same_in_a_post_fifty_times_bigger(tmp_path: Path) -> None:
    small, small_out = _post_with_five_changes(tmp_path / "small", 40)
    big, big_out = _post_with_five_changes(tmp_path / "big", 2000)
    results: dict[str, Any] = {}
    small_steps = _steps(small, lambda: results.setdefault("small", export_package(small, small_out)))
    big_steps = _steps(big, lambda: results.setdefault("big", export_package(big, big_out)))
    assert results["small"].counts["activities"] == results["big"].counts["activities"] == 5
    # Reading the journal by its sequence range, not the table's whole history, and no whole-file check.
    assert big_steps <= 1.5 * small_steps, (big_steps, small_steps)


def test_the_likely_duplicate_check_reads_only_its_place_and_fortnight(post_db: sqlite_utils.Database) -> None:
    """An import checks each activity against the same place and type within a week either side: through
    the index on (country, activity_type, start_date) and the primary key, not by reading every live
    activity of the fortnight, or of all time, through the index on (deleted, start_date)."""
    load_demo_data(post_db, activities=40, equipment=0, seed=3)
    ids = [row[0] for row in post_db.execute("SELECT id FROM activities LIMIT 3").fetchall()]
    statements: list[str] = []
    post_db.conn.set_trace_callback(statements.append)
    try:
        duplicates.likely_pairs(post_db, ids)
    finally:
        post_db.conn.set_trace_callback(None)
    plans = {sql: " ".join(str(row[-1]) for row in post_db.execute(f"EXPLAIN QUERY PLAN {sql}"))
             for sql in statements if sql.lstrip().upper().startswith("SELECT")}
    assert len(plans) >= 2
    assert all("activities_live" not in plan and "SCAN" not in plan for plan in plans.values()), plans
    assert any("activities_place_type_start (country=? AND activity_type=? AND start_date>? AND start_date<?)" in plan
               for plan in plans.values()), plans


def test_the_first_page_of_every_list_reads_newest_first_without_sorting_every_match(post_db: sqlite_utils.Database) -> None:
    """A list's first page (newest first), unfiltered or under one drop-down filter, is read in rowid order
    and stops at the page: no temporary sort of every matching row, whose cost grows with the table. (The
    year filter reads its year through the start-date index and sorts that year's rows.)"""
    from ccp_desktop.reports.listing import ListQuery, fetch_page, lists_for

    load_demo_data(post_db, activities=30, equipment=5, seed=4)
    for is_hq in (False, True):
        for spec in lists_for(is_hq).values():
            cases = [{}] + [{flt.key: "x"} for flt in spec.filters if flt.choices is not None]
            for filters in cases:
                statements: list[str] = []
                post_db.conn.set_trace_callback(statements.append)
                try:
                    fetch_page(post_db, spec, ListQuery("", filters), None, 100)
                finally:
                    post_db.conn.set_trace_callback(None)
                plan = " | ".join(str(row[-1]) for sql in statements if sql.lstrip().upper().startswith("SELECT")
                                  for row in post_db.execute(f"EXPLAIN QUERY PLAN {sql}"))
                assert "TEMP B-TREE FOR ORDER BY" not in plan, (spec.name, is_hq, filters, plan)


def test_the_dashboard_figures_read_each_table_once_in_order(post_db: sqlite_utils.Database) -> None:
    """Every figure reads every live row: by scanning the table, not by a random lookup per row through the
    (deleted, ...) indexes; and the merged activities are found from the (few) merges, not from every activity."""
    from ccp_desktop.reports.dashboard import dashboard_summary

    load_demo_data(post_db, activities=30, equipment=5, seed=5)
    statements: list[str] = []
    post_db.conn.set_trace_callback(statements.append)
    try:
        dashboard_summary(post_db)
    finally:
        post_db.conn.set_trace_callback(None)
    plans = [" | ".join(str(row[-1]) for row in post_db.execute(f"EXPLAIN QUERY PLAN {sql}"))
             for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert plans
    for plan in plans:
        assert "(deleted=?)" not in plan, plan
        assert "SEARCH k USING INDEX sqlite_autoindex_activities_1 (id=?)" in plan or "activity_merges" not in plan, plan
