"""Item lines of an equipment delivery: one card per line, serial numbers one per line of a text box
so that a column pasted from a spreadsheet just works; duplicates are flagged as soon as they appear,
within the line, across the lines of the form and against every serial recorded in the program."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import coerce_record, parse_int, parse_money, parse_serials
from ccp_desktop.domain.reference import ReferenceData
from ccp_desktop.domain.validation import validate_record
from ccp_desktop.errors import Problem
from ccp_desktop.store.attachments import evidence_of
from ccp_desktop.store.installation import get_installation
from ccp_desktop.store.lookups import record_post, serial_holder
from ccp_desktop.store.records import StoreLookup, iter_records
from ccp_desktop.store.saving import ChildRows
from ccp_desktop.ui.forms.base import chain_after, error_label, show_messages
from ccp_desktop.ui.forms.item_evidence import ItemEvidenceDialog, evidence_button_text
from ccp_desktop.ui.forms.widgets import CodeCombo, DateEdit, SerialsEdit

ITEMS = r.record_kind("equipment_items")
PENDING = "(this delivery)"  # stands for the id of a delivery that is not saved yet
LINE_KEYS = ("category", "description", "make_model", "quantity", "unit_value_aud", "serials", "asset_tag", "warranty_end")


class FormLookup:
    """The store's answers, except that the delivery being created exists and that serials held by
    items of this same form are judged by the form (a serial may move from one line to another)."""

    def __init__(self, db: sqlite_utils.Database, form_item_ids: set[str]) -> None:
        self.store = StoreLookup(db)
        self.form_item_ids = form_item_ids

    def exists(self, kind: str, record_id: str) -> bool:
        return record_id == PENDING or self.store.exists(kind, record_id)

    def serial_owner(self, serial: str, post: str | None = None) -> str | None:
        owner = self.store.serial_owner(serial, post)
        return None if owner in self.form_item_ids else owner


def money_text(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


class ItemLine(QGroupBox):
    changed = Signal()
    remove_requested = Signal(object)
    evidence_requested = Signal(object)

    def __init__(self, ref: ReferenceData, number: int, item_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ref = ref
        self.item_id = item_id
        self.touched = False
        self._auto_quantity = True  # quantity follows the serial count until typed by hand
        grid = QGridLayout(self)
        self.widgets: dict[str, Any] = {
            "category": CodeCombo(ref.entries("item_categories")),
            "description": QLineEdit(),
            "make_model": QLineEdit(),
            "quantity": QLineEdit(),
            "unit_value_aud": QLineEdit(),
            "asset_tag": QLineEdit(),
            "warranty_end": DateEdit(),
            "serials": SerialsEdit(),
        }
        self.errors: dict[str, QLabel] = {}
        # Three grid rows per band: caption, input, problem (hidden until there is one).
        places = {"category": (0, 0), "description": (0, 1), "make_model": (0, 2),
                  "quantity": (3, 0), "unit_value_aud": (3, 1), "asset_tag": (3, 2), "warranty_end": (3, 3)}
        for key, (row, col) in places.items():
            self._place(grid, key, row, col)
        self._place(grid, "serials", 6, 0, span=3)
        self.widgets["serials"].setFixedHeight(80)
        self.count_label = QLabel()
        self.total_label = QLabel()
        self.total_label.setAccessibleName("Line value")
        side = QVBoxLayout()
        side.addWidget(self.count_label)
        side.addWidget(self.total_label)
        self.evidence_button = QPushButton(evidence_button_text(0))
        side.addWidget(self.evidence_button)
        self.remove_button = QPushButton("Remove line")
        side.addWidget(self.remove_button)
        side.addStretch(1)
        grid.addLayout(side, 7, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self.evidence_button.clicked.connect(lambda: self.evidence_requested.emit(self))
        self.widgets["quantity"].textEdited.connect(self._quantity_typed)
        for key, widget in self.widgets.items():
            signal = widget.changed if hasattr(widget, "changed") else widget.textChanged
            signal.connect(lambda *_a, k=key: self._edited(k))
        self.set_number(number)

    def _place(self, grid: QGridLayout, key: str, row: int, col: int, span: int = 1) -> None:
        field = ITEMS.field(key)
        caption = QLabel(f"{field.label}{' *' if field.required else ''}")
        caption.setBuddy(self.widgets[key])
        self.errors[key] = error_label(field.label)
        grid.addWidget(caption, row, col, 1, span)
        grid.addWidget(self.widgets[key], row + 1, col, 1, span)
        grid.addWidget(self.errors[key], row + 2, col, 1, span)
        if field.help:
            self.widgets[key].setToolTip(field.help)

    def set_number(self, number: int) -> None:
        self.number = number
        self.setTitle(f"Item line {number}")
        for key, widget in self.widgets.items():
            widget.setAccessibleName(f"{ITEMS.field(key).label}, line {number}")
        self.remove_button.setAccessibleName(f"Remove item line {number}")
        self.evidence_button.setAccessibleName(f"Evidence of item line {number}")

    def set_evidence_count(self, count: int) -> None:
        """How many files the saved line holds; a new line says it must be saved first."""
        self.evidence_button.setText(evidence_button_text(count) if self.item_id else "Evidence…")
        self.evidence_button.setToolTip(
            "Photos or scans of this line (its serial plate, asset tag)" if self.item_id
            else "Save the delivery first: a new item line cannot hold files yet")

    def _quantity_typed(self, text: str) -> None:
        self._auto_quantity = not text.strip()

    def _edited(self, key: str) -> None:
        self.touched = True
        if key in ("serials", "category") and self._auto_quantity:
            category = self.widgets["category"].code()
            count = len(self.widgets["serials"].serials())
            if category and self.ref.is_serialised(category) and count:
                self.widgets["quantity"].setText(str(count))
        self.changed.emit()

    # -- state ------------------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        w = self.widgets
        out: dict[str, Any] = {"item_id": self.item_id, "category": w["category"].code(),
                               "serials": w["serials"].toPlainText(), "warranty_end": w["warranty_end"].text()}
        for key in ("description", "make_model", "quantity", "unit_value_aud", "asset_tag"):
            out[key] = w[key].text()
        return out

    def set_state(self, state: dict[str, Any]) -> None:
        w = self.widgets
        self.item_id = state.get("item_id")
        w["category"].set_code(state.get("category"), quiet=True)
        w["serials"].setPlainText(state.get("serials") or "")
        w["warranty_end"].setText(state.get("warranty_end") or "")
        for key in ("description", "make_model", "quantity", "unit_value_aud", "asset_tag"):
            w[key].setText(state.get(key) or "")
        self._auto_quantity = not (state.get("quantity") or "").strip()

    def raw(self) -> dict[str, Any]:
        return {k: v for k, v in self.state().items() if k != "item_id"}

    def show_problems(self, problems: list[Problem], flagged: set[str]) -> None:
        by_key: dict[str, list[str]] = {}
        for p in problems:
            by_key.setdefault(p.field, []).append(p.message)
        for key, label in self.errors.items():
            show_messages(label, by_key.get(key, []) if self.touched else [])
        self.widgets["serials"].mark_duplicates(flagged)
        serials = self.widgets["serials"].serials()
        self.count_label.setText(f"{len(serials)} serial number{'s' if len(serials) != 1 else ''}")
        try:
            quantity, value = parse_int(self.widgets["quantity"].text()), parse_money(self.widgets["unit_value_aud"].text())
            line = (quantity or 0) * (value or 0)
            self.total_label.setText(f"Line value: AUD {money_text(line)}")
        except ValueError:
            self.total_label.setText("Line value: ?")


class ItemLines(QWidget):
    changed = Signal()

    def __init__(self, db: sqlite_utils.Database, ref: ReferenceData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.ref = ref
        self._existing: dict[str, dict[str, Any]] = {}
        # Whose items these are: a serial is unique within one post (at HQ another post's item may share it).
        install = get_installation(db)
        self.post: str | None = install.post_code if install else None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.lines: list[ItemLine] = []
        self.add_button = QPushButton("&Add item line")
        self.total_label = QLabel()
        self.total_label.setAccessibleName("Delivery value")
        self.error = error_label("Item lines")
        footer = QHBoxLayout()
        footer.addWidget(self.add_button)
        footer.addWidget(self.total_label, 1)
        self.layout_.addLayout(footer)
        self.layout_.addWidget(self.error)
        self.add_button.clicked.connect(lambda: self.add_line(focus=True))

    def add_line(self, state: dict[str, Any] | None = None, *, focus: bool = False) -> ItemLine:
        line = ItemLine(self.ref, len(self.lines) + 1)
        if state:
            line.set_state(state)
        self.layout_.insertWidget(len(self.lines), line)
        self.lines.append(line)
        line.changed.connect(self.changed.emit)
        line.remove_requested.connect(self.remove_line)
        line.evidence_requested.connect(self.open_evidence)
        line.set_evidence_count(0)
        self._order_tabs()
        if focus:
            line.show()  # shown now, not at the next event loop pass, so that it can take the focus
            line.widgets["category"].setFocus()
            scroll = self.parent()
            while scroll is not None and not isinstance(scroll, QScrollArea):
                scroll = scroll.parent()
            if scroll is not None:
                scroll.ensureWidgetVisible(line.widgets["category"])
        self.changed.emit()
        return line

    def _order_tabs(self) -> None:
        """Tab runs through the lines in order, then to "Add item line"."""
        keys = ("category", "description", "make_model", "quantity", "unit_value_aud", "asset_tag", "warranty_end", "serials")
        widgets: list[QWidget] = []
        for line in self.lines:
            widgets += [getattr(line.widgets[k], "edit", line.widgets[k]) for k in keys] + [line.evidence_button, line.remove_button]
        chain_after(self, widgets + [self.add_button])

    def remove_line(self, line: ItemLine) -> None:
        self.lines.remove(line)
        line.setParent(None)
        line.deleteLater()
        for number, other in enumerate(self.lines, start=1):
            other.set_number(number)
        self.changed.emit()

    def states(self) -> list[dict[str, Any]]:
        return [line.state() for line in self.lines]

    def set_states(self, states: list[dict[str, Any]]) -> None:
        for line in list(self.lines):
            self.lines.remove(line)
            line.setParent(None)
            line.deleteLater()
        for state in states:
            self.add_line(state).touched = True
        self.count_evidence()

    def count_evidence(self) -> None:
        """Each saved line's button shows how many files it holds (one query for all the lines)."""
        counts = evidence_of(self.db, "item", [line.item_id for line in self.lines if line.item_id])
        for line in self.lines:
            line.set_evidence_count(counts.get(line.item_id or "", (0, False))[0])

    def open_evidence(self, line: ItemLine) -> ItemEvidenceDialog:
        """The line's evidence in a window of its own (non-blocking: the worker writes while it is open)."""
        description = line.widgets["description"].text().strip()
        caption = f"item line {line.number}" + (f" ({description})" if description else "")
        self.evidence_dialog = ItemEvidenceDialog(self.db, line.item_id, caption, self)
        self.evidence_dialog.panel.changed.connect(self.count_evidence)
        self.evidence_dialog.open()
        return self.evidence_dialog

    def load(self, delivery_id: str) -> None:
        items = list(iter_records(self.db, "equipment_items", where="delivery_id = ?", params=[delivery_id]))
        self.post = record_post(self.db, "equipment_deliveries", delivery_id) or self.post
        self._existing = {item["id"]: item for item in items}
        self.set_states([
            {"item_id": i["id"], "category": i["category"], "description": i["description"] or "",
             "make_model": i["make_model"] or "", "quantity": "" if i["quantity"] is None else str(i["quantity"]),
             "unit_value_aud": "" if i["unit_value_aud"] is None else f"{i['unit_value_aud']:.2f}",
             "serials": "\n".join(i["serials"]), "asset_tag": i["asset_tag"] or "", "warranty_end": i["warranty_end"] or ""}
            for i in items
        ])

    def _owner_text(self, serial: str) -> str:
        row = serial_holder(self.db, serial, self.post)
        if not row:
            return "another item"
        return f"delivery {row[0] or 'without a handover reference'}" + (f" of {row[1]}" if row[1] else "")

    def problems(self, delivery_id: str | None) -> list[Problem]:
        """Check every line with the domain's rules, plus serials repeated across lines."""
        # Lines removed in this form give their serials up when it is saved (they are written first).
        lookup = FormLookup(self.db, set(self._existing) | {line.item_id for line in self.lines if line.item_id})
        where: dict[str, list[int]] = {}
        for line in self.lines:
            for serial in {s.casefold() for s in parse_serials(line.state()["serials"])}:
                where.setdefault(serial, []).append(line.number)
        out: list[Problem] = []
        total, total_known = 0.0, True
        for line in self.lines:
            coerced, problems = coerce_record(ITEMS, line.raw())
            record = r.blank_record(ITEMS) | coerced | {"id": line.item_id, "delivery_id": delivery_id or PENDING,
                                                             "origin_post": self.post}
            bad = {p.field for p in problems}
            for p in validate_record(ITEMS, record, lookup=lookup):
                if p.field in bad:
                    continue
                if "already recorded on another item" in p.message:
                    p = Problem("serials", f"Serial number {p.value!r} is already recorded on {self._owner_text(str(p.value))}", p.value)
                problems.append(p)
            serials = coerced.get("serials") or []
            flagged = {s.casefold() for s in serials if len(where.get(s.casefold(), [])) > 1}
            for serial in serials:
                others = [n for n in where.get(serial.casefold(), []) if n != line.number]
                if others:
                    problems.append(Problem("serials", f"Serial number {serial!r} is also on item line {others[0]}", serial))
            seen: set[str] = set()
            for serial in serials:
                key = serial.casefold()
                if key in seen or lookup.serial_owner(serial, self.post) not in (None, line.item_id):
                    flagged.add(key)
                seen.add(key)
            line.show_problems(problems, flagged)
            out += [Problem(p.field, f"Item line {line.number}: {p.message}", p.value) for p in problems]
            if "quantity" in bad or "unit_value_aud" in bad:
                total_known = False
            else:
                total += (coerced.get("quantity") or 0) * (coerced.get("unit_value_aud") or 0)
        count = len(self.lines)
        self.total_label.setText(
            f"{count} item line{'s' if count != 1 else ''}; total value AUD {money_text(total) if total_known else '?'}")
        return out

    def child_rows(self) -> ChildRows:
        """The lines as saved with the delivery; removed lines go first, so their serials are free to reuse."""
        kept = {line.item_id for line in self.lines if line.item_id}
        rows = [line.raw() | ({"id": line.item_id, "rev": self._existing[line.item_id]["rev"]}
                              if line.item_id in self._existing else {})
                for line in self.lines]
        return ChildRows("equipment_items", "delivery_id", rows, [i for i in self._existing if i not in kept])
