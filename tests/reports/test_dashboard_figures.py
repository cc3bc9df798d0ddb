"""The dashboard's figures are kept as records change (migration m019: `activity_figures`,
`equipment_figures`, kept by triggers) so that it reads a few hundred rows at any size; so is each
partner's count of activities the Partners list shows (m020: `partner_activity_counts`). Whatever happens to
the records (form edits that move a record between groups or change its money, tombstones, HQ imports in
bulk, undoing them, restoring a backup, upgrading a 0.1.0 or 0.2.0 file, merging duplicates), the kept
figures are the ones the rows give, and the dashboard shows what it showed when it read every row."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from ccp_desktop.demo import load_demo_data
from ccp_desktop.reports import figures as fg
from ccp_desktop.reports.dashboard import dashboard_summary
from ccp_desktop.reports.listing import PARTNERS, ListQuery, fetch_page
from ccp_desktop.store.backups import restore_backup
from ccp_desktop.store.bulk_insert import bulk_statement
from ccp_desktop.store.connection import database_path, open_database
from ccp_desktop.store.import_undo import undo_import
from ccp_desktop.store.maintenance import backup_database
from ccp_desktop.store.records import insert_record, iter_records, tombstone_record, update_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.review import list_review_items, settle_review_item
from tests.unit import factories as f

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MEASURES = {"activity_figures": 6, "equipment_figures": 3}  # the count and sums after the key columns

ACTIVITY_SUMS = """SELECT origin_post, ifnull(stream, ''), ifnull(status, ''), ifnull(tranche, ''), count(*),
    sum(ifnull(budget_aud, 0)), sum(ifnull(spend_aud, 0)), sum(ifnull(participants_female, 0)),
    sum(ifnull(participants_male, 0)), sum(ifnull(participants_other, 0))
    FROM activities WHERE deleted = 0 GROUP BY 1, 2, 3, 4"""
EQUIPMENT_SUMS = """SELECT d.origin_post, ifnull(d.country, ''), count(*), sum(ifnull(i.quantity, 0)),
    sum(ifnull(ifnull(i.quantity, 0) * i.unit_value_aud, 0))
    FROM equipment_items i JOIN equipment_deliveries d ON d.id = i.delivery_id
    WHERE i.deleted = 0 AND d.deleted = 0 GROUP BY 1, 2"""
PARTNER_LINKS = """SELECT p.id, (SELECT count(*) FROM activity_partners ap WHERE ap.partner_id = p.id AND ap.deleted = 0)
    FROM partners p WHERE p.deleted = 0"""


def partners_listed(db: sqlite_utils.Database) -> set[tuple[str, int]]:
    """Each partner the Partners list shows, with its Activities column (kept by migration m020)."""
    spec, rows, after = PARTNERS, [], None
    while page := fetch_page(db, spec, ListQuery(), after, 100):
        rows += [(row.open_id, row.values[spec.column_index("activities")]) for row in page]
        after = page[-1]
    return set(rows)


def kept(db: sqlite_utils.Database, table: str) -> set[tuple[Any, ...]]:
    """The kept rows, less the ones whose records have all gone (they stay, all zero)."""
    return {tuple(row) for row in db.execute(f"SELECT * FROM {table}") if any(row[-MEASURES[table]:])}


def read_from_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fg, "reads_kept_figures", lambda *args: False)


def assert_figures_right(db: sqlite_utils.Database, posts: tuple[str | None, ...] = (None,)) -> Any:
    """The kept figures equal the rows' sums, and the dashboard (all posts, and each post given) shows the
    same whether it reads them or every row. Returns the all-posts dashboard."""
    assert kept(db, "activity_figures") == {tuple(r) for r in db.execute(ACTIVITY_SUMS)}
    assert kept(db, "equipment_figures") == {tuple(r) for r in db.execute(EQUIPMENT_SUMS)}
    assert partners_listed(db) == {tuple(r) for r in db.execute(PARTNER_LINKS)}
    shown = figures_shown(db, posts)
    with pytest.MonkeyPatch.context() as patch:
        read_from_rows(patch)
        assert figures_shown(db, posts) == shown
    return shown[posts[0]][0]


def figures_shown(db: sqlite_utils.Database, posts: tuple[str | None, ...]) -> dict[str | None, tuple[Any, ...]]:
    """The dashboard, and the program report's totals and participants per line of effort, per scope."""
    return {post: (dashboard_summary(db, post), fg.scope_totals(db, fg.ReportScope(post=post)),
                   fg.participants_by(db, fg.ReportScope(post=post), "stream")) for post in posts}


def first(db: sqlite_utils.Database, table: str, **where: Any) -> dict[str, Any]:
    return next(r for r in iter_records(db, table) if not r["deleted"] and all(r[k] == v for k, v in where.items()))


def test_every_insert_trigger_runs_in_bulk_on_an_hq_import(sites: Callable[..., Any]) -> None:
    """HQ's bulk insert runs each trigger once per statement (adding up the new rows per key) only if it
    knows its shape."""
    db = sites("FJ-SUVA")
    names = ("activities_figures_insert", "equipment_items_figures_insert", "equipment_deliveries_figures_insert",
             "activity_partners_counts_insert")
    for name in names:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
        statement = bulk_statement(sql)
        assert statement is not None and "GROUP BY" in statement and "ON CONFLICT" in statement, name
        db.execute(f"EXPLAIN {statement}", [0])  # it is valid SQL


def test_form_edits_move_records_between_groups_and_money(sites: Callable[..., Any]) -> None:
    db = sites("FJ-SUVA")
    load_demo_data(db, activities=40, equipment=12, seed=5)
    before = assert_figures_right(db)
    assert before.activity_count > 0 and before.item_count > 0
    activity = first(db, "activities", stream="CAP")
    update_record(db, "activities", activity["id"], {"stream": "CRIME", "activity_type": "CRIME-INVEST", "status": "cancelled", "tranche": None,
                                                       "budget_aud": 12345.67, "spend_aud": 0.01,
                                                       "participants_female": 9, "participants_other": None})
    assert_figures_right(db)
    link = first(db, "activity_partners")
    linked = {r["partner_id"] for r in iter_records(db, "activity_partners") if r["activity_id"] == link["activity_id"]}
    other_partner = next(p for p in iter_records(db, "partners") if p["id"] not in linked)
    update_record(db, "activity_partners", link["id"], {"partner_id": other_partner["id"]})
    assert_figures_right(db)
    tombstone_record(db, "activity_partners", link["id"])
    tombstone_record(db, "activities", first(db, "activities")["id"])
    after = assert_figures_right(db)
    assert after.activity_count == before.activity_count - 1

    item = first(db, "equipment_items")
    other = next(d for d in iter_records(db, "equipment_deliveries") if d["id"] != item["delivery_id"])
    update_record(db, "equipment_items", item["id"], {"quantity": 1, "serials": ["SN-EDITED-1"], "unit_value_aud": 1999.99, "delivery_id": other["id"]})
    assert_figures_right(db)
    update_record(db, "equipment_deliveries", other["id"], {"country": "TO"})
    assert_figures_right(db)
    tombstone_record(db, "equipment_items", item["id"])
    assert dashboard_summary(db).item_count == before.item_count - 1
    assert_figures_right(db)


def test_a_delivery_gone_or_back_takes_its_items_with_it(sites: Callable[..., Any]) -> None:
    """A package may tombstone a delivery whose items stay live (or bring it back), and an item may arrive
    before its delivery: the figures follow the live items of live deliveries."""
    db = sites("FJ-SUVA")
    partner = insert_record(db, "partners", f.partner())
    delivery = insert_record(db, "equipment_deliveries", f.delivery(partner["id"]))
    insert_record(db, "equipment_items", f.item(delivery["id"], quantity=2, unit_value_aud=10.5))
    for deleted in (1, 0):
        db.execute("UPDATE equipment_deliveries SET deleted = ?, rev = rev + 1 WHERE id = ?", [deleted, delivery["id"]])
        shown = assert_figures_right(db)
        assert shown.item_count == 1 - deleted
        assert shown.equipment_value_by_country == ([] if deleted else [("FJ", 21.0)])
    db.execute("BEGIN")  # an item first, then its delivery (as rows may come in a package)
    db.execute("PRAGMA defer_foreign_keys = ON")
    db.execute("INSERT INTO equipment_items (id, origin_post, rev, updated_at, updated_by, delivery_id, quantity,"
               " unit_value_aud) VALUES ('i2', 'FJ-SUVA', 1, 'now', 'x', 'd2', 2, 500)")
    db.execute("INSERT INTO equipment_deliveries (id, origin_post, rev, updated_at, updated_by, country)"
               " VALUES ('d2', 'FJ-SUVA', 1, 'now', 'x', 'WS')")
    db.execute("COMMIT")
    assert ("WS", 10.0) in assert_figures_right(db).equipment_value_by_country


def test_hq_imports_undoing_them_and_merges(sites: Callable[..., Any], tmp_path: Path) -> None:
    hq, suva, pom = sites("AU-HQ", role="hq"), sites("FJ-SUVA"), sites("PG-PORTMORESBY")
    outbox = tmp_path / "outbox"
    load_demo_data(suva, activities=120, equipment=30, seed=7)  # more rows than BULK_FROM: the bulk insert
    load_demo_data(pom, activities=60, equipment=10, seed=8)
    for post in (suva, pom):
        assert import_package(hq, export_package(post, outbox).path).status == "applied"
    posts = (None, "FJ-SUVA", "PG-PORTMORESBY")
    full = assert_figures_right(hq, posts)
    assert len(full.by_post) == 2 and full.activity_count == 180

    moved = first(suva, "activities")
    update_record(suva, "activities", moved["id"], {"status": "cancelled", "spend_aud": 1.0, "tranche": "T2018-ASEAN"})
    tombstone_record(suva, "activities", first(suva, "activities", status="completed")["id"])
    insert_record(suva, "activities", f.activity(title="Cyber policy dialogue", budget_aud=5000))
    changes = import_package(hq, export_package(suva, outbox).path)
    assert changes.status == "applied"
    assert assert_figures_right(hq, posts).activity_count == 180
    undo_import(hq, changes.package_id)  # the tombstone is taken back, the edit restored, the new one removed
    assert assert_figures_right(hq, posts) == full

    twin = insert_record(pom, "activities", f.activity(title=moved["title"], start_date=moved["start_date"],
                                                       end_date=moved["end_date"], country=moved["country"],
                                                       activity_type=moved["activity_type"]))
    assert import_package(hq, export_package(pom, outbox).path).status == "applied"
    items = [i for i in list_review_items(hq, kind="duplicate-activity") if twin["id"] in (i["record_a"], i["record_b"])]
    assert items, "the twin is raised as a likely duplicate"
    settle_review_item(hq, items[0]["id"], "merged", note="one event")
    merged = assert_figures_right(hq, posts)
    assert merged.activity_count == 180  # the twin counted once, as the kept one


def test_a_restored_backup_brings_its_figures(sites: Callable[..., Any], tmp_path: Path) -> None:
    db = sites("FJ-SUVA")
    load_demo_data(db, activities=30, equipment=8, seed=9)
    before = assert_figures_right(db)
    path = database_path(db)
    backup = backup_database(db, tmp_path / "before.sqlite3")
    for record in list(iter_records(db, "activities"))[:10]:
        tombstone_record(db, "activities", record["id"])
    assert assert_figures_right(db).activity_count == before.activity_count - 10
    db.close()
    restore_backup(path, backup)
    restored = open_database(path)
    try:
        assert assert_figures_right(restored) == before
    finally:
        restored.close()


@pytest.mark.parametrize("version", ["v0_1_0", "v0_2_0"])
@pytest.mark.parametrize("name", ["post.sqlite3", "hq.sqlite3"])
def test_an_upgraded_file_starts_with_its_figures(tmp_path: Path, version: str, name: str) -> None:
    target = tmp_path / version / name
    target.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / version / name, target)
    shutil.copy(FIXTURES / version / f"{name}.signing-key", target.with_name(f"{name}.signing-key"))
    held = sqlite_utils.Database(target)
    live = held.execute("SELECT count(*) FROM activities WHERE deleted = 0").fetchone()[0]
    held.close()
    db = open_database(target)
    try:
        shown = assert_figures_right(db)
        assert live > 0 and shown.activity_count == live
        record = first(db, "activities")
        update_record(db, "activities", record["id"], {"budget_aud": 777.0, "stream": "NORMS", "activity_type": "NORMS-GOV"})
        assert assert_figures_right(db).activities_by_stream_status["NORMS"]
    finally:
        db.close()
