"""Write transactions that take the write lock up front.

sqlite-utils' `db.atomic()` starts a deferred transaction; when another connection (the GUI's, or the
background worker's) writes between our first read and our first write, SQLite must refuse the upgrade
(SQLITE_BUSY_SNAPSHOT) and no busy timeout helps. `BEGIN IMMEDIATE` waits for the lock first instead.
Nested use becomes a savepoint, exactly like `atomic()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only (start-up imports this before sqlite-utils is needed)
    import sqlite_utils


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
