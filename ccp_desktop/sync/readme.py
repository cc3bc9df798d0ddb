"""The README sheet: what a package is, for a person who opens it in Excel, with a data dictionary."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ccp_desktop import APP_NAME
from ccp_desktop.domain import records as r
from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.domain.wording import count_of
from ccp_desktop.store.installation import Installation
from ccp_desktop.sync import format as fmt

INLINE_CHOICES_MAX = 25

_KIND_TEXT = {
    "changes": "every record created, changed or deleted since the previous package",
    "full": "every record this post holds, deleted ones included",
    "since-receipt": "every record changed since the last receipt from HQ (a resend)",
}


def allowed_values(field: r.Field) -> str:
    if field.type == r.BOOL:
        return "yes, no"
    if not field.choices:
        return ""
    entries = load_reference().entries(field.choices)
    if len(entries) > INLINE_CHOICES_MAX:
        return f"{len(entries)} codes: see the hidden {fmt.LISTS_SHEET} sheet or the program's reference list"
    return "; ".join(f"{e['code']} ({e['label']})" for e in entries)


def dictionary_rows() -> Iterator[list[Any]]:
    yield ["Data dictionary"]
    yield ["sheet", "column", "label", "type", "required", "allowed values"]
    for kind in RECORD_KINDS.values():
        for field in kind.fields:
            yield [kind.name, field.key, field.label, fmt.TYPE_NAMES[field.type],
                   "yes" if field.required else "", allowed_values(field) + (f" {field.help}" if field.help else "")]


def readme_rows(manifest: Mapping[str, str], install: Installation) -> Iterator[list[Any]]:
    kind = manifest["kind"]
    yield [f"{APP_NAME} sync package"]
    yield ["What this is", f"A sync package from post {manifest['post_code']} for headquarters: "
           f"{_KIND_TEXT.get(kind, kind)}."]
    yield ["From", f"{install.officer}, post {manifest['post_code']} (device {manifest['device_id']})"]
    yield ["Created (UTC)", manifest["created_at"]]
    yield ["Changes covered", f"journal sequence {manifest['seq_from']} to {manifest['seq_to']}"]
    for name, kind_def in RECORD_KINDS.items():
        yield [kind_def.plural, f"{count_of(int(manifest[f'rows.{name}']), 'row')} on sheet {name}"]
    yield ["Please do not edit", "The package is signed. Opening it is safe; changing any value, or typing anything "
           "beside the data, makes HQ refuse it. Send it as it is, by e-mail or USB."]
    yield ["Reading it", "Each data sheet holds one record per row. After a record's columns come change_seq (where the "
           "change stands in the post's journal) and, for reading only, the names of the records it refers to and the "
           "labels of its codes. Lists (serial numbers, audiences) are written as JSON text, e.g. [\"A\", \"B\"]."]
    yield ["How it is signed", f"Format {manifest['format_version']}: each sheet's rows in canonical form are hashed "
           "(SHA-256) and the manifest, which holds the hashes, is signed (Ed25519) by the post's key. Saving the "
           "file again in Excel or LibreOffice without changing a value keeps it valid. The rules are in the "
           "program's docs/package-format.md."]
    yield ["For HQ", "Import it with the Sync screen or `ccp-desktop import FILE` (add --dry-run to preview)."]
    yield []
    yield from dictionary_rows()
