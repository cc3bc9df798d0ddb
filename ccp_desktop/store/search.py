"""Full-text search (FTS5) over titles, summaries, names, descriptions and serial numbers: whole words and
word prefixes, and (trigram indexes) any part of a serial number, asset tag or handover reference."""

from __future__ import annotations

import re
import sqlite3

_TOKEN = re.compile(r"\w+", re.UNICODE)


def typed_words(text: str) -> list[str]:
    """The words of what a person typed, punctuation dropped (`SN-0042-AB`: SN, 0042, AB)."""
    return _TOKEN.findall(text or "")


def fts_query(text: str) -> str | None:
    """A safe FTS5 query from what a person typed: every word must match, each as a prefix.

    Punctuation is dropped (so serial `SN-0042-AB` becomes three prefixes in order-free AND),
    and nothing typed can inject FTS syntax.
    """
    tokens = typed_words(text)
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens)


def search_clause(table: str, text: str) -> tuple[str, list[str]] | None:
    """A WHERE fragment restricting `table` rows to those matching `text`, or None for no filter."""
    query = fts_query(text)
    if query is None:
        return None
    return f"{table}.rowid IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?)", [query]


def substring_query(text: str) -> str | None:
    """An FTS5 query for a trigram index: each space-separated part typed, of three characters or more,
    must occur somewhere (any part of a serial: "654321" finds BULK-00654321). Shorter parts are left
    to the word search (a trigram index cannot look for them); None when nothing is left."""
    parts = _substring_parts(text)
    return _all_phrases(parts) if parts else None


def _substring_parts(text: str) -> list[str]:
    return [p for p in (text or "").split() if len(p) >= 3]


def _all_phrases(parts: list[str]) -> str:
    """FTS5: each part as a quoted phrase (its quotes doubled), all of them required."""
    return " AND ".join('"' + p.replace('"', '""') + '"' for p in parts)


# Runs of digits or of letters inside a part typed: "BULK-00654321" holds BULK and 00654321.
_RUN = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


def substring_rowids(conn: sqlite3.Connection, fts_table: str, text: str, most: int) -> list[int] | None:
    """The rowids whose codes hold every part typed (as `substring_query` finds them), found through each
    part's longest run of letters or of digits and then checked whole; None when that shortcut does not
    apply (no part has a shorter run of three or more) or finds more than `most` candidates, so the caller
    runs `substring_query` instead.

    Why: the trigram phrase for a whole serial, "BULK-00777777", intersects trigrams such as BUL and K-0 that
    every serial holds, 50 ms at a million items; its digits alone find the one candidate in 2 ms. The check
    lower-cases as FTS5's trigram tokenizer folds case (Python's `lower` and SQLite's simple case folding
    differ only for a handful of letters, such as the dotted I)."""
    parts = _substring_parts(text)
    narrowed = []
    for part in parts:
        runs = [r for r in _RUN.findall(part) if len(r) >= 3]
        narrowed.append(max(reversed(runs), key=len) if runs else part)  # the longest; on a tie, the last
    if not parts or narrowed == parts:
        return None
    candidates = conn.execute(f"SELECT rowid, * FROM {fts_table} WHERE {fts_table} MATCH ? LIMIT ?",
                              [_all_phrases(narrowed), most + 1]).fetchall()
    if len(candidates) > most:
        return None
    wanted = [p.lower() for p in parts]
    return sorted(row[0] for row in candidates
                  if all(any(w in str(value).lower() for value in row[1:] if value is not None) for w in wanted))


_PLAIN_WORD = re.compile(r"[a-z0-9]+")  # folds to itself in FTS5's unicode61 tokenizer: lower case, no accents


def words_beginning(conn: sqlite3.Connection, fts_table: str, prefix: str, most: int) -> list[str] | None:
    """The words of the word index `fts_table` that begin with `prefix` (itself included), in order; None
    when there are more than `most`, or when this cannot tell (a prefix with other than ASCII letters and
    digits, which FTS5 folds in its own way).

    Why: FTS5 answers the prefix search "laptop"* by merging every entry of every word it covers before
    the first row (50-90 ms for a word in each of a million items), while the same words searched whole,
    ("laptop" OR "laptops"), skip to the rows wanted (3 ms). Asked through an fts5vocab table of instances
    (made once per connection, in its temp schema): each word costs one look-up that stops at its first
    instance, where a vocabulary of rows would count every instance of each word."""
    folded = prefix.lower()
    if not _PLAIN_WORD.fullmatch(folded):
        return None
    vocabulary = f"{fts_table}_instances"
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{vocabulary} USING fts5vocab(main, {fts_table}, 'instance')")
    found: list[str] = []
    low, high = folded, folded + "\U0010ffff"  # every word that begins with the prefix sorts in between
    while len(found) <= most:
        word = conn.execute(f"SELECT term FROM temp.{vocabulary} WHERE term >= ? AND term < ? LIMIT 1",
                            [low, high]).fetchone()
        if word is None:
            return found
        found.append(word[0])
        low = word[0] + "\x01"  # the next word: after this one and every instance of it
    return None
