"""Deleting a record from the UI: say what goes with it, ask, then tombstone (one core operation)."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from PySide6.QtWidgets import QWidget

from ccp_desktop.domain import records as r
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.records import deletion_blockers, get_record
from ccp_desktop.store.saving import delete_record
from ccp_desktop.ui.forms.prompts import Button, ask, tell
from ccp_desktop.ui.worker import BackgroundWorker, shared_worker


def _describe(db: sqlite_utils.Database, kind: r.RecordKind, record_id: str) -> tuple[str, str]:
    record = get_record(db, kind.name, record_id)
    title = str(record.get(kind.title_field) or kind.label)
    consequence = {
        "activities": "Its partner links go with it; equipment deliveries linked to it are kept.",
        "equipment_deliveries": "Its item lines go with it and their serial numbers become free again.",
        "partners": "Its links to activities go with it.",
    }.get(kind.name, "")
    return title, consequence


def confirm_and_delete(
    parent: QWidget | None, db: sqlite_utils.Database, kind: str, record_id: str,
    *, on_deleted: Callable[[Changes], None] | None = None, worker: BackgroundWorker | None = None,
) -> bool:
    """Ask, then tombstone the record on the background worker (it is sent as a deletion in the next
    package); `on_deleted(changes)` runs once it is done. True if the deletion was started."""
    from ccp_desktop.ui.errors import show_error

    rk = r.record_kind(kind)
    try:
        title, consequence = _describe(db, rk, record_id)
    except Exception as exc:  # noqa: BLE001 - e.g. deleted meanwhile by another window
        show_error(parent, exc)
        return False
    blockers = deletion_blockers(db, kind, record_id)
    if blockers:  # e.g. a partner still receiving deliveries: they would fail validation at HQ
        tell(parent, f"{rk.label} still in use",
             f"“{title}”: {'; '.join(p.message for p in blockers)}. Nothing was deleted.")
        return False
    answer = ask(
        parent, f"Delete {rk.label.lower()}", f"Delete the {rk.label.lower()} “{title}”?",
        Button.Yes | Button.No, Button.No,
        detail=(consequence + " The deletion is sent to HQ with the next package.").strip(),
        labels={Button.Yes: "Delete", Button.No: "Keep"},
    )
    if answer != Button.Yes:
        return False
    def failed(exc: BaseException) -> None:
        show_error(parent, exc)  # e.g. deleted meanwhile: nothing was changed

    (worker or shared_worker(db)).run_operation(
        f"delete {kind}", lambda wdb: delete_record(wdb, kind, record_id), on_deleted or (lambda _changes: None), failed)
    return True
