"""Issue 10, item 1: a form reopened from a draft after a crash refreshes the window when it is saved."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from ccp_desktop.store.drafts import save_draft
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.main_window import MainWindow
from tests.ui.test_forms_support import boxes, field, save_with_keyboard, type_into  # noqa: F401


def test_saving_a_restored_draft_refreshes_list_and_status(qtbot: Any, main_window: MainWindow, boxes: Any) -> None:
    page = main_window.lists["partners"]
    main_window.show_page("partners")
    qtbot.waitUntil(lambda: page.model.total is not None)
    before = page.model.total
    qtbot.waitUntil(lambda: "to export" in main_window.status_labels["pending"].text())
    pending_before = main_window.status_labels["pending"].text()
    state = {"fields": {"name": "Vanuatu CERT", "category": "partner_government", "country": "VU", "contact": ""}}
    save_draft(main_window.db, "partners:new-crashed", "partners", None, {"state": state, "title": "New partner"})

    boxes.answer(QMessageBox.StandardButton.Yes)
    main_window.after_shown()  # the next start offers the draft, and the officer reopens it
    qtbot.waitUntil(lambda: boxes.done)
    [form] = [f for f in main_window.findChildren(RecordForm) if f.isVisible()]
    qtbot.waitExposed(form)
    type_into(qtbot, field(form, "contact"), "cert@gov.vu")
    with qtbot.waitSignal(main_window.status_refreshed, timeout=5000):
        save_with_keyboard(qtbot, form)
    qtbot.waitUntil(lambda: page.model.total == before + 1)
    assert main_window.status_labels["pending"].text() != pending_before
    assert "Vanuatu CERT" in [page.model.data(page.model.index(n, 0)) for n in range(page.model.rowCount())]
