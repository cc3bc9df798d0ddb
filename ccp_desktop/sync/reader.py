"""Opening a package safely. Before any spreadsheet parser sees the file: it must be a zip of sane size,
whose entries really inflate (checked by inflating, not by trusting headers) within limits, with no
document type declarations (so no external entities), no links to other files, no macros, and no
formulas in any worksheet. Only then does python-calamine open it.

A workbook's data sheets (most of a package's bytes) are checked the same way, on a thread of their own
once the first is asked for, and python-calamine parses none before its check has passed
(`Workbook.rows`, `Workbook.load_ahead`): a large import checks the next sheets while it reads and writes
the first ones, instead of checking them all first."""

from __future__ import annotations

import contextlib
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import python_calamine

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import PackageError
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import seal

MAX_PACKAGE_BYTES = 300 * 1024 * 1024
MAX_ENTRY_BYTES = 1536 * 1024 * 1024
MAX_TOTAL_BYTES = 3 * 1024 * 1024 * 1024
MAX_RATIO = 200  # spreadsheet XML compresses well, but not 200 to 1; a zip bomb does
RATIO_FLOOR_BYTES = 1024 * 1024  # tiny entries may compress oddly; the ratio matters for big ones
MAX_ENTRIES = 2000
_CHUNK = 1 << 20
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"')
# A sheet's size is what its cells claim: one cell at row 1,048,576 or column XFD makes a reader allocate
# the whole rectangle. Our sheets are dense, so a row number far beyond the rows present, or a column
# past ZZ (702), is a damaged or crafted file. The same pass that looks for formulas counts the rows and
# finds the highest 6+ digit row a cell claims (a package of over 99,999 rows has many).
_ROW_TAG = b"<row"
_ODD_REF = re.compile(rb'r="(?:[A-Z]{0,3}(\d{6,})"|[A-Z]{3}\d)')  # a 6+ digit row (group 1), or a column past ZZ
ROW_SLACK = 1000
DATA_SHEET_ORDER = (*RECORD_KINDS, fmt.RECEIPT_SHEET)  # parents first, as an import reads them
DATA_SHEETS = frozenset(DATA_SHEET_ORDER)
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass
class Preflight:
    """What the safety pass learned: each sheet's name and the cells holding formulas, by sheet."""

    sheet_files: dict[str, str] = field(default_factory=dict)  # zip entry -> sheet name
    formulas: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # sheet -> [(row, column)]
    sizes: dict[str, int] = field(default_factory=dict)  # sheet -> bytes of XML its zip entry claims
    unchecked: dict[str, zipfile.ZipInfo] = field(default_factory=dict)  # sheets left for check_sheet

    def weight(self, sheet: str) -> int:
        """How much of memory reading a sheet takes, relative to the others: its XML's size."""
        return self.sizes.get(sheet, 0)


def _scan_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, is_sheet: bool) -> list[tuple[int, int]]:
    """Inflate one entry in chunks, stopping at the limits; return formula cells (row, column)."""
    found: set[tuple[int, int]] = set()
    size = highest = rows = 0
    tail = b""
    limit = min(MAX_ENTRY_BYTES, max(info.compress_size * MAX_RATIO, RATIO_FLOOR_BYTES))
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise PackageError(
                    f"Refused: part {info.filename} of the file expands far beyond its packed size (a 'zip bomb' or a damaged file)"
                )
            window = tail + chunk
            # Plain substring tests first (fast); XML keywords are case-sensitive, so these are exact.
            # '!' alone first: a one-byte search is ten times faster, and '!' is rare in a sheet.
            if b"!" in window and b"<!" in window and (b"<!DOCTYPE" in window or b"<!ENTITY" in window):
                raise PackageError(f"Refused: part {info.filename} declares a document type (external entities are not allowed)")
            if is_sheet:
                rows += window.count(_ROW_TAG) - tail.count(_ROW_TAG)
                odd = _ODD_REF.findall(window)  # one scan for both
                if odd:
                    if b"" in odd:
                        raise PackageError(f"Refused: part {info.filename} has a cell beyond column ZZ "
                                           "(a damaged or crafted file)")
                    highest = max(highest, *map(int, odd))
            if is_sheet and (b"<f" in window or b":f" in window):
                for match in _FORMULA.finditer(window):
                    # The cell that holds the formula is the last <c r="..."> opened before it.
                    refs = list(_CELL_REF.finditer(window, 0, match.start()))
                    if refs:
                        # imported here: openpyxl costs an import 12 MB, and packages hold no formula
                        from openpyxl.utils import column_index_from_string

                        col, row = refs[-1].group(1).decode(), int(refs[-1].group(2))
                        found.add((row, column_index_from_string(col)))
                    else:
                        found.add((0, 0))
                    if len(found) >= 100:  # enough to refuse and to show where
                        return sorted(found)
            tail = window[-512:]
    if highest > rows + ROW_SLACK:
        raise PackageError(f"Refused: part {info.filename} claims row {highest:,} but holds {rows:,} rows "
                           "(a damaged or crafted file)")
    return sorted(found)


def _sheet_files(archive: zipfile.ZipFile) -> dict[str, str] | None:
    """Map worksheet zip entries to sheet names (workbook.xml and its rels are small and checked already);
    None when the workbook part is missing or unreadable."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    out = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            out[target] = sheet.get("name", "")
    return out


def preflight(path: Path, later: frozenset[str] = frozenset()) -> Preflight:
    """Refuse anything unsafe or not a workbook before a parser reads it. Sheets named in `later` are left
    for `check_sheet`, which must pass before a parser reads them."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PackageError(f"No file at {path}") from None
    if size == 0:
        raise PackageError(f"Refused: {path.name} is empty")
    if size > MAX_PACKAGE_BYTES:
        raise PackageError(f"Refused: {path.name} is {size // (1024 * 1024)} MB, over the {MAX_PACKAGE_BYTES // (1024 * 1024)} MB limit")
    if not zipfile.is_zipfile(path):
        raise PackageError(f"Refused: {path.name} is not an Excel (.xlsx) file, or it was cut short in transit")
    with _opened_zip(path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise PackageError(f"Refused: {path.name} has {len(infos)} parts, too many for a package")
        names = {i.filename for i in infos}
        if len(names) != len(infos):
            raise PackageError(f"Refused: {path.name} holds two parts under the same name (a damaged or crafted file)")
        if any(i.flag_bits & 0x1 for i in infos):
            raise PackageError(f"Refused: {path.name} is encrypted (password-protected); export it again unprotected")
        if any("externalLink" in n for n in names):
            raise PackageError("Refused: the workbook links to other files")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise PackageError("Refused: the workbook holds macros")
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise PackageError(f"Refused: {path.name} would expand beyond {MAX_TOTAL_BYTES // (1024 ** 3)} GB")
        # Small XML parts first (workbook, rels) so the sheet map below reads checked parts only.
        for info in infos:
            if not info.filename.startswith("xl/worksheets/"):
                _scan_entry(archive, info, False)
        sheet_files = _sheet_files(archive)
        result = Preflight(sheet_files=sheet_files or {})
        for info in infos:
            if info.filename.startswith("xl/worksheets/"):
                sheet = result.sheet_files.get(info.filename, info.filename)
                result.sizes[sheet] = info.file_size  # a claim until the sheet is inflated and checked
                if sheet in later and sheet not in result.unchecked:
                    result.unchecked[sheet] = info
                    continue
                cells = _scan_entry(archive, info, True)
                if cells:
                    result.formulas[sheet] = cells
        if sheet_files is None:
            raise PackageError("Refused: this is not an Excel workbook (its workbook part is missing or damaged)")
        for sheet, cells in result.formulas.items():
            if sheet not in DATA_SHEETS:  # data sheets' formulas are named cell by cell by the reader
                row, col = cells[0]
                where = f" (row {row}, column {col})" if row else ""
                raise PackageError(f"Refused: the {sheet} sheet holds a formula{where}; a package holds values only")
    return result


@contextlib.contextmanager
def _opened_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """The package's zip, open; whatever reading it raises for a damaged file becomes the refusal that says so.
    (RuntimeError covers zipfile's complaints about an encrypted entry and, through its subclass, about a
    compression method it does not know.)"""
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise PackageError(f"Refused: {path.name} is damaged (perhaps cut short in transit): {exc}") from None


def check_sheet(path: Path, checks: Preflight, sheet: str) -> None:
    """The safety pass over a sheet `preflight` left for later (nothing to do for the others); its formula
    cells go to `checks.formulas`. Opens the zip afresh: a thread of its own may call it."""
    info = checks.unchecked.pop(sheet, None)
    if info is None:
        return
    with _opened_zip(path) as archive:
        cells = _scan_entry(archive, info, True)
    if cells:
        checks.formulas[sheet] = cells


class Workbook:
    """A checked workbook, read with python-calamine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # A sealed package (age) is opened first, into a private plain copy that close() removes.
        self._opened = seal.open_if_sealed(path)
        source = self._opened or path
        try:
            self.checks = preflight(source, later=DATA_SHEETS)  # each checked just before it is parsed
            self._source = source
            self._book = python_calamine.CalamineWorkbook.from_path(str(source))
        except PackageError:
            seal.discard_opened(self._opened)
            raise
        except Exception as exc:  # noqa: BLE001 - calamine raises several types for a damaged file
            seal.discard_opened(self._opened)
            raise PackageError(f"Refused: {path.name} cannot be read as a workbook: {exc}") from None
        self.sheet_names = list(self._book.sheet_names)
        self._loader: ThreadPoolExecutor | None = None
        self._ahead: dict[str, Future[Any]] = {}
        self._checker: ThreadPoolExecutor | None = None
        self._checks_started = threading.Lock()
        self._checked: dict[str, Future[None]] = {}

    def _wait_until_checked(self, name: str) -> None:
        """The first data sheet asked for starts the safety passes over all of them, in the order an import
        reads them, on a thread of their own: each runs ahead of the sheet before it being parsed."""
        with self._checks_started:
            if self._checker is None and self.checks.unchecked:
                self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheet-checker")
                for sheet in [n for n in DATA_SHEET_ORDER if n in self.checks.unchecked]:
                    self._checked[sheet] = self._checker.submit(check_sheet, self._source, self.checks, sheet)
        checked = self._checked.get(name)
        if checked is not None:
            checked.result()

    def load_ahead(self, name: str) -> None:
        """Start parsing sheet `name` on a thread of its own (calamine lets go of the GIL while it parses), so
        that it is ready when `rows(name)` asks: an import applies one sheet while the next one loads."""
        if name not in self.sheet_names or name in self._ahead:
            return
        if self._loader is None:
            self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheet-loader")
        self._ahead[name] = self._loader.submit(self._load, name)

    def _load(self, name: str) -> Any:
        self._wait_until_checked(name)  # before calamine sees a byte of it
        return self._book.get_sheet_by_name(name)

    def rows(self, name: str) -> Iterator[list[Any]]:
        """Rows of a sheet as calamine values ('' for an empty cell), from the first (header) row."""
        try:
            ahead = self._ahead.pop(name, None)
            sheet = ahead.result() if ahead is not None else self._load(name)
            start = sheet.start
            # calamine starts at the first used cell; a sheet that starts lower or right is not ours.
            if start is not None and start != (0, 0):
                raise PackageError(f"Sheet {name}: the header row must be row 1 starting in column A")
            yield from sheet.iter_rows()
        except PackageError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise PackageError(f"Sheet {name} cannot be read: {exc}") from None

    def close(self) -> None:
        if self._loader is not None:  # a sheet still loading (an import refused or cancelled meanwhile)
            self._loader.shutdown(wait=True, cancel_futures=True)
            self._ahead.clear()
        if self._checker is not None:  # passes not needed any more: the one under way ends, the rest never start
            self._checker.shutdown(wait=True, cancel_futures=True)
        with contextlib.suppress(Exception):  # a damaged or half-built workbook may fail to close
            self._book.close()
        seal.discard_opened(self._opened)
