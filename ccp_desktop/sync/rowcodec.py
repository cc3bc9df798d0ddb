"""Row converters built from the canonical rules (`canonical.py`), one function per column and no
generated code: a database row -> (its canonical form, its Excel cells) for the writer, and a package's
cells -> canonical values (and database values) for the reader.

Columns whose values repeat (dates, codes, posts, referenced ids) remember each distinct value's answer: a
100,000-row sheet holds a few hundred distinct dates and code combinations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from operator import call
from typing import Any

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync.canonical import Convert, rules_for, same

RowConverter = Callable[[tuple[Any, ...]], tuple[tuple[Any, ...], list[Any]]]
BatchReader = Callable[[list[list[Any]]], list[tuple[Any, ...]]]

_CACHE_LIMIT = 50_000
_REPEATING = (r.DATE, r.CODES)
_MISSING = object()


def _remembered(convert: Convert, limit: int = _CACHE_LIMIT) -> Convert:
    """`convert` remembering its answer for each distinct text or date value, up to `limit` of them.
    Equal cells then also share one answer object: a package's rows hold each code, post, officer and
    referenced id once, not once per cell (a third of the memory an import holds)."""
    seen: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        if type(value) is not str and type(value) is not dt.date:  # 1, 1.0 and True are equal keys
            return convert(value)
        out = seen.get(value, _MISSING)
        if out is _MISSING:
            out = convert(value)
            if len(seen) < limit:
                seen[value] = out
        return out
    return remembered


def _for_column(field: r.Field, convert: Convert) -> Convert:
    return _remembered(convert) if field.type in _REPEATING else convert


_SHARED = 5_000  # distinct values remembered per column while reading; a column of unique text stops there


def sheet_readers(kind: r.RecordKind, version: int) -> list[tuple[str, Convert]]:
    """(column key, cell -> canonical value) for every column of a data sheet in format `version`: the
    record's fields, then what the version adds after them (change_seq, names and labels). Cell by cell,
    for naming the bad cells of rows `build_reader` refused (rows that read well go through it)."""
    pairs = [(f.key, rule.read) for f, rule in zip(kind.fields, rules_for(kind, version), strict=True)]
    extra = fmt.sheet_keys(kind, version)[len(pairs):]
    if extra:
        pairs.append((extra[0], fmt.parse_seq))
        pairs += [(key, fmt.annotation_text) for key in extra[1:]]
    return pairs


ColumnReader = Callable[[Sequence[Any]], list[Any]]
_KEYED = frozenset({str, dt.date})  # cell types whose equal values always read the same (not 1 == 1.0 == True)


def _column_reader(convert: Convert, limit: int) -> ColumnReader:
    """A column's cells -> canonical values, each distinct text or date converted once (up to `limit`
    remembered across batches) and looked up with `map`, not a Python call per cell; equal cells share
    one answer object. A column holding other types (numbers) is converted cell by cell."""
    seen: dict[Any, Any] = {}

    def read(cells: Sequence[Any]) -> list[Any]:
        if not _KEYED.issuperset(map(type, cells)):
            return list(map(convert, cells))
        distinct = set(cells)
        new = distinct.difference(seen)
        if len(seen) + len(new) <= limit:
            for value in new:
                seen[value] = convert(value)
            return list(map(seen.__getitem__, cells))
        table = {value: seen[value] if value in seen else convert(value) for value in distinct}
        return list(map(table.__getitem__, cells))
    return read


def _plain_column(convert: Convert) -> ColumnReader:
    def read(cells: Sequence[Any]) -> list[Any]:
        return list(map(convert, cells))
    return read


def build_reader(kind: r.RecordKind, version: int = fmt.FORMAT_VERSION) -> BatchReader:
    """Rows of cells (each in `fmt.sheet_keys` order, complete) -> canonical rows, a column at a time:
    the same values `sheet_readers` gives cell by cell, without a Python call per cell where values
    repeat. Raises CoerceError on a bad cell: the caller then reads those rows again with `read_cells`
    to name each bad one."""
    reads = [_plain_column(rule.read) if f.type == r.UUID else _column_reader(rule.read, _SHARED)
             for f, rule in zip(kind.fields, rules_for(kind, version), strict=True)]
    extra = fmt.sheet_keys(kind, version)[len(reads):]
    if extra:
        reads.append(_plain_column(fmt.parse_seq))
        reads += [_column_reader(fmt.annotation_text, _SHARED) for _ in extra[1:]]

    def read(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
        columns = [column(cells) for column, cells in zip(reads, zip(*rows, strict=True), strict=False)]
        return list(zip(*columns, strict=True))
    return read


def read_cells(readers: list[tuple[str, Convert]], cells: list[Any]) -> tuple[tuple[Any, ...], list[tuple[str, Any, str]]]:
    """A row's canonical values, None where a cell is bad, and (column key, value, message) per bad cell."""
    out: list[Any] = []
    bad: list[tuple[str, Any, str]] = []
    for (key, convert), cell in zip(readers, cells, strict=True):
        try:
            out.append(convert(cell))
        except CoerceError as exc:
            bad.append((key, cell, str(exc)))
            out.append(None)
    return tuple(out), bad


def build_storer(kind: r.RecordKind, version: int) -> Callable[[tuple[Any, ...]], tuple[Any, ...]] | None:
    """Canonical values -> database values, or None where the version signs the stored form itself."""
    steps = [(i, rule.to_stored) for i, rule in enumerate(rules_for(kind, version)) if rule.to_stored is not same]
    if not steps:
        return None

    def store(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i, convert in steps:
            values[i] = convert(values[i])
        return tuple(values)
    return store


def stored_to_canonical(kind: r.RecordKind, row: tuple[Any, ...], version: int = fmt.FORMAT_VERSION) -> tuple[Any, ...]:
    """A database row (columns in kind order) in canonical form, exactly as the importer will read it."""
    return tuple(rule.from_stored(value) for rule, value in zip(rules_for(kind, version), row, strict=True))


def _styled(to_cell: Convert, style: Callable[[Any], Any]) -> Convert:
    def make(value: Any) -> Any:
        return None if value is None else style(to_cell(value))
    return make


def build_converter(kind: r.RecordKind, styled: dict[int, Callable[[Any], Any]], text_cell: Callable[[str], Any],
                    version: int = fmt.FORMAT_VERSION) -> RowConverter:
    """Database rows -> (canonical values, cells). `styled[i]` makes the (date or money) cell of column i;
    `text_cell` makes a text cell that can never turn into a formula, with literal `_xHHHH_` escaped."""
    rules = rules_for(kind, version)
    canon = [_for_column(f, rule.from_stored) for f, rule in zip(kind.fields, rules, strict=True)]
    prefixes = fmt.FORMULA_PREFIXES
    changed: list[tuple[int, Convert]] = []  # columns whose cell is not the canonical value itself
    for i, (field, rule) in enumerate(zip(kind.fields, rules, strict=True)):
        to_cell = _remembered(rule.to_cell) if field.type == r.DATE else rule.to_cell  # one date object per date
        style = styled.get(i)
        if style is not None:
            changed.append((i, _styled(to_cell, style)))
        elif to_cell is not same:
            changed.append((i, to_cell))
    # Text a spreadsheet would run as a formula or decode as `_xHHHH_` becomes a text cell; checked in a
    # loop rather than a call per cell (export writes hundreds of thousands of text cells).
    texts = [i for i, f in enumerate(kind.fields) if f.type not in (r.DATE, r.MONEY, r.INT, r.BOOL)]

    def convert(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[Any]]:
        canonical = tuple(map(call, canon, row))  # map with operator.call: no Python-level loop per cell
        cells = list(canonical)
        for i, make in changed:
            cells[i] = make(cells[i])
        for i in texts:
            text = cells[i]
            if text is not None and (text.startswith(prefixes) or "_x" in text):
                cells[i] = text_cell(text)
        return canonical, cells
    return convert
