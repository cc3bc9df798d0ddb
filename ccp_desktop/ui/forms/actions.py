"""Opening forms and deleting records: the functions the rest of the UI calls (see forms/__init__)."""

from __future__ import annotations

import shiboken6
import sqlite_utils
from PySide6.QtWidgets import QWidget

from ccp_desktop.store.drafts import Draft
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.deleting import confirm_and_delete  # noqa: F401 - part of this module's API
from ccp_desktop.ui.worker import BackgroundWorker

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
    *, draft: Draft | None = None, worker: BackgroundWorker | None = None,
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
    form: RecordForm = cls(parent, db, record_id, form_key=draft.form_key if draft else None, worker=worker)
    if key:
        _open_forms[key] = form
        form.finished.connect(lambda _r, k=key: _open_forms.pop(k, None))
    if draft is not None:
        form.restore_draft(draft)
    form.finished.connect(form.deleteLater)
    form.show()  # not open(): that makes a dialog window-modal, and the main window could not be closed
    return form
