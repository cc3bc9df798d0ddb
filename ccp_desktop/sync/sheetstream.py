"""A package's streaming sheets: openpyxl's write-only worksheet, with its scratch file in our private work
folder and, for data sheets, rows written straight into the sheet's lxml stream.

openpyxl's write-only `append` turns every value into a Cell (type guessing, string checks, coordinate
maths) before it writes it: about 7 µs a cell, most of a full export's time. A data sheet's values are
already typed by the row codec, so `DataSheet` writes them into the same stream with the same elements
and attributes openpyxl writes (an inline string, a number, a styled number), in about half the time:
- `str`: an inline string cell; control characters raise openpyxl's IllegalCharacterError as before;
- `int`/`float`: a number cell, formatted by openpyxl's own `safe_string`;
- `Styled(style, number)`: a number cell with a registered style (dates as Excel serial days, money);
- anything else (the bold header, a text cell forced with a quote prefix, an empty or over-long string, a
  bool) goes through openpyxl's own cell writer, exactly as `append` would write it.
`tests/sync/test_sheetstream.py` checks that both paths write the same sheet XML.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet import _writer as sheet_writer
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.constants import XML_NS
from openpyxl.xml.functions import Element

_LONGEST_TEXT = 32767  # openpyxl truncates longer text; such a value takes its path (and its behaviour)
_PRESERVE = {f"{{{XML_NS}}}space": "preserve"}
_LETTERS: list[str] = []  # column letters, A, B, ..., as far as the widest sheet written


class Styled(NamedTuple):
    """A number cell with a cell style registered in the workbook (`style_of`)."""

    style: str  # the workbook's style id, as text
    number: int | float


def style_of(cell: Cell) -> str:
    """The style id of a (template) cell, registering its style in the workbook as openpyxl does."""
    return f"{cell.style_id}"


class PackageSheet(WriteOnlyWorksheet):
    """A streaming sheet whose scratch file is `out` (inside the private work folder). openpyxl makes its
    writer on the first row, after freeze panes and widths are set; so does this, and lists the file
    where openpyxl's own cleanup expects it."""

    def __init__(self, parent: Any, title: str, out: str) -> None:
        super().__init__(parent, title)
        self.out = out

    def _get_writer(self) -> None:
        if getattr(self, "_writer", None) is None:
            sheet_writer.ALL_TEMP_FILES.append(self.out)
            writer = self._make_writer()
            writer.write_top()
            self._writer = writer

    def _make_writer(self) -> sheet_writer.WorksheetWriter:
        return sheet_writer.WorksheetWriter(self, out=self.out)


class DataSheet(PackageSheet):
    """A data sheet: rows of values typed by the row codec, written by `_RowWriter`."""

    def _values_to_row(self, values: list[Any], row_idx: int) -> list[Any]:
        return values  # openpyxl would make a Cell of each; `_RowWriter.write_row` takes the values

    def _make_writer(self) -> sheet_writer.WorksheetWriter:
        return _RowWriter(self, out=self.out)


class _RowWriter(sheet_writer.WorksheetWriter):
    def write_row(self, xf: Any, row: list[Any], row_idx: int) -> None:
        r = f"{row_idx}"
        letters = _LETTERS
        if len(letters) < len(row):
            letters.extend(get_column_letter(i) for i in range(len(letters) + 1, len(row) + 1))
        element, write = xf.element, xf.write
        with element("row", {"r": r}):
            for letter, value in zip(letters, row, strict=False):
                if value is None:
                    continue
                kind = type(value)
                if kind is str and value and len(value) <= _LONGEST_TEXT:
                    try:
                        with element("c", {"r": letter + r, "t": "inlineStr"}), element("is"):
                            if value != value.strip():  # as openpyxl: keep the spaces (an attribute lxml's
                                text = Element("t", _PRESERVE)  # incremental writer cannot name, hence an Element)
                                text.text = value
                                write(text)
                            else:
                                with element("t"):
                                    write(value)
                    except ValueError:  # what openpyxl's own check says of a control character
                        raise IllegalCharacterError(f"{value} cannot be used in worksheets.") from None
                elif kind is int or kind is float:
                    with element("c", {"r": letter + r, "t": "n"}), element("v"):
                        write(safe_string(value))
                elif kind is Styled:
                    with element("c", {"r": letter + r, "s": value.style, "t": "n"}), element("v"):
                        write(safe_string(value.number))
                else:
                    cell = value if isinstance(value, Cell) else WriteOnlyCell(self.ws, value=value)
                    cell.row, cell.column = row_idx, column_index_from_string(letter)
                    if cell._value is not None or cell.has_style:
                        sheet_writer.write_cell(xf, self.ws, cell, cell.has_style)
