"""Inserting many records in one go (HQ importing a post's package) with the work of their AFTER INSERT
triggers (the change journal, the search indexes, the serial-number index) done once per statement instead
of once per row: for a 43,000-row package the triggers cost more than the rows themselves.

Each such trigger is dropped, the rows inserted, the trigger's own statement run once over the new rows
(`INSERT … SELECT … FROM table AS new WHERE new.rowid > before`, so `NEW.x` in its body means the same
thing), and the trigger made again from its stored SQL, all inside the caller's transaction. The result is
the rows, journal entries and index entries the triggers would have written, in the same order. A trigger
of a shape this does not know stays in place and fires per row as usual. On an error the caller's rollback
puts every trigger back with the rows (schema changes are transactional in SQLite). A trigger that keeps
counts and sums (`INSERT … ON CONFLICT (key) DO UPDATE SET x = x + excluded.x`, migration m019) adds up
the new rows per key in its statement, one upsert per key instead of one per row.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import sqlite_utils

from ccp_desktop.domain.records import RecordKind
from ccp_desktop.store.batch_values import insert_values

BULK_FROM = 50  # fewer rows than this: the per-row triggers cost less than dropping and making them again
REBUILD_FROM = 5_000  # rows from which building a table's indexes after the load pays (see _indexes_to_rebuild)
RowWriter = Callable[[Sequence[Sequence[Any]]], None]  # what `bulk_load` gives: writes a batch of database-form rows

_TRIGGER = re.compile(
    r"^CREATE TRIGGER\s+\S+\s+AFTER INSERT ON\s+\"?(?P<table>\w+)\"?\s+(?:WHEN\s+(?P<when>.*?)\s+)?"
    r"BEGIN\s+(?P<body>[^;]*);\s*END$", re.S | re.I)
_VALUES = re.compile(r"^INSERT INTO\s+(?P<target>\"?\w+\"?\s*\([^)]*\))\s*VALUES\s*\((?P<exprs>.*)\)$", re.S | re.I)
_UPSERT = re.compile(r"\s+(ON CONFLICT\b.*)$", re.S | re.I)  # a summary's `… ON CONFLICT DO UPDATE` tail
_ADDING = re.compile(r"^ON CONFLICT\s*\((?P<keys>[^)]*)\)\s*DO UPDATE SET\s+(?P<sets>.*)$", re.S | re.I)
_ADD = re.compile(r"^(\w+)\s*=\s*\1\s*\+\s*excluded\.\1$", re.I)
_SELECT = re.compile(r"^INSERT INTO\s+(?P<target>\"?\w+\"?\s*\([^)]*\))\s*SELECT\s+(?P<exprs>.*?)\s+FROM\s+"
                     r"(?P<source>.*?)(?:\s+WHERE\s+(?P<where>.*))?$", re.S | re.I)


@lru_cache(maxsize=128)  # the same few triggers, asked for each table of every import and bulk load
def bulk_statement(trigger_sql: str) -> str | None:
    """The trigger's statement as one statement over the rows after rowid `?`, or None for a shape not
    known here (more than one statement, an UPDATE or DELETE, …)."""
    trigger = _TRIGGER.match(trigger_sql.strip())
    if trigger is None:
        return None
    table, when, body = trigger["table"], trigger["when"], trigger["body"].strip()
    upsert = _UPSERT.search(body)
    if upsert is not None:  # kept for the end: an upsert applies to each row the statement's SELECT gives
        body = body[:upsert.start()]
    conditions = ["new.rowid > ?"] + ([f"({when})"] if when else [])
    # NOT INDEXED: the new rows are read by their rowid range. Left to itself the planner may answer a
    # GROUP BY by walking a whole index in its order (a kept count per partner: every row of a
    # 3,600,000-row table to add up 1,600 new ones, 170 ms instead of 2).
    new = f'"{table}" AS new NOT INDEXED'
    if values := _VALUES.match(body):
        source = new
    elif (select := _SELECT.match(body)) and " from " not in select["exprs"].lower():
        values = select
        source = f'{new}, {select["source"]}'
        conditions += [f"({select['where']})"] if select["where"] else []
    else:
        return None
    where, tail = " AND ".join(conditions), upsert[1] if upsert else ""
    summed = _summed(values["target"], values["exprs"], tail) if tail else None
    if summed is not None:  # one upsert per key instead of one per row
        exprs, keys = summed
        return f"INSERT INTO {values['target']} SELECT {exprs} FROM {source} WHERE {where} GROUP BY {keys} {tail}"
    return f"INSERT INTO {values['target']} SELECT {values['exprs']} FROM {source} WHERE {where} ORDER BY new.rowid {tail}".strip()


def _split(text: str) -> list[str]:
    """Comma-separated SQL at the top level (not inside brackets or quotes)."""
    parts, depth, quoted, start = [], 0, False, 0
    for n, char in enumerate(text):
        quoted = not quoted if char == "'" else quoted
        depth += (char == "(") - (char == ")") if not quoted else 0
        if char == "," and not depth and not quoted:
            parts.append(text[start:n].strip())
            start = n + 1
    return [*parts, text[start:].strip()]


def _summed(target: str, exprs: str, upsert: str) -> tuple[str, str] | None:
    """For an upsert that adds every other column to the row of its key (`x = x + excluded.x`, a kept
    count or sum), the SELECT list with those columns summed and the positions to group by: rows of one
    key add up the same in one statement as one by one. None for any other upsert."""
    adding = _ADDING.match(upsert.strip())
    columns, values = _split(target[target.index("(") + 1:target.rindex(")")]), _split(exprs)
    if adding is None or len(columns) != len(values):
        return None
    keys = {k.lower() for k in _split(adding["keys"])}
    added = {m[1].lower() for m in (_ADD.match(s) for s in _split(adding["sets"])) if m}
    if (not keys or len(added) != len(_split(adding["sets"])) or keys | added != {c.lower() for c in columns}
            or keys & added):
        return None
    select = [f"sum({v})" if c.lower() in added else v for c, v in zip(columns, values, strict=True)]
    positions = [str(n) for n, c in enumerate(columns, 1) if c.lower() in keys]
    return ", ".join(select), ", ".join(positions)


def insert_rows(db: sqlite_utils.Database, kind: RecordKind, rows: Sequence[Sequence[Any]]) -> None:
    """Insert database-form rows (columns in `kind.keys` order) inside the caller's write transaction, with
    what the insert triggers would write, written in bulk."""
    with bulk_load(db, kind, len(rows)) as write:
        write(rows)


@contextmanager
def bulk_load(db: sqlite_utils.Database, kind: RecordKind, adding: int) -> Iterator[RowWriter]:
    """Insert about `adding` rows in as many calls of the function it gives as the caller likes (a bulk load
    judged and encoded a batch at a time), inside the caller's write transaction: the triggers' bulk
    statements run once over all of them at the end, and a load that at least doubles a table builds its
    indexes once, after the last row. `adding` only chooses the way; the rows and entries are the same.
    If the body raises, the caller's rollback puts the triggers and indexes back with the rows."""
    conn = db.conn
    insert = f"INSERT INTO {kind.name} ({', '.join(kind.keys)})"

    def write(rows: Sequence[Sequence[Any]]) -> None:
        insert_values(conn, insert, rows, len(kind.keys))

    triggers: list[tuple[str, str, str]] = []
    if adding >= BULK_FROM:
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
                                      " ORDER BY rowid", [kind.name]):
            statement = bulk_statement(sql)
            if statement is not None:
                triggers.append((name, sql, statement))
    if not triggers:
        yield write
        return
    before = _highest_rowid(db, kind.name)
    indexes = _indexes_to_rebuild(db, kind.name, adding, before)
    for target in dict.fromkeys(_target(statement) for _, _, statement in triggers):  # the journal, the serial index…
        indexes += _indexes_to_rebuild(db, target, adding, _highest_rowid(db, target))
    for name, _, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield write
    for _, sql, statement in triggers:
        conn.execute(statement, [before])
        conn.execute(sql)
    for _, sql in indexes:
        conn.execute(sql)


def _target(statement: str) -> str:
    """The table a trigger's bulk statement writes into."""
    return statement.split()[2].split("(")[0].strip('"')


def _highest_rowid(db: sqlite_utils.Database, table: str) -> int:
    """The rows a table holds at most (its highest rowid); a table without rowids counts as large."""
    try:
        return int(db.conn.execute(f'SELECT ifnull(max(rowid), 0) FROM "{table}"').fetchone()[0])
    except sqlite3.OperationalError:  # WITHOUT ROWID, or a virtual table's shadow: leave its indexes be
        return 1 << 62


def _indexes_to_rebuild(db: sqlite_utils.Database, table: str, adding: int, holding: int) -> list[tuple[str, str]]:
    """A load that at least doubles a table (a post's first package into HQ; and so the journal and the
    serial index its triggers write to) builds its secondary indexes after the rows, each in one sorted
    pass, instead of one random-key insert per row and index, which grows faster than the rows once an
    index outgrows SQLite's cache (100,000 activities: 2.3 s to insert with eight indexes kept, 10 times
    the cost of 10,000). Unique indexes stay: they check the rows as they come. `holding` bounds the rows
    already there (the highest rowid)."""
    if adding < REBUILD_FROM or adding < holding:
        return []
    return [(name, sql) for name, sql in db.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY rowid",
        [table]) if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
