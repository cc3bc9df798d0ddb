"""A package's yes/no and money cells are written by the one formatter per type in `domain/coerce.py`
(issue 9): the writer has no conversion of its own, and what it writes reads back through coerce's parser."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ccp_desktop.domain import coerce as c
from ccp_desktop.domain import records as r
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync.rowcodec import build_converter


@given(st.integers(-(10**17), 10**17))
def test_cents_to_money_is_the_exact_decimal_quotient(cents: int) -> None:
    """The quick path (int / 100) gives the float nearest the decimal amount, as the Decimal path does."""
    assert c.cents_to_money(cents) == float(Decimal(cents) / 100)


@given(st.sampled_from([0, 1]))
def test_a_yes_no_cell_reads_back_as_its_flag(flag: int) -> None:
    assert c.parse_bool(c.format_bool(flag)) == flag


def _stored_row(kind: r.RecordKind, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(f.key) for f in kind.fields)


@given(st.integers(0, 10**12), st.sampled_from([0, 1]))
def test_the_writer_cells_are_coerces_formatting(cents: int, flag: int) -> None:
    kind = r.RECORD_KINDS["activities"]
    money = [f.key for f in kind.fields if f.type == r.MONEY]
    flags = [f.key for f in kind.fields if f.type == r.BOOL]
    assert money and flags
    convert = build_converter(kind, {}, lambda text: text, fmt.FORMAT_VERSION)
    canonical, cells = convert(_stored_row(kind, {key: cents for key in money} | {key: flag for key in flags}))
    for key in money:
        i = kind.keys.index(key)
        assert canonical[i] == cents and cells[i] == c.cents_to_money(cents)
        assert c.money_to_cents(c.parse_money(cells[i])) == cents  # the cell reads back as the signed cents
    for key in flags:
        i = kind.keys.index(key)
        assert cells[i] == c.format_bool(flag) and c.parse_bool(cells[i]) == canonical[i] == flag


def test_the_format_2_cell_rules_are_coerces_formatters() -> None:
    """No second copy of the yes/no words or of the cents-to-AUD step (format 3 writes as format 2)."""
    from ccp_desktop.sync.canonical import RULES

    for version in (2, 3):
        assert RULES[version][r.BOOL].to_cell is c.format_bool
        assert RULES[version][r.MONEY].to_cell is c.cents_to_money
