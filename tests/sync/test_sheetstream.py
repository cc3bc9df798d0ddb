"""Data sheets are written straight into openpyxl's stream (sync/sheetstream.py): the same XML openpyxl's
own `append` writes for the same cells, its checks kept, and text that Excel would read as an error
value stays text."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError

from ccp_desktop.store.records import update_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.sheetstream import DataSheet, Styled, style_of
from tests.sync.conftest import add_sample, records_of


def _cell(sheet: Any, value: Any, **style: Any) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _rows(sheet: Any, fast: bool) -> list[list[Any]]:
    """The same cells, as the row codec hands them to a data sheet (fast) and as openpyxl takes them."""
    day, amount = dt.date(2024, 2, 29), 1234.5
    if fast:
        date_cell = Styled(style_of(_cell(sheet, None, number_format="yyyy-mm-dd")), to_excel(day))
        money_cell = Styled(style_of(_cell(sheet, None, number_format="#,##0.00")), amount)
    else:
        date_cell = _cell(sheet, day, number_format="yyyy-mm-dd")
        money_cell = _cell(sheet, amount, number_format="#,##0.00")
    quoted = _cell(sheet, None, quotePrefix=True)
    quoted.value, quoted.data_type = "=1+1", "s"
    return [
        [_cell(sheet, "id", font=Font(bold=True)), _cell(sheet, "title", font=Font(bold=True))],
        ["plain", " padded \n", "<&> \"quoted\" 'single'", "Ōtautahi — 東京", 42, -7, 1.5, 0.1 + 0.2, 10**15 + 0.25],
        [None, date_cell, None, money_cell, quoted, True, "", "x" * 40_000, "_x0041_"],
    ]


def _sheet_data(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: re.search(rb"<sheetData>.*</sheetData>", archive.read(name), re.S).group(0)
                for name in archive.namelist() if name.startswith("xl/worksheets/sheet")}


def test_a_data_sheet_writes_the_xml_openpyxl_writes_for_the_same_cells(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    plain = book.create_sheet("plain")
    fast = DataSheet(book, "fast", str(tmp_path / "fast.xml"))
    book._add_sheet(fast)
    for sheet, is_fast in ((plain, False), (fast, True)):
        for row in _rows(sheet, is_fast):
            sheet.append(row)
    book.save(tmp_path / "both.xlsx")
    data = _sheet_data(tmp_path / "both.xlsx")
    assert data["xl/worksheets/sheet1.xml"] == data["xl/worksheets/sheet2.xml"]
    assert b't="inlineStr"' in data["xl/worksheets/sheet2.xml"] and b' s="' in data["xl/worksheets/sheet2.xml"]


@pytest.mark.parametrize("text", ["bell\x07", "nul\x00here", "\x1bescape"])
def test_a_control_character_is_refused_as_openpyxl_refuses_it(tmp_path: Path, text: str) -> None:
    book = Workbook(write_only=True)
    sheet = DataSheet(book, "fast", str(tmp_path / "fast.xml"))
    book._add_sheet(sheet)
    with pytest.raises(IllegalCharacterError):
        sheet.append(["fine", text])


def test_text_that_reads_as_an_excel_error_value_travels_as_text(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                                 outbox: Path) -> None:
    """openpyxl writes "#N/A" as an error cell; such a package failed its own hash check at HQ."""
    sample = add_sample(post)
    update_record(post, "activities", sample["activity"]["id"], {"title": "#N/A", "location": "#REF!"})
    result = export_package(post, outbox)
    assert import_package(hq, result.path).status == "applied"
    activity = records_of(hq)["activities"][sample["activity"]["id"]]
    assert (activity["title"], activity["location"]) == ("#N/A", "#REF!")


def test_a_record_holding_a_control_character_is_named_and_nothing_is_written(post: sqlite_utils.Database,
                                                                             outbox: Path) -> None:
    """A value typed before forms refused control characters (or pasted into the database) stops the export
    with the record named, as openpyxl's check did."""
    from ccp_desktop.errors import PackageError
    from ccp_desktop.store import files

    sample = add_sample(post)
    with post.conn:
        post.execute("UPDATE activities SET location = ? WHERE id = ?", ["Suva\x07", sample["activity"]["id"]])
    with pytest.raises(PackageError, match=f"{sample['activity']['id']} holds a control character"):
        export_package(post, outbox)
    assert list(outbox.iterdir()) == []
    ours = [p for p in files.work_root().rglob("*") if p.is_file() and p.parent.name.startswith(f"{os.getpid()}-")]
    assert ours == []  # this process's scratch sheets are gone (other processes may be exporting beside it)
