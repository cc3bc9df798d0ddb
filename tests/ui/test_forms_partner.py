"""The partner form, and picking a partner from the search list with the keyboard."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.errors import NotFoundError
from ccp_desktop.store.records import get_record, insert_record, tombstone_record
from ccp_desktop.ui.forms import confirm_and_delete, open_record_form
from tests.ui.test_forms_support import (  # noqa: F401 - `boxes`, `open_form` are fixtures
    boxes,
    choose,
    error_of,
    field,
    open_form,
    save_with_keyboard,
    type_into,
)
from tests.unit import factories


def test_create_edit_and_delete_partner(qtbot: Any, open_form: Any, post_db: Any, boxes: Any) -> None:
    form = open_form(post_db, "partners")
    type_into(qtbot, field(form, "name"), "Pacific Cyber Security Operational Network")
    choose(qtbot, field(form, "category"), "Civil society")
    type_into(qtbot, field(form, "country"), "Atlantis")
    assert error_of(form, "country") == "'Atlantis' is not an allowed country"
    choose(qtbot, field(form, "country"), "Tonga")
    _kind, partner_id = save_with_keyboard(qtbot, form)
    assert get_record(post_db, "partners", partner_id)["country"] == "TO"

    edit = open_form(post_db, "partners", partner_id)
    type_into(qtbot, field(edit, "contact"), "secretariat@example.org")
    save_with_keyboard(qtbot, edit)
    assert get_record(post_db, "partners", partner_id)["contact"] == "secretariat@example.org"

    boxes.answer(QMessageBox.StandardButton.Yes)
    deleted: list[Any] = []
    assert confirm_and_delete(None, post_db, "partners", partner_id, on_deleted=deleted.append)
    qtbot.waitUntil(lambda: bool(deleted))  # the deletion runs on the background worker
    assert deleted[0].ids == {"partners": frozenset({partner_id})}
    assert get_record(post_db, "partners", partner_id)["deleted"] == 1
    with pytest.raises(NotFoundError, match="has been deleted"):
        open_record_form(None, post_db, "partners", partner_id)


def test_partner_that_received_equipment_is_not_deleted(qtbot: Any, post_db: Any, boxes: Any) -> None:
    partner = insert_record(post_db, "partners", factories.partner())
    insert_record(post_db, "equipment_deliveries", factories.delivery(partner["id"]))
    boxes.answer(QMessageBox.StandardButton.Ok)
    assert not confirm_and_delete(None, post_db, "partners", partner["id"])
    assert "is the recipient of 1 equipment delivery; change or delete it first. Nothing was deleted." in boxes.texts[-1]
    assert get_record(post_db, "partners", partner["id"])["deleted"] == 0


def test_one_form_per_record(qtbot: Any, open_form: Any, post_db: Any) -> None:
    partner = insert_record(post_db, "partners", factories.partner())
    first = open_form(post_db, "partners", partner["id"])
    assert open_form(post_db, "partners", partner["id"]) is first


def test_pick_a_partner_from_the_search_list(qtbot: Any, open_form: Any, post_db: Any) -> None:
    for name in ("Samoa CERT", "Solomon Islands CERT", "Fiji Police Force Cybercrime Unit"):
        insert_record(post_db, "partners", factories.partner(name=name))
    gone = insert_record(post_db, "partners", factories.partner(name="Old CERT"))
    tombstone_record(post_db, "partners", gone["id"])
    form = open_form(post_db, "activities")
    qtbot.mouseClick(form.partners.add_button, Qt.MouseButton.LeftButton)
    picker = form.partners.table.cellWidget(0, 0)
    qtbot.waitUntil(picker.hasFocus)  # "Add partner" puts the cursor in the new row
    qtbot.keyClicks(picker, "cert")
    completer = picker.completer()
    # The list asks the database once typing pauses: live partners whose name holds the text.
    qtbot.waitUntil(lambda: completer.model().rowCount() == 2)
    assert [completer.model().index(i, 0).data() for i in range(2)] == ["Samoa CERT (FJ)", "Solomon Islands CERT (FJ)"]
    # The message agrees with that list (issue 10, item 6), not "no partner matches".
    assert "Row 1: 'cert' is part of 2 partners' names: choose one from the list" in form.partners.error.text()
    completer.complete()
    popup = completer.popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert picker.text() == "Solomon Islands CERT (FJ)"
    assert picker.record_id() is not None
    assert form.partners.error.isHidden()


def test_a_bare_code_is_understood_in_searchable_lists(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    type_into(qtbot, field(form, "dac_code"), "15110")
    assert field(form, "dac_code").code() == "15110" and error_of(form, "dac_code") == ""
    partner = open_form(post_db, "partners")
    type_into(qtbot, field(partner, "country"), "ws")
    assert field(partner, "country").code() == "WS" and error_of(partner, "country") == ""


@pytest.mark.parametrize("kind", ["activities", "equipment_deliveries", "partners"])
def test_every_field_of_the_record_has_an_input(qtbot: Any, open_form: Any, post_db: Any, kind: str) -> None:
    form = open_form(post_db, kind)
    user_fields = {f.key for f in form.kind.user_fields}
    assert user_fields <= set(form._bindings), user_fields - set(form._bindings)
    for key in user_fields:
        assert form.binding(key).widget.accessibleName() == form.kind.field(key).label


def test_every_field_of_an_item_line_has_an_input(qtbot: Any, open_form: Any, post_db: Any) -> None:
    from ccp_desktop.ui.forms.item_lines import ITEMS

    line = open_form(post_db, "equipment_deliveries").items.lines[0]
    assert set(line.widgets) == {f.key for f in ITEMS.user_fields} - {"delivery_id"}
    assert all(widget.accessibleName().endswith(", line 1") for widget in line.widgets.values())


def test_role_column_shows_the_whole_role(qtbot: Any, open_form: Any, post_db: Any) -> None:
    """Issue 10, item 15: the role column was as narrow as an empty cell and showed "L" or "I"."""
    form = open_form(post_db, "activities")
    qtbot.mouseClick(form.partners.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.partners.add_button, Qt.MouseButton.LeftButton)
    for row, role in ((0, "Lead"), (1, "Implementing")):
        combo = form.partners.table.cellWidget(row, 1)
        assert combo.currentText() == role
        qtbot.waitUntil(combo.isVisible)
        needed = combo.fontMetrics().horizontalAdvance("Implementing")
        assert combo.width() >= needed + 20  # the text and the drop-down arrow
        assert form.partners.table.columnWidth(1) >= combo.sizeHint().width()


def test_a_partner_already_recorded_under_another_case_is_pointed_out(qtbot: Any, open_form: Any, post_db: Any) -> None:
    """Issue 10, item 11: "vanuatu police force" beside "Vanuatu Police Force" got no warning."""
    existing = insert_record(post_db, "partners", factories.partner(name="Vanuatu Police Force", country="VU"))
    form = open_form(post_db, "partners")
    type_into(qtbot, field(form, "name"), "vanuatu  police-force")
    assert form.duplicate_note.isVisible()
    assert "“Vanuatu Police Force” (VU) is already recorded as a partner" in form.duplicate_note.text()
    type_into(qtbot, field(form, "name"), "Vanuatu Police Force Cyber Unit")
    assert not form.duplicate_note.isVisible()
    edit = open_form(post_db, "partners", existing["id"])  # a partner is not its own duplicate
    assert not edit.duplicate_note.isVisible()
