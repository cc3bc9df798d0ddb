"""A record described for people: a heading, labelled values and, for a delivery, its item lines (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.domain.wording import local_time
from ccp_desktop.store.records import get_record, iter_records


@dataclass
class RecordDetails:
    heading: str
    fields: list[tuple[str, str]]
    table_heading: str = ""
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)


def format_value(f: r.Field, value: Any) -> str:
    ref = load_reference()
    if value is None or value == "" or value == []:
        return ""
    if f.type == r.MONEY:
        return f"{float(value):,.2f}"
    if f.type == r.BOOL:
        return "Yes" if value else "No"
    if f.type == r.CODE and f.choices:
        return ref.label(f.choices, str(value))
    if f.type == r.CODES and f.choices:
        return "; ".join(ref.label(f.choices, str(v)) for v in value)
    if f.type == r.SERIALS:
        return ", ".join(value)
    return str(value)


def _name(db: sqlite_utils.Database, kind: str, record_id: str | None) -> str:
    if not record_id:
        return ""
    k = r.record_kind(kind)
    row = db.execute(f"SELECT {k.title_field} FROM {k.name} WHERE id = ?", [record_id]).fetchone()
    return str(row[0]) if row and row[0] else ""


def describe_record(db: sqlite_utils.Database, kind_name: str, record_id: str) -> RecordDetails:
    kind = r.record_kind(kind_name)
    record = get_record(db, kind_name, record_id)
    fields = []
    for f in kind.user_fields:
        text = _name(db, f.ref, record.get(f.key)) if f.type == r.REF and f.ref else format_value(f, record.get(f.key))
        if text:
            fields.append((f.label, text))
    fields.append(("Last changed", f"{local_time(record['updated_at'])} by {record['updated_by']} (revision {record['rev']})"))
    heading = str(record.get(kind.title_field) or kind.label)
    details = RecordDetails(heading=heading, fields=fields)
    if kind_name == "equipment_deliveries":
        details.heading = f"Delivery to {_name(db, 'partners', record.get('recipient_partner_id'))}"
        items = r.record_kind("equipment_items")
        details.table_heading = "Items"
        details.table_columns = ["Item", "Make and model", "Qty", "Unit value (AUD)", "Serial numbers"]
        total = 0.0
        for item in iter_records(db, "equipment_items", where="delivery_id = ?", params=[record_id]):
            value = (item.get("quantity") or 0) * (item.get("unit_value_aud") or 0.0)
            total += value
            details.table_rows.append([
                str(item.get("description") or ""), str(item.get("make_model") or ""), str(item.get("quantity") or ""),
                format_value(items.field("unit_value_aud"), item.get("unit_value_aud")),
                format_value(items.field("serials"), item.get("serials")),
            ])
        details.fields.append(("Total value (AUD)", f"{total:,.2f}"))
    elif kind_name == "activities":
        details.table_heading = "Partners"
        details.table_columns = ["Partner", "Role"]
        for link in iter_records(db, "activity_partners", where="activity_id = ?", params=[record_id]):
            details.table_rows.append([_name(db, "partners", link["partner_id"]), load_reference().label("partner_roles", link["role"])])
    return details
