"""Pure Python domain: reference data, record types and validation rules. No Qt, no SQL.

The names below are loaded when first used (PEP 562): importing `ccp_desktop.domain.records` does not
load the reference data and validation rules (start-up shows the window before it needs them)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccp_desktop.domain.records import RECORD_KINDS, RecordKind, record_kind
    from ccp_desktop.domain.reference import ReferenceData, load_reference
    from ccp_desktop.domain.validation import RecordLookup, validate_record

_HOMES = {
    "RECORD_KINDS": "records",
    "RecordKind": "records",
    "record_kind": "records",
    "ReferenceData": "reference",
    "load_reference": "reference",
    "RecordLookup": "validation",
    "validate_record": "validation",
}

__all__ = [
    "RECORD_KINDS",
    "RecordKind",
    "RecordLookup",
    "ReferenceData",
    "load_reference",
    "record_kind",
    "validate_record",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
