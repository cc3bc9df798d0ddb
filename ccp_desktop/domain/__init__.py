"""Pure Python domain: reference data, record types and validation rules. No Qt, no SQL."""

from __future__ import annotations

from ccp_desktop.domain.records import RECORD_KINDS, RecordKind, record_kind
from ccp_desktop.domain.reference import ReferenceData, load_reference
from ccp_desktop.domain.validation import RecordLookup, validate_record

__all__ = [
    "RECORD_KINDS",
    "RecordKind",
    "RecordLookup",
    "ReferenceData",
    "load_reference",
    "record_kind",
    "validate_record",
]
