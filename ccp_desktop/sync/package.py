"""Reading a package into checked rows: structure, manifest, signature, hashes, and every cell parsed by
the shared domain parser. Every problem is collected with sheet, Excel row, column key and value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError, cents_to_money, list_from_stored
from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import PackageError, Problem
from ccp_desktop.store import lineage
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync import signing
from ccp_desktop.sync.reader import Workbook
from ccp_desktop.sync.result import short_value
from ccp_desktop.sync.rowcodec import build_reader, build_storer, read_cells, sheet_readers

RECEIPT_KIND = r.RecordKind(
    name=fmt.RECEIPT_SHEET, label="Package", plural="Packages", search_columns=(), title_field="package_id",
    fields=(
        r.Field("package_id", "Package id", r.UUID, required=True),
        r.Field("kind", "Kind", r.TEXT, required=True),
        r.Field("seq_from", "First change", r.INT, required=True),
        r.Field("seq_to", "Last change", r.INT, required=True),
        r.Field("created_at", "Made at the post (UTC)", r.TIMESTAMP, required=True),
        r.Field("imported_at", "Imported at HQ (UTC)", r.TIMESTAMP, required=True),
    ),
)

BATCH_ROWS = 1000  # rows read, hashed and converted together (a column at a time)
REQUIRED_MANIFEST = ("format", "format_version", "package_id", "kind", "post_code", "created_at", "public_key", "signature")


@dataclass
class SheetRows:
    kind: r.RecordKind
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # database-form values in kind.keys order
    excel_rows: list[int] = field(default_factory=list)
    seqs: list[int | None] = field(default_factory=list)  # each row's change_seq (format 2; empty for format 1)
    let_go: int = 0  # rows read and no longer held (an import applies a sheet, then keeps only its ids)

    @property
    def count(self) -> int:
        """Rows read, held or not."""
        return len(self.rows) + self.let_go

    def release(self) -> None:
        """Forget the rows (their ids stay known to the package): memory follows one sheet, not the package."""
        self.let_go += len(self.rows)
        self.rows, self.excel_rows, self.seqs = [], [], []

    def seq_of(self, position: int, default: int | None) -> int | None:
        """Where row `position` stands in the post's journal; a format-1 package only bounds it."""
        return self.seqs[position] if self.seqs else default


@dataclass
class Package:
    path: Path
    manifest: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, SheetRows] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    signature_ok: bool = False
    readable: bool = False
    deleted_at_hq: set[tuple[str, str]] = field(default_factory=set)  # (table, id) referenced, deleted by HQ
    # At HQ, a serial this package's item shares with another post's item: (serial, item, other item, other post)
    serial_collisions: list[tuple[str, str, str, str]] = field(default_factory=list)
    file_sha256: str | None = None  # the file's bytes, set by the importer: the same file sent twice is known by it
    _ids: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def ids(self, sheet: str) -> set[str]:
        """Every record id a data sheet carries (live or tombstoned), computed once (before its rows are
        released)."""
        if sheet not in self._ids:
            self._ids[sheet] = {row[0] for row in self.sheets[sheet].rows}
        return self._ids[sheet]

    def keep_ids(self, sheet: str, ids: set[str]) -> None:
        """The sheet's ids, as whoever read its rows collected them (`ids` then needs no pass of its own)."""
        self._ids[sheet] = ids

    @property
    def kind(self) -> str | None:
        return self.manifest.get("kind") or None

    @property
    def is_receipt(self) -> bool:
        return self.kind == "receipt"

    @property
    def incarnation(self) -> str:
        """Which life of the post's database made it (format 1: the post's legacy history)."""
        return self.manifest.get("incarnation") or lineage.legacy_incarnation(self.manifest.get("post_code", ""))

    @property
    def lineage_entries(self) -> list[tuple[str, str | None, int | None]]:
        return lineage.parse_lineage(self.manifest.get("lineage"))

    @property
    def format_version(self) -> int:
        return self.number("format_version") or fmt.FORMAT_VERSION

    def number(self, key: str) -> int:
        try:
            return int(self.manifest.get(key) or 0)
        except ValueError:
            return 0

    def problem(self, message: str, *, sheet: str | None = None, row: int | None = None, column: str = "file",
                value: Any = None) -> None:
        self.errors.append(Problem(column, message, short_value(value), sheet, row))


def _read_manifest(book: Workbook, package: Package) -> None:
    if fmt.MANIFEST_SHEET not in book.sheet_names:
        package.problem(f"the {fmt.MANIFEST_SHEET} sheet is missing: this is not a CCP Field Desk package", sheet=fmt.MANIFEST_SHEET)
        return
    for index, row in enumerate(book.rows(fmt.MANIFEST_SHEET), start=1):
        if index == 1 or not row or row[0] in ("", None):
            continue
        key = fmt.manifest_text(row[0])
        for column, value in enumerate(row[2:], start=2):
            if value not in ("", None):
                package.problem(f"cell {_cell_name(column, index)} is outside the manifest's two columns; nothing may "
                                "be added to a signed package", sheet=fmt.MANIFEST_SHEET, row=index, column=key)
        if key in package.manifest:
            package.problem(f"manifest key {key!r} appears twice", sheet=fmt.MANIFEST_SHEET, row=index, column=key)
        package.manifest[key] = fmt.manifest_text(row[1] if len(row) > 1 else "")


def _check_manifest(package: Package) -> bool:
    """Format, version, kind and signature. False when the rest cannot be read meaningfully."""
    m = package.manifest
    missing = [k for k in REQUIRED_MANIFEST if not m.get(k)]
    if m.get("format") and m["format"] != fmt.FORMAT_NAME:
        package.problem("this workbook is not a CCP Field Desk sync package", sheet=fmt.MANIFEST_SHEET, column="format",
                        value=m["format"])
        return False
    if missing:
        package.problem(f"the manifest lacks {', '.join(missing)}", sheet=fmt.MANIFEST_SHEET, column=missing[0])
        return False
    try:
        version = int(m["format_version"])
    except ValueError:
        version = -1
    if version > max(fmt.READABLE_VERSIONS):
        package.problem(
            f"made by a newer version of CCP Field Desk (package format {version}; this copy reads format "
            f"{fmt.FORMAT_VERSION}): update this installation, then import again",
            sheet=fmt.MANIFEST_SHEET, column="format_version", value=m["format_version"],
        )
        return False
    if version < 1:
        package.problem("the package format version is not valid", sheet=fmt.MANIFEST_SHEET, column="format_version",
                        value=m["format_version"])
        return False
    if m["kind"] not in fmt.PACKAGE_KINDS:
        package.problem(f"unknown package kind {m['kind']!r}", sheet=fmt.MANIFEST_SHEET, column="kind", value=m["kind"])
        return False
    if version >= 2 and m["kind"] != "receipt":
        entries = package.lineage_entries
        if not m.get("incarnation") or not entries or entries[0][0] != m["incarnation"]:
            package.problem("the manifest's incarnation and lineage are missing or do not match",
                            sheet=fmt.MANIFEST_SHEET, column="lineage", value=m.get("lineage"))
            return False
    package.signature_ok = signing.verify(m["public_key"], fmt.manifest_message(m), m["signature"])
    if not package.signature_ok:
        package.problem(
            "the signature does not match: the manifest was changed after signing, or the package was not signed "
            "by the key it names", sheet=fmt.MANIFEST_SHEET, column="signature",
        )
    return True


def _cell_name(column: int, row: int) -> str:
    # imported here, only to name a bad cell: openpyxl costs an import 12 MB
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{row}"


def _stray_cells(cells: list[Any], used: set[int], excel_row: int) -> list[str]:
    """Addresses of non-empty cells outside the package's columns (a note typed beside the data)."""
    return [_cell_name(col, excel_row) for col, value in enumerate(cells)
            if col not in used and value not in ("", None)]


def _read_sheet(book: Workbook, package: Package, kind: r.RecordKind, progress: Callable[[int], None] | None,
                keep_rows: bool) -> None:
    name = kind.name
    if name not in book.sheet_names:
        package.problem(f"the sheet {name} is missing", sheet=name)
        return
    version = package.format_version
    expected_keys = fmt.sheet_keys(kind, version)
    rows = book.rows(name)
    header = [fmt.manifest_text(h) for h in next(rows, [])]
    index: dict[str, int] = {}
    for position, key in enumerate(header):
        if key in index:
            package.problem(f"column {key} appears twice", sheet=name, row=1, column=key)
        elif key in expected_keys:
            index[key] = position
        elif key:
            package.problem(f"cell {_cell_name(position, 1)} holds a column heading that is not part of the package "
                            "(nothing may be added to a signed package; send the package as exported)",
                            sheet=name, row=1, column=key, value=key)
    missing = [k for k in expected_keys if k not in index]
    if missing:
        package.problem(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}", sheet=name, row=1,
                        column=missing[0])
        return
    by_position = {col: key for key, col in index.items()}
    for row, col in book.checks.formulas.get(name, []):
        key = by_position.get(col - 1, f"column {col}")
        package.problem("a formula is not allowed in a package; cells must hold values", sheet=name, row=row, column=key)
    read = build_reader(kind, version)
    store = build_storer(kind, version)  # format 1 signed money as AUD; the database holds integer cents
    n = len(kind.keys)
    positions = [index[k] for k in expected_keys]
    used = set(positions)
    width = max(positions) + 1
    in_order = positions == list(range(len(positions)))  # the usual case: take the cells as they come
    hasher = fmt.SheetHasher()
    sheet = SheetRows(kind)
    pending: list[list[Any]] = []
    pending_rows: list[int] = []

    def flush() -> None:
        try:
            canonical = read(pending)
        except CoerceError:  # read these rows again cell by cell, to name every bad cell
            canonical, readers = [], sheet_readers(kind, version)
            for values, excel_row in zip(pending, pending_rows, strict=True):
                row, bad = read_cells(readers, values)
                canonical.append(row)
                for key, value, message in bad:
                    package.problem(message, sheet=name, row=excel_row, column=key, value=value)
        hasher.add_many(canonical)
        if len(expected_keys) > n:
            sheet.seqs.extend(row[n] for row in canonical)
            canonical = [row[:n] for row in canonical]
        if keep_rows:
            sheet.rows.extend(map(store, canonical) if store else canonical)
            sheet.excel_rows.extend(pending_rows)
        else:
            sheet.let_go += len(canonical)
        if progress:
            progress(len(pending))
        pending.clear()
        pending_rows.clear()

    for excel_row, cells in enumerate(rows, start=2):
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        if len(cells) > width or not in_order:
            for address in _stray_cells(cells, used, excel_row):
                package.problem(f"cell {address} is outside the package's columns; nothing may be added to a "
                                "signed package (send it as exported)", sheet=name, row=excel_row, column=address)
        values = (cells if len(cells) == width else cells[:width]) if in_order else [cells[p] for p in positions]
        if values[0] == "" and all(v == "" or v is None for v in values):
            continue  # a blank row carries nothing; the row count check still catches deleted rows
        pending.append(values)
        pending_rows.append(excel_row)
        if len(pending) == BATCH_ROWS:
            flush()
    flush()
    package.sheets[name] = sheet
    _check_sheet_hash(package, name, hasher)


def _check_sheet_hash(package: Package, name: str, hasher: fmt.SheetHasher) -> None:
    declared_rows = package.manifest.get(f"rows.{name}")
    declared_hash = package.manifest.get(f"hash.{name}")
    if declared_rows is None or declared_hash is None:
        package.problem(f"the manifest has no row count or hash for sheet {name}", sheet=fmt.MANIFEST_SHEET, column=f"hash.{name}")
    elif str(hasher.rows) != declared_rows:
        package.problem(
            f"{hasher.rows} rows, but {declared_rows} were signed: rows were added or deleted after export",
            sheet=name, column="rows", value=hasher.rows,
        )
    elif hasher.hexdigest() != declared_hash:
        package.problem("values differ from those signed: the sheet was edited after export", sheet=name, column="hash")


def expected_sheets(kind: str | None) -> list[r.RecordKind]:
    return [RECEIPT_KIND] if kind == "receipt" else list(RECORD_KINDS.values())


def open_package(path: Path) -> tuple[Workbook | None, Package]:
    """The safety checks, the manifest and its signature; data sheets are not read yet. The caller
    closes the workbook. `package.readable` says whether reading the sheets makes sense."""
    package = Package(Path(path))
    try:
        book = Workbook(package.path)
    except PackageError as exc:
        package.problem(str(exc))
        return None, package
    try:
        _read_manifest(book, package)
        package.readable = not package.errors and _check_manifest(package)
    except PackageError as exc:
        package.problem(str(exc))
    return book, package


def read_sheet(book: Workbook, package: Package, kind: r.RecordKind, progress: Callable[[int], None] | None = None,
               *, keep_rows: bool = True) -> SheetRows | None:
    """Read, check and hash one data sheet into `package.sheets`; its problems go to `package.errors`.
    `keep_rows=False` checks and counts without holding the rows (a copy of a package imported before).
    None when the sheet could not be read at all."""
    if package.format_version < fmt.SHEETS_SINCE.get(kind.name, 1):
        sheet = package.sheets[kind.name] = SheetRows(kind)  # an older format has no such sheet: nothing in it
        return sheet
    try:
        _read_sheet(book, package, kind, progress, keep_rows)
    except PackageError as exc:
        package.problem(str(exc))
    return package.sheets.get(kind.name)


def read_sheets(book: Workbook, package: Package, progress: Callable[[int], None] | None = None,
                *, keep_rows: bool = True) -> None:
    for kind in expected_sheets(package.kind):
        read_sheet(book, package, kind, progress, keep_rows=keep_rows)


def read_package(path: Path, *, progress: Callable[[int], None] | None = None) -> Package:
    """Everything checkable without a database. Never raises for a bad file: problems are collected."""
    book, package = open_package(path)
    if book is None:
        return package
    try:
        if package.readable:
            read_sheets(book, package, progress)
    finally:
        book.close()
    return package


def _money(value: Any) -> Any:
    return cents_to_money(value) if isinstance(value, int) else value


def field_decoder(field: r.Field) -> Callable[[Any], Any] | None:
    """A database-form value of this field -> its stored-form value (lists decoded, money in AUD); None
    where the two are the same."""
    if field.type in (r.CODES, r.SERIALS):
        return list_from_stored
    return _money if field.type == r.MONEY else None


_DECODERS: dict[str, list[tuple[r.Field, Callable[[Any], Any]]]] = {}
_MISSING = object()


def _decoding(kind: r.RecordKind) -> list[tuple[r.Field, Callable[[Any], Any]]]:
    steps = _DECODERS.get(kind.name)
    if steps is None:
        steps = _DECODERS[kind.name] = [(f, convert) for f in kind.fields if (convert := field_decoder(f))]
    return steps


def decode(kind: r.RecordKind, row: tuple[Any, ...]) -> dict[str, Any]:
    """A database-form row as a stored-form record (lists decoded, money in AUD), for validation and display."""
    record = dict(zip(kind.keys, row, strict=True))
    for column, convert in _decoding(kind):
        record[column.key] = convert(record[column.key])
    return record


def record_decoder(kind: r.RecordKind) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """`decode` for the rows of one sheet, each distinct code list decoded once: the rules only read a
    record, so rows may share a decoded list (a sheet repeats a few hundred code lists)."""
    keys = kind.keys
    steps: list[tuple[str, Callable[[Any], Any], dict[Any, Any] | None]] = [
        (f.key, convert, {} if f.type == r.CODES else None) for f, convert in _decoding(kind)]

    def as_record(row: tuple[Any, ...]) -> dict[str, Any]:
        record = dict(zip(keys, row, strict=True))
        for key, convert, seen in steps:
            value = record[key]
            if seen is None:
                record[key] = convert(value)
                continue
            found = seen.get(value, _MISSING)
            if found is _MISSING:
                found = seen[value] = convert(value)
            record[key] = found
        return record
    return as_record
