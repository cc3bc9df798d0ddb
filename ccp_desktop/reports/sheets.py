"""Laying out the report's sheets with openpyxl's streaming (write-only) mode: a title, tables with typed
columns (money, counts, shares, dates), totals rows, native charts, frozen headers, a filter, column widths
that fit, and a landscape page set to one page wide for printing or PDF. No Qt."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart._chart import ChartBase
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

TEXT, COUNT, MONEY, SHARE, DATE = "text", "count", "money", "share", "date"
# Numbers keep a space's width on their right ("_ "), so that text in the next column does not touch them;
# money below zero (a tranche budgeted beyond its amount) shows red.
NUMBER_FORMATS = {COUNT: "#,##0_ ", MONEY: "#,##0.00_ ;[Red]-#,##0.00_ ", SHARE: "0.0%_ ", DATE: "yyyy-mm-dd"}
MAX_WIDTH = 90  # wider text wraps
FONT = "Calibri"  # LibreOffice shows its metric twin, Carlito
TITLE_FONT = Font(name=FONT, bold=True, size=14, color="1F5F8B")
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
TOTAL_FONT = Font(name=FONT, bold=True)
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")
_OOXML_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = TEXT


@dataclass
class Table:
    columns: Sequence[Col]
    rows: Sequence[Sequence[Any]]
    total: Sequence[Any] | None = None
    filtered: bool = False
    header_row: int = 0  # filled in by SheetPlan.table
    first_col: int = 1

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.header_row + max(len(self.rows), 1)

    @property
    def total_row(self) -> int:
        return self.last_row + 1 if self.total is not None else 0


def safe_text(text: str) -> str:
    """Text as a cell can hold it: no control characters; a literal `_x0041_` escaped, not decoded."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return _OOXML_ESCAPE.sub(r"_x005F_\1", text) if "_x" in text else text


def value_cell(sheet: Any, value: Any, kind: str = TEXT, *, font: Font | None = None, border: Border | None = None,
               wrap: bool = True) -> Any:
    """A value as the cell it should be: typed number formats; text that a spreadsheet would run as a formula
    kept as text; a plain value when no style is needed (fast for long sheets)."""
    if isinstance(value, str):
        value = safe_text(value)
    formula_like = isinstance(value, str) and value.startswith(_FORMULA_LIKE)
    number_format = NUMBER_FORMATS.get(kind) if value is not None and not isinstance(value, str) else None
    long_text = wrap and isinstance(value, str) and len(value) > MAX_WIDTH
    if not (formula_like or number_format or font or border or long_text):
        return value
    cell = WriteOnlyCell(sheet, value=None if formula_like else value)
    if formula_like:
        cell.value, cell.data_type, cell.quotePrefix = value, "s", True
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    if border:
        cell.border = border
    if long_text:
        cell.alignment = WRAP
    return cell


def shown_width(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == MONEY and isinstance(value, int | float):
        return len(f"{value:,.2f}")
    if kind == COUNT and isinstance(value, int | float):
        return len(f"{value:,.0f}")
    if kind == SHARE:
        return 6
    if isinstance(value, dt.date):
        return 10
    return max((len(part) for part in str(value).splitlines()), default=0)


@dataclass
class SheetPlan:
    """A sheet laid out in memory (summary sheets are small), then streamed out in one go."""

    name: str
    heading: str
    subtitle: str
    lines: list[tuple[int, list[Any], str]] = field(default_factory=list)  # (row, values, style)
    tables: list[Table] = field(default_factory=list)
    charts: list[tuple[Callable[[Any], ChartBase], str]] = field(default_factory=list)
    widths: dict[int, int] = field(default_factory=dict)
    row: int = 3  # rows 1-2: heading and subtitle
    breaks: list[int] = field(default_factory=list)  # a new printed page starts after each of these rows

    def line(self, *values: Any, style: str = "") -> int:
        self.row += 1
        self.lines.append((self.row, list(values), style))
        return self.row

    def note(self, text: str, width: int = 120) -> None:
        """A paragraph as lines short enough to print on the page (text runs on over empty cells)."""
        for part in textwrap.wrap(text, width) or [""]:
            self.line(part)

    def gap(self, rows: int = 1) -> None:
        self.row += rows

    def page_break(self) -> None:
        """What follows starts on a new printed page (so that no chart is cut in two)."""
        self.breaks.append(self.row)

    def table(self, columns: Sequence[Col], rows: Sequence[Sequence[Any]], total: Sequence[Any] | None = None,
              *, filtered: bool = False, caption: str = "") -> Table:
        if caption:
            self.line(caption, style="caption")
        table = Table(columns, rows, total, filtered, header_row=self.row + 1)
        self.tables.append(table)
        self.row = (table.total_row or table.last_row) + 1
        for n, col in enumerate(columns, start=1):
            values = [r[n - 1] for r in rows] + ([total[n - 1]] if total else [])
            width = max([len(col.header)] + [shown_width(v, col.kind) for v in values])
            self.widths[n] = min(max(self.widths.get(n, 0), width + 2), MAX_WIDTH)
        return table

    def chart(self, make: Callable[[Any], ChartBase], anchor: str) -> None:
        """`make(sheet)` builds the chart once the sheet exists (its references name the sheet)."""
        self.charts.append((make, anchor))

    def write(self, book: Workbook) -> Any:
        sheet = book.create_sheet(self.name[:31])
        for n, width in self.widths.items():
            sheet.column_dimensions[column_letter(n)].width = width
        filtered = next((t for t in self.tables if t.filtered), None)
        first = self.tables[0] if self.tables else None
        if first is not None and len(self.tables) == 1:  # one table: its header stays in view and on every page
            sheet.freeze_panes = f"A{first.first_row}"
            sheet.print_title_rows = f"{first.header_row}:{first.header_row}"
        elif first is not None:  # several tables: the title stays in view
            sheet.freeze_panes = "A3"
        set_page(sheet, len(self.breaks) + 1)  # a summary sheet prints on one page (or one per part)
        rows: dict[int, list[Any]] = {1: [value_cell(sheet, self.heading, font=TITLE_FONT, wrap=False)],
                                      2: [value_cell(sheet, self.subtitle, wrap=False)]}
        for row, line, style in self.lines:  # free lines run on to the right: never wrapped
            font = TOTAL_FONT if style in ("caption", "bold") else None
            rows[row] = [value_cell(sheet, v, font=font if n == 0 else None, wrap=False) for n, v in enumerate(line)]
        for table in self.tables:
            rows[table.header_row] = [header_cell(sheet, c.header) for c in table.columns]
            for offset, values in enumerate(table.rows):
                rows[table.first_row + offset] = [value_cell(sheet, v, c.kind) for v, c in zip(values, table.columns, strict=True)]
            if table.total is not None:
                rows[table.total_row] = [value_cell(sheet, v, c.kind, font=TOTAL_FONT, border=TOTAL_BORDER)
                                         for v, c in zip(table.total, table.columns, strict=True)]
        for n in range(1, max(rows, default=0) + 1):
            sheet.append(rows.get(n, []))
        if filtered is not None and filtered.rows:
            sheet.auto_filter.ref = f"A{filtered.header_row}:{column_letter(len(filtered.columns))}{filtered.last_row}"
        for row in self.breaks:
            sheet.row_breaks.append(Break(id=row))
        for make, anchor in self.charts:
            sheet.add_chart(make(sheet), anchor)
        return sheet


def header_cell(sheet: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return cell


def set_page(sheet: Any, pages_tall: int = 0) -> None:
    """Landscape A4, one page wide and `pages_tall` pages long (0: as many as it needs)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = pages_tall
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "&A, page &P of &N"


def column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)
