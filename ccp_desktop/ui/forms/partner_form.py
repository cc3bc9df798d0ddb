"""Partner organisation form; also opened from the activity and delivery forms to add a partner inline."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from ccp_desktop.store.lookups import partners_named_like
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.widgets import CodeCombo


class PartnerForm(RecordForm):
    kind_name = "partners"

    def build(self, body: QWidget) -> None:
        layout = QFormLayout(body)
        self.name_edit = QLineEdit()
        self.add_field(layout, "name", self.name_edit)
        # A second "vanuatu police force" beside "Vanuatu Police Force" splits the partner's history in
        # two: say so as the name is typed (a warning, not a refusal: two bodies may share a name).
        self.duplicate_note = QLabel()
        self.duplicate_note.setObjectName("duplicate-partner")
        self.duplicate_note.setWordWrap(True)
        self.duplicate_note.setStyleSheet("background: #fff4ce; padding: 4px;")
        self.duplicate_note.setAccessibleName("Partner with this name already recorded")
        self.duplicate_note.hide()
        layout.addRow("", self.duplicate_note)
        self.name_edit.textChanged.connect(self._check_duplicate)
        self.add_field(layout, "category", CodeCombo(self.ref.entries("partner_categories")))
        countries = sorted(self.ref.entries("countries"), key=lambda e: str(e["label"]))
        self.add_field(layout, "country", CodeCombo(countries, editable=True, blank=""))
        self.add_field(layout, "contact", QLineEdit())
        self.fit_to_screen(560, 320)

    def _check_duplicate(self, name: str) -> None:
        same = partners_named_like(self.db, name, exclude_id=self.record_id)
        if same:
            _id, existing, country = same[0]
            where = f" ({country})" if country else ""
            self.duplicate_note.setText(
                f"“{existing}”{where} is already recorded as a partner. Use it rather than adding it again, "
                "unless this is a different organisation.")
        self.duplicate_note.setVisible(bool(same))

    def prefill_name(self, name: str) -> None:
        """Inline creation starts from what was typed in the picker."""
        self.name_edit.setText(name)


def create_partner_inline(
    parent: QWidget, db: sqlite_utils.Database, typed_name: str, on_created: Callable[[str], None]
) -> PartnerForm:
    """Open a small partner form over `parent`; `on_created(partner_id)` runs once it is saved."""
    form = PartnerForm(parent, db, worker=parent.worker if isinstance(parent, RecordForm) else None)
    form.setWindowTitle("New partner")
    if typed_name:
        form.prefill_name(typed_name)
    form.saved.connect(lambda _kind, partner_id: on_created(partner_id))
    if isinstance(parent, RecordForm):
        # Lists of partners learn of it now, not when the parent is saved.
        form.changed.connect(parent.changed)
        form.saved.connect(parent.saved)
    form.finished.connect(form.deleteLater)
    form.open()
    return form
