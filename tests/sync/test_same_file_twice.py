"""The same package sent twice (an officer e-mails it again, HQ drops it in the folder again): HQ knows the very
file it imported by its bytes and says so without reading its sheets. Any other copy with the package's id
(re-saved in Excel, changed, forged) is read and compared in full, as before."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils

from ccp_desktop.sync import package as package_module
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.sync.conftest import add_sample, snapshot


@pytest.fixture
def sheets_read(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Which packages had their data sheets read (the expensive part of an import)."""
    read: list[Path] = []
    real = package_module._read_sheet  # every data sheet an import reads passes through it

    def spy(book: Any, package: Any, *args: Any, **kwargs: Any) -> None:
        if package.path not in read:
            read.append(package.path)
        real(book, package, *args, **kwargs)

    monkeypatch.setattr(package_module, "_read_sheet", spy)
    return read


def _imported(post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path) -> tuple[Path, Any]:
    add_sample(post)
    path = export_package(post, outbox).path
    first = import_package(hq, path)
    assert first.status == "applied", first.errors
    return path, first


def test_the_same_file_twice_is_known_without_reading_its_sheets(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path, tmp_path: Path,
        sheets_read: list[Path]) -> None:
    path, first = _imported(post, hq, outbox)
    before = snapshot(hq)
    sent_again = tmp_path / "mail" / path.name  # saved again from the e-mail: another file, the same bytes
    sent_again.parent.mkdir()
    shutil.copyfile(path, sent_again)
    sheets_read.clear()
    again = import_package(hq, sent_again)
    assert again.status == "already-imported", again.errors
    assert again.message.startswith("Already imported on 20")
    assert sheets_read == []
    assert {name: c["read"] for name, c in again.counts.items()} == {name: c["read"] for name, c in first.counts.items()}
    assert again.earlier["counts"] == first.counts
    assert snapshot(hq) == before


def test_a_resaved_copy_is_read_and_compared_in_full(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path, tmp_path: Path,
        sheets_read: list[Path]) -> None:
    path, _ = _imported(post, hq, outbox)
    resaved = tmp_path / "resaved.xlsx"
    openpyxl.load_workbook(path).save(resaved)  # every value kept, other bytes
    sheets_read.clear()
    again = import_package(hq, resaved)
    assert again.status == "already-imported", again.errors
    assert sheets_read == [resaved]


def test_a_changed_copy_with_the_same_id_is_still_refused(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path, tmp_path: Path) -> None:
    path, _ = _imported(post, hq, outbox)
    book = openpyxl.load_workbook(path)
    sheet = book["activities"]
    title = [cell.value for cell in sheet[1]].index("title") + 1
    sheet.cell(row=2, column=title, value="A title changed after export")
    changed = tmp_path / "changed.xlsx"
    book.save(changed)
    before = snapshot(hq)
    again = import_package(hq, changed)
    assert again.status == "rejected"
    assert any("changed after export" in p.message for p in again.errors), again.errors
    assert snapshot(hq) == before


def test_an_import_recorded_before_file_hashes_is_read_in_full(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path, sheets_read: list[Path]) -> None:
    """HQ's ledger from 0.2.0 and earlier has no file hash: the same file is then read and compared."""
    path, first = _imported(post, hq, outbox)
    hq.execute("UPDATE sync_imports SET summary = json_remove(summary, '$.file_sha256') WHERE package_id = ?",
               [first.package_id])
    hq.conn.commit()
    sheets_read.clear()
    again = import_package(hq, path)
    assert again.status == "already-imported", again.errors
    assert sheets_read == [path]
