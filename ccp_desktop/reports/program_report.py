"""The program report HQ gives leadership: one workbook a reader understands without the app.

Cover (scope, posts and what is not yet in, key figures), funding by tranche, activities by stream and
type, by place, by status and year, participants by sex per stream and per place, alignment markers,
equipment value and the equipment register. Every figure comes from `figures.py` (the dashboard reads
the same functions); totals are the database's own sums. Written to a hidden temporary file beside the
target and renamed into place, so a cancelled or failed report leaves nothing behind. No Qt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook

from ccp_desktop.reports import figures as fg
from ccp_desktop.reports.report_file import Progress, checked_request, write_from_snapshot
from ccp_desktop.reports.report_summary import summary_sheets
from ccp_desktop.reports.sheets import (
    COUNT,
    DATE,
    MONEY,
    TEXT,
    TITLE_FONT,
    TOTAL_BORDER,
    TOTAL_FONT,
    column_letter,
    header_cell,
    set_page,
    value_cell,
)

REGISTER_SHEET = "Equipment register"
REGISTER = (  # header, kind, width (numbers and dates right-aligned, so the column after them gets room)
    ("Serial number", TEXT, 22), ("Category", TEXT, 18), ("Description", TEXT, 32), ("Make and model", TEXT, 26),
    ("Quantity", COUNT, 10), ("Unit value (AUD)", MONEY, 17), ("Value (AUD)", MONEY, 16), ("Asset tag", TEXT, 14),
    ("Recipient organisation", TEXT, 48), ("Country or region", TEXT, 24), ("Delivery status", TEXT, 16),
    ("Handover reference", TEXT, 20), ("Post", TEXT, 20), ("Delivered on", DATE, 14), ("Warranty end", DATE, 14),
    ("Signed form attached", TEXT, 12),  # the recipient's signed handover form is attached to the delivery
)
TICK = 2000  # register rows between progress reports and cancel checks


@dataclass
class ReportResult:
    path: Path
    sheets: list[str]
    totals: fg.Totals
    register_rows: int


def write_program_report(db: sqlite_utils.Database, out: Path | str, scope: fg.ReportScope | None = None, *,
                         progress: Callable[[int, int], None] | None = None,
                         should_cancel: Callable[[], bool] | None = None) -> ReportResult:
    """Write the program report for `scope` (default: everything) to `out`; returns what was written.
    Raises ValidationError for a bad scope, Cancelled when `should_cancel()` says so (no file is left)."""
    scope, target = checked_request(db, out, scope, ".xlsx", "the report is an Excel workbook")
    book = Workbook(write_only=True)
    with write_from_snapshot(db, target, discard=lambda: _close_sheets(book)) as partial:
        register_total = fg.equipment_register_rows(db, scope)
        plans = summary_sheets(db, scope)
        steps = Progress(len(plans) + register_total, progress, should_cancel, "Report cancelled; no file was written")
        for plan in plans:
            plan.write(book)
            steps.advance(1)
        totals = fg.scope_totals(db, scope)
        written = _write_register(book, db, scope, totals, steps.advance)
        steps.check_cancel()
        book.save(partial)
    steps.finish()
    return ReportResult(target, [p.name for p in plans] + [REGISTER_SHEET], totals, written)


def _write_register(book: Workbook, db: sqlite_utils.Database, scope: fg.ReportScope, totals: fg.Totals,
                    tick: Callable[[int], None]) -> int:
    """Every item, streamed (the register may hold hundreds of thousands of rows)."""
    sheet = book.create_sheet(REGISTER_SHEET)
    for n, (header, _, width) in enumerate(REGISTER, start=1):
        sheet.column_dimensions[column_letter(n)].width = max(width, len(header) + 2)
    header_row = 4
    sheet.freeze_panes = f"B{header_row + 1}"  # the header and the serial number stay in view
    sheet.print_title_rows = f"{header_row}:{header_row}"
    set_page(sheet)
    sheet.append([value_cell(sheet, "Equipment register", font=TITLE_FONT)])
    sheet.append([f"{scope.describe_period()}; {scope.describe_posts().lower()}. One row per serial number; "
                  "units without a serial number share a row."])
    sheet.append([])
    sheet.append([header_cell(sheet, header) for header, _, _ in REGISTER])
    kinds = [kind for _, kind, _ in REGISTER]
    styled = [n for n, kind in enumerate(kinds) if kind in (MONEY,)]
    rows = 0
    for row in fg.iter_equipment_register(db, scope):
        values = list(row)
        for n in styled:  # dates get a date format by themselves; money needs its own
            values[n] = value_cell(sheet, values[n], MONEY)
        for n, value in enumerate(values):
            if isinstance(value, str) and value[:1] in "=+-@\t\r" or isinstance(value, str) and "_x" in value:
                values[n] = value_cell(sheet, value)
        sheet.append(values)
        rows += 1
        if rows % TICK == 0:
            tick(TICK)
    tick(rows % TICK)
    last = header_row + max(rows, 1)
    total = ["Total", None, None, None, totals.units, None, totals.equipment_value] + [None] * (len(REGISTER) - 7)
    sheet.append([value_cell(sheet, v, kinds[n], font=TOTAL_FONT, border=TOTAL_BORDER) for n, v in enumerate(total)])
    if rows:
        sheet.auto_filter.ref = f"A{header_row}:{column_letter(len(REGISTER))}{last}"
    return rows


def _close_sheets(book: Workbook) -> None:
    """Leave nothing behind: close each sheet's temporary stream (the partial file is removed after)."""
    for sheet in book.worksheets:
        with contextlib.suppress(Exception):  # a half-written sheet may refuse to close; it is discarded
            if not sheet.closed:
                sheet.close()
        writer = getattr(sheet, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()

