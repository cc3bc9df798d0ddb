"""The activity form: every field of an activity, its partners with their roles, in two columns so that
it fits a 1366×768 screen (the body scrolls when the window is smaller)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.domain.coerce import parse_int
from ccp_desktop.domain.reference import ReferenceData
from ccp_desktop.errors import Problem
from ccp_desktop.store.saving import ChildRows
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.partner_links import PartnerLinks
from ccp_desktop.ui.forms.widgets import CheckList, CodeCombo, DateEdit, LongTextEdit

PARTICIPANT_KEYS = ("participants_female", "participants_male", "participants_other")


def place_entries(ref: ReferenceData) -> list[dict[str, Any]]:
    """Partner countries grouped by region, then the regional codes, separated for the eye."""
    out: list[dict[str, Any]] = []
    for region in ref.entries("regions"):
        group = [e for e in ref.entries("activity_places") if e.get("region") == region["code"]
                 and e["code"] not in ref.codes("regional_codes")]
        if group:
            out += [{"separator": True}] if out else []
            out += [{"code": e["code"], "label": f"{e['label']} ({e['code']})"} for e in sorted(group, key=lambda e: e["label"])]
    out.append({"separator": True})
    out += [{"code": e["code"], "label": e["label"]} for e in ref.entries("regional_codes")]
    return out


def _short(edit: QLineEdit, width: int = 110) -> QLineEdit:
    edit.setMaximumWidth(width)
    return edit


class ActivityForm(RecordForm):
    kind_name = "activities"

    def build(self, body: QWidget) -> None:
        ref = self.ref
        grid = QGridLayout(body)
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        self.title_edit = QLineEdit()
        self.add_field(left, "title", self.title_edit)
        self.stream = CodeCombo(ref.entries("streams"))
        self.add_field(left, "stream", self.stream)
        self.activity_type = CodeCombo([], blank="— choose the line of effort first —")
        self.add_field(left, "activity_type", self.activity_type)
        self.add_field(left, "country", CodeCombo(place_entries(ref)))
        self.add_field(left, "location", QLineEdit())
        start = DateEdit()
        self.add_field(left, "start_date", start)
        self.add_field(left, "end_date", DateEdit(near=start.text))  # its calendar opens on the start date
        self.add_field(left, "status", CodeCombo(ref.entries("activity_statuses")))
        self.add_field(left, "tranche", CodeCombo(ref.entries("tranches")))
        self.add_field(left, "budget_aud", _short(QLineEdit(), 160))
        self.add_field(left, "spend_aud", _short(QLineEdit(), 160))
        self.add_field(left, "pfr_marker", QCheckBox("Counts towards Partnerships for Recovery"))
        self.add_field(left, "gender_marker", CodeCombo(ref.entries("gender_markers")))
        self.dac = CodeCombo(ref.entries("dac_codes"), editable=True, blank="")
        self.dac.setToolTip("Defaults from the activity type; type part of a code or name to change it")
        self.add_field(left, "dac_code", self.dac)

        self.partners = PartnerLinks(self.db, ref.entries("partner_roles"))
        box = QGroupBox("Delivery partners")
        QVBoxLayout(box).addWidget(self.partners)
        right.addRow(box)
        self.partners.changed.connect(lambda: self.field_changed("partners"))
        self.add_field(right, "audiences", CheckList(ref.entries("audiences")))
        people = QGroupBox("Participants")
        people_form = QFormLayout(people)
        for key in PARTICIPANT_KEYS:
            self.add_field(people_form, key, _short(QLineEdit()), self.kind.field(key).label.split("(")[1][:-1].capitalize())
        self.total = QLabel("0")
        self.total.setAccessibleName("Participants in total")
        people_form.addRow("Total", self.total)
        right.addRow(people)
        self.add_field(right, "sdg_targets", CheckList(ref.entries("sdg_targets")))
        self.add_field(right, "summary", LongTextEdit(lines=3))
        self.add_field(right, "outcomes", LongTextEdit(lines=3))

        self._type_default: str | None = None
        self.stream.changed.connect(self._stream_changed)
        self.activity_type.changed.connect(self._type_changed)
        for key in PARTICIPANT_KEYS:
            self.binding(key).widget.textChanged.connect(self._update_total)  # type: ignore[attr-defined]
        self.fit_to_screen(1180, 700)

    # -- dependent fields -------------------------------------------------------------------------------
    def _stream_changed(self) -> None:
        stream = self.stream.code()
        types = self.ref.activity_types_for(stream) if stream else []
        self.activity_type.set_entries(types)
        if self.activity_type.itemText(0).startswith("—"):
            self.activity_type.setItemText(0, "— choose —" if stream else "— choose the line of effort first —")
        self.revalidate()  # the type list changed after the stream's own check ran

    def _type_changed(self) -> None:
        """The DAC code follows the activity type until the person picks another code themselves."""
        activity_type = self.activity_type.code()
        default = self.ref.default_dac_code(activity_type) if activity_type else None
        current = self.dac.code()
        if not self._loading and default and current in (None, self._type_default):
            self.dac.set_code(default)
        if default:  # passing through "— choose —" must not forget which default is showing
            self._type_default = default

    def _update_total(self) -> None:
        total, unknown = 0, False
        for key in PARTICIPANT_KEYS:
            try:
                total += parse_int(self.binding(key).raw()) or 0
            except ValueError:
                unknown = True
        self.total.setText("?" if unknown else str(total))

    def start_new(self) -> None:
        self.binding("country").set_state(self.post_country())
        self.binding("status").set_state("planned")

    # -- state ------------------------------------------------------------------------------------------------
    def load_record(self, record: dict[str, Any]) -> None:
        self.stream.set_code(record.get("stream"), quiet=True)
        self._stream_changed()
        super().load_record(record)
        for key in ("budget_aud", "spend_aud"):
            value = record.get(key)
            self.binding(key).set_state("" if value is None else f"{value:.2f}")
        for key in PARTICIPANT_KEYS:
            value = record.get(key)
            self.binding(key).set_state("" if value is None else str(value))
        self._type_default = self.ref.default_dac_code(record.get("activity_type") or "")
        self.partners.load(str(record["id"]))
        self._update_total()

    def set_state(self, state: dict[str, Any]) -> None:
        fields = state.get("fields") or {}
        self._loading = True
        self.stream.set_code(fields.get("stream"), quiet=True)
        self._stream_changed()
        super().set_state(state)
        self._type_default = self.ref.default_dac_code(self.activity_type.code() or "")
        self._update_total()

    def extra_state(self) -> dict[str, Any]:
        return {"partners": self.partners.rows()}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.partners.set_rows(state.get("partners") or [])

    def extra_problems(self) -> list[Problem]:
        return self.partners.problems()

    def dependants(self) -> ChildRows:
        return self.partners.child_rows()
