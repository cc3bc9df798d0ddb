"""The delivery partners of an activity, each with a role: a small table inside the activity form."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.domain import records as r
from ccp_desktop.domain.validation import validate_record
from ccp_desktop.errors import Problem
from ccp_desktop.store.records import iter_records
from ccp_desktop.store.saving import ChildRows
from ccp_desktop.ui.forms.base import chain_after, error_label, show_messages
from ccp_desktop.ui.forms.widgets import CodeCombo, RecordPicker


class PartnerLinks(QWidget):
    changed = Signal()

    def __init__(self, db: sqlite_utils.Database, roles: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.roles = roles
        self._link_ids: list[str | None] = []
        self._existing: dict[str, dict[str, Any]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Partner", "Role"])
        self.table.setAccessibleName("Delivery partners")
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The role column holds combo boxes, which "resize to contents" does not measure (it showed "L", "I"):
        # it is as wide as a combo showing the longest role.
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        probe = CodeCombo(self.roles, blank="— role —")
        self.table.setColumnWidth(1, probe.sizeHint().width() + 8)
        probe.deleteLater()
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab moves between the cell widgets and on out of the table
        self.table.setFixedHeight(130)  # four rows show; more scroll
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add partner")
        self.add_button.setToolTip("Add a row and pick an existing partner")
        self.new_button = QPushButton("&New partner…")
        self.new_button.setToolTip("Create a partner organisation and add it here")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected partner row")
        for button in (self.add_button, self.new_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.error = error_label("Delivery partners")
        layout.addWidget(self.error)
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        self.new_button.clicked.connect(self._new_partner)
        self.remove_button.clicked.connect(self._remove_selected)

    # -- rows ---------------------------------------------------------------------------------------
    def add_row(self, partner_id: str | None = None, role: str | None = None, link_id: str | None = None,
                *, text: str | None = None, focus: bool = False) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        picker = RecordPicker(self.db, "partners")
        picker.setAccessibleName(f"Partner, row {row + 1}")
        combo = CodeCombo(self.roles, blank="— role —")
        combo.setAccessibleName(f"Role, row {row + 1}")
        self.table.setCellWidget(row, 0, picker)
        self.table.setCellWidget(row, 1, combo)
        self._link_ids.append(link_id)
        picker.set_record_id(partner_id, text)
        combo.set_code(role if role else ("lead" if row == 0 else "implementing"), quiet=True)
        picker.changed.connect(self.changed.emit)
        combo.changed.connect(self.changed.emit)
        chain_after(self.table, [w for i in range(self.table.rowCount()) for w in (self._picker(i), self._combo(i))]
                    + [self.add_button, self.new_button, self.remove_button])
        if focus:
            picker.setFocus()
        self.changed.emit()
        return row

    def _picker(self, row: int) -> RecordPicker:
        return self.table.cellWidget(row, 0)  # type: ignore[return-value]

    def _combo(self, row: int) -> CodeCombo:
        return self.table.cellWidget(row, 1)  # type: ignore[return-value]

    def _remove_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
            del self._link_ids[row]
            self.changed.emit()

    def _new_partner(self) -> None:
        from ccp_desktop.ui.forms.partner_form import create_partner_inline

        self.inline_form = create_partner_inline(self.window(), self.db, "", self._add_created)

    def _add_created(self, partner_id: str) -> None:
        self.add_row(partner_id)

    # -- state -----------------------------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        return [
            {"link_id": self._link_ids[i], "partner": {"id": self._picker(i).record_id(), "text": self._picker(i).text()},
             "role": self._combo(i).code()}
            for i in range(self.table.rowCount())
        ]

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.table.setRowCount(0)
        self._link_ids.clear()
        for row in rows:
            partner = row.get("partner") or {}
            self.add_row(partner.get("id"), row.get("role"), row.get("link_id"), text=partner.get("text"))

    def load(self, activity_id: str) -> None:
        links = list(iter_records(self.db, "activity_partners", where="activity_id = ?", params=[activity_id]))
        self._existing = {link["id"]: link for link in links}
        self.set_rows([{"link_id": x["id"], "partner": {"id": x["partner_id"]}, "role": x["role"]} for x in links])

    # -- checks and writes --------------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        seen: dict[str, int] = {}
        kind = r.record_kind("activity_partners")
        for i, row in enumerate(self.rows(), start=1):
            partner_id, typed = row["partner"]["id"], row["partner"]["text"].strip()
            if not partner_id:
                msg = (self._picker(i - 1).unresolved_message() or "") if typed else "choose a partner"
                out.append(Problem("partners", f"Row {i}: {msg}"))
            elif partner_id in seen:
                out.append(Problem("partners", f"Row {i}: the same partner is already on row {seen[partner_id]}"))
            else:
                seen[partner_id] = i
            record = {"activity_id": "-", "partner_id": partner_id or "-", "role": row["role"]}
            out += [Problem("partners", f"Row {i}: {p.message}") for p in validate_record(kind, record)]
        show_messages(self.error, [p.message for p in out])
        return out

    def child_rows(self) -> ChildRows:
        """The links as saved with the activity: an unchanged link is left alone (no new revision)."""
        rows = self.rows()
        kept = {row["link_id"] for row in rows if row["link_id"]}
        out: list[dict[str, Any]] = []
        for row in rows:
            values = {"partner_id": row["partner"]["id"], "role": row["role"]}
            old = self._existing.get(row["link_id"] or "")
            if old is None:
                out.append(values)
            elif (old["partner_id"], old["role"]) != (values["partner_id"], values["role"]):
                out.append(values | {"id": old["id"], "rev": old["rev"]})
        return ChildRows("activity_partners", "activity_id", out, [i for i in self._existing if i not in kept])
