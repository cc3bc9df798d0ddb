"""Reading a value back in its stored form changes nothing: what a package carries re-imports as itself."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError, coerce_value, parse_money, parse_timestamp

FIELDS = {f.type: f for kind in r.RECORD_KINDS.values() for f in kind.fields}

raw_values = st.one_of(
    st.none(), st.text(max_size=20), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.dates(), st.datetimes(), st.booleans(), st.lists(st.text(max_size=8), max_size=4),
)


@given(st.sampled_from(sorted(FIELDS)), raw_values)
def test_coerce_is_idempotent(field_type, raw):
    field = FIELDS[field_type]
    try:
        once = coerce_value(field, raw)
    except CoerceError:
        return
    assert coerce_value(field, once) == once


@given(st.integers(0, 10**11))
def test_money_survives_a_float_round_trip(cents):
    amount = cents / 100
    assert parse_money(amount) == amount
    assert parse_money(str(amount)) == amount


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_timestamps_keep_milliseconds_like_a_spreadsheet(moment):
    text = parse_timestamp(moment)
    assert text.endswith("Z") and len(text) == 24
    assert parse_timestamp(text) == text
