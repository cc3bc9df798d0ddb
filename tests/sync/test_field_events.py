"""The sync promise under field events: tampered replays, re-imports, HQ editing while an import runs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import get_record, update_record
from ccp_desktop.sync import importer
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.plan import Planner
from tests.sync.conftest import add_sample, records_of, snapshot


def resaved(path: Path, out: Path, change=None) -> Path:
    book = openpyxl.load_workbook(path)
    if change:
        change(book)
    book.save(out)
    return out


def column(sheet, key: str) -> int:
    return [c.value for c in sheet[1]].index(key) + 1


def test_a_tampered_copy_of_an_imported_package_is_refused_not_called_already_imported(post, hq, outbox, tmp_path):
    add_sample(post)
    path = export_package(post, outbox).path
    assert import_package(hq, path).status == "applied"
    before = snapshot(hq)

    def change(book):
        sheet = book["activities"]
        sheet.cell(2, column(sheet, "spend_aud")).value = 1.0

    tampered = import_package(hq, resaved(path, tmp_path / "tampered.xlsx", change))
    assert tampered.status == "rejected"
    text = " | ".join(p.describe() for p in tampered.errors)
    assert "this copy differs from the package imported on 20" in text
    assert "activities, hash: values differ from those signed" in text
    assert snapshot(hq) == before
    # A re-save that keeps every value is the same package: "already imported", and nothing changes.
    same = import_package(hq, resaved(path, tmp_path / "resaved.xlsx"))
    assert same.status == "already-imported" and "this copy matches it" in same.message
    assert snapshot(hq) == before


@pytest.mark.slow
def test_a_libreoffice_resave_of_an_imported_package_is_already_imported(post, hq, outbox, tmp_path, soffice):
    add_sample(post)
    path = export_package(post, outbox).path
    assert import_package(hq, path).status == "applied"
    before = snapshot(hq)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path / "lo-out"), str(path)], check=True, capture_output=True, timeout=180)
    again = import_package(hq, tmp_path / "lo-out" / path.name)
    assert again.status == "already-imported", again.errors
    assert snapshot(hq) == before


def test_reimport_reports_what_this_run_did_and_the_earlier_counts_apart(post, hq, outbox, tmp_path):
    add_sample(post)
    path = export_package(post, outbox).path
    first = import_package(hq, path)
    assert first.totals()["inserted"] == 5
    again = import_package(hq, path)
    assert again.status == "already-imported"
    assert again.totals()["inserted"] == 0 and again.totals()["updated"] == 0
    assert again.earlier is not None and again.earlier["counts"]["activities"]["inserted"] == 1
    data = again.to_json()
    assert data["earlier_import"]["imported_by"] == "Hana HQ"
    assert sum(c["inserted"] for c in data["counts"].values()) == 0


def test_reimport_from_the_command_line_does_not_print_the_old_counts_as_new(post, hq, outbox, capsys):
    from ccp_desktop.cli import main

    add_sample(post)
    path = export_package(post, outbox).path
    hq_path = hq.execute("PRAGMA database_list").fetchone()[2]
    assert main(["--db", hq_path, "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["--db", hq_path, "import", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "already-imported"
    assert all(c["inserted"] == 0 for c in data["counts"].values())
    assert main(["--db", hq_path, "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Already imported on" in out and "inserted" not in out


def test_an_hq_edit_made_while_an_import_is_planned_waits_and_is_never_overwritten(post, hq, outbox, monkeypatch):
    """Nothing can write between the plan and the apply: the import reads, plans and applies under one write lock."""
    sample = add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    update_record(post, "activities", sample["activity"]["id"], {"location": "Lautoka"})
    hq_path = hq.execute("PRAGMA database_list").fetchone()[2]
    attempts: list[str] = []
    real_plan = Planner.plan_sheet

    def plan_while_hq_edits(planner, kind):
        plan = real_plan(planner, kind)
        other = sqlite3.connect(hq_path, timeout=0.2)  # the HQ officer's form, saving now
        try:
            other.execute("UPDATE activities SET title = 'HQ title', rev = rev + 1 WHERE id = ?", [sample["activity"]["id"]])
            attempts.append("written")
        except sqlite3.OperationalError as exc:
            attempts.append(str(exc))
        finally:
            other.close()
        return plan

    monkeypatch.setattr(Planner, "plan_sheet", plan_while_hq_edits)
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied" and result.totals()["updated"] == 1
    assert attempts and set(attempts) == {"database is locked"}  # planning each sheet  # the other writer waited; it did not slip in between
    held = get_record(hq, "activities", sample["activity"]["id"])
    assert held["location"] == "Lautoka" and held["title"] == sample["activity"]["title"]


def test_an_hq_edit_saved_just_before_the_import_takes_its_lock_becomes_a_conflict(post, hq, outbox, monkeypatch):
    sample = add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    update_record(post, "activities", sample["activity"]["id"], {"location": "Lautoka"})
    hq_path = hq.execute("PRAGMA database_list").fetchone()[2]
    real_check = importer.same_file_imported  # the last step before the import's transaction

    def check_then_hq_edits(db, package, file_hash):
        found = real_check(db, package, file_hash)
        other = open_database(hq_path)  # a second connection: the GUI form or a second command
        try:
            update_record(other, "activities", sample["activity"]["id"], {"title": "Renamed at HQ"})
        finally:
            other.close()
        return found

    monkeypatch.setattr(importer, "same_file_imported", check_then_hq_edits)
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied" and result.totals()["conflicting"] == 1 and result.totals()["updated"] == 0
    held = get_record(hq, "activities", sample["activity"]["id"])
    assert held["title"] == "Renamed at HQ" and held["location"] == "Suva"  # HQ's edit kept, post's kept aside
    conflict = hq.execute("SELECT post_version FROM sync_conflicts").fetchone()
    assert json.loads(conflict[0])["location"] == "Lautoka"


def test_a_second_process_importing_the_same_package_applies_it_once(post, hq, outbox, tmp_path):
    add_sample(post)
    path = export_package(post, outbox).path
    hq_path = hq.execute("PRAGMA database_list").fetchone()[2]
    code = ("import sys; from ccp_desktop.cli import main; sys.exit(main(['--db', sys.argv[1], 'import', sys.argv[2], '--json']))")
    runs = [subprocess.Popen([sys.executable, "-c", code, hq_path, str(path)], stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    statuses = sorted(json.loads(p.communicate(timeout=120)[0])["status"] for p in runs)
    assert statuses == ["already-imported", "applied"]
    assert records_of(hq, "FJ-SUVA") == records_of(post)
    assert hq.execute("SELECT count(*) FROM sync_imports").fetchone()[0] == 1
