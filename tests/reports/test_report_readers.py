"""The report opens clean elsewhere: python-calamine reads every cell as openpyxl wrote it, and LibreOffice
(headless) converts it to a PDF with every sheet in it. LibreOffice is required: CI installs it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
from python_calamine import CalamineWorkbook

from ccp_desktop.reports.program_report import write_program_report


def _plain(value: Any) -> Any:
    if value in ("", None):
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def test_calamine_reads_every_cell_as_written(hq_db: Any, tmp_path: Path) -> None:
    path = write_program_report(hq_db, tmp_path / "report.xlsx").path
    book = openpyxl.load_workbook(path)
    calamine = CalamineWorkbook.from_path(str(path))
    assert calamine.sheet_names == book.sheetnames
    for name in book.sheetnames:
        expected = [[_plain(c.value) for c in row] for row in book[name].iter_rows()]
        got = [[_plain(v) for v in row] for row in calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)]
        width = max(len(r) for r in expected)
        got = [row + [None] * (width - len(row)) for row in got][: len(expected)]
        assert got == expected, name


def test_libreoffice_converts_it_to_pdf_with_every_sheet(hq_db: Any, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is not installed here; this test needs it (CI installs it)"
    result = write_program_report(hq_db, tmp_path / "report.xlsx")
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: parallel runs do not share a lock
    run = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                          "--outdir", str(tmp_path), str(result.path)], capture_output=True, text=True, timeout=240)
    pdf = tmp_path / "report.pdf"
    assert run.returncode == 0 and pdf.exists(), run.stderr
    pages = pypdf.PdfReader(pdf).pages
    text = "\n".join(page.extract_text() for page in pages)
    for sheet in result.sheets:  # every page footer names its sheet
        assert f"{sheet}, page" in text, sheet
    assert "Cyber Cooperation Program: program report" in text
    assert f"{result.totals.budget:,.2f}" in text  # money printed with its number format
    assert len(pages) >= len(result.sheets)
