"""The activity form, driven by typing: create, edit, delete; problems beside the fields; asking
before unsaved work is thrown away."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.store.records import get_record, iter_records
from ccp_desktop.ui.forms.activity_form import ActivityForm
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

Yes = QMessageBox.StandardButton.Yes


def create_partner_inline(qtbot: Any, form: ActivityForm, name: str) -> None:
    """New partner… in the partners box opens the partner form; saving adds the partner as a row."""
    rows = form.partners.table.rowCount()
    qtbot.mouseClick(form.partners.new_button, Qt.MouseButton.LeftButton)
    partner_form = form.partners.inline_form
    qtbot.waitExposed(partner_form)
    type_into(qtbot, field(partner_form, "name"), name)
    choose(qtbot, field(partner_form, "category"), "Partner-country government agency")
    choose(qtbot, field(partner_form, "country"), "Fiji")
    with qtbot.waitSignal(form.saved) as announced:  # the new partner is announced at once
        qtbot.mouseClick(partner_form.save_button, Qt.MouseButton.LeftButton)
    assert announced.args[0] == "partners"
    qtbot.waitUntil(lambda: form.partners.table.rowCount() == rows + 1)


def fill_activity(qtbot: Any, form: ActivityForm) -> None:
    type_into(qtbot, field(form, "title"), "Incident response training, Suva")
    choose(qtbot, field(form, "stream"), "Cyber security capability")
    choose(qtbot, field(form, "activity_type"), "Tailored training")
    type_into(qtbot, field(form, "location"), "Suva")
    type_into(qtbot, field(form, "start_date"), "2021-03-01")
    type_into(qtbot, field(form, "end_date"), "2021-03-05")
    choose(qtbot, field(form, "status"), "Completed")
    for key, count in (("participants_female", "12"), ("participants_male", "9"), ("participants_other", "1")):
        type_into(qtbot, field(form, key), count)
    choose(qtbot, field(form, "tranche"), "Pacific (November 2018)")
    type_into(qtbot, field(form, "budget_aud"), "45,000")
    type_into(qtbot, field(form, "spend_aud"), "43125.50")
    qtbot.mouseClick(field(form, "pfr_marker"), Qt.MouseButton.LeftButton)
    choose(qtbot, field(form, "gender_marker"), "1 - Significant objective")
    audiences = field(form, "audiences")
    audiences.setFocus()
    audiences.setCurrentRow(0)
    qtbot.keyClick(audiences, Qt.Key.Key_Space)  # Space ticks the current row
    type_into(qtbot, field(form, "summary"), "Five-day course for the national CERT.")


def test_create_activity_by_typing(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    assert not form.save_button.isEnabled()
    fill_activity(qtbot, form)
    assert form.total.text() == "22"  # participants by sex, total computed as you type
    assert field(form, "dac_code").currentText().startswith("11430")  # defaulted from the type
    create_partner_inline(qtbot, form, "Fiji Police Force Cybercrime Unit")
    assert form.problems() == []
    kind, activity_id = save_with_keyboard(qtbot, form)

    assert kind == "activities"
    saved = get_record(post_db, "activities", activity_id)
    assert saved["title"] == "Incident response training, Suva"
    assert (saved["stream"], saved["activity_type"], saved["country"]) == ("CAP", "CAP-TRAIN", "FJ")
    assert (saved["participants_female"], saved["participants_male"], saved["participants_other"]) == (12, 9, 1)
    assert (saved["budget_aud"], saved["spend_aud"]) == (45000.0, 43125.5)
    assert saved["dac_code"] == "11430" and saved["pfr_marker"] == 1 and saved["gender_marker"] == "1"
    assert saved["audiences"] == ["gov_officials"] and saved["tranche"] == "T2018-PACIFIC"
    links = list(iter_records(post_db, "activity_partners", where="activity_id = ?", params=[activity_id]))
    partner = get_record(post_db, "partners", links[0]["partner_id"])
    assert [(partner["name"], links[0]["role"])] == [("Fiji Police Force Cybercrime Unit", "lead")]
    assert gone(form)


def test_problems_show_beside_fields_and_save_stays_disabled(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    fill_activity(qtbot, form)
    assert form.save_button.isEnabled()

    type_into(qtbot, field(form, "end_date"), "2021-02-28")
    assert error_of(form, "end_date") == "End date is before the start date"
    assert not form.save_button.isEnabled()

    type_into(qtbot, field(form, "budget_aud"), "about 5000")
    assert "is not an amount" in error_of(form, "budget_aud")
    type_into(qtbot, field(form, "start_date"), "3/25/2021")  # month first: not how Australia writes it
    assert "is not a real date (day 3, month 25, year 2021)" in error_of(form, "start_date")
    type_into(qtbot, field(form, "participants_male"), "-3")
    assert "cannot be negative" in error_of(form, "participants_male")
    assert form.total.text() == "10"
    type_into(qtbot, field(form, "title"), "")
    assert error_of(form, "title") == "Title is required"
    assert not form.save_button.isEnabled()
    assert "To save, fix" in form.summary.text()

    # Ctrl+S does nothing while the record is invalid.
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert post_db.execute("SELECT count(*) FROM activities").fetchone()[0] == 0

    for key, text in (("title", "Fixed"), ("start_date", "2021-02-01"), ("budget_aud", "5000"),
                      ("participants_male", "3")):
        type_into(qtbot, field(form, key), text)
    assert error_of(form, "end_date") == "" and error_of(form, "budget_aud") == ""
    assert form.save_button.isEnabled()


def test_planned_activity_cannot_have_spend(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    fill_activity(qtbot, form)
    choose(qtbot, field(form, "status"), "Planned")
    assert error_of(form, "spend_aud") == "A planned activity cannot have actual spend yet"
    assert not form.save_button.isEnabled()


def test_types_follow_the_stream_and_dac_follows_the_type_until_changed(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    types = field(form, "activity_type")
    assert types.count() == 1  # nothing to choose before the line of effort
    choose(qtbot, field(form, "stream"), "Cybercrime prevention and response")
    labels = [types.itemText(i) for i in range(1, types.count())]
    assert labels == ["Investigations training", "Legislative review", "Legislative development"]
    choose(qtbot, types, "Legislative review")
    dac = field(form, "dac_code")
    first_default = dac.code()
    assert first_default
    choose(qtbot, types, "Investigations training")
    assert dac.code() == form.ref.default_dac_code("CRIME-INVEST") != first_default
    # Once the officer picks a code by hand, changing the type leaves it alone.
    choose(qtbot, dac, dac.itemText(dac.findData("15210")))
    choose(qtbot, types, "Legislative review")
    assert dac.code() == "15210"


def test_edit_then_delete_activity(qtbot: Any, open_form: Any, post_db: Any, boxes: Any) -> None:
    form = open_form(post_db, "activities")
    fill_activity(qtbot, form)
    _kind, activity_id = save_with_keyboard(qtbot, form)

    edit = open_form(post_db, "activities", activity_id)
    assert field(edit, "title").text() == "Incident response training, Suva"
    assert field(edit, "budget_aud").text() == "45000.00"
    assert edit.total.text() == "22" and not edit.is_dirty()
    type_into(qtbot, field(edit, "title"), "Incident response training, Suva (week 1)")
    type_into(qtbot, field(edit, "participants_other"), "")
    save_with_keyboard(qtbot, edit)
    saved = get_record(post_db, "activities", activity_id)
    assert saved["title"].endswith("(week 1)") and saved["participants_other"] is None and saved["rev"] == 2

    gone = open_form(post_db, "activities", activity_id)
    boxes.answer(QMessageBox.StandardButton.No)  # "Keep": nothing happens
    qtbot.mouseClick(gone.delete_button, Qt.MouseButton.LeftButton)
    assert get_record(post_db, "activities", activity_id)["deleted"] == 0
    boxes.answer(Yes)
    with qtbot.waitSignal(gone.saved) as blocker:
        qtbot.mouseClick(gone.delete_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["activities", activity_id]
    assert "Delete the activity “Incident response training, Suva (week 1)”?" in boxes.texts[-1]
    assert get_record(post_db, "activities", activity_id)["deleted"] == 1


def test_escape_with_unsaved_changes_asks(qtbot: Any, open_form: Any, post_db: Any, boxes: Any) -> None:
    form = open_form(post_db, "activities")
    type_into(qtbot, field(form, "title"), "Half typed")
    boxes.answer(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: boxes.done)
    assert "This activity cannot be saved yet. Throw away what you typed?" in boxes.texts[-1]
    assert form.isVisible()  # Cancel: back to the form, nothing lost
    assert field(form, "title").text() == "Half typed"
    boxes.answer(QMessageBox.StandardButton.Discard)
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gone(form))
    assert post_db.execute("SELECT count(*) FROM activities").fetchone()[0] == 0
    assert post_db.execute("SELECT count(*) FROM drafts").fetchone()[0] == 0


def test_escape_on_untouched_form_closes_without_asking(qtbot: Any, open_form: Any, post_db: Any, boxes: Any) -> None:
    form = open_form(post_db, "activities")
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert gone(form) and boxes.texts == []


def test_inputs_have_accessible_names_and_fit_a_small_screen(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    for key in form.kind.keys:
        if not form.kind.field(key).system:
            assert form.binding(key).widget.accessibleName(), key
    assert form.width() <= 1366 and form.height() <= 768 - 40


def test_keyboard_order_runs_down_the_fields_then_to_the_buttons(qtbot: Any, open_form: Any, post_db: Any) -> None:
    from PySide6.QtWidgets import QApplication

    form = open_form(post_db, "activities")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field(form, "title"))
    names = []
    for _ in range(26):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        names.append(QApplication.focusWidget().accessibleName() or QApplication.focusWidget().text())
    assert names[:4] == ["Line of effort", "Activity type", "Country or region", "Location"]
    assert names.index("Outcomes") < names.index("Cancel")  # Save is disabled, so it is skipped


def test_partner_rows_are_edited_with_the_activity(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    fill_activity(qtbot, form)
    create_partner_inline(qtbot, form, "Fiji CERT")
    create_partner_inline(qtbot, form, "Ministry of Communications")
    assert form.partners.problems() == []
    _kind, activity_id = save_with_keyboard(qtbot, form)

    edit = open_form(post_db, "activities", activity_id)
    assert [row["role"] for row in edit.partners.rows()] == ["lead", "implementing"]
    edit.partners.table.selectRow(0)
    qtbot.mouseClick(edit.partners.remove_button, Qt.MouseButton.LeftButton)
    choose(qtbot, edit.partners.table.cellWidget(0, 1), "Lead")
    qtbot.mouseClick(edit.partners.add_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, edit.partners.table.cellWidget(1, 0), "Ministry of Communications")
    assert "Row 2: the same partner is already on row 1" in edit.partners.error.text()
    assert not edit.save_button.isEnabled()
    type_into(qtbot, edit.partners.table.cellWidget(1, 0), "Fiji CERT")
    save_with_keyboard(qtbot, edit)

    live = list(iter_records(post_db, "activity_partners", where="activity_id = ?", params=[activity_id]))
    names = {get_record(post_db, "partners", x["partner_id"])["name"]: x["role"] for x in live}
    assert names == {"Ministry of Communications": "lead", "Fiji CERT": "implementing"}
    removed = post_db.execute("SELECT count(*) FROM activity_partners WHERE deleted = 1").fetchone()[0]
    assert removed == 1  # the removed row is sent as a deletion, the re-added one is a new link
