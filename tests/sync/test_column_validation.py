"""An imported package's rows are checked a column at a time (each distinct value once); every row must
still get exactly the problems the record rules (`validate_record`, what a form shows) find for it, in the
same order, named by sheet, Excel row and column; a tombstone only for its system fields."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccp_desktop.domain import load_reference, record_kind, validate_record
from ccp_desktop.domain.coerce import coerce_record
from ccp_desktop.store.records import encode_row
from ccp_desktop.sync import format as fmt
from ccp_desktop.sync.checks import validate_package
from ccp_desktop.sync.package import Package, SheetRows, decode
from tests.unit import factories as f

ACT = record_kind("activities")
ITEM = record_kind("equipment_items")
POST = "FJ-SUVA"

# Database-form values that break a rule (or two), per column; None also empties a required field.
BAD: dict[str, dict[str, list[Any]]] = {
    "activities": {
        "title": [None, "", "x" * 301],
        "stream": [None, "NOPE", "CRIME"],  # CRIME: the activity type is then of another stream
        "activity_type": ["NOPE", None],
        "start_date": ["1999-12-31", None, "2101-01-01"],
        "end_date": [None, "2021-02-01"],  # none for a completed activity; before the start
        "status": ["planned", "nope"],  # planned with spend
        "audiences": ['["nope"]', '["cert_staff", "cert_staff"]', None],
        "participants_female": [-1, 2_000_000],
        "budget_aud": [-100, 10**14],
        "spend_aud": [-1, 10**14],
        "summary": ["y" * 20_001],
        "updated_at": [None],
        "rev": [None],
    },
    "equipment_items": {
        "category": ["nope", None, "software_licence"],
        "quantity": [0, 3, None],  # 3: serials no longer one per unit
        "serials": ['["A", "a"]', None, '["' + "s" * 101 + '", "B"]'],
        "unit_value_aud": [-5, 10**14],
        "warranty_end": ["1999-01-01"],
        "delivery_id": [None],
    },
}


def _valid_row(kind_name: str, deleted: int) -> dict[str, Any]:
    raw = f.activity() if kind_name == "activities" else f.item(str(uuid.uuid4()))
    record, problems = coerce_record(record_kind(kind_name), raw)
    assert problems == []
    return record | {"id": str(uuid.uuid4()), "origin_post": POST, "rev": 2, "updated_at": "2021-03-01T00:00:00.000Z",
                     "updated_by": "Officer", "deleted": deleted}


@st.composite
def sheet_rows(draw: st.DrawFn, kind_name: str) -> list[tuple[Any, ...]]:
    kind = record_kind(kind_name)
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        row = encode_row(kind, _valid_row(kind_name, draw(st.sampled_from([0, 0, 0, 1]))))
        for key in draw(st.lists(st.sampled_from(sorted(BAD[kind_name])), max_size=4, unique=True)):
            row[key] = draw(st.sampled_from(BAD[kind_name][key]))
        rows.append(tuple(row[k] for k in kind.keys))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activities=sheet_rows("activities"), items=sheet_rows("equipment_items"))
def test_each_row_gets_exactly_the_problems_the_record_rules_find(activities, items):
    package = Package(Path("package.xlsx"), manifest={"post_code": POST})
    for kind, rows in ((ACT, activities), (ITEM, items)):
        package.sheets[kind.name] = SheetRows(kind, rows, list(range(2, len(rows) + 2)))
    validate_package(package, None)
    ref = load_reference()
    expected = [(kind.name, excel_row, p.field, p.message)
                for kind, rows in ((ACT, activities), (ITEM, items))
                for excel_row, row in enumerate(rows, start=2)
                for p in validate_record(kind, decode(kind, row), ref=ref, check_system=True)]
    assert [(p.sheet, p.row, p.field, p.message) for p in package.errors] == expected


def test_a_bad_cell_is_named_by_sheet_row_and_column_and_a_tombstone_only_for_system_fields():
    kind = ACT
    good, bad, dead = (encode_row(kind, _valid_row("activities", deleted)) for deleted in (0, 0, 1))
    bad["title"], dead["title"], dead["updated_by"] = "x" * 301, None, None
    package = Package(Path("package.xlsx"), manifest={"post_code": POST})
    package.sheets[kind.name] = SheetRows(kind, [tuple(r[k] for k in kind.keys) for r in (good, bad, dead)], [2, 3, 4])
    validate_package(package, None)
    assert [(p.sheet, p.row, p.field) for p in package.errors] == [("activities", 3, "title"), ("activities", 4, "updated_by")]
    assert "longer than 300" in package.errors[0].message


@given(st.lists(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=8)), max_size=4).map(tuple), max_size=6),
       st.integers(0, 6))
def test_a_sheet_hash_is_the_same_whether_rows_are_hashed_one_by_one_or_in_batches(rows, cut):
    one, batched = fmt.SheetHasher(), fmt.SheetHasher()
    for row in rows:
        one.add(row)
    batched.add_many(rows[:cut])
    batched.add_many(rows[cut:])
    assert (batched.rows, batched.hexdigest()) == (one.rows, one.hexdigest()) == (len(rows), one.hexdigest())
