"""Validation rules, in one place. Each returns every problem, each naming its field.

Forms (as you type), the command line and the package importer all call `validate_record`.
Rules that need other records (references, program-wide serial numbers) ask a `RecordLookup`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from ccp_desktop.domain import records as r
from ccp_desktop.domain.attachments import attachment_rules
from ccp_desktop.domain.reference import ReferenceData, load_reference
from ccp_desktop.errors import Problem

MONEY_MAX = 1_000_000_000.0  # more than the program's whole budget many times over: a typo
COUNT_MAX = 1_000_000
EARLIEST_DATE = "2000-01-01"
LATEST_DATE = "2100-12-31"
HANDED_OVER = frozenset({"handed_over", "installed"})
DELIVERED = frozenset({"delivered", "handed_over", "installed", "faulty", "returned", "disposed"})


class RecordLookup(Protocol):
    """What validation may ask about records other than the one being checked."""

    def exists(self, kind: str, record_id: str) -> bool: ...

    def serial_owner(self, serial: str, post: str | None = None) -> str | None:
        """The id of the live equipment item that holds this serial number, if any: with `post`, an item
        of that post (at HQ the same serial may be held by items of two posts, paired for review)."""
        ...


def _field_problems(field: r.Field, value: Any, ref: ReferenceData) -> list[Problem]:
    empty = value is None or value == "" or value == []
    if empty:
        return [Problem(field.key, f"{field.label} is required", value)] if field.required else []
    out: list[Problem] = []
    limit = field.max_length
    if limit is not None and isinstance(value, str) and len(value) > limit:
        out.append(Problem(field.key, f"{field.label} is longer than {limit} characters", value[:40] + "…"))
    if field.type == r.INT and not field.system:
        if value < 0:
            out.append(Problem(field.key, f"{field.label} cannot be negative", value))
        elif value > COUNT_MAX:
            out.append(Problem(field.key, f"{field.label} is implausibly large", value))
    if field.type == r.MONEY:
        if value < 0:
            out.append(Problem(field.key, f"{field.label} cannot be negative", value))
        elif value > MONEY_MAX:
            out.append(Problem(field.key, f"{field.label} is implausibly large", value))
    if field.type == r.DATE and not (EARLIEST_DATE <= value <= LATEST_DATE):
        out.append(Problem(field.key, f"{field.label} must be between 2000 and 2100", value))
    if field.type == r.CODE and field.choices and value not in ref.codes(field.choices):
        out.append(Problem(field.key, f"{value!r} is not an allowed {field.label.lower()}", value))
    if field.type == r.CODES and field.choices:
        allowed = ref.codes(field.choices)
        for code in value:
            if code not in allowed:
                out.append(Problem(field.key, f"{code!r} is not an allowed {field.label.lower()}", code))
        if len(set(value)) != len(value):
            out.append(Problem(field.key, f"{field.label} lists a code twice", value))
    return out


def _activity_rules(rec: Mapping[str, Any], ref: ReferenceData) -> list[Problem]:
    out = []
    stream, activity_type = rec.get("stream"), rec.get("activity_type")
    known_type = activity_type in ref.codes("activity_types")
    if stream and known_type and ref.stream_of(str(activity_type)) != stream:
        out.append(
            Problem(
                "activity_type",
                f"{ref.label('activity_types', activity_type)} is not an activity type of "
                f"{ref.label('streams', stream)}",
                activity_type,
            )
        )
    start, end = rec.get("start_date"), rec.get("end_date")
    if start and end and end < start:
        out.append(Problem("end_date", "End date is before the start date", end))
    if rec.get("status") == "completed" and not end:
        out.append(Problem("end_date", "A completed activity needs an end date", end))
    budget, spend = rec.get("budget_aud"), rec.get("spend_aud")
    if rec.get("status") == "planned" and spend:
        out.append(Problem("spend_aud", "A planned activity cannot have actual spend yet", spend))
    del budget  # overspend is allowed (reported), not refused
    return out


def _delivery_rules(rec: Mapping[str, Any], ref: ReferenceData) -> list[Problem]:
    out = []
    status = rec.get("status")
    if status in DELIVERED and not rec.get("delivered_on"):
        label = ref.label("delivery_statuses", status)
        out.append(Problem("delivered_on", f"A delivery with status {label!r} needs the date it arrived", None))
    if status in HANDED_OVER and not rec.get("received_by_name"):
        out.append(Problem("received_by_name", "A handed-over delivery needs the name of who received it", None))
    return out


def _item_rules(rec: Mapping[str, Any], ref: ReferenceData) -> list[Problem]:
    out = []
    serials: list[str] = rec.get("serials") or []
    quantity = rec.get("quantity")
    seen: set[str] = set()
    for serial in serials:
        key = serial.casefold()  # serial numbers are compared without regard to case, as the index does
        if key in seen:
            out.append(Problem("serials", f"Serial number {serial!r} is listed twice", serial))
        seen.add(key)
        if len(serial) > 100:
            out.append(Problem("serials", "A serial number is longer than 100 characters", serial[:40]))
    if isinstance(quantity, int):
        if quantity < 1:
            out.append(Problem("quantity", "Quantity must be at least 1", quantity))
        category = rec.get("category")
        if category and ref.is_serialised(category) and len(serials) != quantity:
            out.append(
                Problem(
                    "serials",
                    f"{ref.label('item_categories', category)} items need one serial number per unit: "
                    f"quantity is {quantity}, serial numbers given {len(serials)}",
                    len(serials),
                )
            )
        elif len(serials) > quantity:
            out.append(Problem("serials", f"{len(serials)} serial numbers for a quantity of {quantity}", len(serials)))
    return out


_KIND_RULES: dict[str, Callable[[Mapping[str, Any], ReferenceData], list[Problem]]] = {
    "activities": _activity_rules,
    "equipment_deliveries": _delivery_rules,
    "equipment_items": _item_rules,
    "attachments": attachment_rules,
}


def validate_record(
    kind: r.RecordKind,
    record: Mapping[str, Any],
    *,
    lookup: RecordLookup | None = None,
    ref: ReferenceData | None = None,
    check_system: bool = False,
) -> list[Problem]:
    """Every problem with a record in stored form. A tombstone is only checked for its system fields.

    `check_system` also checks id/rev/updated_at...; the store sets those itself, the importer does not.
    """
    ref = ref or load_reference()
    problems: list[Problem] = []
    fields = kind.fields if check_system else kind.user_fields
    if record.get("deleted"):
        fields = tuple(f for f in fields if f.system)
    for field in fields:
        problems.extend(_field_problems(field, record.get(field.key), ref))
    if record.get("deleted"):
        return problems
    return problems + record_problems(kind, record, lookup=lookup, ref=ref)


def record_problems(kind: r.RecordKind, record: Mapping[str, Any], *, lookup: RecordLookup | None,
                    ref: ReferenceData) -> list[Problem]:
    """The rules across a live record's fields and its references: what `validate_record` checks after
    each field on its own."""
    problems: list[Problem] = []
    rule = _KIND_RULES.get(kind.name)
    if rule:
        problems.extend(rule(record, ref))
    if lookup is not None:
        problems.extend(_reference_problems(kind, record, lookup))
    return problems


def has_record_rules(kind: r.RecordKind) -> bool:
    """Whether `record_problems` can find anything for this kind (a rule across fields, or a reference)."""
    return kind.name in _KIND_RULES or kind.name == "equipment_items" or any(f.type == r.REF for f in kind.fields)


# Types whose only rules are "required" and the length limit: a column of them is screened without a call
# per cell (the ids, names and free text that make most of a package's distinct values).
_FREE_TYPES = frozenset({r.TEXT, r.LONGTEXT, r.UUID, r.REF, r.TIMESTAMP})


def column_problems(field: r.Field, values: Sequence[Any], rows: Iterable[int], ref: ReferenceData,
                    to_record: Callable[[Any], Any] | None = None) -> Iterator[tuple[int, Problem]]:
    """`_field_problems` for rows `rows` of one column, in row order: the same problems `validate_record`
    finds for this field, at a fraction of the cost for a package's thousands of rows. `values` may be in
    database form (lists as JSON text, money in cents): `to_record` turns a value into the record's form.

    A value's problems depend on the value alone, so each distinct value is checked once; a free-text
    column (mostly distinct values) is first screened for the rows that can break a rule at all."""
    convert = to_record or _same
    if field.type in _FREE_TYPES and not field.choices:
        limit, required = field.max_length, field.required
        rows = [i for i in rows if (required and (values[i] is None or values[i] == ""))
                or (limit is not None and type(values[i]) is str and len(values[i]) > limit)]
    else:
        try:
            distinct = set(values)  # a column's distinct values, judged first: most columns break no rule
        except TypeError:  # an unhashable value (a list in record form): judged row by row below
            pass
        else:
            verdicts = {value: _field_problems(field, convert(value), ref) for value in distinct}
            bad = {value for value, found in verdicts.items() if found}
            for i in rows if bad else ():
                if values[i] in bad:
                    for problem in verdicts[values[i]]:
                        yield i, problem
            return
    verdicts = {}
    for i in rows:
        value = values[i]
        try:
            found = verdicts.get(value)
        except TypeError:  # an unhashable value (a list in record form) is checked on its own
            found = _field_problems(field, convert(value), ref)
        else:
            if found is None:
                found = verdicts[value] = _field_problems(field, convert(value), ref)
        for problem in found:
            yield i, problem


def first_invalid(kind: r.RecordKind, records: Sequence[Mapping[str, Any]], *,
                  ref: ReferenceData | None = None) -> tuple[int, list[Problem]] | None:
    """The first of many new live records (a bulk load) that `validate_record` refuses, with all its
    problems as `validate_record` gives them; None when every record passes. The fields are judged a column
    at a time (`column_problems`) and the rules across fields row by row: the same verdicts at a fraction of
    a call per record and field."""
    ref = ref or load_reference()
    every = range(len(records))
    first = len(records)
    for field in kind.user_fields:
        column = [record.get(field.key) for record in records]
        for i, _ in column_problems(field, column, every, ref):
            first = min(first, i)
            break  # rows come in order: the column's first problem is its earliest
    if has_record_rules(kind):
        for i in range(first):
            if record_problems(kind, records[i], lookup=None, ref=ref):
                first = i
                break
    if first == len(records):
        return None
    return first, validate_record(kind, records[first], ref=ref)


def _same(value: Any) -> Any:
    return value


_REF_FIELDS: dict[str, tuple[r.Field, ...]] = {}


def _reference_problems(kind: r.RecordKind, record: Mapping[str, Any], lookup: RecordLookup) -> list[Problem]:
    out = []
    refs = _REF_FIELDS.get(kind.name)
    if refs is None:  # an import asks this for every row: the reference fields are found once per kind
        refs = _REF_FIELDS[kind.name] = tuple(f for f in kind.fields if f.type == r.REF and f.ref)
    for field in refs:
        value = record.get(field.key)
        if value and field.ref and not lookup.exists(field.ref, value):
            target = r.record_kind(field.ref).label.lower()
            out.append(Problem(field.key, f"no {target} with id {value}", value))
    if kind.name == "equipment_items":
        for serial in record.get("serials") or []:
            owner = lookup.serial_owner(serial, record.get("origin_post") or None)
            if owner is not None and owner != record.get("id"):
                out.append(Problem("serials", f"Serial number {serial!r} is already recorded on another item", serial))
    return out
