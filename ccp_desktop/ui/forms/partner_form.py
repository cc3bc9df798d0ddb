"""Partner organisation form; also opened from the activity and delivery forms to add a partner inline."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.widgets import CodeCombo


class PartnerForm(RecordForm):
    kind_name = "partners"

    def build(self, body: QWidget) -> None:
        layout = QFormLayout(body)
        self.name_edit = QLineEdit()
        self.add_field(layout, "name", self.name_edit)
        self.add_field(layout, "category", CodeCombo(self.ref.entries("partner_categories")))
        countries = sorted(self.ref.entries("countries"), key=lambda e: str(e["label"]))
        self.add_field(layout, "country", CodeCombo(countries, editable=True, blank=""))
        self.add_field(layout, "contact", QLineEdit())
        self.fit_to_screen(560, 320)

    def prefill_name(self, name: str) -> None:
        """Inline creation starts from what was typed in the picker."""
        self.name_edit.setText(name)


def create_partner_inline(
    parent: QWidget, db: sqlite_utils.Database, typed_name: str, on_created: Callable[[str], None]
) -> PartnerForm:
    """Open a small partner form over `parent`; `on_created(partner_id)` runs once it is saved."""
    form = PartnerForm(parent, db)
    form.setWindowTitle("New partner")
    if typed_name:
        form.prefill_name(typed_name)
    form.saved.connect(lambda _kind, partner_id: on_created(partner_id))
    if isinstance(parent, RecordForm):
        form.saved.connect(parent.saved)  # lists of partners learn of it now, not when the parent is saved
    form.finished.connect(form.deleteLater)
    form.open()
    return form
