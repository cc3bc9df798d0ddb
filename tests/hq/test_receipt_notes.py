"""The next receipt tells the post what HQ refused (the rows to fix) and how HQ settled its conflicts,
field by field; the post's Sync page shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ccp_desktop.store.connection import database_path
from ccp_desktop.store.records import update_record
from ccp_desktop.sync.conflicts import list_conflicts, resolve_conflict
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.receipts import write_receipt
from ccp_desktop.sync.status import hq_notes_text, last_receipt
from tests.hq.conftest import tamper
from tests.sync.conftest import add_sample, know_hq


def _hq_refuses_and_settles(post: Any, hq: Any, outbox: Path, tmp_path: Path) -> Path:
    sample = add_sample(post)
    import_package(hq, export_package(post, outbox).path)
    rid = sample["activity"]["id"]
    update_record(hq, "activities", rid, {"title": "HQ title", "location": "Nadi"})
    update_record(post, "activities", rid, {"title": "Post title"})
    changed = export_package(post, outbox).path
    assert import_package(hq, tamper(changed, tmp_path / "edited.xlsx")).status == "rejected"
    assert import_package(hq, changed).status == "applied"
    [conflict] = list_conflicts(hq)
    resolve_conflict(hq, conflict["id"], "fields", fields={"title": "post", "location": "hq"})
    update_record(post, "activities", rid, {"summary": "a third change"})
    bad = tamper(export_package(post, outbox).path, tmp_path / "third-edited.xlsx")
    assert import_package(hq, bad).status == "rejected"
    (tmp_path / "to-post").mkdir()
    return write_receipt(hq, "FJ-SUVA", tmp_path / "to-post").path


def test_the_receipt_carries_refusals_and_field_choices_to_the_post(post, hq, outbox, tmp_path):
    know_hq(post, hq)
    receipt = _hq_refuses_and_settles(post, hq, outbox, tmp_path)
    result = import_package(post, receipt)
    assert result.status == "applied"
    assert "HQ refused 1 package" in result.message and "HQ settled 1 conflict" in result.message
    notes = last_receipt(post)["hq_notes"]
    [refused] = notes["refused"]  # the first edited copy was made good by the genuine one
    assert refused["file_name"] == "third-edited.xlsx" and refused["problems"][0]["sheet"] == "activities"
    [settled] = notes["settled"]
    assert settled["kept"] == "fields" and settled["fields"] == {"title": "post", "location": "hq"}
    text = hq_notes_text(notes)
    assert "HQ refused third-edited.xlsx" in text and "activities, column hash: values differ" in text
    assert "yours for title, HQ's for location" in text


def test_the_posts_sync_page_shows_what_hq_refused_and_settled(qtbot, post, hq, outbox, tmp_path):
    from ccp_desktop.ui.sync_page import SyncPage
    from ccp_desktop.ui.worker import BackgroundWorker

    know_hq(post, hq)
    assert import_package(post, _hq_refuses_and_settles(post, hq, outbox, tmp_path)).status == "applied"
    worker = BackgroundWorker(database_path(post))
    page = SyncPage(database_path(post), worker)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.history_loaded, timeout=30_000):
        page.refresh()
    text = page.summary.text()
    assert "HQ refused third-edited.xlsx" in text and "Fix these, then export again" in text
    assert "HQ settled a conflict on activities" in text
    worker.stop()
