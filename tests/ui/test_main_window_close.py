"""Quitting with a form half-filled asks first, and what was typed survives as a draft."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from ccp_desktop.store.connection import open_database
from ccp_desktop.store.drafts import list_drafts
from ccp_desktop.ui import forms
from tests.ui.test_forms_support import field, type_into


def test_quitting_with_unsaved_form_asks_and_keeps_a_draft(qtbot: Any, main_window: Any, demo_db_path: Any,
                                                           monkeypatch: Any) -> None:
    form = forms.open_record_form(main_window, main_window.db, "activities")
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    type_into(qtbot, field(form, "title"), "Half-typed workshop")
    assert main_window.unsaved_forms() == [form]

    asked: list[str] = []

    def answer(reply: QMessageBox.StandardButton) -> Any:
        def question(_parent: Any, _title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert not main_window.close()
    assert main_window.isVisible() and "1 open form has unsaved changes" in asked[0]

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert main_window.close()
    assert len(asked) == 2
    db = open_database(demo_db_path)
    [draft] = list_drafts(db)
    assert draft.kind == "activities" and "Half-typed workshop" in str(draft.payload)
    db.close()


def test_quitting_with_nothing_unsaved_does_not_ask(qtbot: Any, main_window: Any, monkeypatch: Any) -> None:
    form = forms.open_record_form(main_window, main_window.db, "activities")
    qtbot.waitExposed(form)

    def must_not_ask(*_args: Any) -> None:
        raise AssertionError("asked although nothing was typed")

    monkeypatch.setattr(QMessageBox, "question", must_not_ask)
    assert main_window.close()
