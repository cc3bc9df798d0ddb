"""The safety pass over a sheet part: a package of over 99,999 rows is dense and passes in one pass; a cell
claiming a row far beyond the rows present (a reader would allocate the whole rectangle) is refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from ccp_desktop.errors import PackageError
from ccp_desktop.sync.reader import ROW_SLACK, _scan_entry


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
