"""An import reads, validates, plans and applies one sheet at a time (its memory follows the largest sheet,
not the package), inside one transaction: a problem or a cancel in a late sheet takes back the sheets
applied before it, and a dry run keeps nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import Cancelled
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync import package as package_module
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.sync.conftest import add_sample, snapshot
from tests.unit import factories as f


def test_every_reference_points_to_an_earlier_sheet() -> None:
    """What reading sheet by sheet relies on: when a sheet is validated, every record it can refer to is known."""
    order = list(RECORD_KINDS)
    for name, kind in RECORD_KINDS.items():
        for field in kind.fields:
            if field.ref:
                assert order.index(field.ref) < order.index(name), f"{name}.{field.key} refers to a later sheet"


def test_sheets_held_at_once_stay_within_twice_the_largest(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                          outbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When a sheet is read, the sheets read and not yet let go, with it, weigh at most twice the largest
    sheet (or it is the only one): memory follows the largest sheet, not the package."""
    add_sample(post)
    for n in range(29):  # activities the largest sheet, the rest small: more than two fit in the budget
        insert_record(post, "activities", f.activity(title=f"Workshop {n}"))
    seen: list[tuple[str, list[str]]] = []
    weights: dict[str, int] = {}
    real = package_module._read_sheet

    def spy(book: Any, package: Any, kind: Any, *args: Any, **kwargs: Any) -> None:
        weights.update({name: book.checks.weight(name) for name in RECORD_KINDS})
        seen.append((kind.name, [name for name, sheet in package.sheets.items() if sheet.rows]))
        real(book, package, kind, *args, **kwargs)

    monkeypatch.setattr(package_module, "_read_sheet", spy)
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied", result.errors
    assert [name for name, _ in seen] == list(RECORD_KINDS)
    budget = 2 * max(weights.values())
    for name, held in seen:
        assert not held or sum(weights[h] for h in held) + weights[name] <= budget, (name, held, weights)
    assert result.counts["activities"]["read"] == 30 and result.counts["equipment_items"]["read"] == 1


def test_room_makes_a_sheet_wait_until_the_sheets_before_it_are_let_go() -> None:
    import threading
    from types import SimpleNamespace

    from ccp_desktop.sync.prepare import Room

    weights = {"big": 100, "middle": 60, "small": 30}
    book = SimpleNamespace(checks=SimpleNamespace(weight=weights.__getitem__))
    room = Room(book, list(weights), threading.Event())  # type: ignore[arg-type]
    assert room.take("big") and room.take("middle")  # 160 of 200
    taken = threading.Event()
    waiter = threading.Thread(target=lambda: room.take("middle") and taken.set())
    waiter.start()
    assert not taken.wait(0.3)  # 220 would be over
    room.give_back("big")
    assert taken.wait(5)
    waiter.join()
    assert room.take("small")  # 150 held
    stop = threading.Event()
    lone = Room(book, list(weights), stop)
    assert lone.take("big") and lone.take("big")  # 200: at the budget
    stop.set()
    assert not lone.take("small")  # the import stopped: no more sheets


def _edit_cell(path: Path, out: Path, sheet: str, column: str, value: str) -> None:
    book = openpyxl.load_workbook(path)
    cells = book[sheet]
    at = [cell.value for cell in cells[1]].index(column) + 1
    cells.cell(row=2, column=at, value=value)
    book.save(out)


def test_a_problem_in_the_last_sheets_takes_back_the_sheets_applied_before_them(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path, tmp_path: Path) -> None:
    add_sample(post)
    path = export_package(post, outbox).path
    edited = tmp_path / "edited.xlsx"
    _edit_cell(path, edited, "equipment_items", "description", "changed after export")
    before = snapshot(hq)
    result = import_package(hq, edited)
    assert result.status == "rejected"
    assert [p.sheet for p in result.errors] == ["equipment_items"], result.errors
    assert snapshot(hq) == before  # partners, activities, links and deliveries were applied, then rolled back
    assert import_package(hq, path).status == "applied"  # the package as exported still imports


def test_problems_in_an_early_and_a_late_sheet_are_listed_together(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path, tmp_path: Path) -> None:
    add_sample(post)
    path = export_package(post, outbox).path
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    _edit_cell(path, once, "activities", "title", "a title changed after export")
    _edit_cell(once, twice, "equipment_items", "description", "changed after export")
    before = snapshot(hq)
    result = import_package(hq, twice)
    assert result.status == "rejected"
    assert {p.sheet for p in result.errors} == {"activities", "equipment_items"}
    assert snapshot(hq) == before


def test_a_cancel_in_the_last_sheet_changes_nothing(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                    outbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_sample(post)
    path = export_package(post, outbox).path
    reading: list[str] = []
    real = package_module._read_sheet

    def spy(book: Any, package: Any, kind: Any, *args: Any, **kwargs: Any) -> None:
        reading.append(kind.name)
        real(book, package, kind, *args, **kwargs)

    monkeypatch.setattr(package_module, "_read_sheet", spy)
    before = snapshot(hq)
    with pytest.raises(Cancelled):
        import_package(hq, path, should_cancel=lambda: reading[-1:] == ["attachments"])
    assert snapshot(hq) == before
    assert import_package(hq, path).status == "applied"


def test_a_dry_run_says_what_the_import_will_do_and_keeps_nothing(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path) -> None:
    add_sample(post)
    path = export_package(post, outbox).path
    before = snapshot(hq)
    dry = import_package(hq, path, dry_run=True)
    assert dry.status == "dry-run", dry.errors
    assert dry.message.startswith("Dry run, nothing changed:")
    assert snapshot(hq) == before
    applied = import_package(hq, path)
    assert applied.status == "applied"
    assert dry.counts == applied.counts and dry.warnings == applied.warnings



def _activities_in_the_file_alone(db: sqlite_utils.Database, tmp_path: Path) -> int:
    """Activities the database file holds without its write-ahead log (what folding the log writes there)."""
    import shutil

    from ccp_desktop.store.location import database_path

    copy = tmp_path / "file-alone.sqlite3"
    shutil.copyfile(database_path(db), copy)  # the -wal beside it is not copied
    conn = sqlite3.connect(copy)
    try:
        return int(conn.execute("SELECT count(*) FROM activities").fetchone()[0])
    finally:
        conn.close()
        copy.unlink()


def test_an_import_leaves_folding_its_log_for_later_and_fold_log_does_it(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path, tmp_path: Path) -> None:
    """The commit is durable once the log is synced; folding its pages into the file (scattered writes over
    a big HQ) waits for `fold_log` (or the last connection's close); the automatic checkpoint is back after."""
    from ccp_desktop.store.maintenance import fold_log

    add_sample(post)
    hq.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hq.execute("PRAGMA wal_autocheckpoint = 1")  # would fold at every commit
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    assert hq.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1
    assert hq.execute("SELECT count(*) FROM activities").fetchone()[0] == 1
    assert _activities_in_the_file_alone(hq, tmp_path) == 0  # still in the log
    fold_log(hq)
    assert _activities_in_the_file_alone(hq, tmp_path) == 1
