"""The package format: names, versions, columns, and how canonical rows are hashed and the manifest signed.

A package is signed over *values*, not bytes: each row is turned into its canonical form (`canonical.py`,
per format version) and serialised as compact JSON (docs/package-format.md defines both). A workbook opened and saved again by
Excel or LibreOffice gives back the same values (integers as floats, dates as dates, text as text), so it
still verifies; a changed value does not.

Format 1 (0.1.0) wrote list cells as items separated by "; ", which cannot carry an item holding `;` or
`,`. Format 2 writes every list cell as JSON text (["AB,12", "CD"]) and adds, after a data sheet's
record columns, `change_seq` (the journal sequence of the row's latest change, which tells HQ where a
version stands in the post's history) and read-only name and label columns for people (covered by the
signature, ignored by the importer). Both formats are read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import CoerceError

FORMAT_NAME = "ccp-field-desk-sync-package"
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
# Data sheets added after format 1, with the format that added them: an older package has none (read as
# an empty sheet). Format 3 added `attachments` (evidence records; their bytes travel beside the workbook).
SHEETS_SINCE = {"attachments": 3}
# A receipt's content has not changed since format 2: HQ keeps writing it so, and posts not yet updated
# (upgrade HQ first) still read HQ's receipts.
RECEIPT_FORMAT_VERSION = 2
PACKAGE_KINDS = ("changes", "full", "since-receipt", "receipt")
README_SHEET = "README"
MANIFEST_SHEET = "Manifest"
LISTS_SHEET = "Lists"
RECEIPT_SHEET = "packages"
SIGNATURE_KEY = "signature"
# A spreadsheet runs a cell that starts with one of these as a formula; such text is written as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CHANGE_SEQ_KEY = "change_seq"

TYPE_NAMES = {
    r.TEXT: "text",
    r.LONGTEXT: "text (may hold line breaks)",
    r.UUID: "id (UUID text)",
    r.REF: "id of another record (UUID text)",
    r.CODE: "code",
    r.CODES: 'codes as a JSON list, e.g. ["A", "B"]',
    r.SERIALS: 'serial numbers as a JSON list, e.g. ["5CG1234", "5CG1235"]',
    r.DATE: "date",
    r.TIMESTAMP: "UTC date and time as text (ISO 8601)",
    r.INT: "whole number",
    r.MONEY: "amount in AUD, two decimals (signed as whole cents)",
    r.BOOL: "yes or no",
}

COLUMN_WIDTHS = {
    r.UUID: 38, r.REF: 38, r.TEXT: 30, r.LONGTEXT: 50, r.CODE: 16, r.CODES: 24, r.SERIALS: 30,
    r.DATE: 12, r.TIMESTAMP: 26, r.INT: 10, r.MONEY: 14, r.BOOL: 8,
}

DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """Excel files encode characters as `_xHHHH_`, so readers decode such text; a literal one is escaped."""
    return _OOXML_ESCAPE.sub(r"_x005F_\1", text) if "_x" in text else text


@dataclass(frozen=True)
class Annotation:
    """A read-only column for people reading a package: the name of a referenced record, or the label
    of a code. Signed with the row; the importer ignores it."""

    key: str
    label: str
    field: r.Field
    target: r.RecordKind | None = None  # a reference: the record kind whose title is shown

    @property
    def sql(self) -> str:
        """The value for a row of the sheet's table (aliased `t`), for a reference; None for a code."""
        assert self.target is not None
        return f"(SELECT {self.target.title_field} FROM {self.target.name} WHERE id = t.{self.field.key})"


def annotations_for(kind: r.RecordKind) -> tuple[Annotation, ...]:
    """One rule for every record type: a name beside each reference, a label beside each code."""
    out = []
    for f in kind.user_fields:
        if f.type == r.REF and f.ref:
            target = r.record_kind(f.ref)
            out.append(Annotation(f"{f.key.removesuffix('_id')}_name", f"{f.label} (name, for reading)", f, target))
        elif f.type == r.CODE and f.choices:
            out.append(Annotation(f"{f.key}_label", f"{f.label} (label, for reading)", f))
    return tuple(out)


def sheet_keys(kind: r.RecordKind, version: int = FORMAT_VERSION) -> list[str]:
    """The header row of a data sheet in a given format version."""
    if version < 2 or kind.name == RECEIPT_SHEET:
        return kind.keys
    return kind.keys + [CHANGE_SEQ_KEY] + [a.key for a in annotations_for(kind)]


def annotation_text(value: Any) -> str | None:
    """The canonical form of a read-only name or label cell."""
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    text = manifest_text(value)
    return text or None


def parse_seq(value: Any) -> int | None:
    """A change_seq cell: a whole number (a spreadsheet may give 42.0)."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise CoerceError(f"{value!r} is not a change sequence number")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once: json.dumps builds one per call


def _row_encoder() -> Callable[[Any], str]:
    """`_ENCODER.encode` for a row (a tuple of plain values), the same text without encode()'s per-call set-up:
    the C encoder json builds inside every encode() call, built once (a row holds no cycles to look for)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without json's C speed-ups
        return _ENCODER.encode
    encoder = make(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    return lambda row: "".join(encoder(row, 0))


_encode_row = _row_encoder()


class SheetHasher:
    """SHA-256 over the canonical rows of one sheet, in order, and their count."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, values: tuple[Any, ...]) -> None:
        self._hash.update((_encode_row(values) + "\n").encode("utf-8"))
        self.rows += 1

    def add_many(self, rows: list[tuple[Any, ...]]) -> None:
        """The same as add() for each row, in one update."""
        if rows:  # one line per row, each ending in a newline: the bytes add() hashes
            self._hash.update(("\n".join(map(_encode_row, rows)) + "\n").encode("utf-8"))
        self.rows += len(rows)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def manifest_message(manifest: Mapping[str, str]) -> bytes:
    """What the signature covers: every manifest entry but the signature, sorted, as JSON."""
    body = {k: str(v) for k, v in manifest.items() if k != SIGNATURE_KEY}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def manifest_text(value: Any) -> str:
    """A manifest cell as text, whatever a spreadsheet made of it (42 may come back as 42.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


def content_hash(manifest: Mapping[str, str]) -> str:
    return hashlib.sha256(manifest_message(manifest)).hexdigest()


def package_file_name(post: str, created: dt.datetime, kind: str, seq_from: int, seq_to: int, package_id: str) -> str:
    """Sorts by post and time; the id's first characters tell apart two packages of the same second and
    range (a restored database numbers its changes from the backup's again)."""
    stamp = created.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"CCP-{post}-{stamp}-{kind}-{seq_from}-{seq_to}-{package_id[:8]}.xlsx"
