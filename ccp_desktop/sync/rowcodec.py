"""Per-record-type row converters, generated once per type: a database row → (its canonical form, its
Excel cells). A 100,000-row export calls this millions of times, so each column's conversion is written
out inline (no per-cell function call or loop) — the benchmark asks export to cost little more than
openpyxl writing the same cells. Every fast path yields exactly what `format.columns_for` parsers give,
and falls back to them otherwise (the round-trip property test holds both sides to that)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError
from ccp_desktop.sync import format as fmt

RowConverter = Callable[[tuple[Any, ...]], tuple[tuple[Any, ...], list[Any]]]

_TEXT = (r.TEXT, r.LONGTEXT, r.UUID, r.REF, r.CODE)


def _column_source(i: int, field: r.Field) -> list[str]:
    """Lines that set canonical `c{i}` and cell `x{i}` from database value `v{i}`."""
    t = field.type
    if t in _TEXT:
        return [
            f"c{i} = (v{i}.strip() or None) if type(v{i}) is str else (None if v{i} is None else P[{i}](v{i}))",
            f"x{i} = c{i} if c{i} is None or not (c{i}.startswith(PREFIXES) or '_x' in c{i}) else TEXT(c{i})",
        ]
    if t == r.TIMESTAMP:
        return [
            f"c{i} = v{i} if type(v{i}) is str and INSTANT(v{i}) else P[{i}](v{i})",
            f"x{i} = c{i} if c{i} is None or not (c{i}.startswith(PREFIXES) or '_x' in c{i}) else TEXT(c{i})",
        ]
    if t == r.INT:
        return [f"c{i} = v{i} if type(v{i}) is int or v{i} is None else P[{i}](v{i})", f"x{i} = c{i}"]
    if t == r.MONEY:  # the database holds integer cents; the cell shows AUD
        return [
            f"c{i} = v{i} if type(v{i}) is int or v{i} is None else WHOLE_CENTS(v{i})",
            f"x{i} = None if c{i} is None else STYLED[{i}](c{i} / 100)",
        ]
    if t == r.DATE:  # few distinct dates: remember each one's canonical text and date
        return [
            f"d{i} = DATES.get(v{i}) or DATE_OF(P[{i}], v{i})",
            f"c{i} = d{i}[0]",
            f"x{i} = None if c{i} is None else STYLED[{i}](d{i}[1])",
        ]
    if t == r.BOOL:
        return [f"c{i} = v{i} if type(v{i}) is int and (v{i} == 0 or v{i} == 1) else P[{i}](v{i})",
                f"x{i} = 'yes' if c{i} else 'no'"]
    if t == r.CODES:  # few distinct combinations of codes: remember each one
        return [f"c{i}, x{i} = CODES.get(v{i}) or CODES_OF(P[{i}], v{i})",
                f"x{i} = x{i} if x{i} is None or not (x{i}.startswith(PREFIXES) or '_x' in x{i}) else TEXT(x{i})"]
    # Serial numbers: canonical JSON text; the cell shows them separated by "; ".
    return [f"c{i} = P[{i}](v{i})", f"x{i} = None if c{i} is None else LIST(c{i})",
            f"x{i} = x{i} if x{i} is None or not (x{i}.startswith(PREFIXES) or '_x' in x{i}) else TEXT(x{i})"]


_CACHE_LIMIT = 50_000


def _remember_date(cache: dict[Any, tuple[Any, Any]]) -> Callable[[Callable[[Any], Any], Any], tuple[Any, Any]]:
    def date_of(parse: Callable[[Any], Any], value: Any) -> tuple[Any, Any]:
        canonical = parse(value)
        out = (canonical, None if canonical is None else dt.date.fromisoformat(canonical))
        if len(cache) < _CACHE_LIMIT:
            cache[value] = out
        return out
    return date_of


def _remember_codes(cache: dict[Any, tuple[Any, Any]], version: int) -> Callable[[Callable[[Any], Any], Any], tuple[Any, Any]]:
    def codes_of(parse: Callable[[Any], Any], value: Any) -> tuple[Any, Any]:
        canonical = parse(value)
        out = (canonical, None if canonical is None else fmt.list_text(canonical, version))
        if len(cache) < _CACHE_LIMIT:
            cache[value] = out
        return out
    return codes_of


def build_converter(kind: r.RecordKind, styled: dict[int, Callable[[Any], Any]], text_cell: Callable[[str], Any],
                    version: int = fmt.FORMAT_VERSION) -> RowConverter:
    """`styled[i]` makes the (date or money) cell of column i; `text_cell` makes a text cell that can
    never turn into a formula, with literal `_xHHHH_` escaped."""
    columns = fmt.columns_for(kind, version)
    n = len(columns)
    names = ", ".join(f"v{i}" for i in range(n))
    lines = ["def convert(row):", f"    {names}{',' if n == 1 else ''} = row"]
    for i, column in enumerate(columns):
        lines += [f"    {line}" for line in _column_source(i, column.field)]
    lines.append(f"    return ({', '.join(f'c{i}' for i in range(n))},), [{', '.join(f'x{i}' for i in range(n))}]")
    dates: dict[Any, tuple[Any, Any]] = {}
    codes: dict[Any, tuple[Any, Any]] = {}
    namespace: dict[str, Any] = {
        "DATES": dates, "DATE_OF": _remember_date(dates), "CODES": codes, "CODES_OF": _remember_codes(codes, version),
        "FINITE": math.isfinite,
        "WHOLE_CENTS": _whole_cents,
        "P": [c.parse for c in columns],
        "PREFIXES": fmt.FORMULA_PREFIXES,
        "INSTANT": fmt.ISO_INSTANT.fullmatch,
        "STYLED": styled,
        "TEXT": text_cell,
        "LIST": lambda value: fmt.list_text(value, version),
    }
    exec(compile("\n".join(lines), f"<row converter for {kind.name}>", "exec"), namespace)  # noqa: S102 - our own source
    converter: RowConverter = namespace["convert"]
    return converter


RowReader = Callable[[list[Any]], tuple[Any, ...]]


def _whole_cents(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise CoerceError(f"{value!r} is not an amount in whole cents")


def _read_source(i: int, field: r.Field, version: int) -> str:
    """One line that sets database value `c{i}` from cell `v{i}` (as python-calamine gives it)."""
    t = field.type
    if t in _TEXT:
        return f"c{i} = (v{i}.strip() or None) if type(v{i}) is str else P[{i}](v{i})"
    if t == r.TIMESTAMP:
        return f"c{i} = v{i} if type(v{i}) is str and INSTANT(v{i}) else P[{i}](v{i})"
    if t == r.INT:
        return f"c{i} = int(v{i}) if type(v{i}) is float and v{i}.is_integer() else None if v{i} == '' else P[{i}](v{i})"
    if t == r.MONEY and version >= 2:  # AUD in the cell, integer cents signed and stored
        return f"c{i} = None if v{i} == '' else P[{i}](v{i})"
    if t == r.MONEY:
        return (f"c{i} = v{i} if type(v{i}) is float and v{i} != 0 and round(v{i}, 2) == v{i} and FINITE(v{i})"
                f" else None if v{i} == '' else P[{i}](v{i})")
    if t == r.DATE:
        return f"c{i} = v{i}.isoformat() if type(v{i}) is DATE_TYPE else None if v{i} == '' else P[{i}](v{i})"
    if t == r.BOOL:
        return f"c{i} = 1 if v{i} == 'yes' else 0 if v{i} == 'no' else P[{i}](v{i})"
    if t == r.CODES:
        return f"c{i} = CODES[v{i}] if v{i} in CODES else CODES_OF(P[{i}], v{i})"
    return f"c{i} = P[{i}](v{i})"


def build_reader(kind: r.RecordKind, version: int = fmt.FORMAT_VERSION) -> RowReader:
    """Cells (in `kind.keys` order) of a package in format `version` → database values. Raises
    CoerceError on a bad cell: the caller then reads that row again cell by cell to name every bad one."""
    columns = fmt.columns_for(kind, version)
    n = len(columns)
    names = ", ".join(f"v{i}" for i in range(n))
    lines = ["def read(cells):", f"    {names}{',' if n == 1 else ''} = cells"]
    lines += [f"    {_read_source(i, c.field, version)}" for i, c in enumerate(columns)]
    lines.append(f"    return ({', '.join(f'c{i}' for i in range(n))},)")
    codes: dict[Any, Any] = {}

    def codes_of(parse: Callable[[Any], Any], value: Any) -> Any:
        canonical = parse(value)
        if len(codes) < _CACHE_LIMIT and isinstance(value, str):
            codes[value] = canonical
        return canonical

    namespace: dict[str, Any] = {
        "P": [c.parse for c in columns], "INSTANT": fmt.ISO_INSTANT.fullmatch, "FINITE": math.isfinite,
        "DATE_TYPE": dt.date, "CODES": codes, "CODES_OF": codes_of,
    }
    exec(compile("\n".join(lines), f"<row reader for {kind.name}>", "exec"), namespace)  # noqa: S102 - our own source
    reader: RowReader = namespace["read"]
    return reader
