"""Round trips through the store: validate first, write all or nothing, journal and audit every change."""

from __future__ import annotations

import sqlite3

import pytest

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import NotFoundError, SetupError, ValidationError
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import backup_database, check_database, stats
from ccp_desktop.store.migrations import SCHEMA_VERSION, SYNCED_TABLES, schema_version
from ccp_desktop.store.records import get_record, insert_record, tombstone_record, update_record
from tests.unit import factories as f


def journal(db):
    return db.execute("SELECT table_name, record_id, rev, op FROM change_journal ORDER BY seq").fetchall()


def test_migrations_from_empty_file(tmp_path):
    db = open_database(tmp_path / "new.sqlite3")
    assert schema_version(db) == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    for kind in RECORD_KINDS.values():
        assert set(db[kind.name].columns_dict) == set(kind.keys), kind.name
    assert db.execute("SELECT count(*) FROM reference_codes WHERE list = 'tranches'").fetchone()[0] == 5
    db.close()
    # Opening again applies nothing new and changes nothing.
    db = open_database(tmp_path / "new.sqlite3")
    assert schema_version(db) == SCHEMA_VERSION


def test_insert_round_trip(post_db):
    act = insert_record(post_db, "activities", f.activity())
    stored = get_record(post_db, "activities", act["id"])
    assert stored == act
    assert stored["audiences"] == ["cert_staff", "gov_officials"]
    assert stored["origin_post"] == "FJ-SUVA" and stored["rev"] == 1 and stored["updated_by"] == "Mere Tuilagi"
    assert stored["dac_code"] == "11430"  # defaulted from the activity type
    assert journal(post_db) == [("activities", act["id"], 1, "insert")]


def test_invalid_write_names_fields_and_writes_nothing(post_db):
    with pytest.raises(ValidationError) as caught:
        insert_record(post_db, "activities", f.activity(end_date="2020-01-01", participants_male=-1))
    assert {p.field for p in caught.value.problems} == {"end_date", "participants_male"}
    assert "end_date" in str(caught.value)
    assert stats(post_db)["activities"] == 0
    assert journal(post_db) == []
    assert post_db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_update_bumps_rev_journals_and_audits(post_db):
    act = insert_record(post_db, "activities", f.activity())
    updated = update_record(post_db, "activities", act["id"], {"title": "Renamed", "participants_male": "10"})
    assert updated["rev"] == 2 and updated["title"] == "Renamed" and updated["participants_male"] == 10
    assert journal(post_db)[-1] == ("activities", act["id"], 2, "update")
    changes = post_db.execute("SELECT changes FROM audit_log WHERE action = 'update'").fetchone()[0]
    assert "Renamed" in changes
    # A change that changes nothing writes nothing.
    update_record(post_db, "activities", act["id"], {"title": "Renamed"})
    assert len(journal(post_db)) == 2


def test_invalid_update_changes_nothing(post_db):
    act = insert_record(post_db, "activities", f.activity())
    with pytest.raises(ValidationError):
        update_record(post_db, "activities", act["id"], {"start_date": "2022-01-01"})  # after the end date
    assert get_record(post_db, "activities", act["id"]) == act


def test_stale_edit_is_refused(post_db):
    act = insert_record(post_db, "activities", f.activity())
    update_record(post_db, "activities", act["id"], {"title": "Changed elsewhere"})
    with pytest.raises(ValidationError, match="changed elsewhere"):
        update_record(post_db, "activities", act["id"], {"title": "Mine"}, expected_rev=1)


def test_tombstone_cascades_to_links_and_hides(post_db):
    act = insert_record(post_db, "activities", f.activity())
    partner = insert_record(post_db, "partners", f.partner())
    link = insert_record(post_db, "activity_partners", {"activity_id": act["id"], "partner_id": partner["id"], "role": "lead"})
    tombstone_record(post_db, "activities", act["id"])
    assert get_record(post_db, "activities", act["id"])["deleted"] == 1
    assert get_record(post_db, "activity_partners", link["id"])["deleted"] == 1
    assert stats(post_db)["activities"] == 0 and stats(post_db)["partners"] == 1
    ops = [row[3] for row in journal(post_db)]
    assert ops.count("delete") == 2
    with pytest.raises(NotFoundError):
        update_record(post_db, "activities", act["id"], {"title": "x"})


def test_references_must_exist(post_db):
    with pytest.raises(ValidationError) as caught:
        insert_record(post_db, "activity_partners", {"activity_id": "nope", "partner_id": "nope", "role": "lead"})
    assert {p.field for p in caught.value.problems} == {"activity_id", "partner_id"}


def test_partner_linked_once(post_db):
    act = insert_record(post_db, "activities", f.activity())
    partner = insert_record(post_db, "partners", f.partner())
    insert_record(post_db, "activity_partners", {"activity_id": act["id"], "partner_id": partner["id"], "role": "lead"})
    with pytest.raises(ValidationError, match="already linked"):
        insert_record(post_db, "activity_partners", {"activity_id": act["id"], "partner_id": partner["id"], "role": "co_funding"})


def test_serials_unique_program_wide_until_tombstoned(post_db):
    partner = insert_record(post_db, "partners", f.partner())
    delivery = insert_record(post_db, "equipment_deliveries", f.delivery(partner["id"]))
    first = insert_record(post_db, "equipment_items", f.item(delivery["id"]))
    with pytest.raises(ValidationError, match="(?i)sn-a2"):
        insert_record(post_db, "equipment_items", f.item(delivery["id"], serials=["SN-B1", "sn-a2"]))
    tombstone_record(post_db, "equipment_items", first["id"])
    insert_record(post_db, "equipment_items", f.item(delivery["id"], serials=["SN-B1", "SN-A2"]))


def test_schema_refuses_physical_delete_and_backwards_rev(post_db):
    act = insert_record(post_db, "activities", f.activity())
    with pytest.raises(sqlite3.IntegrityError, match="tombstoned"):
        post_db.execute("DELETE FROM activities WHERE id = ?", [act["id"]])
    update_record(post_db, "activities", act["id"], {"title": "v2"})
    with pytest.raises(sqlite3.IntegrityError, match="backwards"):
        post_db.execute("UPDATE activities SET rev = 1 WHERE id = ?", [act["id"]])


def test_full_text_search_finds_serial_and_title(post_db):
    from ccp_desktop.store.records import iter_records
    from ccp_desktop.store.search import search_clause

    partner = insert_record(post_db, "partners", f.partner())
    delivery = insert_record(post_db, "equipment_deliveries", f.delivery(partner["id"]))
    insert_record(post_db, "equipment_items", f.item(delivery["id"], serials=["5CG1234XYZ", "5CG1234XZZ"]))
    where, params = search_clause("equipment_items", "5CG1234XZZ")
    assert len(list(iter_records(post_db, "equipment_items", where=where, params=params))) == 1
    insert_record(post_db, "activities", f.activity(title="Digital forensics course"))
    where, params = search_clause("activities", "foren")  # prefix, as you type
    assert [a["title"] for a in iter_records(post_db, "activities", where=where, params=params)] == ["Digital forensics course"]
    where, params = search_clause("activities", '" OR title:*')  # FTS syntax is not injected
    assert list(iter_records(post_db, "activities", where=where, params=params)) == []


def test_not_set_up_database_refuses_writes(tmp_path):
    db = open_database(tmp_path / "bare.sqlite3")
    with pytest.raises(SetupError, match="not set up"):
        insert_record(db, "partners", f.partner())


def test_backup_is_a_consistent_copy(post_db, tmp_path):
    insert_record(post_db, "activities", f.activity())
    target = backup_database(post_db, tmp_path / "copy.sqlite3")
    copy = open_database(target)
    assert stats(copy) == stats(post_db)
    assert check_database(copy).ok
    with pytest.raises(FileExistsError):
        backup_database(post_db, target)


def test_check_reports_corruption(tmp_path):
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    from ccp_desktop.errors import StoreError

    with pytest.raises(StoreError):
        open_database(path)


def test_every_synced_table_is_journaled(post_db):
    assert set(SYNCED_TABLES) == set(RECORD_KINDS)


def test_database_from_newer_version_is_refused(tmp_path):
    from ccp_desktop.errors import SetupError

    path = tmp_path / "future.sqlite3"
    db = open_database(path)
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ccp_desktop', 'm999_future', 'x')")
    db.close()
    with pytest.raises(SetupError, match="newer version"):
        open_database(path)


def test_partner_or_activity_in_use_by_a_delivery_cannot_be_deleted(post_db):
    act = insert_record(post_db, "activities", f.activity())
    partner = insert_record(post_db, "partners", f.partner())
    delivery = insert_record(post_db, "equipment_deliveries", f.delivery(partner["id"], activity_id=act["id"]))
    with pytest.raises(ValidationError, match="recipient of 1 equipment delivery"):
        tombstone_record(post_db, "partners", partner["id"])
    with pytest.raises(ValidationError, match="linked to 1 equipment delivery"):
        tombstone_record(post_db, "activities", act["id"])
    assert stats(post_db)["partners"] == 1 and stats(post_db)["activities"] == 1
    tombstone_record(post_db, "equipment_deliveries", delivery["id"])
    tombstone_record(post_db, "partners", partner["id"])
    tombstone_record(post_db, "activities", act["id"])
    assert stats(post_db)["partners"] == 0 and stats(post_db)["activities"] == 0


def test_money_is_stored_as_whole_cents_and_adds_up_exactly(post_db):
    from ccp_desktop.reports.certificate import certificate_html
    from ccp_desktop.reports.figures import ReportScope, scope_totals

    for amount in (0.1, 0.2, 0.7):
        insert_record(post_db, "activities", f.activity(budget_aud=amount, spend_aud=amount))
    assert post_db.execute("SELECT sum(budget_aud), typeof(sum(budget_aud)) FROM activities").fetchone() == (100, "integer")
    totals = scope_totals(post_db, ReportScope())
    assert totals.budget == 1.0 and totals.spend == 1.0  # 0.1 + 0.2 + 0.7 in floats is 0.9999999999999999
    partner = insert_record(post_db, "partners", f.partner())
    delivery = insert_record(post_db, "equipment_deliveries", f.delivery(partner["id"]))
    insert_record(post_db, "equipment_items", f.item(delivery["id"], quantity=3, serials=["A", "B", "C"], unit_value_aud=0.1))
    insert_record(post_db, "equipment_items", f.item(delivery["id"], quantity=1, serials=["D"], unit_value_aud=0.2))
    assert "<b>0.50</b>" in certificate_html(post_db, delivery["id"])
