"""A bulk load (demo data, `insert_records_bulk`) judges its records a column at a time
(`domain.validation.first_invalid`): it must refuse exactly what `validate_record` refuses, name the same
record and problems, and write nothing."""

from __future__ import annotations

import random
from typing import Any

import pytest

from ccp_desktop.domain import records as r
from ccp_desktop.domain.validation import first_invalid, validate_record
from ccp_desktop.errors import ValidationError
from ccp_desktop.store.records import BULK_BATCH, insert_records_bulk
from tests.unit import factories

ACTIVITIES = r.record_kind("activities")
ITEMS = r.record_kind("equipment_items")

# One field broken at a time, each against a rule of its own kind: a field's own rule (required, length,
# range, code list, list of codes) or a rule across fields.
BREAKS: list[dict[str, Any]] = [
    {"title": ""},
    {"title": "x" * 5000},
    {"participants_female": -1},
    {"budget_aud": 5e12},
    {"start_date": "1999-12-31"},
    {"stream": "NOPE"},
    {"audiences": ["cert_staff", "cert_staff"]},
    {"sdg_targets": ["17.9", "99.z"]},
    {"end_date": "2021-02-01"},  # before the start
    {"status": "planned", "spend_aud": 10.0},
    {"stream": "NORMS"},  # CAP-TRAIN is not a type of NORMS
]


def _stored(record: dict[str, Any]) -> dict[str, Any]:
    return r.blank_record(ACTIVITIES) | record | {"id": "a", "deleted": 0}


@pytest.mark.parametrize("seed", range(6))
def test_the_column_verdict_is_the_record_by_record_verdict(seed: int) -> None:
    rng = random.Random(seed)
    records = [_stored(factories.activity(title=f"Training {n}")) for n in range(300)]
    for n in rng.sample(range(300), 4):
        records[n] |= rng.choice(BREAKS)
    expected = next(((n, validate_record(ACTIVITIES, rec)) for n, rec in enumerate(records)
                     if validate_record(ACTIVITIES, rec)), None)
    assert expected is not None
    assert first_invalid(ACTIVITIES, records) == expected


def test_records_that_break_no_rule_pass() -> None:
    records = [_stored(factories.activity(title=f"Training {n}", participants_male=n)) for n in range(50)]
    assert first_invalid(ACTIVITIES, records) is None


def test_list_fields_are_judged_per_record() -> None:
    """Serial numbers are a list (no column of distinct values): a repeat in one item is still found."""
    good = r.blank_record(ITEMS) | factories.item("d1") | {"id": "i", "deleted": 0}
    bad = good | {"serials": ["SN-1", "sn-1"]}
    assert first_invalid(ITEMS, [good, good, bad, good]) == (2, validate_record(ITEMS, bad))


def test_a_bad_record_in_a_later_batch_is_named_and_nothing_is_written(post_db: Any) -> None:
    rows = [factories.activity(title=f"Training {n}") for n in range(BULK_BATCH + 10)]
    rows[BULK_BATCH + 2] = factories.activity(title="", end_date="2021-01-01")
    problems = validate_record(ACTIVITIES, _stored(rows[BULK_BATCH + 2]))
    with pytest.raises(ValidationError) as refused:
        insert_records_bulk(post_db, "activities", rows)
    assert str(refused.value).startswith(f"record {BULK_BATCH + 3}: ")
    assert [p.field for p in refused.value.problems] == [p.field for p in problems] == ["title", "end_date"]
    assert post_db.execute("SELECT count(*) FROM activities").fetchone()[0] == 0
    assert post_db.execute("SELECT count(*) FROM change_journal").fetchone()[0] == 0
