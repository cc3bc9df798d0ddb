"""A post restores a backup and keeps working; a laptop is re-imaged: every edit made afterwards reaches
HQ or is shown as a conflict, and lost packages are still named and resent."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import openpyxl
import pytest
import sqlite_utils

from ccp_desktop.cli import main
from ccp_desktop.errors import SetupError, StoreError
from ccp_desktop.store.backups import list_backups, rotate_backups
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import backup_database
from ccp_desktop.store.records import get_record, insert_record, update_record
from ccp_desktop.store.sync_state import confirmed_seq
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise, restore_from_backup
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.receipts import write_receipt
from ccp_desktop.sync.status import post_overview
from ccp_desktop.sync.trust import trust_package_key
from tests.sync.conftest import add_sample, know_hq, records_of, snapshot
from tests.unit import factories as f


def path_of(db: sqlite_utils.Database) -> Path:
    return Path(db.execute("PRAGMA database_list").fetchone()[2])


def restored(db: sqlite_utils.Database, backup: Path) -> sqlite_utils.Database:
    path = path_of(db)
    db.close()
    restore_from_backup(path, backup)
    return open_database(path)


def content(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("rev", "updated_at", "updated_by")}


def test_edits_after_a_restore_reach_hq_or_are_conflicts_never_dropped(post, hq, outbox, tmp_path):
    sample = add_sample(post)
    other = insert_record(post, "activities", f.activity(title="Second activity"))
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    backup = backup_database(post, tmp_path / "last-week.sqlite3")
    # After the backup: an edit that reaches HQ, then the disk dies.
    update_record(post, "activities", sample["activity"]["id"], {"location": "Nadi"})
    assert import_package(hq, export_package(post, outbox).path).status == "applied"

    post = restored(post, backup)
    assert get_record(post, "activities", sample["activity"]["id"])["location"] == "Suva"  # the backup's state
    # The officer keeps working: the same rev numbers come round again.
    update_record(post, "activities", sample["activity"]["id"], {"summary": "Re-typed after the restore"})
    update_record(post, "activities", other["id"], {"location": "Labasa"})  # HQ holds its pre-backup version
    new = insert_record(post, "partners", f.partner(name="Ministry of Communications"))
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied", result.errors
    assert any("FJ-SUVA restored a backup that held its changes up to 6" in w for w in result.warnings)

    held = records_of(hq, "FJ-SUVA")
    assert held["partners"][new["id"]]["name"] == "Ministry of Communications"
    assert held["activities"][other["id"]]["location"] == "Labasa"  # an edit on known ground simply applies
    # The record the post had changed after the backup is a conflict with both versions, not "unchanged".
    assert result.totals()["conflicting"] == 1 and result.totals()["unchanged"] >= 0
    [conflict] = hq.execute("SELECT record_id, hq_version, post_version FROM sync_conflicts").fetchall()
    assert conflict[0] == sample["activity"]["id"]
    assert json.loads(conflict[1])["location"] == "Nadi"
    assert json.loads(conflict[2])["summary"] == "Re-typed after the restore"
    overview = {p["post_code"]: p for p in post_overview(hq)}["FJ-SUVA"]
    assert overview["missing"] == [] and overview["open_conflicts"] == 1


def test_an_old_package_from_before_the_restore_arriving_late_changes_nothing(post, hq, outbox, tmp_path):
    sample = add_sample(post)
    backup = backup_database(post, tmp_path / "b.sqlite3")
    update_record(post, "activities", sample["activity"]["id"], {"location": "Nadi"})
    before_restore = export_package(post, outbox).path  # stays in an outbox for a week
    post = restored(post, backup)
    update_record(post, "activities", sample["activity"]["id"], {"location": "Sigatoka"})
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    late = import_package(hq, before_restore)
    assert late.status == "applied"
    # Nadi was written before the restore and never seen by the post's current history: shown, not applied.
    assert get_record(hq, "activities", sample["activity"]["id"])["location"] == "Sigatoka"
    assert late.totals()["conflicting"] == 1


def test_restore_command_keeps_the_current_database_aside_and_lists_backups(post, tmp_path, capsys):
    add_sample(post)
    path = path_of(post)
    assert main(["--db", str(path), "backup"]) == 0
    made = Path(capsys.readouterr().out.strip())
    insert_record(post, "partners", f.partner(name="Added after the backup"))
    post.close()
    assert main(["--db", str(path), "backups", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["ok"] and listed["counts"]["partners"] == 1 and Path(listed["path"]) == made
    assert main(["--db", str(path), "restore", str(made)]) == 0
    out = capsys.readouterr().out
    assert "kept at" in out
    aside = Path(out.split("kept at ")[1].split()[0].rstrip("."))
    kept = open_database(aside)
    assert kept.execute("SELECT count(*) FROM partners").fetchone()[0] == 2  # nothing lost: the aside copy is whole
    kept.close()
    db = open_database(path)
    assert db.execute("SELECT count(*) FROM partners").fetchone()[0] == 1
    assert db.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == "restore-backup"
    parent, reason = db.execute("SELECT parent, reason FROM incarnations ORDER BY rowid DESC LIMIT 1").fetchone()
    assert reason == "restore" and parent is not None


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(post, sites, tmp_path):
    add_sample(post)
    path = path_of(post)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    other = backup_database(sites("TO-NUKU"), tmp_path / "nuku.sqlite3")
    post.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="cannot be restored"):
        restore_from_backup(path, damaged)
    with pytest.raises(SetupError, match="belongs to post TO-NUKU"):
        restore_from_backup(path, other)
    assert path.read_bytes() == before


def test_backups_rotate_but_never_lose_the_last_good_one(post, tmp_path):
    path = path_of(post)
    folder = path.parent / "backups"
    made = []
    for n in range(5):
        target = folder / f"auto-{n}.sqlite3"
        backup_database(post, target)
        os.utime(target, (1_700_000_000 + n, 1_700_000_000 + n))
        made.append(target)
    for target in made[2:]:
        target.write_bytes(b"not a database any more")  # the newest three were damaged
    deleted = rotate_backups(path, 2)
    left = sorted(p.name for p in folder.glob("*.sqlite3"))
    assert left == ["auto-1.sqlite3", "auto-3.sqlite3", "auto-4.sqlite3"]  # the newest good one survives
    assert made[0] in deleted and [b.ok for b in list_backups(path)] == [False, False, True]


def test_a_reimaged_laptop_with_a_lost_package_is_found_out_and_resends(post, hq, outbox, tmp_path, capsys):
    know_hq(post, hq)
    add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    old_confirmed = confirmed_seq(hq, "FJ-SUVA")
    assert old_confirmed == 5
    # The laptop is re-imaged: a fresh setup for the same post, with a new key and a journal from 1.
    new_path = tmp_path / "reimaged" / "post.sqlite3"
    initialise(new_path, post_code="FJ-SUVA", officer="Mere Tuilagi")
    fresh = open_database(new_path)
    know_hq(fresh, hq)
    insert_record(fresh, "partners", f.partner(name="Tonga CERT"))
    lost = export_package(fresh, outbox)
    insert_record(fresh, "partners", f.partner(name="Fiji Police"))
    second = export_package(fresh, outbox)
    # HQ refuses the new key until a person confirms it; then learns it from the package itself.
    assert "not the one trusted for FJ-SUVA" in import_package(hq, second.path).errors[0].message
    from ccp_desktop.store.installation import require_installation

    trust_package_key(hq, second.path, require_installation(fresh).key_fingerprint or "", reason="laptop re-imaged")
    result = import_package(hq, second.path)
    assert result.status == "applied"
    assert any("comes from a new installation of FJ-SUVA" in w for w in result.warnings)
    assert any(f"changes 1–{lost.seq_to}" in w for w in result.warnings)  # the lost package is named
    overview = {p["post_code"]: p for p in post_overview(hq)}["FJ-SUVA"]
    assert overview["missing"] == [(1, lost.seq_to)]
    receipt = write_receipt(hq, "FJ-SUVA", tmp_path / "receipts")
    assert receipt.seq_to == 0  # nothing of the new laptop's history is confirmed from the start
    assert import_package(fresh, receipt.path).status == "applied"
    resend = export_package(fresh, outbox, kind="since-receipt")
    assert resend.seq_from == 1
    assert import_package(hq, resend.path).status == "applied"
    names = {r["name"] for r in records_of(hq, "FJ-SUVA")["partners"].values()}
    assert {"Tonga CERT", "Fiji Police"} <= names
    assert {p["post_code"]: p for p in post_overview(hq)}["FJ-SUVA"]["missing"] == []
    # The old laptop's receipt would not fit the new history: a post refuses a receipt for another lineage.
    fresh.close()


def test_a_receipt_confirming_more_than_was_sent_is_refused(post, hq, outbox, tmp_path):
    know_hq(post, hq)
    add_sample(post)
    backup = backup_database(post, tmp_path / "before-any-export.sqlite3")
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    receipt = write_receipt(hq, "FJ-SUVA", tmp_path / "r").path
    post = restored(post, backup)  # this database has sent nothing
    before = snapshot(post)
    result = import_package(post, receipt)
    assert result.status == "rejected"
    assert "confirms changes up to 5, but this post has sent changes only up to 0" in result.errors[0].message
    assert snapshot(post) == before
    resend = export_package(post, outbox, kind="since-receipt")  # so the post resends everything
    assert resend.seq_from == 1


def test_a_receipt_for_a_restored_history_is_clipped_to_the_restore_point(post, hq, outbox, tmp_path):
    know_hq(post, hq)
    add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    backup = backup_database(post, tmp_path / "b.sqlite3")
    insert_record(post, "partners", f.partner(name="More"))
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    receipt = write_receipt(hq, "FJ-SUVA", tmp_path / "r")
    assert receipt.seq_to == 6
    post = restored(post, backup)
    result = import_package(post, receipt.path)
    assert result.status == "applied" and result.seq_to == 5  # never beyond what this history holds


def test_an_edited_receipt_is_refused(post, hq, outbox, tmp_path):
    know_hq(post, hq)
    add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    receipt = write_receipt(hq, "FJ-SUVA", tmp_path / "r").path
    book = openpyxl.load_workbook(receipt)
    book["packages"]["D2"] = 999
    book.save(tmp_path / "edited.xlsx")
    before = snapshot(post)
    result = import_package(post, tmp_path / "edited.xlsx")
    assert result.status == "rejected" and "values differ from those signed" in result.message + str(result.errors)
    assert snapshot(post) == before


def test_files_are_owner_only(post, outbox, tmp_path):
    add_sample(post)
    path = path_of(post)
    package = export_package(post, outbox).path
    backup = backup_database(post)
    for target in (path, Path(str(path) + "-wal"), package, backup, Path(str(path) + ".signing-key")):
        assert stat.S_IMODE(target.stat().st_mode) == 0o600, target
    for folder in (path.parent, backup.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_imports_back_up_once_a_day_and_keep_only_the_newest_backups(post, hq, outbox):
    import os

    from ccp_desktop.store.backups import set_backups_to_keep
    from ccp_desktop.store.maintenance import backup_database

    set_backups_to_keep(hq, 2, "Hana HQ")
    folder = path_of(hq).parent / "backups"
    stem = path_of(hq).stem
    for age, day in enumerate(("20240103", "20240102", "20240101"), start=1):  # earlier days' backups
        old = backup_database(hq, folder / f"{stem}-daily-{day}T090000Z.sqlite3")
        os.utime(old, (old.stat().st_mtime - age * 86400,) * 2)
    made = []
    for n in range(4):
        insert_record(post, "partners", f.partner(name=f"Partner {n}"))
        result = import_package(hq, export_package(post, outbox).path)
        assert result.status == "applied"
        made.append(result.backup_path)
    assert made[0] is not None and Path(made[0]).exists()  # the day's first import backs up the whole database
    assert made[1:] == [None, None, None]  # the rest keep only their undo journal
    assert sorted(p.name for p in folder.glob("*.sqlite3")) == [f"{stem}-daily-20240103T090000Z.sqlite3",
                                                                Path(made[0]).name]
