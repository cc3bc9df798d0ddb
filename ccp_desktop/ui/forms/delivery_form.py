"""The equipment delivery form: who received what, when, and every item line with its serials.
The delivery and its lines are saved in one transaction: all of it or none of it."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.errors import Problem
from ccp_desktop.store.lookups import partner_country
from ccp_desktop.store.saving import ChildRows
from ccp_desktop.ui.forms.activity_form import place_entries
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.item_lines import ItemLines
from ccp_desktop.ui.forms.widgets import CodeCombo, DateEdit, LongTextEdit, RecordPicker


class DeliveryForm(RecordForm):
    kind_name = "equipment_deliveries"

    def title_text(self) -> str:
        return "Edit equipment delivery" if self.record_id else "New equipment delivery"

    def build(self, body: QWidget) -> None:
        ref = self.ref
        outer = QVBoxLayout(body)
        top = QGridLayout()
        left, right = QFormLayout(), QFormLayout()
        top.addLayout(left, 0, 0)
        top.addLayout(right, 0, 1)
        top.setColumnStretch(0, 1)
        top.setColumnStretch(1, 1)
        outer.addLayout(top)

        self.recipient = RecordPicker(self.db, "partners")
        recipient_row = QWidget()
        row = QHBoxLayout(recipient_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.recipient, 1)
        self.new_partner_button = QPushButton("New…")
        self.new_partner_button.setToolTip("Create the recipient organisation as a new partner")
        self.new_partner_button.setAccessibleName("New recipient organisation")
        row.addWidget(self.new_partner_button)
        self.add_field(left, "recipient_partner_id", self.recipient, display=recipient_row)
        self.new_partner_button.clicked.connect(self._new_recipient)
        self.recipient.changed.connect(self._recipient_changed)

        self.activity = RecordPicker(self.db, "activities")
        self.activity.setPlaceholderText("Optional: type part of the activity's title")
        self.add_field(left, "activity_id", self.activity)
        self.country = CodeCombo(place_entries(ref))
        self.add_field(left, "country", self.country)
        self.add_field(left, "status", CodeCombo(ref.entries("delivery_statuses")))
        self.add_field(left, "delivered_on", DateEdit())
        self.add_field(right, "handover_ref", QLineEdit())
        self.add_field(right, "received_by_name", QLineEdit())
        self.add_field(right, "received_by_title", QLineEdit())
        self.add_field(right, "notes", LongTextEdit(lines=3))

        box = QGroupBox("Items")
        self.items = ItemLines(self.db, ref)
        QVBoxLayout(box).addWidget(self.items)
        outer.addWidget(box)
        outer.addStretch(1)
        self.items.changed.connect(lambda: self.field_changed("items"))

        self.certificate_button = self.buttons.addButton("Handover &certificate…", QDialogButtonBox.ButtonRole.ActionRole)
        self.certificate_button.setToolTip("A printable PDF of the saved delivery, with signature lines")
        self.certificate_button.clicked.connect(self._certificate)
        self.fit_to_screen(1180, 700)

    def _new_recipient(self) -> None:
        from ccp_desktop.ui.forms.partner_form import create_partner_inline

        typed = self.recipient.unresolved_text() or ""
        self.inline_form = create_partner_inline(self, self.db, typed, self.recipient.set_record_id)

    def _recipient_changed(self) -> None:
        """The delivery's country starts as the recipient's country (the common case)."""
        partner_id = self.recipient.record_id()
        if self._loading or not partner_id or self.country.code():
            return
        country = partner_country(self.db, partner_id)
        if country and country in self.ref.codes("activity_places"):
            self.country.set_code(country)

    def _certificate(self) -> None:
        from ccp_desktop.ui.forms.certificate import save_handover_certificate

        if self.record_id:
            save_handover_certificate(self, self.db, self.record_id)

    def revalidate(self) -> None:
        super().revalidate()
        if hasattr(self, "certificate_button"):
            # The certificate shows what is saved; unsaved edits would not be on it.
            self.certificate_button.setEnabled(bool(self.record_id) and not self.is_dirty())

    # -- state ------------------------------------------------------------------------------------------
    def start_new(self) -> None:
        """A new delivery starts with one empty item line: nearly every delivery has at least one."""
        self.items.add_line()
        self.country.set_code(self.post_country(), quiet=True)

    def load_record(self, record: dict[str, Any]) -> None:
        super().load_record(record)
        self.recipient.set_record_id(record.get("recipient_partner_id"))
        self.activity.set_record_id(record.get("activity_id"))
        self.items.load(str(record["id"]))

    def extra_state(self) -> dict[str, Any]:
        return {"items": self.items.states()}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.items.set_states(state.get("items") or [])

    def extra_problems(self) -> list[Problem]:
        return self.items.problems(self.record_id)

    def dependants(self) -> ChildRows:
        return self.items.child_rows()
