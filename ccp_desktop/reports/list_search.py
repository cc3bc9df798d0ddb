"""What a record list's search box runs (no Qt): the FTS5 searches for what was typed, and the SQL that
turns their matches into the list's rows. reports/listing.py builds each page's query around it.

Two kinds of search: word indexes (whole words and word prefixes) and trigram indexes (any part of a
serial number, asset tag or handover reference). At a million items the obvious FTS5 expressions cost
50-90 ms each, so both take a shortcut where one finds exactly the same rows (store/search.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ccp_desktop.store.search import (
    fts_query,
    substring_query,
    substring_rowids,
    typed_words,
    words_beginning,
)

MOST_WORDS = 8  # a last word typed that begins more words than this stays a prefix


@dataclass(frozen=True)
class Search:
    """One search a list runs: its FTS table, the template turning that table's rowids into the list's
    rowids ("{rowids}" when they are the same), and either the MATCH expression or the rowids found already."""

    fts_table: str
    template: str
    expression: str
    rowids: list[int] | None = None


def match_expression(db: sqlite_utils.Database, fts_tables: Sequence[str], text: str) -> str | None:
    """The FTS5 expression for what was typed: whole words with only the last one a prefix (the word
    being typed) when that finds anything, else every word a prefix (store/search.py's fts_query).

    A prefix over a word that is in every row (BULK in BULK-00654321) makes FTS5 merge a doclist
    of a million entries; a whole word lets it skip through the doclist instead. So the last word is
    searched as the few words it begins, when they are few (`last_word`)."""
    words = typed_words(text)
    if not words:
        return None
    last = last_word(db, fts_tables, words[-1])
    if len(words) < 2:
        return last
    strict = " AND ".join([*(f'"{w}"' for w in words[:-1]), last])
    for fts_table in fts_tables:
        if db.execute(f"SELECT 1 FROM {fts_table} WHERE {fts_table} MATCH ? LIMIT 1", [strict]).fetchone():
            return strict
    return fts_query(text)


def last_word(db: sqlite_utils.Database, fts_tables: Sequence[str], word: str) -> str:
    """The last word typed as an FTS5 expression: the words of the indexes it begins, each whole and
    ORed ("lapto" -> "laptop"), when there are at most MOST_WORDS of them; else the prefix "lapto"*.
    Both find the same rows; the whole words cost 3 ms where the prefix costs 50-90 ms at a million items."""
    begun: set[str] = set()
    for fts_table in fts_tables:
        found = words_beginning(db.conn, fts_table, word, MOST_WORDS)
        if found is None:
            return f'"{word}"*'
        begun.update(found)
    if not begun:
        return f'"{word}"'  # a word no index holds: it finds nothing, as the prefix would
    quoted = [f'"{w}"' for w in sorted(begun)]
    return quoted[0] if len(quoted) == 1 else f"({' OR '.join(quoted)})"


def searches_for(db: sqlite_utils.Database, word_searches: Sequence[tuple[str, str]],
                 substring_searches: Sequence[tuple[str, str]], text: str, most: int) -> list[Search]:
    """The searches what was typed runs (none without text). `word_searches` and `substring_searches` are a
    list's (table, template) pairs, each table searched through its "{table}_fts" index; a substring search
    finds its rowids at once when at most `most` entries hold the parts typed."""
    match = match_expression(db, [f"{t}_fts" for t, _ in word_searches], text) if word_searches else None
    if not match:
        return []
    found = [Search(t, tpl, match) for t, tpl in word_searches]
    substring = substring_query(text)
    if substring:
        found += [Search(t, tpl, substring, substring_rowids(db.conn, f"{t}_fts", text, most))
                  for t, tpl in substring_searches]
    return found


def few_matches(db: sqlite_utils.Database, searches: Sequence[Search], few: int) -> bool:
    """Whether the searches find fewer than `few` entries in all (each stops counting there)."""
    found = 0
    for search in searches:
        if search.rowids is not None:
            found += len(search.rowids)
        else:
            found += db.execute(f"SELECT count(*) FROM (SELECT rowid FROM {search.fts_table}_fts"
                                f" WHERE {search.fts_table}_fts MATCH ? LIMIT ?)", [search.expression, few]).fetchone()[0]
        if found >= few:
            return False
    return True


def matches_clause(table: str, searches: Sequence[Search], window: tuple[int, int] | None) -> tuple[str, list[Any]]:
    """`table`.rowid IN the searches' matches; `window` (lowest, highest) bounds the rowids searched.

    One IN over a UNION: the matches are few for a serial or a name, so SQLite reads them by rowid
    instead of scanning the whole table to test an OR of memberships on every row."""
    sources: list[str] = []
    params: list[Any] = []
    for search in searches:
        if search.rowids is not None:  # found already (store/search.py's substring_rowids)
            rowids, column = "SELECT value FROM json_each(?) WHERE 1", "value"
            params.append(json.dumps(search.rowids))
        else:
            rowids, column = f"SELECT rowid FROM {search.fts_table}_fts WHERE {search.fts_table}_fts MATCH ?", "rowid"
            params.append(search.expression)
        if window is not None and search.template == "{rowids}":  # FTS rowids are base rowids: bound them
            rowids += f" AND {column} BETWEEN ? AND ?"
            params.extend(window)
        sources.append(search.template.format(rowids=rowids))
    clause = f"{table}.rowid IN ({' UNION '.join(sources)})"
    if window is not None:
        # Unary + keeps SQLite reading the (few) matches by rowid rather than scanning the window.
        clause += f" AND +{table}.rowid BETWEEN ? AND ?"
        params.extend(window)
    return clause, params
