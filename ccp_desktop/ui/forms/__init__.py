"""Record forms (activity, equipment delivery, partner), crash-safe drafts and the handover certificate.

The rest of the UI uses only these four functions:
- open_record_form(parent, db, kind, record_id=None) -> QDialog, already shown with .open();
  its `saved(kind, record_id)` signal fires after a save or a delete.
- confirm_and_delete(parent, db, kind, record_id) -> bool: asks, then tombstones.
- offer_draft_restore(parent, db): after a crash, asks and reopens unsaved forms.
- save_handover_certificate(parent, db, delivery_id, path=None) -> Path | None.
"""

from __future__ import annotations

from ccp_desktop.ui.forms.actions import open_record_form
from ccp_desktop.ui.forms.certificate import save_handover_certificate
from ccp_desktop.ui.forms.deleting import confirm_and_delete
from ccp_desktop.ui.forms.restore import offer_draft_restore

__all__ = ["confirm_and_delete", "offer_draft_restore", "open_record_form", "save_handover_certificate"]
