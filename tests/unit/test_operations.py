"""Every change a person makes is one core operation that returns exactly what it changed: the tables
(and, for synced records, the ids) that views must refresh for, nothing guessed."""

from __future__ import annotations

from typing import Any

import pytest

from ccp_desktop.errors import ValidationError
from ccp_desktop.store.changes import Changes, run_recorded
from ccp_desktop.store.drafts import load_draft, save_draft
from ccp_desktop.store.installation import set_officer
from ccp_desktop.store.records import get_record, insert_record, iter_records
from ccp_desktop.store.saving import ChildRows, delete_record, save_record
from tests.unit import factories as f


def _items(db: Any, delivery_id: str) -> list[dict[str, Any]]:
    return list(iter_records(db, "equipment_items", where="delivery_id = ?", params=[delivery_id]))


def test_partner_save_reports_only_partners(post_db: Any) -> None:
    changes = save_record(post_db, "partners", f.partner())
    assert changes.tables == {"partners"}
    assert changes.ids == {"partners": frozenset({changes.record_id})}
    assert get_record(post_db, "partners", str(changes.record_id))["name"] == f.partner()["name"]
    assert changes.records and not changes.sync_state and not changes.installation


def test_delivery_save_reports_delivery_and_item_lines(post_db: Any) -> None:
    partner_id = insert_record(post_db, "partners", f.partner())["id"]
    lines = [{k: v for k, v in f.item("-").items() if k != "delivery_id"},
             {k: v for k, v in f.item("-", serials=["SN-B1"], quantity=1, asset_tag="CCP-2").items() if k != "delivery_id"}]
    changes = save_record(post_db, "equipment_deliveries", f.delivery(partner_id),
                          children=ChildRows("equipment_items", "delivery_id", lines))
    delivery_id = str(changes.record_id)
    item_ids = {i["id"] for i in _items(post_db, delivery_id)}
    assert changes.tables == {"equipment_deliveries", "equipment_items"}
    assert changes.ids == {"equipment_deliveries": frozenset({delivery_id}), "equipment_items": frozenset(item_ids)}
    assert changes.counts == {"equipment_deliveries": 1, "equipment_items": 2}


def test_editing_one_line_reports_that_line_and_the_removed_one(post_db: Any) -> None:
    partner_id = insert_record(post_db, "partners", f.partner())["id"]
    delivery_id = insert_record(post_db, "equipment_deliveries", f.delivery(partner_id))["id"]
    kept = insert_record(post_db, "equipment_items", f.item(delivery_id))
    dropped = insert_record(post_db, "equipment_items", f.item(delivery_id, serials=["SN-X"], quantity=1, asset_tag="T2"))
    row = {k: v for k, v in kept.items() if k in ("description",)} | {"id": kept["id"], "rev": kept["rev"],
                                                                          "description": "Laptop 15-inch"}
    changes = save_record(post_db, "equipment_deliveries", {}, record_id=delivery_id,
                          children=ChildRows("equipment_items", "delivery_id", [row], dropped=[dropped["id"]]))
    # The delivery itself did not change: only the two lines.
    assert changes.ids == {"equipment_items": frozenset({kept["id"], dropped["id"]})}
    assert get_record(post_db, "equipment_items", dropped["id"])["deleted"] == 1


def test_activity_save_with_partner_links(post_db: Any) -> None:
    partner_id = insert_record(post_db, "partners", f.partner())["id"]
    changes = save_record(post_db, "activities", f.activity(), children=ChildRows(
        "activity_partners", "activity_id", [{"partner_id": partner_id, "role": "lead"}]))
    links = list(iter_records(post_db, "activity_partners", where="activity_id = ?", params=[changes.record_id]))
    assert changes.tables == {"activities", "activity_partners"}
    assert changes.ids["activity_partners"] == {links[0]["id"]}


def test_refused_save_changes_nothing_and_keeps_the_draft(post_db: Any) -> None:
    partner_id = insert_record(post_db, "partners", f.partner())["id"]
    save_draft(post_db, "form-1", "equipment_deliveries", None, {"state": {}})
    bad_line = {k: v for k, v in f.item("-", quantity="two").items() if k != "delivery_id"}
    before = post_db.execute("SELECT count(*) FROM change_journal").fetchone()[0]
    with pytest.raises(ValidationError) as refused:
        save_record(post_db, "equipment_deliveries", f.delivery(partner_id), draft_key="form-1",
                    children=ChildRows("equipment_items", "delivery_id", [bad_line]))
    assert "quantity" in {p.field for p in refused.value.problems}
    assert post_db.execute("SELECT count(*) FROM change_journal").fetchone()[0] == before
    assert list(iter_records(post_db, "equipment_deliveries")) == []
    assert load_draft(post_db, "form-1") is not None


def test_saving_drops_the_forms_draft(post_db: Any) -> None:
    save_draft(post_db, "form-2", "partners", None, {"state": {}})
    save_record(post_db, "partners", f.partner(), draft_key="form-2")
    assert load_draft(post_db, "form-2") is None


def test_delete_reports_the_record_and_its_dependants(post_db: Any) -> None:
    partner_id = insert_record(post_db, "partners", f.partner())["id"]
    activity_id = insert_record(post_db, "activities", f.activity())["id"]
    link = insert_record(post_db, "activity_partners", {"activity_id": activity_id, "partner_id": partner_id, "role": "lead"})
    changes = delete_record(post_db, "activities", activity_id)
    assert changes.ids == {"activities": frozenset({activity_id}), "activity_partners": frozenset({link["id"]})}


def test_a_setting_reports_the_installation(post_db: Any) -> None:
    done = run_recorded(post_db, set_officer, "Losa Tuilagi")
    assert done.changes.installation and not done.changes.records
    assert "installation" in done.changes.tables


def test_changes_combine() -> None:
    a = Changes({"partners": 1}, {"partners": frozenset({"p1"})})
    b = Changes({"partners": 1, "sync_conflicts": 1}, {"partners": frozenset({"p2"})}, record_id="p2")
    both = a | b
    assert both.counts == {"partners": 2, "sync_conflicts": 1}
    assert both.ids == {"partners": frozenset({"p1", "p2"})}
    assert both.sync_state and both.record_id == "p2"
    assert not Changes() and Changes.everything().touches(frozenset({"equipment_items"}))
