"""After a crash or a power cut: offer to reopen the forms that were being edited."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import QWidget

from ccp_desktop.domain import records as r
from ccp_desktop.domain.wording import local_time
from ccp_desktop.store.drafts import Draft, drop_drafts, list_drafts
from ccp_desktop.store.records import get_record
from ccp_desktop.ui.forms.actions import form_class, open_record_form
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.prompts import Button, ask
from ccp_desktop.ui.worker import BackgroundWorker, shared_worker


def _restorable(db: sqlite_utils.Database, draft: Draft) -> bool:
    """A draft whose record has since been deleted, or of a kind this build has no form for, is dropped."""
    try:
        form_class(draft.kind)
        return not (draft.record_id and get_record(db, draft.kind, draft.record_id)["deleted"])
    except Exception:  # noqa: BLE001 - unknown kind, missing record: nothing to restore into
        return False


def _describe(draft: Draft) -> str:
    label = r.record_kind(draft.kind).label
    title = str(draft.payload.get("title") or label)
    return f"• {title} (saved {local_time(draft.saved_at)})"


def _drop(worker: BackgroundWorker, drafts: list[Draft]) -> None:
    """On the worker, like every write; a draft that stays (the write failed) is only offered again."""
    if drafts:
        keys = [d.form_key for d in drafts]
        worker.run_operation("drop drafts", lambda db: drop_drafts(db, keys), lambda _changes: None,
                             lambda _exc: None, finish_on_stop=True)


def offer_draft_restore(
    parent: QWidget | None, db: sqlite_utils.Database, worker: BackgroundWorker | None = None
) -> list[RecordForm]:
    """If drafts were left by a crash, ask, then reopen each in its form (or throw them away)."""
    worker = worker or shared_worker(db)
    everything = list_drafts(db)
    drafts = [d for d in everything if _restorable(db, d)]
    _drop(worker, [d for d in everything if d not in drafts])
    if not drafts:
        return []
    answer = ask(
        parent, "Restore unsaved work",
        f"CCP Field Desk closed while {len(drafts)} form{'s were' if len(drafts) > 1 else ' was'} being edited. "
        "Reopen them with what you had typed?",
        Button.Yes | Button.Discard, Button.Yes,
        detail="\n".join(_describe(d) for d in drafts),
        labels={Button.Yes: "Reopen"},
    )
    if answer != Button.Yes:
        _drop(worker, drafts)
        return []
    return [open_record_form(parent, db, d.kind, d.record_id, draft=d, worker=worker) for d in drafts]
