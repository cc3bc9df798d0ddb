"""The record types: which fields each has, their types, labels and allowed values.

One description serves the database schema, the forms, the package columns and the data dictionary.
Records travel as plain dicts keyed by field key; `coerce.py` turns raw input into that form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Field types. Stored form in brackets.
TEXT = "text"  # a short single line [str]
LONGTEXT = "longtext"  # free text, may hold line breaks [str]
DATE = "date"  # a calendar date [ISO yyyy-mm-dd str]
TIMESTAMP = "timestamp"  # UTC instant [ISO str, milliseconds, Z]
INT = "int"  # a whole number >= 0 [int]
MONEY = "money"  # AUD >= 0, two decimals [float rounded to cents]
BOOL = "bool"  # yes/no [0/1]
CODE = "code"  # one code from a reference list [str]
CODES = "codes"  # several codes from a reference list [list[str], JSON in SQLite]
REF = "ref"  # the id of another record [UUID str]
SERIALS = "serials"  # serial numbers, one per unit [list[str], JSON in SQLite]
UUID = "uuid"  # this record's own id [str]

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 20_000


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    required: bool = False
    choices: str | None = None  # reference list name for CODE / CODES
    ref: str | None = None  # record kind for REF
    system: bool = False  # maintained by the store, never typed by a person
    help: str = ""

    @property
    def max_length(self) -> int | None:
        if self.type == TEXT:
            return SHORT_TEXT_MAX
        if self.type == LONGTEXT:
            return LONG_TEXT_MAX
        return None


@dataclass(frozen=True)
class RecordKind:
    name: str  # table name and package sheet name
    label: str  # one record, for people
    plural: str
    fields: tuple[Field, ...]
    search_columns: tuple[str, ...]  # full-text searchable columns
    title_field: str  # what names a record in messages

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    @property
    def user_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.system)


SYSTEM_FIELDS: tuple[Field, ...] = (
    Field("id", "Record id", UUID, required=True, system=True),
    Field("origin_post", "Created at post", TEXT, required=True, system=True),
    Field("rev", "Revision", INT, required=True, system=True),
    Field("updated_at", "Last changed (UTC)", TIMESTAMP, required=True, system=True),
    Field("updated_by", "Last changed by", TEXT, required=True, system=True),
    Field("deleted", "Deleted", BOOL, required=True, system=True),
)


def define_kind(
    name: str, label: str, plural: str, title_field: str, search_columns: tuple[str, ...], *fields: Field
) -> RecordKind:
    """A record type: the system fields every synced record begins with, then its own `fields`."""
    return RecordKind(name, label, plural, SYSTEM_FIELDS + fields, search_columns, title_field)


ACTIVITIES = define_kind(
    "activities", "Activity", "Activities", "title", ("title", "location", "summary", "outcomes"),
    Field("title", "Title", TEXT, required=True),
    Field("stream", "Line of effort", CODE, required=True, choices="streams"),
    Field("activity_type", "Activity type", CODE, required=True, choices="activity_types"),
    Field("country", "Country or region", CODE, required=True, choices="activity_places"),
    Field("location", "Location", TEXT),
    Field("start_date", "Start date", DATE, required=True),
    Field("end_date", "End date", DATE),
    Field("status", "Status", CODE, required=True, choices="activity_statuses"),
    Field("audiences", "Audiences", CODES, choices="audiences"),
    Field("participants_female", "Participants (female)", INT),
    Field("participants_male", "Participants (male)", INT),
    Field("participants_other", "Participants (other or not stated)", INT),
    Field("tranche", "Funding tranche", CODE, choices="tranches"),
    Field("budget_aud", "Budget (AUD)", MONEY),
    Field("spend_aud", "Actual spend (AUD)", MONEY),
    Field("pfr_marker", "Partnerships for Recovery", BOOL),
    Field("gender_marker", "Gender equality marker", CODE, choices="gender_markers"),
    Field("sdg_targets", "SDG targets", CODES, choices="sdg_targets"),
    Field("dac_code", "DAC purpose code", CODE, choices="dac_codes"),
    Field("summary", "Summary", LONGTEXT),
    Field("outcomes", "Outcomes", LONGTEXT),
)

PARTNERS = define_kind(
    "partners", "Partner", "Partners", "name", ("name", "contact"),
    Field("name", "Name", TEXT, required=True),
    Field("category", "Category", CODE, required=True, choices="partner_categories"),
    Field("country", "Country", CODE, choices="countries"),
    Field("contact", "Contact", TEXT),
)

ACTIVITY_PARTNERS = define_kind(
    "activity_partners", "Activity partner", "Activity partners", "role", (),
    Field("activity_id", "Activity", REF, required=True, ref="activities"),
    Field("partner_id", "Partner", REF, required=True, ref="partners"),
    Field("role", "Role", CODE, required=True, choices="partner_roles"),
)

EQUIPMENT_DELIVERIES = define_kind(
    "equipment_deliveries", "Equipment delivery", "Equipment deliveries", "handover_ref",
    ("handover_ref", "received_by_name", "notes"),
    Field("activity_id", "Activity", REF, ref="activities"),
    Field("recipient_partner_id", "Recipient organisation", REF, required=True, ref="partners"),
    Field("country", "Country", CODE, required=True, choices="activity_places"),
    Field("status", "Status", CODE, required=True, choices="delivery_statuses"),
    Field("delivered_on", "Delivered on", DATE),
    Field("handover_ref", "Handover form reference", TEXT),
    Field("received_by_name", "Received by (name)", TEXT),
    Field("received_by_title", "Received by (title)", TEXT),
    Field("notes", "Notes", LONGTEXT),
)

EQUIPMENT_ITEMS = define_kind(
    "equipment_items", "Equipment item", "Equipment items", "description",
    ("description", "make_model", "serials", "asset_tag"),
    Field("delivery_id", "Delivery", REF, required=True, ref="equipment_deliveries"),
    Field("category", "Category", CODE, required=True, choices="item_categories"),
    Field("description", "Description", TEXT, required=True),
    Field("make_model", "Make and model", TEXT),
    Field("quantity", "Quantity", INT, required=True),
    Field("unit_value_aud", "Unit value (AUD)", MONEY),
    Field("serials", "Serial numbers", SERIALS, help="one per unit, unique across the program"),
    Field("asset_tag", "Asset tag", TEXT),
    Field("warranty_end", "Warranty end", DATE),
)

# Evidence on a record: a photo or a scan. The bytes live apart, stored once by their SHA-256 (see
# domain/attachments.py); this record says which record they belong to. Exactly one of the three
# references is set (one reference field per target keeps the generic reference checks working).
ATTACHMENTS = define_kind(
    "attachments", "Attachment", "Attachments", "file_name", (),
    Field("activity_id", "Activity", REF, ref="activities"),
    Field("delivery_id", "Delivery", REF, ref="equipment_deliveries"),
    Field("item_id", "Equipment item", REF, ref="equipment_items"),
    Field("sha256", "SHA-256 of the content", TEXT, required=True),
    Field("file_name", "File name", TEXT, required=True),
    Field("media_type", "Media type", TEXT, required=True),
    Field("size_bytes", "Size (bytes)", INT, required=True, system=True),  # from the content, never typed
    Field("signed_form", "Signed handover form", BOOL),
    Field("note", "Note", TEXT),
)

# In dependency order: a record's references come before it (import and export rely on this).
RECORD_KINDS: dict[str, RecordKind] = {
    k.name: k for k in (PARTNERS, ACTIVITIES, ACTIVITY_PARTNERS, EQUIPMENT_DELIVERIES, EQUIPMENT_ITEMS, ATTACHMENTS)
}


def record_kind(name: str) -> RecordKind:
    try:
        return RECORD_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown record type {name!r}") from None


def blank_record(kind: RecordKind) -> dict[str, Any]:
    """A record with every field present and empty, as a form starts."""
    return {f.key: ([] if f.type in (CODES, SERIALS) else None) for f in kind.fields}
