"""Full-text search (FTS5) over titles, summaries, names, descriptions and serial numbers: whole words and
word prefixes, and (trigram indexes) any part of a serial number, asset tag or handover reference."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """A safe FTS5 query from what a person typed: every word must match, each as a prefix.

    Punctuation is dropped (so serial `SN-0042-AB` becomes three prefixes in order-free AND),
    and nothing typed can inject FTS syntax.
    """
    tokens = _TOKEN.findall(text or "")
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
    parts = [p for p in (text or "").split() if len(p) >= 3]
    if not parts:
        return None
    return " AND ".join('"' + p.replace('"', '""') + '"' for p in parts)
