"""Inserting many rows with a few multi-row `INSERT … VALUES (…), (…), …` statements instead of one
statement per row.

Python's sqlite3 lets go of the GIL around every statement step. `executemany` steps once per row, so
while another thread runs Python (the import prepares the next sheet on one) each row waits for the GIL
to come back, up to the switch interval (5 ms): 100,000 rows took 800 s against a busy thread, 0.5 s
alone. A statement of about a thousand rows steps once for all of them: the same rows took 1.2 s against
the busy thread, and no longer than executemany alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from typing import Any

MAX_ROWS = 1_000  # rows a statement at most; fewer where the build's variable limit asks for it


def insert_values(conn: sqlite3.Connection, into: str, rows: Iterable[Sequence[Any]], width: int) -> int:
    """`into` is the statement up to VALUES (`INSERT INTO t (a, b)`, `INSERT OR REPLACE INTO …`); each row
    holds `width` values. Rows go in in order (rowids as executemany gives them). Returns the rows inserted."""
    per_statement = max(1, min(MAX_ROWS, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    one = f"({', '.join('?' * width)})"
    full = f"{into} VALUES {', '.join([one] * per_statement)}"
    done, rows = 0, iter(rows)
    while batch := list(islice(rows, per_statement)):
        sql = full if len(batch) == per_statement else f"{into} VALUES {', '.join([one] * len(batch))}"
        values = list(chain.from_iterable(batch))
        if len(values) != width * len(batch):
            raise ValueError(f"insert_values: every row must hold {width} values")
        conn.execute(sql, values)
        done += len(batch)
    return done
