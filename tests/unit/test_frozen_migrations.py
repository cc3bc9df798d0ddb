"""Shipped schema steps are frozen: a file made by 0.1.0 or 0.2.0 and brought up to date ends up exactly
like a file made fresh today (tables, indexes, triggers, search tables, reference rows), and files and
packages made by 0.2.0 (tests/fixtures/v0_2_0, made by that version's code) keep working."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from ccp_desktop.domain import reference
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.migrations import SCHEMA_VERSION, apply_migrations, migrations
from ccp_desktop.store.records import get_record, iter_records, update_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.status import post_overview

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KINDS = ("partners", "activities", "activity_partners", "equipment_deliveries", "equipment_items")
SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"


def copied(tmp_path: Path, version: str, name: str) -> Path:
    target = tmp_path / version / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / version / name, target)
    shutil.copy(FIXTURES / version / f"{name}.signing-key", target.with_name(f"{name}.signing-key"))
    return target


def fresh_database() -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    apply_migrations(db)
    return db


def reference_rows_from_resources() -> set[tuple[str, str, str, str | None]]:
    """The rows today's resources/reference files say the reference table should hold."""
    rows = set()
    for name, entries in reference.load_reference().lists.items():
        for entry in entries:
            extra = {k: v for k, v in entry.items() if k not in ("code", "label")}
            rows.add((name, str(entry["code"]), str(entry["label"]), json.dumps(extra) if extra else None))
    return rows


@pytest.mark.parametrize("version", ["v0_1_0", "v0_2_0"])
@pytest.mark.parametrize("name", ["post.sqlite3", "hq.sqlite3"])
def test_an_old_file_brought_up_to_date_matches_a_fresh_one_exactly(tmp_path, version, name):
    path = copied(tmp_path, version, name)
    old = sqlite_utils.Database(path)
    assert len(migrations.applied(old)) < SCHEMA_VERSION  # it really is older
    apply_migrations(old)
    fresh = fresh_database()
    assert old.execute(SCHEMA).fetchall() == fresh.execute(SCHEMA).fetchall()
    reference_sql = "SELECT list, code, label, extra FROM reference_codes ORDER BY list, code"
    assert old.execute(reference_sql).fetchall() == fresh.execute(reference_sql).fetchall()
    assert [m.name for m in migrations.applied(old)][-1] == [m.name for m in migrations.applied(fresh)][-1]
    old.close()


@pytest.mark.parametrize("version", ["v0_1_0", "v0_2_0"])
@pytest.mark.parametrize("name", ["post.sqlite3", "hq.sqlite3"])
def test_todays_steps_write_the_schema_text_a_shipped_version_wrote_byte_for_byte(version, name):
    """Through the steps a release had, a fresh file holds the very CREATE text that release's own code
    stored in sqlite_master (steps that say a shared header or trigger once must still write it so)."""
    shipped = sqlite3.connect(f"file:{FIXTURES / version / name}?mode=ro", uri=True)
    made_then = shipped.execute(SCHEMA).fetchall()
    steps_then = [row[0] for row in shipped.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
    shipped.close()
    every_step = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
    assert every_step[: len(steps_then)] == steps_then
    fresh = sqlite_utils.Database(memory=True)
    migrations.apply(fresh, stop_before=every_step[len(steps_then)])
    assert fresh.execute(SCHEMA).fetchall() == made_then


def test_the_reference_table_says_what_the_reference_files_say():
    """Editing resources/reference/ without a schema step to carry the change would make this fail."""
    fresh = fresh_database()
    assert set(fresh.execute("SELECT list, code, label, extra FROM reference_codes").fetchall()) == reference_rows_from_resources()


def test_a_shipped_step_does_not_read_todays_reference_files(monkeypatch):
    def different_reference():
        raise AssertionError("a schema step read today's reference files")

    made_by_0_1_0 = sqlite3.connect(f"file:{FIXTURES / 'v0_1_0' / 'post.sqlite3'}?mode=ro", uri=True)
    shipped = made_by_0_1_0.execute("SELECT list, code FROM reference_codes ORDER BY list, code").fetchall()
    made_by_0_1_0.close()
    monkeypatch.setattr(reference, "load_reference", different_reference)
    fresh = fresh_database()  # would raise if a step read the files
    assert fresh.execute("SELECT list, code FROM reference_codes ORDER BY list, code").fetchall() == shipped


def test_a_0_2_0_post_database_opens_with_every_record_and_list_value_intact(tmp_path):
    path = copied(tmp_path, "v0_2_0", "post.sqlite3")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    before = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in KINDS}
    conn.close()
    db = open_database(path)
    assert {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in KINDS} == before
    [item] = [i for i in iter_records(db, "equipment_items") if i["serials"]]
    assert item["serials"] == ["SN,1;2", "5CG-é中"]
    db.close()


def test_a_0_2_0_hq_and_post_upgraded_keep_syncing(tmp_path):
    hq = open_database(copied(tmp_path, "v0_2_0", "hq.sqlite3"))
    late = import_package(hq, FIXTURES / "v0_2_0" / "package-2-changes.xlsx")  # a format-2 package from 0.2.0
    assert late.status == "applied", late.errors
    post = open_database(copied(tmp_path, "v0_2_0", "post.sqlite3"))
    activity = next(iter_records(post, "activities"))
    assert get_record(hq, "activities", activity["id"])["outcomes"] == "Eight officers certified."
    update_record(post, "activities", activity["id"], {"participants_other": 2})
    result = import_package(hq, export_package(post, tmp_path / "out").path)
    assert result.status == "applied", result.errors
    assert result.totals()["updated"] == 1 and result.totals()["conflicting"] == 0
    [overview] = post_overview(hq)
    assert overview["missing"] == []
    assert import_package(post, FIXTURES / "v0_2_0" / "receipt-1.xlsx").status == "already-imported"
    for table in KINDS:
        assert {r["id"]: r for r in iter_records(hq, table, include_deleted=True)} == {
            r["id"]: r for r in iter_records(post, table, include_deleted=True)
        }, table
