"""Opening forms and deleting records: the functions the rest of the UI calls (see forms/__init__)."""

from __future__ import annotations

import shiboken6
import sqlite_utils
from PySide6.QtWidgets import QWidget

from ccp_desktop.domain import records as r
from ccp_desktop.domain.wording import count_of
from ccp_desktop.store.drafts import Draft
from ccp_desktop.store.records import get_record, tombstone_record
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.prompts import Button, ask, tell

_open_forms: dict[str, RecordForm] = {}


def form_class(kind: str) -> type[RecordForm]:
    from ccp_desktop.ui.forms.activity_form import ActivityForm
    from ccp_desktop.ui.forms.delivery_form import DeliveryForm
    from ccp_desktop.ui.forms.partner_form import PartnerForm

    classes: dict[str, type[RecordForm]] = {
        "activities": ActivityForm, "equipment_deliveries": DeliveryForm, "partners": PartnerForm,
    }
    if kind not in classes:
        raise ValueError(f"no form for {kind!r}")
    return classes[kind]


def open_record_form(
    parent: QWidget | None, db: sqlite_utils.Database, kind: str, record_id: str | None = None,
    *, draft: Draft | None = None,
) -> RecordForm:
    """Open the form for a new record (no id) or an existing one; shown beside the main window, not modal.

    With `draft`, the form starts from what was on screen when the draft was saved."""
    key = f"{kind}:{record_id}" if record_id else None
    already = _open_forms.get(key) if key else None
    if already is not None and shiboken6.isValid(already) and already.isVisible() and draft is None:
        already.raise_()  # one form per record: a second would race the first for the same revision
        already.activateWindow()
        return already
    cls = form_class(kind)
    form: RecordForm = cls(parent, db, record_id, form_key=draft.form_key if draft else None)
    if key:
        _open_forms[key] = form
        form.finished.connect(lambda _r, k=key: _open_forms.pop(k, None))
    if draft is not None:
        form.restore_draft(draft)
    form.finished.connect(form.deleteLater)
    form.show()  # not open(): that makes a dialog window-modal, and the main window could not be closed
    return form


def _describe(db: sqlite_utils.Database, kind: r.RecordKind, record_id: str) -> tuple[str, str]:
    record = get_record(db, kind.name, record_id)
    title = str(record.get(kind.title_field) or kind.label)
    consequence = {
        "activities": "Its partner links go with it; equipment deliveries linked to it are kept.",
        "equipment_deliveries": "Its item lines go with it and their serial numbers become free again.",
        "partners": "Its links to activities go with it.",
    }.get(kind.name, "")
    return title, consequence


def confirm_and_delete(parent: QWidget | None, db: sqlite_utils.Database, kind: str, record_id: str) -> bool:
    """Ask, then tombstone the record (it is sent as a deletion in the next package). True if deleted."""
    from ccp_desktop.ui.errors import show_error

    rk = r.record_kind(kind)
    try:
        title, consequence = _describe(db, rk, record_id)
    except Exception as exc:  # noqa: BLE001 - e.g. deleted meanwhile by another window
        show_error(parent, exc)
        return False
    if kind == "partners":
        row = db.execute(
            "SELECT count(*) FROM equipment_deliveries WHERE recipient_partner_id = ? AND deleted = 0", [record_id]
        ).fetchone()
        if row and row[0]:
            # A tombstoned recipient would leave those deliveries failing validation at HQ.
            tell(parent, "Partner still in use", f"“{title}” is the recipient of "
                 f"{count_of(row[0], 'equipment delivery', 'equipment deliveries')}. Change the recipient or delete "
                 "the delivery first; nothing was deleted.")
            return False
    answer = ask(
        parent, f"Delete {rk.label.lower()}", f"Delete the {rk.label.lower()} “{title}”?",
        Button.Yes | Button.No, Button.No,
        detail=(consequence + " The deletion is sent to HQ with the next package.").strip(),
        labels={Button.Yes: "Delete", Button.No: "Keep"},
    )
    if answer != Button.Yes:
        return False
    try:
        tombstone_record(db, kind, record_id)
    except Exception as exc:  # noqa: BLE001 - shown in plain words; nothing was changed
        show_error(parent, exc)
        return False
    return True
