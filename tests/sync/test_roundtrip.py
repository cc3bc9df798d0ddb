"""Round trips: what a post holds arrives at HQ field by field, incrementally, from several posts, once."""

from __future__ import annotations

import contextlib
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.errors import ValidationError
from ccp_desktop.store.records import insert_record, tombstone_record, update_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.status import pending_change_count
from tests.sync.conftest import add_sample, make_site, records_of, snapshot
from tests.unit import factories as f

REF = load_reference()
CODES = {name: sorted(REF.codes(name)) for name in ("audiences", "partner_categories", "activity_places", "countries",
                                                     "tranches", "gender_markers", "sdg_targets", "item_categories")}
TYPES = REF.entries("activity_types")

# Any printable text, including what a spreadsheet would treat as a formula or a number.
line = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).map(str.strip).filter(bool)
tricky = st.sampled_from(["_x0041_ escaped?", "=1+1", "+61 2 1234", "-5 people", "@home", "00123", "1e5", "TRUE", "2021-03-01", "null"])
text = st.one_of(line, tricky)
paragraph = st.lists(line, min_size=1, max_size=3).map("\n".join)
money = st.decimals(min_value=0, max_value=999_999, places=2, allow_nan=False).map(lambda d: float(Decimal(d)))
day = st.dates(min_value=__import__("datetime").date(2016, 1, 1), max_value=__import__("datetime").date(2023, 12, 31))


@st.composite
def activity(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    start = draw(day)
    return f.activity(
        title=draw(text), stream=kind["stream"], activity_type=kind["code"], country=draw(st.sampled_from(CODES["activity_places"])),
        location=draw(st.none() | text), start_date=start.isoformat(),
        end_date=(start + __import__("datetime").timedelta(days=draw(st.integers(0, 400)))).isoformat(),
        status=draw(st.sampled_from(["in_progress", "completed", "postponed"])),
        audiences=draw(st.lists(st.sampled_from(CODES["audiences"]), unique=True, max_size=3)),
        participants_female=draw(st.none() | st.integers(0, 5000)), participants_male=draw(st.integers(0, 5000)),
        tranche=draw(st.none() | st.sampled_from(CODES["tranches"])), budget_aud=draw(st.none() | money),
        spend_aud=draw(st.none() | money), pfr_marker=draw(st.sampled_from([0, 1])),
        gender_marker=draw(st.sampled_from(CODES["gender_markers"])),
        sdg_targets=draw(st.lists(st.sampled_from(CODES["sdg_targets"]), unique=True, max_size=2)),
        summary=draw(st.none() | paragraph), outcomes=draw(st.none() | paragraph),
    )


@st.composite
def post_data(draw: Any) -> dict[str, Any]:
    return {
        "partners": draw(st.lists(st.builds(lambda n, c: f.partner(name=n, category=c, contact=None), text,
                                            st.sampled_from(CODES["partner_categories"])), min_size=1, max_size=3)),
        "activities": draw(st.lists(activity(), min_size=1, max_size=4)),
        "items": draw(st.lists(st.tuples(st.sampled_from(CODES["item_categories"]), st.integers(1, 3), text, st.none() | money),
                               max_size=4)),
        "edits": draw(st.lists(st.tuples(st.integers(0, 20), text), max_size=4)),
        "deletes": draw(st.lists(st.integers(0, 20), max_size=2)),
    }


def fill(db: Any, data: dict[str, Any]) -> list[tuple[str, str]]:
    partners = [insert_record(db, "partners", p) for p in data["partners"]]
    acts = [insert_record(db, "activities", a) for a in data["activities"]]
    made = [("partners", p["id"]) for p in partners] + [("activities", a["id"]) for a in acts]
    for n, act in enumerate(acts):
        insert_record(db, "activity_partners", {"activity_id": act["id"], "partner_id": partners[n % len(partners)]["id"],
                                                "role": "lead"})
    if data["items"]:
        delivery = insert_record(db, "equipment_deliveries", f.delivery(partners[0]["id"], activity_id=acts[0]["id"]))
        made.append(("equipment_deliveries", delivery["id"]))
        for n, (category, quantity, description, value) in enumerate(data["items"]):
            serials = [f"SN-{n}-{u}" for u in range(quantity)] if REF.is_serialised(category) else []
            item = insert_record(db, "equipment_items", f.item(delivery["id"], category=category, quantity=quantity,
                                                                description=description, serials=serials, unit_value_aud=value))
            made.append(("equipment_items", item["id"]))
    return made


def change(db: Any, made: list[tuple[str, str]], data: dict[str, Any]) -> None:
    for index, value in data["edits"]:
        table, rid = made[index % len(made)]
        key = {"partners": "name", "activities": "title", "equipment_deliveries": "handover_ref",
               "equipment_items": "description"}[table]
        if db.execute(f"SELECT deleted FROM {table} WHERE id = ?", [rid]).fetchone()[0] == 0:
            update_record(db, table, rid, {key: value})
    for index in data["deletes"]:
        table, rid = made[index % len(made)]
        # A partner or activity still used by a live delivery is refused by the store, as it should be.
        with contextlib.suppress(ValidationError):
            tombstone_record(db, table, rid)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(post_data())
def test_round_trip_then_incremental_equals_field_by_field(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        post, hq = make_site(root, "FJ-SUVA"), make_site(root, "AU-HQ", role="hq")
        out = root / "out"
        out.mkdir()
        made = fill(post, data)
        first = import_package(hq, export_package(post, out).path)
        assert first.status == "applied", first.errors
        assert records_of(hq, "FJ-SUVA") == records_of(post)
        for counts in first.counts.values():
            assert counts["read"] == sum(v for k, v in counts.items() if k != "read")
        change(post, made, data)
        if pending_change_count(post):
            second = import_package(hq, export_package(post, out).path)
            assert second.status == "applied", second.errors
            assert records_of(hq, "FJ-SUVA") == records_of(post)
        post.close()
        hq.close()


def test_two_posts_into_one_hq(sites, hq, outbox):
    suva, apia = sites("FJ-SUVA"), sites("WS-APIA")
    add_sample(suva)
    insert_record(apia, "partners", f.partner(name="Samoa CERT", country="WS"))
    insert_record(apia, "activities", f.activity(country="WS", title="Apia workshop"))
    for site in (suva, apia):
        result = import_package(hq, export_package(site, outbox).path)
        assert result.status == "applied", result.errors
    assert records_of(hq, "FJ-SUVA") == records_of(suva)
    assert records_of(hq, "WS-APIA") == records_of(apia)
    assert hq.execute("SELECT count(*) FROM sync_peers").fetchone()[0] == 2


def test_reimport_is_a_noop_that_says_when(post, hq, outbox):
    add_sample(post)
    path = export_package(post, outbox).path
    assert import_package(hq, path).status == "applied"
    before = snapshot(hq)
    again = import_package(hq, path)
    assert again.status == "already-imported"
    assert again.message.startswith("Already imported on 20")
    assert snapshot(hq) == before


def test_full_export_after_changes_holds_everything(post, hq, outbox):
    sample = add_sample(post)
    tombstone_record(post, "equipment_deliveries", sample["delivery"]["id"])
    export_package(post, outbox)
    full = export_package(post, outbox, kind="full")
    assert full.seq_from == 1
    assert full.counts == {"partners": 1, "activities": 1, "activity_partners": 1, "equipment_deliveries": 1, "equipment_items": 1, "attachments": 0}
    result = import_package(hq, full.path)
    assert result.status == "applied"
    assert result.counts["equipment_items"]["tombstoned"] == 1
    assert records_of(hq, "FJ-SUVA") == records_of(post)
    # A tombstoned item's serial numbers are free again at HQ too.
    assert hq.execute("SELECT count(*) FROM serial_index").fetchone()[0] == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["edit", "delete", "add", "export"]), st.integers(0, 50), text),
                min_size=3, max_size=14),
       st.randoms(use_true_random=False))
def test_packages_in_any_order_and_twice_end_equal(steps: list[tuple[str, int, str]], rng: Any) -> None:
    """Packages lost, delayed, reordered and repeated: once all have arrived, HQ holds what the post holds,
    and no record's revision at HQ ever went backwards."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        post, hq = make_site(root, "FJ-SUVA"), make_site(root, "AU-HQ", role="hq")
        out = root / "out"
        out.mkdir()
        made = fill(post, {"partners": [f.partner()], "activities": [f.activity()], "items": [], "edits": [], "deletes": []})
        packages = [export_package(post, out).path]
        for op, index, value in steps:
            live = [m for m in made if post.execute(f"SELECT deleted FROM {m[0]} WHERE id = ?", [m[1]]).fetchone()[0] == 0]
            if op == "add":
                made.append(("activities", insert_record(post, "activities", f.activity(title=value))["id"]))
            elif op == "edit" and live:
                table, rid = live[index % len(live)]
                update_record(post, table, rid, {"name" if table == "partners" else "title": value})
            elif op == "delete" and live:
                tombstone_record(post, *live[index % len(live)])
            elif op == "export" and pending_change_count(post):
                packages.append(export_package(post, out).path)
        if pending_change_count(post):
            packages.append(export_package(post, out).path)
        deliveries = packages + rng.sample(packages, k=min(2, len(packages)))
        rng.shuffle(deliveries)
        revs: dict[str, int] = {}
        for path in deliveries:
            result = import_package(hq, path)
            assert result.status in ("applied", "already-imported"), result.errors
            for table in ("partners", "activities", "activity_partners"):
                for rid, rev in hq.execute(f"SELECT id, rev FROM {table}"):
                    assert rev >= revs.get(rid, 0)
                    revs[rid] = rev
        at_hq, at_post = records_of(hq, "FJ-SUVA"), records_of(post)
        for table in at_post:
            live = {rid: rec for rid, rec in at_post[table].items() if not rec["deleted"]}
            assert {rid: rec for rid, rec in at_hq[table].items() if not rec["deleted"]} == live
            # HQ may lack a deleted record whose parent it never saw; whatever it holds, the post holds too.
            assert all(at_post[table][rid] == rec for rid, rec in at_hq[table].items())
        assert hq.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0] == 0
        post.close()
        hq.close()


# Serial numbers as people type them off stickers and out of spreadsheets: separators, quotes, tabs and
# line breaks inside one serial, non-Latin text. Format 1 split such a cell into several serials.
serial = st.text(
    st.one_of(st.sampled_from(list(',;"\t\n []\\\'')), st.characters(blacklist_categories=("Cs", "Cc"))),
    min_size=1, max_size=24,
).map(str.strip).filter(bool)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(serials=st.lists(serial, min_size=1, max_size=4, unique_by=str.casefold))
def test_list_values_survive_export_and_import_exactly(serials: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        post, hq = make_site(root, "FJ-SUVA"), make_site(root, "AU-HQ", role="hq")
        try:
            sample = add_sample(post)
            item = insert_record(post, "equipment_items", f.item(
                sample["delivery"]["id"], category="other", quantity=len(serials), serials=serials, asset_tag=None))
            assert item["serials"] == serials
            result = import_package(hq, export_package(post, root / "out").path)
            assert result.status == "applied", result.message
            held = records_of(hq, "FJ-SUVA")["equipment_items"][item["id"]]
            assert held["serials"] == serials  # byte for byte, in order
            assert records_of(hq, "FJ-SUVA") == records_of(post)
        finally:
            post.close()
            hq.close()
