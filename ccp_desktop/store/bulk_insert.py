"""Inserting many records in one go (HQ importing a post's package) with the work of their AFTER INSERT
triggers (the change journal, the search indexes, the serial-number index) done once per statement instead
of once per row: for a 43,000-row package the triggers cost more than the rows themselves.

Each such trigger is dropped, the rows inserted, the trigger's own statement run once over the new rows
(`INSERT … SELECT … FROM table AS new WHERE new.rowid > before`, so `NEW.x` in its body means the same
thing), and the trigger made again from its stored SQL, all inside the caller's transaction. The result is
the rows, journal entries and index entries the triggers would have written, in the same order. A trigger
of a shape this does not know stays in place and fires per row as usual. On an error the caller's rollback
puts every trigger back with the rows (schema changes are transactional in SQLite).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from ccp_desktop.domain.records import RecordKind

BULK_FROM = 50  # fewer rows than this: the per-row triggers cost less than dropping and making them again

_TRIGGER = re.compile(
    r"^CREATE TRIGGER\s+\S+\s+AFTER INSERT ON\s+\"?(?P<table>\w+)\"?\s+(?:WHEN\s+(?P<when>.*?)\s+)?"
    r"BEGIN\s+(?P<body>[^;]*);\s*END$", re.S | re.I)
_VALUES = re.compile(r"^INSERT INTO\s+(?P<target>\"?\w+\"?\s*\([^)]*\))\s*VALUES\s*\((?P<exprs>.*)\)$", re.S | re.I)
_UPSERT = re.compile(r"\s+(ON CONFLICT\b.*)$", re.S | re.I)  # a summary's `… ON CONFLICT DO UPDATE` tail
_SELECT = re.compile(r"^INSERT INTO\s+(?P<target>\"?\w+\"?\s*\([^)]*\))\s*SELECT\s+(?P<exprs>.*?)\s+FROM\s+"
                     r"(?P<source>.*?)(?:\s+WHERE\s+(?P<where>.*))?$", re.S | re.I)


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
    if values := _VALUES.match(body):
        source = f'"{table}" AS new'
    elif (select := _SELECT.match(body)) and " from " not in select["exprs"].lower():
        values = select
        source = f'"{table}" AS new, {select["source"]}'
        conditions += [f"({select['where']})"] if select["where"] else []
    else:
        return None
    return (f"INSERT INTO {values['target']} SELECT {values['exprs']} FROM {source} "
            f"WHERE {' AND '.join(conditions)} ORDER BY new.rowid" + (f" {upsert[1]}" if upsert else ""))


def insert_rows(db: sqlite_utils.Database, kind: RecordKind, rows: Sequence[Sequence[Any]]) -> None:
    """Insert database-form rows (columns in `kind.keys` order) inside the caller's write transaction, with
    what the insert triggers would write, written in bulk."""
    conn = db.conn
    insert = f"INSERT INTO {kind.name} ({', '.join(kind.keys)}) VALUES ({', '.join('?' for _ in kind.keys)})"
    triggers: list[tuple[str, str, str]] = []
    if len(rows) >= BULK_FROM:
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
                                      " ORDER BY rowid", [kind.name]):
            statement = bulk_statement(sql)
            if statement is not None:
                triggers.append((name, sql, statement))
    if not triggers:
        conn.executemany(insert, rows)
        return
    before = conn.execute(f"SELECT ifnull(max(rowid), 0) FROM {kind.name}").fetchone()[0]
    for name, _, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.executemany(insert, rows)
    for _, sql, statement in triggers:
        conn.execute(statement, [before])
        conn.execute(sql)
