"""Each validation rule, with a record that passes and one that breaks it."""

from __future__ import annotations

import pytest

from ccp_desktop.domain import load_reference, record_kind, validate_record
from ccp_desktop.domain.coerce import coerce_record, parse_money
from tests.unit import factories as f

ACT = record_kind("activities")
ITEM = record_kind("equipment_items")
DELIVERY = record_kind("equipment_deliveries")
PARTNER = record_kind("partners")


def problems(kind, raw):
    record, coerce_problems = coerce_record(kind, raw)
    return coerce_problems + validate_record(kind, record)


def fields(found):
    return {p.field for p in found}


def test_valid_activity_has_no_problems():
    assert problems(ACT, f.activity()) == []


@pytest.mark.parametrize("key", ["title", "stream", "activity_type", "country", "start_date", "status"])
def test_required_activity_fields(key):
    found = problems(ACT, f.activity(**{key: ""}))
    assert key in fields(found)
    assert any("required" in p.message for p in found if p.field == key)


def test_end_before_start_names_end_date():
    found = problems(ACT, f.activity(start_date="2021-03-05", end_date="2021-03-01"))
    assert fields(found) == {"end_date"}
    assert "before the start" in found[0].message


def test_same_day_activity_is_fine():
    assert problems(ACT, f.activity(start_date="2021-03-05", end_date="2021-03-05")) == []


def test_completed_activity_needs_end_date():
    assert fields(problems(ACT, f.activity(end_date=None))) == {"end_date"}
    assert problems(ACT, f.activity(end_date=None, status="in_progress")) == []


@pytest.mark.parametrize("key", ["participants_female", "participants_male", "participants_other"])
def test_counts_cannot_be_negative(key):
    assert fields(problems(ACT, f.activity(**{key: -1}))) == {key}
    assert problems(ACT, f.activity(**{key: 0})) == []


def test_counts_must_be_whole_numbers():
    assert fields(problems(ACT, f.activity(participants_female=2.5))) == {"participants_female"}
    assert fields(problems(ACT, f.activity(participants_female="many"))) == {"participants_female"}
    assert problems(ACT, f.activity(participants_female=12.0)) == []  # a spreadsheet's 12.0 is 12
    for odd in ("inf", "NaN", "1e400", True):
        assert "participants_female" in fields(problems(ACT, f.activity(participants_female=odd)))


@pytest.mark.parametrize("key", ["budget_aud", "spend_aud"])
def test_money_non_negative_two_decimals(key):
    assert fields(problems(ACT, f.activity(**{key: -0.01}))) == {key}
    assert fields(problems(ACT, f.activity(**{key: "10.005"}))) == {key}
    assert problems(ACT, f.activity(**{key: "1,250.50"})) == []


def test_money_tolerates_float_noise_but_not_real_decimals():
    assert parse_money(0.1 + 0.2) == 0.3
    assert parse_money("$99.99") == 99.99


def test_codes_must_exist():
    assert fields(problems(ACT, f.activity(country="AU"))) == {"country"}  # not a partner country
    assert fields(problems(ACT, f.activity(tranche="T2030"))) == {"tranche"}
    assert fields(problems(ACT, f.activity(audiences=["cert_staff", "aliens"]))) == {"audiences"}
    assert fields(problems(ACT, f.activity(dac_code="99999"))) == {"dac_code"}
    assert problems(ACT, f.activity(country="RPAC")) == []  # a regional code


def test_activity_type_must_belong_to_stream():
    found = problems(ACT, f.activity(stream="NORMS", activity_type="CAP-TRAIN"))
    assert fields(found) == {"activity_type"}
    assert "Tailored training" in found[0].message and "International law" in found[0].message


def test_dates_must_be_dates():
    found = problems(ACT, f.activity(start_date="31/02/2021"))
    assert fields(found) == {"start_date"}


def test_every_problem_is_reported_at_once():
    found = problems(ACT, f.activity(title="", participants_male=-3, end_date="2020-01-01", tranche="X"))
    assert fields(found) == {"title", "participants_male", "end_date", "tranche"}


def test_serialised_item_needs_one_serial_per_unit():
    found = problems(ITEM, f.item("d1", quantity=3))
    assert fields(found) == {"serials"}
    assert "quantity is 3" in found[0].message


def test_non_serialised_item_may_have_no_serials():
    assert problems(ITEM, f.item("d1", category="software_licence", serials=[], quantity=20)) == []


def test_serials_unique_within_item_case_insensitively_and_pasted_as_column():
    assert fields(problems(ITEM, f.item("d1", serials="SN-1\nsn-1"))) == {"serials"}
    assert problems(ITEM, f.item("d1", serials="SN-1\r\nSN-2\n")) == []


def test_quantity_at_least_one():
    assert "quantity" in fields(problems(ITEM, f.item("d1", quantity=0, serials=[])))


def test_handed_over_delivery_needs_date_and_receiver():
    found = problems(DELIVERY, f.delivery("p1", delivered_on=None, received_by_name=None))
    assert fields(found) == {"delivered_on", "received_by_name"}
    assert problems(DELIVERY, f.delivery("p1", status="ordered", delivered_on=None, received_by_name=None)) == []


def test_unknown_field_is_named():
    found = problems(PARTNER, f.partner(colour="blue"))
    assert fields(found) == {"colour"}


def test_tombstone_skips_content_rules():
    assert validate_record(ACT, {"deleted": 1, "title": None}) == []


def test_reference_data_matches_the_seed():
    ref = load_reference()
    assert sum(t["amount_aud"] for t in ref.entries("tranches")) == 34_000_000
    assert {s["code"] for s in ref.entries("streams")} == {"CAP", "CRIME", "NORMS"}
    assert len(ref.entries("partner_categories")) == 6
    pacific = {c["code"] for c in ref.entries("countries") if c["region"] == "PAC"}
    assert pacific == {"FJ", "PG", "WS", "SB", "TO", "VU", "KI", "NR", "TV", "MH", "FM", "PW", "CK", "NU"}
    sea = {c["code"] for c in ref.entries("countries") if c["region"] == "SEA"}
    assert len(sea) == 11 and "TL" in sea
    for atype in ref.entries("activity_types"):
        assert atype["dac_code"] in ref.codes("dac_codes")


def test_a_post_is_known_by_its_code_city_or_country() -> None:
    from ccp_desktop.domain.reference import load_reference

    ref = load_reference()
    assert ref.post_code_for("Port Vila") == "VU-PORTVILA"
    assert ref.post_code_for("  nuku'alofa ") == "TO-NUKUALOFA"
    assert ref.post_code_for("Papua New Guinea") == "PG-PORTMORESBY"
    assert ref.post_code_for("fj-suva") == "FJ-SUVA"
    assert ref.post_code_for("xx-new") == "XX-NEW"  # a post not in the list yet: its code, for the rules to judge
    assert ref.post_code_for("") == ""
