"""Officers hold databases and packages made by the released 0.1.0 (kept in tests/fixtures/v0_1_0, made by
that version's code): they open after an automatic backup with every record intact, money now in exact
cents, and the packages still import. A database from a newer version is refused untouched."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from ccp_desktop.errors import SetupError
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import check_database
from ccp_desktop.store.records import get_record, iter_records, update_record
from ccp_desktop.store.search import search_clause
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.status import post_overview

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "v0_1_0"
KINDS = ("partners", "activities", "activity_partners", "equipment_deliveries", "equipment_items")


def copied(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "data" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / name, target)
    shutil.copy(FIXTURES / f"{name}.signing-key", target.with_name(f"{name}.signing-key"))
    return target


def raw_rows(path: Path, table: str) -> dict[str, dict]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return {row["id"]: dict(row) for row in conn.execute(f"SELECT * FROM {table}")}
    finally:
        conn.close()


def test_a_0_1_0_post_database_opens_after_a_backup_with_every_record_intact(tmp_path):
    path = copied(tmp_path, "post.sqlite3")
    before = {t: raw_rows(path, t) for t in KINDS}
    db = open_database(path)
    [backup] = list((path.parent / "backups").glob("post-before-upgrade-from-schema-9-*.sqlite3"))
    assert {t: raw_rows(backup, t) for t in KINDS} == before  # the copy is the database as 0.1.0 left it
    assert check_database(db).ok
    for table, rows in before.items():
        after = raw_rows(path, table)
        assert after.keys() == rows.keys()
        for rid, old in rows.items():
            new = after[rid]
            for key, value in old.items():
                if key in ("budget_aud", "spend_aud", "unit_value_aud") and value is not None:
                    assert new[key] == round(value * 100) and isinstance(new[key], int), (table, key)
                else:
                    assert new[key] == value, (table, key)
    activity = next(iter_records(db, "activities"))
    assert activity["budget_aud"] == 12345.67 and activity["spend_aud"] == 0.1  # the domain still speaks AUD
    assert db.execute("SELECT count(*) FROM change_journal").fetchone()[0] == 12  # the upgrade journals nothing
    # triggers, indexes and search survived the rebuild
    update_record(db, "activities", activity["id"], {"participants_male": 3})
    assert db.execute("SELECT count(*) FROM change_journal").fetchone()[0] == 13
    where, params = search_clause("equipment_items", "5CG1234XY")
    assert [r["serials"] for r in iter_records(db, "equipment_items", where=where, params=params)] == [["5CG1234XYZ", "5CG1234XZA"]]
    assert db.execute("SELECT incarnation FROM installation").fetchone()[0]
    db.close()
    reopened = open_database(path)  # no second backup once up to date
    assert len(list((path.parent / "backups").glob("*.sqlite3"))) == 1
    reopened.close()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = copied(tmp_path, "post.sqlite3")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ccp_desktop', 'm099_future', 'x')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SetupError, match="newer version"):
        open_database(path)
    assert path.read_bytes() == before
    assert not (path.parent / "backups").exists() and not Path(f"{path}-wal").exists()


def test_0_1_0_packages_import_into_a_new_hq_exactly(tmp_path):
    initialise(tmp_path / "hq" / "hq.sqlite3", post_code="AU-CANBERRA", officer="HQ", role="hq")
    hq = open_database(tmp_path / "hq" / "hq.sqlite3")
    for name in ("package-1-changes.xlsx", "package-2-changes.xlsx"):
        result = import_package(hq, FIXTURES / name)
        assert result.status == "applied", result.errors
        assert not result.warnings or all("First package" in w for w in result.warnings)
    post = open_database(copied(tmp_path, "post.sqlite3"))
    for table in KINDS:
        held = {r["id"]: r for r in iter_records(hq, table, include_deleted=True)}
        assert held == {r["id"]: r for r in iter_records(post, table, include_deleted=True)}, table


def test_a_0_1_0_hq_and_post_upgraded_keep_syncing_without_gaps_or_conflicts(tmp_path):
    hq = open_database(copied(tmp_path, "hq.sqlite3"))
    assert import_package(hq, FIXTURES / "package-2-changes.xlsx").status == "applied"  # a v1 package, late
    post = open_database(copied(tmp_path, "post.sqlite3"))
    activity = next(iter_records(post, "activities"))
    update_record(post, "activities", activity["id"], {"participants_other": 2})
    result = import_package(hq, export_package(post, tmp_path / "out").path)  # format 2, a new incarnation
    assert result.status == "applied", result.errors
    assert result.totals()["updated"] == 1 and result.totals()["conflicting"] == 0
    assert not [w for w in result.warnings if "Missing" in w]
    [overview] = post_overview(hq)
    assert overview["missing"] == [] and overview["confirmed_seq"] == 13
    assert get_record(hq, "activities", activity["id"])["participants_other"] == 2
    # the receipt HQ made with 0.1.0 is recognised at the upgraded post as already imported
    again = import_package(post, FIXTURES / "receipt-1.xlsx")
    assert again.status == "already-imported"
