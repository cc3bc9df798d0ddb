"""Issue 10, item 10: closing an incomplete form does not offer Save; closing the main window while a
form is open is not silently refused."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.store.drafts import list_drafts
from ccp_desktop.ui import forms
from ccp_desktop.ui.main_window import MainWindow
from tests.ui.test_forms_support import choose, field, gone, open_form, type_into  # noqa: F401

Button = QMessageBox.StandardButton


def test_closing_a_form_that_cannot_be_saved_offers_no_save(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "activities")
    type_into(qtbot, field(form, "title"), "Half a workshop")
    assert not form.save_button.isEnabled()
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    box = form.question
    assert box is not None
    qtbot.waitExposed(box)
    assert box.button(Button.Save) is None  # it cannot be saved: not offered
    assert box.defaultButton() is box.button(Button.Cancel)  # Enter keeps the work
    assert box.button(Button.Cancel).text() == "Keep editing"
    assert "cannot be saved yet" in box.text() and "To save, fix:" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.question is None)
    assert form.isVisible() and field(form, "title").text() == "Half a workshop"


def test_closing_a_form_that_can_be_saved_still_offers_save(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "partners")
    type_into(qtbot, field(form, "name"), "Tonga CERT")
    choose(qtbot, field(form, "category"), "Civil society")
    assert form.save_button.isEnabled()
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    box = form.question
    qtbot.waitExposed(box)
    assert box.defaultButton() is box.button(Button.Save)
    box.button(Button.Discard).click()
    qtbot.waitUntil(lambda: gone(form))


def test_an_open_form_does_not_block_closing_the_main_window(qtbot: Any, main_window: MainWindow,
                                                              monkeypatch: Any) -> None:
    form = forms.open_record_form(main_window, main_window.db, "activities")
    qtbot.waitExposed(form)
    # A modal form blocks the main window: the window manager's close request is then dropped by Qt
    # before it reaches the window, so nothing happens and nothing is said.
    assert QGuiApplication.modalWindow() is None
    assert not main_window.windowHandle().isModal() and not form.isModal()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    type_into(qtbot, field(form, "title"), "Half-typed workshop")
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *args: Any) -> Button:
        asked.append(text)
        return Button.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)  # the main window takes input while the form is open
    qtbot.keyClick(main_window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # File → Quit
    qtbot.waitUntil(lambda: not main_window.isVisible())
    assert "1 open form has unsaved changes" in asked[0]
    assert gone(form)
    [draft] = _drafts(main_window)
    assert "Half-typed workshop" in str(draft.payload)


def _drafts(window: MainWindow) -> list[Any]:
    from ccp_desktop.store.connection import open_database

    db = open_database(window.db_path)
    try:
        return list_drafts(db)
    finally:
        db.close()
