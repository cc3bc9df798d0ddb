"""Turn raw values (typed in a form, given on the command line, read from a spreadsheet cell) into the
stored form of a field, or say in plain words why not. The one parser every entry path uses."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from ccp_desktop.domain import records as r
from ccp_desktop.errors import Problem

_LIST_SPLIT = re.compile(r"[;,\n\r\t]+")
_SERIAL_SPLIT = re.compile(r"[;,\n\r\t]+")
_TRUE = {"1", "true", "yes", "y", "x", "on"}
_FALSE = {"0", "false", "no", "n", "off", ""}


class CoerceError(ValueError):
    """A value that cannot be read as its field's type; the message is for a person."""


# Each parser's first line is the common case of a spreadsheet cell or a stored value, answered without the
# general path (same result): a package reads hundreds of thousands of cells through these.


def parse_text(value: Any) -> str | None:
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet may hand text such as 42 back as 42.0
    text = str(value).strip()
    return text or None


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")  # 5/3/2024, 05.03.2024, 5-3-2024
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")  # 2024-03-05, or a timestamp's date part
DATE_HINT = "day/month/year (31/12/2024) or year-month-day (2024-12-31)"


def parse_date(value: Any) -> str | None:
    """A date as ISO text. Typed dates are read in two orders only, each unambiguous: Australian
    day/month/year with a four-digit year, or ISO year-month-day. 5/3/2024 is 5 March, never May 3."""
    if type(value) is dt.date:
        return value.isoformat()
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    if iso := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in iso.groups()[:3])
    elif day_first := _DAY_FIRST.match(text):
        day, month, year = (int(g) for g in day_first.groups())
    elif re.match(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$", text):
        raise CoerceError(f"{text!r} has a two-digit year: write the year in full, {DATE_HINT}")
    else:
        raise CoerceError(f"{text!r} is not a date: type {DATE_HINT}")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise CoerceError(f"{text!r} is not a real date (day {day}, month {month}, year {year}): type {DATE_HINT}") from None


ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")  # the stored form


def parse_timestamp(value: Any) -> str | None:
    """UTC instant as ISO text with milliseconds: what a spreadsheet keeps intact."""
    if type(value) is str and ISO_INSTANT.fullmatch(value):
        return value
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise CoerceError(f"{value!r} is not a date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return format_timestamp(moment)


def format_timestamp(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def utc_now() -> str:
    return format_timestamp(dt.datetime.now(dt.UTC))


def parse_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CoerceError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CoerceError(f"{value!r} is not a whole number")
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CoerceError(f"{value!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CoerceError(f"{value!r} is not a whole number")
    return int(number)


def _whole_cents(value: Any) -> int | None:
    """The cents of a float that is exactly a two-decimal amount (the double nearest to it), else None.
    Below 10**13 `value * 100` is off by far less than half a cent, so rounding finds the cents."""
    if type(value) is float and -1e13 < value < 1e13:
        cents = round(value * 100)
        if cents / 100 == value:
            return cents
    return None


def parse_money(value: Any) -> float | None:
    """AUD with at most two decimals; kept as a float rounded to the cent."""
    if _whole_cents(value) is not None:
        return float(value)  # a float already exactly a two-decimal amount
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CoerceError(f"{value!r} is not an amount")
    if isinstance(value, float) and not math.isfinite(value):
        raise CoerceError(f"{value!r} is not an amount")
    text = str(value).strip().replace(",", "").removeprefix("$").removeprefix("A$").strip()
    if not text:
        return None
    try:
        amount = Decimal(text) if not isinstance(value, float) else Decimal(repr(value))
    except InvalidOperation:
        raise CoerceError(f"{value!r} is not an amount") from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 15:
        raise CoerceError(f"{value!r} is not a plausible amount")
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    # A float from a spreadsheet may carry binary noise (0.1+0.2); more than 2 real decimals is an error.
    if abs(amount - cents) > Decimal("0.000001"):
        raise CoerceError(f"{value!r} has more than two decimals")
    return float(cents)


def money_to_cents(value: float | None) -> int | None:
    """An amount in AUD (at most two decimals, as `parse_money` gives) as the integer cents the database
    holds, so that sums are exact."""
    cents = _whole_cents(value)
    if cents is not None:
        return cents
    return None if value is None else int(Decimal(repr(float(value))).quantize(Decimal("0.01")) * 100)


def list_to_stored(items: list[str]) -> str | None:
    """A list as the database holds it: JSON text, or NULL when empty."""
    return json.dumps(items, ensure_ascii=False) if items else None


def list_from_stored(raw: str | None) -> list[str]:
    """The database's JSON text (or NULL) as a list: `list_to_stored` read back."""
    return json.loads(raw) if raw else []


def cents_to_money(cents: int | float | None) -> float | None:
    """Stored integer cents as an amount in AUD: what a form, a report and a package's money cell show."""
    if type(cents) is int:
        return cents / 100  # int / int is correctly rounded: the float nearest the decimal amount, quickly
    return None if cents is None else float(Decimal(int(cents)) / 100)


YES, NO = "yes", "no"  # a yes/no field written out (a package cell, a report)


def format_bool(flag: int | None) -> str:
    """A stored yes/no flag as text; `parse_bool` reads it back."""
    return YES if flag else NO


def parse_bool(value: Any) -> int:
    if type(value) is int and (value == 0 or value == 1):
        return value
    if value in (YES, NO):  # what a package cell holds (`format_bool`)
        return int(value == YES)
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise CoerceError(f"{value!r} is not yes or no")


def bool_to_stored(flag: Any) -> int:
    """A yes/no as the database holds it: 1 or 0 (a record's flags are already that, from `parse_bool`)."""
    return 1 if flag else 0


# The stored form of each type that the database holds differently from a record: (to the database, back).
# The one place these conversions are written: store/records.py reads and writes rows through it.
STORED_FORM: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    r.CODES: (lambda items: list_to_stored(list(items or [])), list_from_stored),
    r.SERIALS: (lambda items: list_to_stored(list(items or [])), list_from_stored),
    r.MONEY: (money_to_cents, cents_to_money),
    r.BOOL: (bool_to_stored, lambda flag: flag),
}


def parse_list(value: Any, splitter: re.Pattern[str] = _LIST_SPLIT) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            try:
                loaded = json.loads(stripped)
            except ValueError:
                loaded = None
            if isinstance(loaded, list):
                return [str(v).strip() for v in loaded if str(v).strip()]
        items: Iterable[Any] = splitter.split(value)
    elif isinstance(value, Iterable):
        items = value
    else:
        items = [value]
    out = []
    for item in items:
        text = parse_text(item)
        if text:
            out.append(text)
    return out


def parse_serials(value: Any) -> list[str]:
    """Serials pasted as a column, or typed separated by `;`, `,` or line breaks."""
    return parse_list(value, _SERIAL_SPLIT)


_PARSERS: dict[str, Callable[[Any], Any]] = {
    r.TEXT: parse_text,
    r.LONGTEXT: parse_text,
    r.UUID: parse_text,
    r.REF: parse_text,
    r.CODE: parse_text,
    r.DATE: parse_date,
    r.TIMESTAMP: parse_timestamp,
    r.INT: parse_int,
    r.MONEY: parse_money,
    r.BOOL: parse_bool,
    r.CODES: parse_list,
    r.SERIALS: parse_serials,
}


def coerce_value(field: r.Field, value: Any) -> Any:
    return _PARSERS[field.type](value)


def coerce_record(kind: r.RecordKind, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The stored form of every field present in `raw`; unknown keys are reported, not kept."""
    record: dict[str, Any] = {}
    problems: list[Problem] = []
    known = set(kind.keys)
    for key, value in raw.items():
        if key not in known:
            problems.append(Problem(key, f"is not a field of {kind.label.lower()}", value))
            continue
        field = kind.field(key)
        try:
            record[key] = coerce_value(field, value)
        except CoerceError as exc:
            problems.append(Problem(key, str(exc), value))
    return record, problems
