"""insert_values: many rows in a few multi-row statements, the same rows and rowids as one per row."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from ccp_desktop.store.batch_values import insert_values


def _table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (a TEXT, b INTEGER, c)")
    return conn


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 2503])
def test_the_same_rows_in_the_same_order_as_one_statement_a_row(count: int) -> None:
    rows = [(f"id{n}", n, None if n % 3 else b"\x00x") for n in range(count)]
    ours, plain = _table(), _table()
    assert insert_values(ours, "INSERT INTO t (a, b, c)", rows, 3) == count
    plain.executemany("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", rows)
    assert ours.execute("SELECT rowid, * FROM t").fetchall() == plain.execute("SELECT rowid, * FROM t").fetchall()


def test_a_build_with_few_variables_gets_smaller_statements() -> None:
    conn = _table()
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)  # three rows of three a statement
    assert insert_values(conn, "INSERT INTO t", ((str(n), n, n) for n in range(7)), 3) == 7
    assert [row[0] for row in conn.execute("SELECT b FROM t")] == list(range(7))


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="3 values"):
        insert_values(_table(), "INSERT INTO t", [("a", 1, 2), ("b", 2)], 3)


def test_rows_go_in_while_another_thread_runs_python() -> None:
    """Why it exists: one statement a row waits for the GIL on every row while another thread is busy."""
    rows = [(f"id{n}", n, n) for n in range(50_000)]
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            sum(range(100))

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        started = time.perf_counter()
        insert_values(_table(), "INSERT INTO t", rows, 3)
        took = time.perf_counter() - started
    finally:
        stop.set()
        worker.join()
    assert took < 10, took  # one statement a row: about 400 s here (8 ms a row)
