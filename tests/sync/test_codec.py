"""The package codec is derived from the one parser per type: what the writer signs is what the reader
reads back from the cells a spreadsheet hands over, in every format version, and a value typed in a cell
means what it means in a form."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccp_desktop.domain import coerce
from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError
from ccp_desktop.store.records import encode_row
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync.canonical import RULES, rules_for
from ccp_desktop.sync.rowcodec import (
    build_converter,
    build_reader,
    build_storer,
    read_cells,
    sheet_readers,
)

FIELDS = {f.type: f for kind in r.RECORD_KINDS.values() for f in kind.fields}
PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "ccp_desktop"


def spreadsheet(value: object) -> object:
    """What python-calamine gives back for a cell we wrote: numbers as floats, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


stored_values = {
    r.TEXT: st.one_of(st.none(), st.text(min_size=1, max_size=12).map(str.strip).filter(bool)),
    r.DATE: st.one_of(st.none(), st.dates(dt.date(1900, 3, 1), dt.date(2200, 1, 1)).map(dt.date.isoformat)),
    r.TIMESTAMP: st.datetimes(timezones=st.just(dt.UTC)).map(coerce.format_timestamp),
    r.INT: st.one_of(st.none(), st.integers(0, 10**9)),
    r.MONEY: st.one_of(st.none(), st.integers(0, 10**13)),
    r.BOOL: st.sampled_from([0, 1]),
    r.SERIALS: st.lists(st.text(min_size=1, max_size=8).map(str.strip).filter(bool), max_size=4).map(coerce.list_to_stored),
}


@pytest.mark.parametrize("version", sorted(RULES))
@pytest.mark.parametrize("field_type", sorted(stored_values))
@given(data=st.data())
def test_what_the_writer_signs_the_reader_reads_back_from_the_cell(version, field_type, data):
    rule = RULES[version][field_type]
    values = stored_values[field_type]
    if version == 1 and field_type == r.SERIALS:  # format 1 could not carry an item holding a separator
        values = values.filter(lambda v: v is None or not any(ch in i for i in json.loads(v) for ch in ";,\n\r\t"))
    stored = data.draw(values)
    canonical = rule.from_stored(stored)
    assert rule.read(spreadsheet(rule.to_cell(canonical))) == canonical
    assert rule.to_stored(canonical) == stored or (stored is None and rule.to_stored(canonical) is None)


def test_a_cell_typed_by_a_person_means_what_the_form_makes_of_it():
    kind = r.ACTIVITIES
    typed = {"start_date": "5/3/2024", "budget_aud": "1,234.50", "participants_male": "12", "pfr_marker": "Yes",
             "title": "  Workshop  ", "updated_at": dt.datetime(2024, 3, 5, 1, 2, 3)}
    form, problems = coerce.coerce_record(kind, typed)
    assert problems == []
    stored = encode_row(kind, form)
    cells = [typed.get(k, "") for k in fmt.sheet_keys(kind)]
    [values] = build_reader(kind)([cells])
    for key in typed:
        assert values[kind.keys.index(key)] == stored[key], key


def test_a_bad_cell_is_named_and_the_rest_of_the_row_still_read():
    kind = r.EQUIPMENT_ITEMS
    cells = ["" for _ in fmt.sheet_keys(kind)]
    cells[kind.keys.index("quantity")] = "two"
    cells[kind.keys.index("serials")] = "A1; A2"  # format 2 lists are JSON text
    cells[kind.keys.index("description")] = "Laptop"
    with pytest.raises(CoerceError):
        build_reader(kind)([cells])
    values, bad = read_cells(sheet_readers(kind, 2), cells)
    assert [key for key, _, _ in bad] == ["quantity", "serials"]
    assert values[kind.keys.index("description")] == "Laptop"


def test_format_1_cells_read_as_0_1_0_signed_them_and_store_as_today():
    kind = r.EQUIPMENT_ITEMS
    cells = ["" for _ in kind.keys]
    cells[kind.keys.index("serials")] = "AB12; CD34"
    cells[kind.keys.index("unit_value_aud")] = 1999.99
    [canonical] = build_reader(kind, 1)([cells])
    assert canonical[kind.keys.index("serials")] == '["AB12", "CD34"]'
    assert canonical[kind.keys.index("unit_value_aud")] == 1999.99  # format 1 signed AUD
    store = build_storer(kind, 1)
    assert store is not None and store(canonical)[kind.keys.index("unit_value_aud")] == 199999
    assert build_storer(kind, 2) is None  # format 2 signs the stored form itself


def test_the_writer_escapes_text_a_spreadsheet_would_run_or_decode():
    kind = r.PARTNERS
    made: list[str] = []

    def text_cell(text: str) -> str:
        made.append(text)
        return f"TEXT:{text}"

    convert = build_converter(kind, {}, text_cell)
    row = ["id-1", "FJ-SUVA", 1, "2024-01-01T00:00:00.000Z", "me", 0, "=cmd", "partner_government", None, "_x0041_"]
    canonical, cells = convert(tuple(row))
    assert canonical[kind.keys.index("name")] == "=cmd" and cells[kind.keys.index("name")] == "TEXT:=cmd"
    assert cells[kind.keys.index("contact")] == "TEXT:_x0041_" and cells[kind.keys.index("deleted")] == "no"
    assert len(rules_for(kind, 2)) == len(kind.keys)


def test_no_code_is_generated_at_run_time():
    """The codec is plain functions (issue 9): nothing in the program calls exec, eval or compile."""
    calls = []
    for path in PACKAGE_ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("exec", "eval", "compile"):
                calls.append(f"{path.relative_to(PACKAGE_ROOT)}:{node.lineno}")
    assert calls == []
