"""From a list to a form and back: edit with the keyboard, the list and status bar follow; delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.main_window import MainWindow
from tests.ui.test_forms_support import BoxAnswerer, field, type_into


@pytest.fixture
def answers() -> Iterator[BoxAnswerer]:
    answerer = BoxAnswerer()
    yield answerer
    answerer._timer.stop()


def _open_form(qtbot: Any, window: MainWindow) -> RecordForm:
    qtbot.waitUntil(lambda: window.findChild(RecordForm) is not None and window.findChild(RecordForm).isVisible())
    form = window.findChild(RecordForm)
    form.activateWindow()  # a window manager activates a new dialog; the offscreen platform does not
    qtbot.waitUntil(form.isActiveWindow)
    return form


def test_edit_from_the_list_refreshes_it_and_the_status_bar(qtbot: Any, main_window: MainWindow) -> None:
    page = main_window.show_page("activities")
    page.table.setFocus()
    page.table.selectRow(0)
    record_id = page.selected_id()
    qtbot.waitUntil(lambda: main_window.status_labels["pending"].text().endswith("changes to export"))
    pending_before = main_window.status_labels["pending"].text()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    form = _open_form(qtbot, main_window)
    type_into(qtbot, field(form, "title"), "Renamed workshop, Nadi 2022")
    with qtbot.waitSignal(page.model.reloaded, timeout=5000):
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    row = page.model.row_of(record_id)
    assert row is not None and page.model.data(page.model.index(row, 0)) == "Renamed workshop, Nadi 2022"
    assert page.selected_id() == record_id  # the selection stays on the edited record
    assert "Renamed workshop" in page.details.toPlainText()
    qtbot.waitUntil(lambda: main_window.status_labels["pending"].text() != pending_before)


def test_new_record_shortcut_opens_the_form_of_the_list_shown(qtbot: Any, main_window: MainWindow) -> None:
    main_window.show_page("partners")
    qtbot.keyClick(main_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = _open_form(qtbot, main_window)
    assert type(form).__name__ == "PartnerForm"
    form.reject()


def test_delete_key_asks_then_removes_the_record_from_the_list(qtbot: Any, main_window: MainWindow, answers: BoxAnswerer) -> None:
    page = main_window.show_page("equipment")
    qtbot.waitUntil(lambda: page.model.total is not None)
    total = page.model.total
    page.table.setFocus()
    page.table.selectRow(0)
    delivery_id = page.selected_id()
    lines = main_window.db.execute("SELECT count(*) FROM equipment_items WHERE delivery_id = ? AND deleted = 0",
                                   [delivery_id]).fetchone()[0]
    answers.answer(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(page.model.reloaded, timeout=5000):
        qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert answers.done
    assert page.model.row_of(delivery_id) is None
    qtbot.waitUntil(lambda: page.model.total == total - lines)
