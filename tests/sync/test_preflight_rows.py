"""The safety pass over a sheet part: a package of over 99,999 rows is dense and passes in one pass; a cell
claiming a row far beyond the rows present (a reader would allocate the whole rectangle) is refused; a
data sheet is checked just before it is parsed, and never parsed when it fails."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from ccp_desktop.errors import PackageError
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.reader import ROW_SLACK, _scan_entry
from tests.sync.conftest import add_sample, snapshot


def _sheet_part(rows: int, extra: str = "") -> zipfile.ZipFile:
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
                   for n in range(1, rows + 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{body}{extra}</sheetData></worksheet>")
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def test_a_dense_sheet_of_over_a_hundred_thousand_rows_passes() -> None:
    archive = _sheet_part(120_000)
    assert _scan_entry(archive, archive.infolist()[0], True) == []


def test_a_cell_claiming_a_row_far_beyond_those_present_is_refused() -> None:
    far = 120_000 + ROW_SLACK + 1 + 1
    archive = _sheet_part(120_000, f'<row r="120001"><c r="A{far}"><v>1</v></c></row>')
    with pytest.raises(PackageError, match=f"claims row {far:,} but holds 120,001 rows"):
        _scan_entry(archive, archive.infolist()[0], True)


def test_rows_within_the_slack_pass() -> None:
    near = 120_001 + ROW_SLACK
    archive = _sheet_part(120_000, f'<row r="120001"><c r="A{near}"><v>1</v></c></row>')
    assert _scan_entry(archive, archive.infolist()[0], True) == []


def test_a_cell_beyond_column_zz_is_refused() -> None:
    archive = _sheet_part(10, '<row r="11"><c r="AAA11"><v>1</v></c></row>')
    with pytest.raises(PackageError, match="beyond column ZZ"):
        _scan_entry(archive, archive.infolist()[0], True)


def test_a_data_sheet_is_checked_before_calamine_parses_it(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                          outbox: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Data sheets are checked as the import reaches them: a crafted activities sheet is refused by name,
    calamine never parses it, and HQ keeps nothing of the sheets applied before it."""
    import python_calamine

    from tests.reliability.hostile_corpus import edit_sheet_xml

    add_sample(post)
    good = export_package(post, outbox).path
    crafted = edit_sheet_xml(good, tmp_path / good.name, "activities",
                             lambda xml: xml.replace("</sheetData>", '<row r="900"><c r="AAA900"><v>1</v></c></row></sheetData>'))
    parsed: list[str] = []
    real = python_calamine.CalamineWorkbook.get_sheet_by_name

    def spy(book: Any, name: str) -> Any:
        parsed.append(name)
        return real(book, name)

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "get_sheet_by_name", spy)
    before = snapshot(hq)
    result = import_package(hq, crafted)
    assert result.status == "rejected"
    assert any("beyond column ZZ" in p.message for p in result.errors), result.errors
    assert "partners" in parsed and "activities" not in parsed
    assert snapshot(hq) == before
