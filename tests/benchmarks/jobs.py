"""Jobs the benchmarks run, each in a spawned process (see harness.measure): ours and the raw floors.

Floors are the raw libraries doing the same I/O:
- export: openpyxl write_only writing the same cells (dates as dates with their format, money with its
  2-decimal format, lists as text; the change sequence and the read-only names and labels of format 2)
  read from the same database with the same query; no canonical form, hashing, signing, README,
  dropdowns or temp-file rename;
- import: python-calamine reading the same file plus `executemany` of the rows into plain tables (no
  triggers, no indexes, no primary key), with the pragmas the app uses (WAL, synchronous=FULL);
- re-import: python-calamine reading the same file alone.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks.harness import bytes_written


def job_export(db_path: str, out_dir: str, kind: str = "full") -> dict[str, Any]:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.export import export_package

    db = open_database(db_path)
    started = time.perf_counter()
    result = export_package(db, Path(out_dir), kind=kind)
    return {"seconds": time.perf_counter() - started, "path": str(result.path), "rows": sum(result.counts.values())}


def job_export_floor(db_path: str, out_dir: str) -> dict[str, Any]:
    """openpyxl writing the cells a package's data sheets hold, read with the same query: the record's
    columns, its change sequence, and the read-only name beside each reference and label beside each code
    (format 2); none of the canonical form, hashing, signing, README, manifest or dropdowns."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from ccp_desktop.domain import records as r
    from ccp_desktop.domain.records import RECORD_KINDS
    from ccp_desktop.domain.reference import load_reference
    from ccp_desktop.sync import format as fmt
    from ccp_desktop.sync.export import _columns

    conn = sqlite3.connect(db_path)
    started = time.perf_counter()
    ref = load_reference()
    book = Workbook(write_only=True)
    for name, kind in RECORD_KINDS.items():
        sheet = book.create_sheet(name)
        sheet.append(fmt.sheet_keys(kind))
        convert: list[tuple[int, Callable[[Any], Any]]] = []
        for i, f in enumerate(kind.fields):
            if f.type in (r.DATE, r.MONEY):
                cell = WriteOnlyCell(sheet)  # one reused styled cell per column: openpyxl's cheapest way
                cell.number_format = "yyyy-mm-dd" if f.type == r.DATE else "#,##0.00"

                def styled(v: Any, cell: Any = cell, is_date: bool = f.type == r.DATE) -> Any:
                    if v is None:
                        return None
                    cell.value = dt.date.fromisoformat(v) if is_date else v / 100
                    return cell

                convert.append((i, styled))
            elif f.type in (r.CODES, r.SERIALS):
                convert.append((i, lambda v: "; ".join(json.loads(v)) if v else None))
            elif f.type == r.BOOL:
                convert.append((i, lambda v: "yes" if v else "no"))
        labels = [(kind.fields.index(a.field), {str(e["code"]): str(e["label"]) for e in ref.entries(a.field.choices)})
                  for a in fmt.annotations_for(kind) if a.target is None and a.field.choices]
        for row in conn.execute(f"SELECT {_columns(kind)} FROM {name} AS t ORDER BY t.rowid"):
            cells = list(row)
            for i, fn in convert:
                cells[i] = fn(cells[i])
            cells.extend(table.get(row[i]) if row[i] else None for i, table in labels)
            sheet.append(cells)
    book.save(Path(out_dir) / "floor.xlsx")
    took = time.perf_counter() - started
    (Path(out_dir) / "floor.xlsx").unlink()
    return {"seconds": took}


def fresh_hq(path: str) -> Any:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.identity import initialise

    initialise(Path(path), post_code="AU-HQ", officer="Bench HQ", role="hq")
    return open_database(path)


def job_import(hq_path: str, package: str, fresh: bool = True) -> dict[str, Any]:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.importer import import_package

    db = fresh_hq(hq_path) if fresh else open_database(hq_path)
    written = bytes_written()
    started = time.perf_counter()
    result = import_package(db, Path(package))
    took = time.perf_counter() - started
    written = bytes_written() - written
    assert result.status == "applied", result.message
    return {"seconds": took, "inserted": result.totals()["inserted"], "written_mb": written / 1e6}


def job_import_floor(hq_path: str, package: str) -> dict[str, Any]:
    import python_calamine

    from ccp_desktop.domain import records as r
    from ccp_desktop.domain.records import RECORD_KINDS

    conn = sqlite3.connect(hq_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for name, kind in RECORD_KINDS.items():
        conn.execute(f"CREATE TABLE {name} ({', '.join(kind.keys)})")
    started = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(package)
    conn.execute("BEGIN")
    for name, kind in RECORD_KINDS.items():
        rows = book.get_sheet_by_name(name).iter_rows()
        next(rows)
        # Only what the schema needs to hold the rows: NULL for empty, ISO dates, JSON lists, 0/1.
        convert = [(i, f.type) for i, f in enumerate(kind.fields) if f.type in (r.DATE, r.CODES, r.SERIALS, r.BOOL)]
        width = len(kind.keys)
        batch = []
        for raw in rows:
            row = [None if v == "" else v for v in raw[:width]]
            for i, t in convert:
                v = row[i]
                if t == r.BOOL:
                    row[i] = 1 if v == "yes" else 0
                elif t == r.DATE:
                    row[i] = v.isoformat() if v else None
                else:
                    row[i] = json.dumps([s.strip() for s in v.split(";")]) if v else None
            batch.append(row)
        conn.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in kind.keys)})", batch)
    conn.execute("COMMIT")
    return {"seconds": time.perf_counter() - started}


def job_reimport(hq_path: str, package: str) -> dict[str, Any]:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.importer import import_package

    db = open_database(hq_path)
    started = time.perf_counter()
    result = import_package(db, Path(package))
    took = time.perf_counter() - started
    assert result.status == "already-imported", result.message
    return {"seconds": took}


def job_read_floor(package: str, only: str = "") -> dict[str, Any]:
    """calamine reading every data sheet (or only the sheet `only`), every row materialised."""
    import python_calamine

    from ccp_desktop.domain.records import RECORD_KINDS

    started = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(package)
    rows = 0
    for name in [only] if only else RECORD_KINDS:
        rows += len(book.get_sheet_by_name(name).to_python())
    return {"seconds": time.perf_counter() - started, "rows": rows}
