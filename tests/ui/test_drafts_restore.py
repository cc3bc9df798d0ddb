"""Crash safety: a form with unsaved changes is written to the drafts table every few seconds, and
after a crash the app offers to reopen it with what had been typed."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.store import drafts as draft_store
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.drafts import delete_draft, keep_draft, list_drafts, load_draft, save_draft
from ccp_desktop.store.records import get_record, iter_records
from ccp_desktop.ui.forms import base as form_base
from ccp_desktop.ui.forms import offer_draft_restore
from ccp_desktop.ui.forms.actions import open_record_form
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.worker import BackgroundWorker, shared_worker
from tests.ui.test_forms_support import (  # noqa: F401 - `boxes`, `open_form` are fixtures
    boxes,
    choose,
    error_of,
    field,
    open_form,
    save_with_keyboard,
    type_into,
)


def wait_for_draft(qtbot: Any, form: RecordForm) -> None:
    """Let the draft timer fire (shortened for the test) and wait until the worker has written the draft."""
    form.draft_timer.setInterval(20)
    with qtbot.waitSignal(form.draft_saved, timeout=3000):
        pass


def worker_done(worker: BackgroundWorker) -> Any:
    """For qtbot.waitSignal: the worker answered every job it was given."""
    return {"signal": worker.busy_changed, "check_params_cb": lambda busy: not busy, "timeout": 5000}


def crash(form: RecordForm, db: Any) -> None:
    """What a power cut leaves: no close, no cancel, no question; the connection just goes away."""
    form.draft_timer.stop()
    form.hide()
    shiboken6.delete(form)
    db.close()


def test_drafts_table_is_outside_the_journal(post_db: Any) -> None:
    journal = post_db.execute("SELECT count(*) FROM change_journal").fetchone()[0]
    save_draft(post_db, "activities:new-1", "activities", None, {"state": {"fields": {"title": "x"}}})
    save_draft(post_db, "activities:new-1", "activities", None, {"state": {"fields": {"title": "xy"}}})
    assert load_draft(post_db, "activities:new-1").payload == {"state": {"fields": {"title": "xy"}}}
    assert [d.form_key for d in list_drafts(post_db)] == ["activities:new-1"]
    post_db.execute("INSERT INTO drafts VALUES ('broken', 'activities', NULL, '2026-01-01', '{not json')")
    assert [d.form_key for d in list_drafts(post_db)] == ["activities:new-1"]  # damaged drafts are skipped
    delete_draft(post_db, "activities:new-1")
    assert load_draft(post_db, "activities:new-1") is None
    assert post_db.execute("SELECT count(*) FROM change_journal").fetchone()[0] == journal


def test_a_draft_never_waits_for_another_writer(post_db_path: Path) -> None:
    """A draft queued on the worker while another program holds the write lock is skipped at once (the
    next tick writes it) rather than holding up the worker, and a save behind it, for the busy timeout."""
    import sqlite3

    drafting, other = open_database(post_db_path), open_database(post_db_path)
    other.conn.execute("BEGIN IMMEDIATE")  # e.g. the command line importing a package
    started = time.perf_counter()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        keep_draft(drafting, "partners:new-1", "partners", None, {"state": {}})
    assert time.perf_counter() - started < 2  # not the 10 s a record save would wait
    other.conn.execute("ROLLBACK")
    keep_draft(drafting, "partners:new-1", "partners", None, {"state": {}})
    assert load_draft(drafting, "partners:new-1") is not None
    assert drafting.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000  # restored for real saves
    drafting.close()
    other.close()


def test_new_activity_restored_after_a_crash(qtbot: Any, open_form: Any, post_db_path: Path, boxes: Any) -> None:
    db = open_database(post_db_path)
    form = open_form(db, "activities")
    type_into(qtbot, field(form, "title"), "Cyber norms workshop, Port Vila")
    choose(qtbot, field(form, "stream"), "International law and norms in cyberspace")
    choose(qtbot, field(form, "activity_type"), "Training for government officials")
    type_into(qtbot, field(form, "start_date"), "2022-08-")  # half typed when the power went
    type_into(qtbot, field(form, "participants_female"), "14")
    wait_for_draft(qtbot, form)
    crash(form, db)

    db2 = open_database(post_db_path)  # the next start of the app
    boxes.answer(QMessageBox.StandardButton.Yes)
    restored = offer_draft_restore(None, db2)
    assert "closed while 1 form was being edited" in boxes.texts[-1]
    assert "New activity" in boxes.texts[-1]
    [again] = restored
    qtbot.waitExposed(again)
    assert field(again, "title").text() == "Cyber norms workshop, Port Vila"
    assert field(again, "activity_type").code() == "NORMS-GOV"
    assert field(again, "participants_female").text() == "14" and again.total.text() == "14"
    assert field(again, "start_date").text() == "2022-08-"
    assert "is not a date" in error_of(again, "start_date")  # half-typed stays half-typed, and says so
    assert again.notice.isVisible() and "Restored from a draft" in again.notice.text()

    type_into(qtbot, field(again, "start_date"), "2022-08-15")
    _kind, activity_id = save_with_keyboard(qtbot, again)
    assert get_record(db2, "activities", activity_id)["title"] == "Cyber norms workshop, Port Vila"
    assert list_drafts(db2) == []  # saved: the draft is gone
    db2.close()


def test_edit_of_a_delivery_restored_after_a_crash(qtbot: Any, open_form: Any, post_db_path: Path, boxes: Any) -> None:
    from tests.ui.test_forms_delivery import fill_delivery, fill_line, new_recipient

    db = open_database(post_db_path)
    form = open_form(db, "equipment_deliveries")
    new_recipient(qtbot, form, "Palau MoJ")
    fill_delivery(qtbot, form)
    fill_line(qtbot, form.items.lines[0], "Laptop", "Laptop", "P1\nP2", "1200")
    _kind, delivery_id = save_with_keyboard(qtbot, form)

    edit = open_form(db, "equipment_deliveries", delivery_id)
    type_into(qtbot, edit.items.lines[0].widgets["serials"], "P1\nP2\nP3")
    type_into(qtbot, field(edit, "notes"), "Third laptop arrived late")
    wait_for_draft(qtbot, edit)
    crash(edit, db)

    db2 = open_database(post_db_path)
    boxes.answer(QMessageBox.StandardButton.Yes)
    [again] = offer_draft_restore(None, db2)
    qtbot.waitExposed(again)
    assert again.record_id == delivery_id and again.windowTitle() == "Edit equipment delivery"
    assert again.items.lines[0].widgets["serials"].toPlainText() == "P1\nP2\nP3"
    assert again.items.lines[0].widgets["quantity"].text() == "2"
    type_into(qtbot, again.items.lines[0].widgets["quantity"], "3")
    save_with_keyboard(qtbot, again)
    [item] = iter_records(db2, "equipment_items", where="delivery_id = ?", params=[delivery_id])
    assert item["serials"] == ["P1", "P2", "P3"] and item["rev"] == 2
    assert get_record(db2, "equipment_deliveries", delivery_id)["notes"] == "Third laptop arrived late"
    db2.close()


def test_discarding_drafts_after_a_crash(qtbot: Any, open_form: Any, post_db_path: Path, boxes: Any) -> None:
    db = open_database(post_db_path)
    form = open_form(db, "partners")
    type_into(qtbot, field(form, "name"), "Half-typed partner")
    wait_for_draft(qtbot, form)
    crash(form, db)

    db2 = open_database(post_db_path)
    boxes.answer(QMessageBox.StandardButton.Discard)
    with qtbot.waitSignal(**worker_done(shared_worker(db2))):
        assert offer_draft_restore(None, db2) == []
    assert list_drafts(db2) == []
    assert offer_draft_restore(None, db2) == [] and len(boxes.texts) == 1  # nothing left: no question
    db2.close()


def test_draft_follows_the_form_and_goes_when_it_is_closed(qtbot: Any, open_form: Any, post_db: Any, boxes: Any) -> None:
    form = open_form(post_db, "partners")
    form.draft_timer.setInterval(20)
    type_into(qtbot, field(form, "name"), "Acme")
    qtbot.waitUntil(lambda: load_draft(post_db, form.form_key) is not None)
    type_into(qtbot, field(form, "name"), "Acme Cyber")
    qtbot.waitUntil(lambda: load_draft(post_db, form.form_key).payload["state"]["fields"]["name"] == "Acme Cyber")
    type_into(qtbot, field(form, "name"), "")  # back to how it started: nothing worth keeping
    qtbot.waitUntil(lambda: load_draft(post_db, form.form_key) is None)
    type_into(qtbot, field(form, "name"), "Acme Cyber Pty Ltd")
    qtbot.waitUntil(lambda: load_draft(post_db, form.form_key) is not None)
    boxes.answer(QMessageBox.StandardButton.Discard)
    form.close()
    qtbot.waitUntil(lambda: boxes.done)
    # Thrown away: the answer queued the drop on the worker. (The draft timer may still have written
    # while the question was open, so waiting for one idle signal could catch that write instead.)
    qtbot.waitUntil(lambda: form.worker.pending == 0)
    assert list_drafts(post_db) == []


def test_drafts_are_written_and_dropped_on_the_worker(
        qtbot: Any, open_form: Any, post_db: Any, boxes: Any, monkeypatch: Any) -> None:
    threads: list[threading.Thread] = []
    for name in ("keep_draft", "drop_drafts"):
        real = getattr(draft_store, name)

        def spy(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            threads.append(threading.current_thread())
            return _real(*args, **kwargs)

        monkeypatch.setattr(form_base, name, spy)
    form = open_form(post_db, "partners")
    writes_before = post_db.conn.total_changes
    type_into(qtbot, field(form, "name"), "Acme")
    wait_for_draft(qtbot, form)
    assert load_draft(post_db, form.form_key).payload["state"]["fields"]["name"] == "Acme"
    boxes.answer(QMessageBox.StandardButton.Discard)
    form.close()
    qtbot.waitUntil(lambda: boxes.done)
    qtbot.waitUntil(lambda: form.worker.pending == 0)  # the drop the answer queued has run
    assert load_draft(post_db, form.form_key) is None
    assert len(threads) == 2 and threading.main_thread() not in threads
    assert post_db.conn.total_changes == writes_before  # the GUI thread's connection wrote nothing


def test_the_last_draft_is_written_even_when_the_worker_stops(qtbot: Any, post_db_path: Path) -> None:
    """Quitting with unsaved forms keeps what was typed: the window writes each form's draft, then stops
    its worker, which runs those drafts before it ends rather than cancelling them."""
    db = open_database(post_db_path)
    worker = BackgroundWorker(post_db_path)
    form = open_record_form(None, db, "partners", worker=worker)
    form.draft_timer.stop()
    type_into(qtbot, field(form, "name"), "Typed just before quitting")
    started = threading.Event()

    def long_job(_db: Any, _progress: Any, cancelled: Any) -> None:  # an export, until it is told to stop
        started.set()
        while not cancelled():
            time.sleep(0.005)

    job = worker.submit("export", long_job)
    assert started.wait(5)
    form.write_draft()  # queued behind the running job
    worker.stop()
    assert job.cancelled and not worker.is_running()
    assert load_draft(db, form.form_key).payload["state"]["fields"]["name"] == "Typed just before quitting"
    form.finish_clean()
    form.close()
    db.close()
