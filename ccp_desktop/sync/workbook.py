"""Writing a package workbook with openpyxl's streaming (write_only) mode: README, Manifest, data sheets,
a Lists sheet for dropdowns.

openpyxl streams each sheet to a scratch XML file, which holds record contents in plain text: those go to
a private (owner-only) work folder inside the data folder, never the system temp folder, and are removed
on success, on failure, and (after a kill) on the next start. The zip is built in memory (or in that
folder when large), so its exact size is known before the target drive is touched; then it is copied to
a hidden partial file beside the target, synced and renamed. A full drive is said so before writing."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet import _writer as sheet_writer
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.errors import CcpError, PackageError
from ccp_desktop.store import files
from ccp_desktop.store.files import restrict_file
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync.rowcodec import build_converter
from ccp_desktop.sync.sheetstream import DataSheet, PackageSheet, Styled, style_of

TICK = 1000
# A bigger package is built in the private work folder. Moving the spool to a file copies what it holds
# (the peak is about twice this), so it stays small: at 64 MB a 70 MB package peaked at 124 MB, not 59.
IN_MEMORY_ZIP_BYTES = 8 * 1024 * 1024
WHAT = "the package"


def _lines_needed(text: str, width: float) -> int:
    """How many lines a wrapped cell of `width` characters needs for `text` (a generous estimate)."""
    per_line = max(int(width * 1.1), 1)
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


class PackageWriter:
    """One workbook being written. README and Manifest come first in the file but are filled last."""

    def __init__(self, target: Path, work_dir: Path | None = None) -> None:
        """`work_dir`: the data folder whose private `tmp/` takes the scratch files (default: the
        per-user data folder)."""
        self.target = target
        files.remove_partials(target.parent)  # an earlier, killed export to this folder
        self.partial = files.partial_path(target)
        self.work = files.make_work_dir(work_dir)
        self.book = Workbook(write_only=True)
        self._readme = self._create_sheet(fmt.README_SHEET)
        self._manifest = self._create_sheet(fmt.MANIFEST_SHEET)
        self._lists: dict[str, tuple[int, int]] = {}  # list name -> (column, length) on the Lists sheet
        self._bold = Font(bold=True)

    def _create_sheet(self, name: str, data: bool = False) -> Any:
        """A streaming sheet whose scratch file lives in the private work folder (`sheetstream`); a data
        sheet (`data`) writes the row codec's typed values itself."""
        out = str(self.work / f"sheet{len(self.book.worksheets) + 1}.xml")
        sheet = (DataSheet if data else PackageSheet)(self.book, name, out)
        self.book._add_sheet(sheet)  # what Workbook.create_sheet does with the write-only sheet it makes
        return sheet

    def _header(self, sheet: Any, keys: Sequence[str]) -> None:
        cells = []
        for key in keys:
            cell = WriteOnlyCell(sheet, value=key)
            cell.font = self._bold
            cells.append(cell)
        sheet.append(cells)

    def _text_cell(self, sheet: Any, text: str) -> Cell:
        """Text a spreadsheet would run as a formula, forced to a text cell (and shown with a quote)."""
        cell = WriteOnlyCell(sheet, value=None)
        cell.value = text
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def _value_cell(self, sheet: Any, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = fmt.escape_text(value)
        return self._text_cell(sheet, value) if fmt.is_formula_like(value) else value

    def write_records(
        self,
        kind: r.RecordKind,
        rows: Iterable[tuple[Any, ...]],
        expected: int,
        hasher: fmt.SheetHasher,
        tick: Callable[[int], None],
    ) -> int:
        """A data sheet for `kind` from database rows: the record columns in `kind.keys` order, then the
        row's change sequence, then the name of each referenced record (see `fmt.annotations_for`).
        Each row's canonical form is hashed and is exactly what the cells hold; `tick(rows)` runs every
        TICK rows (progress, cancel)."""
        sheet = self._create_sheet(kind.name, data=True)
        sheet.freeze_panes = "A2"
        fields = kind.fields
        keys = fmt.sheet_keys(kind)
        widths = [fmt.COLUMN_WIDTHS[f.type] for f in fields] + [10] + [30] * (len(keys) - len(fields) - 1)
        for index, (key, width) in enumerate(zip(keys, widths, strict=True), start=1):
            # wide enough for its heading: participants_female, _male and _other must not all read "participant"
            sheet.column_dimensions[get_column_letter(index)].width = max(width, len(key) + 2)
        self._header(sheet, keys)
        convert = build_converter(kind, self._styled_cells(sheet, kind), lambda text: self._value_cell(sheet, text))
        annotate = self._annotator(sheet, kind)
        append = sheet.append
        batch: list[tuple[Any, ...]] = []
        count = 0
        raw: tuple[Any, ...] = ("?",)
        width = len(fields)
        try:
            for raw in rows:
                canonical, cells = convert(raw[:width])
                notes, note_cells = annotate(canonical, raw[width + 1 :])
                batch.append(canonical + (raw[width],) + notes)
                cells.append(raw[width])
                cells.extend(note_cells)
                append(cells)
                if len(batch) == TICK:
                    hasher.add_many(batch)
                    batch.clear()
                    tick(TICK)
            hasher.add_many(batch)
            tick(len(batch))
            count = hasher.rows
        except IllegalCharacterError:
            raise PackageError(
                f"{kind.label} {raw[0]} holds a control character that a spreadsheet cannot store; "
                "edit the record and export again"
            ) from None
        except CoerceError as exc:
            raise PackageError(f"{kind.label} {raw[0]} holds a value this program cannot export ({exc}); "
                               "edit the record and export again") from None
        except (CcpError, sqlite3.DatabaseError):  # a damaged page read: the caller words it (health.refuse_damaged_reads)
            raise
        except Exception as exc:  # a scratch file could not be written: the data folder's drive is full
            raise files.write_failure(exc, self.work, "the package's working files") from None
        if count != expected:
            raise PackageError(f"{kind.plural}: {count} rows written but {expected} expected; the database changed during export")
        last = get_column_letter(len(keys))
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
        self._add_dropdowns(sheet, kind, count)
        return count

    def _annotator(self, sheet: Any, kind: r.RecordKind) -> Callable[[tuple[Any, ...], tuple[Any, ...]], tuple[tuple[Any, ...], list[Any]]]:
        """(canonical row, referenced names from the query) → (canonical read-only values, their cells)."""
        ref = load_reference()
        plan: list[tuple[int, dict[str, str] | None]] = []  # (index into names, None) or (field index, labels)
        names_seen = 0
        for note in fmt.annotations_for(kind):
            if note.target is not None:
                plan.append((names_seen, None))
                names_seen += 1
            else:
                assert note.field.choices is not None
                labels = {str(e["code"]): str(e["label"]) for e in ref.entries(note.field.choices)}
                plan.append((kind.fields.index(note.field), labels))

        def annotate(canonical: tuple[Any, ...], names: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[Any]]:
            values = tuple(
                fmt.annotation_text(names[i] if labels is None else labels.get(canonical[i]) if canonical[i] else None)
                for i, labels in plan
            )
            return values, [None if v is None else self._value_cell(sheet, v) for v in values]

        return annotate

    def _styled_cells(self, sheet: Any, kind: r.RecordKind) -> dict[int, Callable[[Any], Any]]:
        """Per date/money column: value -> a `Styled` number cell, with the style openpyxl registers for
        a cell of that number format; a date as openpyxl writes it (Excel serial days), once per date."""
        out: dict[int, Callable[[Any], Any]] = {}
        for index, field in enumerate(kind.fields):
            if field.type == r.DATE:
                date_style = style_of(self._template_cell(sheet, fmt.DATE_FORMAT))
                days: dict[Any, Styled] = {}

                def put_date(value: Any, style: str = date_style, days: dict[Any, Styled] = days) -> Styled:
                    cell = days.get(value)
                    if cell is None:
                        cell = days[value] = Styled(style, to_excel(value, self.book.epoch))
                    return cell

                out[index] = put_date
            elif field.type == r.MONEY:
                money_style = style_of(self._template_cell(sheet, fmt.MONEY_FORMAT))

                def put_money(value: Any, style: str = money_style) -> Styled:
                    return Styled(style, value)

                out[index] = put_money
        return out

    @staticmethod
    def _template_cell(sheet: Any, number_format: str) -> Cell:
        cell = WriteOnlyCell(sheet, value=None)
        cell.number_format = number_format
        return cell

    def write_plain_sheet(self, name: str, keys: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        sheet = self._create_sheet(name)
        sheet.freeze_panes = "A2"
        self._header(sheet, keys)
        for index in range(len(keys)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = 38
        for row in rows:
            sheet.append([self._value_cell(sheet, v) for v in row])

    def _add_dropdowns(self, sheet: Any, kind: r.RecordKind, count: int) -> None:
        last_row = max(count + 1, 2)
        for index, field in enumerate(kind.fields, start=1):
            if field.system:
                continue
            if field.type == r.BOOL:
                formula = '"yes,no"'
            elif field.type == r.CODE and field.choices:
                column, length = self._list_column(field.choices)
                letter = get_column_letter(column)
                formula = f"{fmt.LISTS_SHEET}!${letter}$2:${letter}${length + 1}"
            else:
                continue
            validation = DataValidation(type="list", formula1=formula, allow_blank=not field.required)
            validation.error = f"Choose a value from the list for {field.label}"
            validation.showErrorMessage = True
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.data_validations.append(validation)

    def _list_column(self, name: str) -> tuple[int, int]:
        if name not in self._lists:
            self._lists[name] = (len(self._lists) + 1, len(load_reference().entries(name)))
        return self._lists[name]

    def finish(self, manifest: dict[str, str], readme: Iterable[Sequence[Any]]) -> Path:
        """Fill README, Manifest and Lists, save to the temporary file, then rename into place."""
        wrap = Alignment(wrap_text=True, vertical="top")
        widths = {"A": 28, "B": 40, "C": 40, "D": 40, "E": 40, "F": 60}
        for letter, width in widths.items():
            self._readme.column_dimensions[letter].width = width
        for number, line in enumerate(readme, start=1):
            # Wrapped text needs its row's height set: LibreOffice prints rows at their stored height.
            self._readme.row_dimensions[number].height = 15 * max(
                (_lines_needed(str(v), widths.get(get_column_letter(i), 40)) for i, v in enumerate(line, start=1)
                 if v not in (None, "")), default=1)
            cells = []
            for value in line:
                value = self._value_cell(self._readme, value)
                cell = value if isinstance(value, Cell) else WriteOnlyCell(self._readme, value=value)
                cell.alignment = wrap
                cells.append(cell)
            self._readme.append(cells)
        self._manifest.column_dimensions["A"].width = 30
        self._manifest.column_dimensions["B"].width = 90
        self._header(self._manifest, ["key", "value"])
        for key, value in manifest.items():
            self._manifest.append([key, self._value_cell(self._manifest, value)])
        try:
            self._write_lists()
            with tempfile.SpooledTemporaryFile(IN_MEMORY_ZIP_BYTES, mode="w+b", dir=str(self.work)) as spool:
                size = self._build_zip(spool)
                files.require_free_space(self.target.parent, size, WHAT)
                spool.seek(0)
                self._place(spool, size)
        except BaseException as exc:
            self.abandon()
            if isinstance(exc, Exception) and not isinstance(exc, CcpError):
                raise files.write_failure(exc, self.target.parent, WHAT) from None
            raise
        files.remove_tree(self.work)
        return self.target

    def _build_zip(self, spool: Any) -> int:
        """The workbook's zip into `spool`; returns its size. Our own ZipFile (not `Workbook.save`), so
        a failure is not followed by the zip's destructor writing again into a full drive."""
        self.book.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        archive = zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(self.book, archive).save()
        except BaseException as exc:
            archive.fp = None  # abandoned: nothing more may be written to it, not even by __del__
            if isinstance(exc, Exception) and not isinstance(exc, CcpError):
                raise files.write_failure(exc, self.work, "the package's working files") from None
            raise
        return int(spool.tell())

    def _place(self, spool: Any, size: int) -> None:
        """Copy the finished zip to the hidden partial file beside the target, sync, rename."""
        try:
            with open(self.partial, "wb") as out:
                restrict_file(self.partial)  # names of officials and recipients: the officer's eyes only
                while chunk := spool.read(1 << 20):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(self.partial, self.target)
        except OSError as exc:
            self.partial.unlink(missing_ok=True)
            raise files.write_failure(exc, self.target.parent, WHAT, size) from None
        files.fsync_dir(self.target.parent)

    def _write_lists(self) -> None:
        """Allowed values for the dropdowns, one column per list (hidden: it is for Excel, not people)."""
        sheet = self._create_sheet(fmt.LISTS_SHEET)
        sheet.sheet_state = "hidden"
        ref = load_reference()
        names = sorted(self._lists, key=lambda n: self._lists[n][0])
        columns = [[str(e["code"]) for e in ref.entries(n)] for n in names]
        sheet.append(names)
        for i in range(max((len(c) for c in columns), default=0)):
            sheet.append([c[i] if i < len(c) else None for c in columns])

    def abandon(self) -> None:
        """Leave nothing behind (cancel or failure): close each sheet's stream, then delete the scratch
        folder and any partial file."""
        for sheet in self.book.worksheets:
            writer = getattr(sheet, "_writer", None)
            for stream in (getattr(sheet, "_rows", None), writer):
                with contextlib.suppress(Exception):  # a half-written sheet may refuse to close; it is discarded
                    if stream is not None:
                        stream.close()
            if writer is not None:
                with contextlib.suppress(ValueError):
                    sheet_writer.ALL_TEMP_FILES.remove(writer.out)
        files.remove_tree(self.work)
        self.partial.unlink(missing_ok=True)
