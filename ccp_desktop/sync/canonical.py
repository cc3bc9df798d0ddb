"""The canonical form that a package's hashes and signature cover, per package format version, written
once (docs/package-format.md, "Canonical form", is this table in words).

For each field type and format version a `Rule` says how a cell (as a spreadsheet gives it back) and a
database value each become the canonical value, how a canonical value is written into a cell, and, where
they differ, how it is stored. Every rule is built from the one parser per type in `domain/coerce.py`
(the same forms and the command line use); the row codec (`rowcodec.py`) only applies these rules column
by column. A new format version is a new entry in `RULES`, usually `RULES[n - 1]` with a few types
replaced; a new record kind needs nothing here. The columns a format adds after a row's fields
(`change_seq`, names and labels) have their rules in `format.py` (`parse_seq`, `annotation_text`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ccp_desktop.domain import coerce as c
from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError

Convert = Callable[[Any], Any]


def same(value: Any) -> Any:
    """The canonical value is already the cell's (or the database's) value."""
    return value


@dataclass(frozen=True)
class Rule:
    read: Convert  # a cell's value (str, float, int, date, datetime, "" for empty) -> canonical value
    from_stored: Convert  # a database value -> canonical value: what the writer hashes and signs
    to_cell: Convert = same  # canonical value -> the cell's value (before the writer styles or escapes it)
    to_stored: Convert = same  # canonical value -> database value, where a version signs another form


def _json_list_cell(value: Any) -> Any:
    """A list cell in format 2 is JSON text: its items; a cell that is not such JSON is refused."""
    if isinstance(value, str) and value.strip():
        try:
            loaded = json.loads(value)
        except ValueError:
            loaded = None
        if not isinstance(loaded, list) or not all(isinstance(item, str) for item in loaded):
            raise CoerceError(f'{value[:60]!r} is not a list written as JSON text, e.g. ["A", "B"]')
        return loaded
    return value or None


def _cents(value: Any) -> int | None:
    """An amount cell in AUD -> integer cents, through the one money parser."""
    return c.money_to_cents(c.parse_money(value))


def _stored_cents(value: Any) -> int | None:
    """The database's integer cents (a float only if it is whole)."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise CoerceError(f"{value!r} is not an amount in whole cents")


_aud = c.cents_to_money  # the signed cents as the AUD amount a cell shows (format 2)


def _date_cell(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


_yes_no = c.format_bool  # a flag as the cell's "yes" or "no"


def _both(parse: Convert, **more: Convert) -> Rule:
    return Rule(read=parse, from_stored=parse, **more)


def _list_rule_v2(parse: Callable[[Any], list[str]]) -> Rule:
    def canonical(value: Any) -> str | None:  # cell and database hold the same JSON text
        return c.list_to_stored(parse(_json_list_cell(value)))
    return _both(canonical)


def _list_rule_v1(parse: Callable[[Any], list[str]]) -> Rule:
    def read(value: Any) -> str | None:  # items separated by "; " (or any separator the parser knows)
        return c.list_to_stored(parse(value))

    def to_cell(canonical: str | None) -> str | None:
        return None if canonical is None else "; ".join(json.loads(canonical))
    return Rule(read=read, from_stored=read, to_cell=to_cell)


_TEXT_RULE = _both(c.parse_text)

FORMAT_2: dict[str, Rule] = {
    r.TEXT: _TEXT_RULE, r.LONGTEXT: _TEXT_RULE, r.UUID: _TEXT_RULE, r.REF: _TEXT_RULE, r.CODE: _TEXT_RULE,
    r.TIMESTAMP: _both(c.parse_timestamp),
    r.DATE: _both(c.parse_date, to_cell=_date_cell),
    r.INT: _both(c.parse_int),
    r.BOOL: _both(c.parse_bool, to_cell=_yes_no),
    r.MONEY: Rule(read=_cents, from_stored=_stored_cents, to_cell=_aud),  # the cell shows AUD, cents are signed
    r.CODES: _list_rule_v2(c.parse_list),
    r.SERIALS: _list_rule_v2(c.parse_serials),
}

# Format 1 (0.1.0): money signed as AUD rounded to the cent, lists as items separated by "; ".
FORMAT_1: dict[str, Rule] = FORMAT_2 | {
    r.MONEY: Rule(read=c.parse_money, from_stored=c.cents_to_money, to_cell=same, to_stored=c.money_to_cents),
    r.CODES: _list_rule_v1(c.parse_list),
    r.SERIALS: _list_rule_v1(c.parse_serials),
}

# Format 3 adds the attachments sheet; every cell follows format 2's rules.
FORMAT_3: dict[str, Rule] = FORMAT_2

RULES: dict[int, dict[str, Rule]] = {1: FORMAT_1, 2: FORMAT_2, 3: FORMAT_3}


def rules_for(kind: r.RecordKind, version: int) -> list[Rule]:
    """One rule per field of `kind`, in `kind.keys` order."""
    table = RULES[version]
    return [table[f.type] for f in kind.fields]

