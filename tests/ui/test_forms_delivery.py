"""The equipment delivery form, driven by typing and pasting: recipient created inline, item lines with
serials pasted from a spreadsheet, duplicates flagged at once, edit, delete, all-or-nothing saves."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from ccp_desktop.errors import StoreError
from ccp_desktop.store.records import get_record, insert_record, iter_records
from ccp_desktop.ui import errors as ui_errors
from ccp_desktop.ui.forms.delivery_form import DeliveryForm
from ccp_desktop.ui.forms.item_lines import ItemLine
from tests.ui.test_forms_support import (  # noqa: F401 - `boxes`, `open_form` are fixtures
    boxes,
    choose,
    error_of,
    field,
    gone,
    open_form,
    save_with_keyboard,
    type_into,
)


def paste(qtbot: Any, line: ItemLine, text: str) -> None:
    """Put `text` on the clipboard (as a spreadsheet does) and press Ctrl+V in the serials box."""
    QApplication.clipboard().setText(text)
    box = line.widgets["serials"]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def line_error(line: ItemLine, key: str) -> str:
    label = line.errors[key]
    return "" if label.isHidden() else label.text()


def new_recipient(qtbot: Any, form: DeliveryForm, name: str) -> None:
    """Type a name no partner has, then New… creates it with that name."""
    type_into(qtbot, form.recipient, name)
    assert error_of(form, "recipient_partner_id") == (
        f"No partner's name contains {name!r}: check the spelling or add it as a new partner")
    qtbot.mouseClick(form.new_partner_button, Qt.MouseButton.LeftButton)
    partner_form = form.inline_form
    qtbot.waitExposed(partner_form)
    assert field(partner_form, "name").text() == name
    choose(qtbot, field(partner_form, "category"), "Partner-country government agency")
    qtbot.mouseClick(partner_form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.recipient.record_id() is not None)


def fill_line(qtbot: Any, line: ItemLine, category: str, description: str, serials: str, value: str) -> None:
    choose(qtbot, line.widgets["category"], category)
    type_into(qtbot, line.widgets["description"], description)
    type_into(qtbot, line.widgets["unit_value_aud"], value)
    if serials:
        paste(qtbot, line, serials)


def fill_delivery(qtbot: Any, form: DeliveryForm, handover_ref: str = "HO-2021-0042") -> None:
    choose(qtbot, field(form, "status"), "Handed over")
    type_into(qtbot, field(form, "delivered_on"), "2021-06-01")
    type_into(qtbot, field(form, "handover_ref"), handover_ref)
    type_into(qtbot, field(form, "received_by_name"), "Grace Kaupa")
    type_into(qtbot, field(form, "received_by_title"), "Head of CERT")


def test_create_delivery_with_inline_recipient_and_pasted_serials(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "equipment_deliveries")
    new_recipient(qtbot, form, "Ministry of ICT, Fiji")
    assert error_of(form, "recipient_partner_id") == ""
    choose(qtbot, field(form, "status"), "Handed over")
    assert error_of(form, "received_by_name") == "A handed-over delivery needs the name of who received it"
    fill_delivery(qtbot, form)

    laptops = form.items.lines[0]
    type_into(qtbot, laptops.widgets["make_model"], "Dell Latitude 5440")
    # A column copied from a spreadsheet: one serial a line, a trailing line break, stray spaces.
    fill_line(qtbot, laptops, "Laptop", "Laptop 14-inch, 16 GB", "5CG001\n5CG002 \n5CG003\n", "1,850")
    assert laptops.widgets["quantity"].text() == "3"  # follows the serial count until typed by hand
    assert laptops.count_label.text() == "3 serial numbers"
    assert laptops.total_label.text() == "Line value: AUD 5,550.00"

    qtbot.mouseClick(form.items.add_button, Qt.MouseButton.LeftButton)
    licences = form.items.lines[1]
    fill_line(qtbot, licences, "Software licence", "Forensic suite licence", "", "400")
    assert "Quantity is required" in line_error(licences, "quantity")
    assert not form.save_button.isEnabled()
    type_into(qtbot, licences.widgets["quantity"], "5")
    assert form.items.total_label.text() == "2 item lines; total value AUD 7,550.00"

    kind, delivery_id = save_with_keyboard(qtbot, form)
    assert kind == "equipment_deliveries"
    delivery = get_record(post_db, "equipment_deliveries", delivery_id)
    assert (delivery["status"], delivery["delivered_on"], delivery["handover_ref"]) == ("handed_over", "2021-06-01", "HO-2021-0042")
    assert get_record(post_db, "partners", delivery["recipient_partner_id"])["name"] == "Ministry of ICT, Fiji"
    assert delivery["country"] == "FJ"  # the post's country, a new delivery's default
    items = list(iter_records(post_db, "equipment_items", where="delivery_id = ?", params=[delivery_id]))
    assert [(i["category"], i["quantity"], i["unit_value_aud"], i["serials"]) for i in items] == [
        ("laptop", 3, 1850.0, ["5CG001", "5CG002", "5CG003"]),
        ("software_licence", 5, 400.0, []),
    ]
    assert post_db.execute("SELECT count(*) FROM serial_index").fetchone()[0] == 3


def test_serial_duplicates_are_flagged_at_once(qtbot: Any, open_form: Any, post_db: Any) -> None:
    first = open_form(post_db, "equipment_deliveries")
    new_recipient(qtbot, first, "Tonga CERT")
    fill_delivery(qtbot, first, "HO-TAKEN")
    fill_line(qtbot, first.items.lines[0], "Laptop", "Laptop", "TAKEN-1", "1000")
    save_with_keyboard(qtbot, first)

    form = open_form(post_db, "equipment_deliveries")
    type_into(qtbot, form.recipient, "Tonga CERT")  # an existing partner, typed by name
    assert form.recipient.record_id() is not None
    fill_delivery(qtbot, form, "HO-NEW")
    line = form.items.lines[0]
    # A row copied from a spreadsheet arrives tab-separated: each cell becomes a line.
    fill_line(qtbot, line, "Laptop", "Laptop", "A1\tA2\ta1", "1000")
    assert line.widgets["serials"].toPlainText() == "A1\nA2\na1"
    assert "Serial number 'a1' is listed twice" in line_error(line, "serials")
    assert len(line.widgets["serials"].extraSelections()) == 2  # both copies highlighted
    assert not form.save_button.isEnabled()

    type_into(qtbot, line.widgets["serials"], "A1\nA2\ntaken-1")
    assert "Serial number 'taken-1' is already recorded on delivery HO-TAKEN of 2021-06-01" in line_error(line, "serials")
    assert len(line.widgets["serials"].extraSelections()) == 1

    type_into(qtbot, line.widgets["serials"], "A1\nA2\nA3")
    qtbot.mouseClick(form.items.add_button, Qt.MouseButton.LeftButton)
    second = form.items.lines[1]
    fill_line(qtbot, second, "Mobile device", "Phone", "B1\na2", "300")
    assert "Serial number 'a2' is also on item line 1" in line_error(second, "serials")
    assert "Serial number 'A2' is also on item line 2" in line_error(line, "serials")
    assert not form.save_button.isEnabled()

    type_into(qtbot, second.widgets["serials"], "B1\nB2")
    assert line_error(line, "serials") == "" and line_error(second, "serials") == ""
    assert line.widgets["serials"].extraSelections() == []
    assert form.save_button.isEnabled()


def test_edit_and_delete_delivery(qtbot: Any, open_form: Any, post_db: Any, boxes: Any) -> None:
    form = open_form(post_db, "equipment_deliveries")
    new_recipient(qtbot, form, "Samoa Police")
    fill_delivery(qtbot, form)
    fill_line(qtbot, form.items.lines[0], "Laptop", "Laptop", "S1\nS2", "1000")
    qtbot.mouseClick(form.items.add_button, Qt.MouseButton.LeftButton)
    fill_line(qtbot, form.items.lines[1], "Server", "Server", "R1", "9000")
    _kind, delivery_id = save_with_keyboard(qtbot, form)

    edit = open_form(post_db, "equipment_deliveries", delivery_id)
    assert [line.widgets["serials"].toPlainText() for line in edit.items.lines] == ["S1\nS2", "R1"]
    assert not edit.is_dirty() and edit.certificate_button.isEnabled()
    qtbot.mouseClick(edit.items.lines[1].remove_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, edit.items.lines[0].widgets["serials"], "S1\nS2\nR1")  # the server's serial, moved
    assert edit.items.lines[0].widgets["quantity"].text() == "2"  # typed quantity is not overridden
    type_into(qtbot, edit.items.lines[0].widgets["quantity"], "3")
    assert not edit.certificate_button.isEnabled()  # the certificate shows saved data only
    assert edit.problems() == []
    save_with_keyboard(qtbot, edit)
    items = list(iter_records(post_db, "equipment_items", include_deleted=True, where="delivery_id = ?", params=[delivery_id]))
    assert sorted((i["deleted"], i["quantity"], tuple(i["serials"])) for i in items) == [(0, 3, ("S1", "S2", "R1")), (1, 1, ("R1",))]

    gone_form = open_form(post_db, "equipment_deliveries", delivery_id)
    boxes.answer(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(gone_form.saved):
        qtbot.mouseClick(gone_form.delete_button, Qt.MouseButton.LeftButton)
    assert "item lines go with it" in boxes.texts[-1]
    assert get_record(post_db, "equipment_deliveries", delivery_id)["deleted"] == 1
    assert post_db.execute("SELECT count(*) FROM equipment_items WHERE deleted = 0").fetchone()[0] == 0
    assert post_db.execute("SELECT count(*) FROM serial_index").fetchone()[0] == 0  # serials free again
    qtbot.waitUntil(lambda: gone(gone_form))


def test_link_to_an_activity_by_typing_its_title(qtbot: Any, open_form: Any, post_db: Any) -> None:
    activity = insert_record(post_db, "activities", {
        "title": "CERT establishment, Honiara", "stream": "CAP", "activity_type": "CAP-EQUIP", "country": "SB",
        "start_date": "2022-01-10", "status": "in_progress"})
    form = open_form(post_db, "equipment_deliveries")
    type_into(qtbot, form.activity, "Nothing like it")
    assert error_of(form, "activity_id") == (
        "No activity's title contains 'Nothing like it': check the spelling")
    type_into(qtbot, form.activity, "cert establishment, honiara")
    assert form.activity.record_id() == activity["id"] and error_of(form, "activity_id") == ""
    type_into(qtbot, form.activity, "")
    assert form.activity.record_id() is None and error_of(form, "activity_id") == ""  # optional


def test_a_failed_save_writes_nothing_and_keeps_the_form(
    qtbot: Any, open_form: Any, post_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = open_form(post_db, "equipment_deliveries")
    new_recipient(qtbot, form, "Vanuatu OGCIO")
    fill_delivery(qtbot, form)
    fill_line(qtbot, form.items.lines[0], "Laptop", "Laptop", "V1", "1000")

    from ccp_desktop.store import saving

    real_insert = saving.insert_record

    def disk_full(db: Any, kind: str, *args: Any, **kwargs: Any) -> Any:
        if kind == "equipment_items":  # the delivery is written, then its first line fails
            raise StoreError("The disk is full; nothing was saved")
        return real_insert(db, kind, *args, **kwargs)

    shown: list[str] = []
    monkeypatch.setattr(ui_errors, "show_error", lambda _parent, exc, **_kw: shown.append(ui_errors.error_text(exc)[0]))
    monkeypatch.setattr(saving, "insert_record", disk_full)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown))  # the save ran on the worker and came back refused
    assert shown == ["The disk is full; nothing was saved"]
    assert form.save_button.isEnabled() and not form.saving
    assert form.isVisible() and form.is_dirty()
    assert post_db.execute("SELECT count(*) FROM equipment_deliveries").fetchone()[0] == 0  # not half a delivery


def test_tab_runs_through_item_lines_in_order(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "equipment_deliveries")
    qtbot.mouseClick(form.items.add_button, Qt.MouseButton.LeftButton)
    first, second = form.items.lines
    qtbot.waitUntil(lambda: QApplication.focusWidget() is second.widgets["category"])  # a new line takes the focus
    first.remove_button.setFocus()
    qtbot.keyClick(first.remove_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is second.widgets["category"]
    second.remove_button.setFocus()
    qtbot.keyClick(second.remove_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.items.add_button


def test_a_part_of_a_name_is_explained_as_the_list_shows_it(qtbot: Any, open_form: Any, post_db: Any) -> None:
    """Issue 10, item 6: typing "police" while the list shows "Vanuatu Police Force (VU)" must not be
    told that no partner matches."""
    insert_record(post_db, "partners", {"name": "Vanuatu Police Force", "category": "partner_government", "country": "VU"})
    form = open_form(post_db, "equipment_deliveries")
    type_into(qtbot, form.recipient, "police")
    completer = form.recipient.completer()
    qtbot.waitUntil(lambda: completer.model().rowCount() == 1)
    shown = completer.model().index(0, 0).data()
    assert shown == "Vanuatu Police Force (VU)"
    assert error_of(form, "recipient_partner_id") == f"'police' is part of “{shown}”: choose it from the list to use it"
    completer.complete()
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.recipient.record_id() is not None)
    assert error_of(form, "recipient_partner_id") == ""
