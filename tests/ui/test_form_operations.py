"""A form's save is one core operation run on the app's one background worker: the GUI thread's
connection writes nothing, a double click saves once, a refusal is shown and changes nothing, and the
lists refresh from the changes the core returned (only those that show a changed table)."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt

from ccp_desktop.store.records import get_record, insert_record, iter_records, update_record
from ccp_desktop.ui.forms import base as form_base
from tests.ui.test_forms_support import choose, field, open_form, type_into  # noqa: F401 - `open_form` is a fixture
from tests.unit import factories


def _fill_partner(qtbot: Any, form: Any, name: str) -> None:
    type_into(qtbot, field(form, "name"), name)
    choose(qtbot, field(form, "category"), "Civil society")


def test_a_save_runs_on_the_worker_and_the_gui_connection_writes_nothing(
        qtbot: Any, open_form: Any, post_db: Any, monkeypatch: Any) -> None:
    threads: list[threading.Thread] = []
    real_save = form_base.save_record

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real_save(*args, **kwargs)

    monkeypatch.setattr(form_base, "save_record", spy)
    form = open_form(post_db, "partners")
    _fill_partner(qtbot, form, "Pacific Islands Law Officers' Network")
    form.draft_timer.stop()  # the save alone runs here (drafts run on the worker too: test_drafts_restore)
    writes_before = post_db.conn.total_changes
    with qtbot.waitSignal(form.changed, timeout=5000) as done:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert threads and threads[0] is not threading.main_thread()
    assert post_db.conn.total_changes == writes_before
    changes = done.args[0]
    assert changes.ids == {"partners": frozenset({changes.record_id})}
    assert get_record(post_db, "partners", changes.record_id)["name"] == "Pacific Islands Law Officers' Network"


def test_save_pressed_twice_saves_once(qtbot: Any, open_form: Any, post_db: Any) -> None:
    form = open_form(post_db, "partners")
    _fill_partner(qtbot, form, "Tonga CERT")
    with qtbot.waitSignal(form.saved, timeout=5000):
        assert form.save() is True
        # While the first save runs the form says so and refuses a second one (a double click, Ctrl+S).
        assert form.saving and not form.save_button.isEnabled() and form.summary.text() == "Saving…"
        assert form.save() is False
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: form_base.shared_worker(post_db).pending == 0)
    assert [p["name"] for p in iter_records(post_db, "partners")] == ["Tonga CERT"]


def test_a_save_refused_by_the_core_is_shown_and_changes_nothing(
        qtbot: Any, open_form: Any, post_db: Any, shown_errors: list[Any]) -> None:
    partner = insert_record(post_db, "partners", factories.partner())
    form = open_form(post_db, "partners", partner["id"])
    type_into(qtbot, field(form, "contact"), "cert@example.org")
    update_record(post_db, "partners", partner["id"], {"contact": "changed at the same time"})  # another window
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=5000)
    assert "changed elsewhere since you opened it" in " ".join(shown_errors[0])
    assert get_record(post_db, "partners", partner["id"])["contact"] == "changed at the same time"
    assert form.isVisible() and not form.saving and form.save_button.isEnabled()


def test_the_lists_refresh_from_the_changes_the_save_returned(qtbot: Any, main_window: Any) -> None:
    page = main_window.show_page("partners")
    activities, equipment = main_window.lists["activities"], main_window.lists["equipment"]
    activities.stale = equipment.stale = False
    form = page._open_form(None)
    qtbot.waitExposed(form)
    _fill_partner(qtbot, form, "Solomon Islands Cyber Security Taskforce")
    with qtbot.waitSignal(main_window.hub.changed, timeout=5000) as announced:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    op = announced.args[0]
    assert op.tables == {"partners"} and op.source is page
    qtbot.waitUntil(lambda: page.model.row_of(op.record_id) is not None)  # shown at once
    assert equipment.stale  # lists recipients' names: refreshed when next shown
    assert not activities.stale  # shows no partner: left alone
