"""Full-text search (FTS5) over titles, summaries, names, descriptions and serial numbers."""

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
