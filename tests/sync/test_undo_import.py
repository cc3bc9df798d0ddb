"""Undoing an import at HQ: the records it wrote go back as they were (inserted ones removed, updated
ones restored, agreement states, conflicts and the ledger entry too), the package imports again, and an
undo that would lose a later change is refused, naming the records, with nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from ccp_desktop.cli import main
from ccp_desktop.errors import NotFoundError, StoreError
from ccp_desktop.store.import_undo import undo_import
from ccp_desktop.store.records import insert_record, update_record
from ccp_desktop.store.sync_state import find_import, list_conflicts
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.sync.conftest import add_sample, records_of, snapshot
from tests.unit import factories as f


def _state(db: sqlite_utils.Database) -> dict[str, object]:
    """What an import changes at HQ (not the journal or audit log, which only grow)."""
    tables = ("serial_index", "sync_imports", "sync_peers", "sync_record_state", "sync_conflicts", "review_items")
    return {"records": records_of(db)} | {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}


def _fts_count(db: sqlite_utils.Database, text: str) -> int:
    return int(db.execute("SELECT count(*) FROM equipment_items_fts WHERE equipment_items_fts MATCH ?", [text]).fetchone()[0])


def test_undo_puts_hq_back_and_the_package_imports_again(post, hq, outbox: Path) -> None:
    sample = add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    # HQ and the post both change the partner (a conflict); the post changes the activity, adds an item.
    update_record(hq, "partners", sample["partner"]["id"], {"contact": "HQ's desk"})
    update_record(post, "partners", sample["partner"]["id"], {"contact": "Post's desk"})
    update_record(post, "activities", sample["activity"]["id"], {"title": "Renamed at the post"})
    insert_record(post, "equipment_items", f.item(sample["delivery"]["id"], description="Zebrafish scanner",
                                                   serials=["ZB-001"], quantity=1))
    before = _state(hq)
    second = export_package(post, outbox).path
    first_result = import_package(hq, second)
    assert first_result.status == "applied" and first_result.conflict_ids
    assert _fts_count(hq, "Zebrafish") == 1
    package_id = first_result.package_id

    undone = undo_import(hq, package_id, "Hana HQ")

    assert _state(hq) == before
    assert _fts_count(hq, "Zebrafish") == 0 and list_conflicts(hq) == []
    assert undone.counts["equipment_items"] == {"removed": 1, "restored": 0}
    assert undone.counts["activities"] == {"removed": 0, "restored": 1}
    audit = hq.execute("SELECT officer FROM audit_log WHERE action = 'undo-import'").fetchall()
    assert audit == [("Hana HQ",)]
    again = import_package(hq, second)  # nothing of it is left: it applies as the first time did
    assert again.status == "applied" and again.counts == first_result.counts


def test_undo_is_refused_when_a_later_change_touched_its_records(post, hq, outbox: Path) -> None:
    sample = add_sample(post)
    result = import_package(hq, export_package(post, outbox).path)
    update_record(hq, "activities", sample["activity"]["id"], {"title": "Edited at HQ afterwards"})
    before = snapshot(hq)
    with pytest.raises(StoreError) as refused:
        undo_import(hq, result.package_id, "Hana HQ")
    assert sample["activity"]["id"] in str(refused.value) and "Nothing was changed" in str(refused.value)
    assert snapshot(hq) == before
    assert find_import(hq, result.package_id) is not None


def test_undo_is_refused_when_a_later_import_refers_to_what_it_added(post, hq, outbox: Path) -> None:
    sample = add_sample(post)
    first = import_package(hq, export_package(post, outbox).path)
    link = insert_record(post, "equipment_items", f.item(sample["delivery"]["id"], serials=["LATE-1"], quantity=1))
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    before = snapshot(hq)
    with pytest.raises(StoreError, match=link["id"]):
        undo_import(hq, first.package_id, "Hana HQ")
    assert snapshot(hq) == before


def test_undo_import_command(post, hq, outbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_sample(post)
    result = import_package(hq, export_package(post, outbox).path)
    db_path = hq.execute("PRAGMA database_list").fetchone()[2]
    assert main(["--db", db_path, "undo-import", "not-a-package"]) == 1
    assert "No data package not-a-package was imported here" in capsys.readouterr().err
    assert main(["--db", db_path, "undo-import", result.package_id]) == 0
    assert f"Undid the import of package {result.package_id}" in capsys.readouterr().out
    assert records_of(hq, "FJ-SUVA") == {name: {} for name in records_of(hq)}
    with pytest.raises(NotFoundError):
        undo_import(hq, result.package_id, "Hana HQ")
