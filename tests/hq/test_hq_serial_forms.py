"""At HQ a serial may be held by items of two posts (paired for review), so saving one of them (from the
store or from the delivery form) is not refused as "already recorded on another item"; within one post
a serial stays unique, at HQ as at the post."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from typing import Any

import pytest

from ccp_desktop.errors import ValidationError
from ccp_desktop.store.records import get_record, insert_record, update_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.hq.test_review import _deliver, collision  # noqa: F401 - `collision` is a fixture
from tests.ui.test_forms_support import open_form, save_with_keyboard, type_into  # noqa: F401 - `open_form` is a fixture
from tests.unit import factories as f


def test_hq_saves_an_item_whose_serial_another_post_also_holds(hq, collision) -> None:
    vila_item = collision["vila_item"]
    saved = update_record(hq, "equipment_items", vila_item["id"], {"description": "Laptop, checked at HQ"})
    assert saved["description"] == "Laptop, checked at HQ" and saved["serials"] == ["sn-77", "SN-V2"]


def test_within_one_post_hq_still_refuses_a_serial_held_by_that_posts_other_item(hq, collision) -> None:
    vila_delivery = collision["vila_item"]["delivery_id"]
    extra = _insert_as(hq, "VU-PORTVILA", vila_delivery)
    with pytest.raises(ValidationError, match="'SN-V2' is already recorded on another item"):
        update_record(hq, "equipment_items", extra, {"serials": ["SN-V2"]})  # Port Vila's first item holds it


def _insert_as(db: Any, post: str, delivery_id: str) -> str:
    """An item line of `post`'s delivery, as a later package from that post would bring it."""
    item = insert_record(db, "equipment_items", f.item(delivery_id, serials=["SN-NEW"], quantity=1))
    db.execute("UPDATE equipment_items SET origin_post = ? WHERE id = ?", [post, item["id"]])
    db.conn.commit()
    return str(item["id"])


def test_the_delivery_form_at_hq_saves_the_other_posts_delivery(qtbot: Any, open_form: Any, hq, collision) -> None:
    vila_item = collision["vila_item"]
    form = open_form(hq, "equipment_deliveries", vila_item["delivery_id"])
    line = form.items.lines[0]
    assert form.problems() == [] and "sn-77" in line.widgets["serials"].toPlainText()
    type_into(qtbot, line.widgets["description"], "Laptop, seen at HQ")
    assert form.problems() == []
    save_with_keyboard(qtbot, form)
    assert get_record(hq, "equipment_items", vila_item["id"])["description"] == "Laptop, seen at HQ"


def test_the_delivery_form_at_hq_flags_a_serial_the_same_post_holds(qtbot: Any, open_form: Any, hq, post, outbox) -> None:
    _deliver(post, ["SN-1"])
    second = _deliver(post, ["SN-2"])
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    form = open_form(hq, "equipment_deliveries", second["delivery_id"])
    type_into(qtbot, form.items.lines[0].widgets["serials"], "SN-1")
    assert any("'SN-1' is already recorded on delivery" in p.message for p in form.problems())
