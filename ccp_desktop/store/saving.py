"""Saving and deleting a record as a person does it in a form: one operation, one transaction, returning
what changed (`Changes`). An activity is saved with its partner links, a delivery with its item lines:
all of it or none of it. The forms, the CLI and the tests call these; the GUI runs them on its one
background worker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ccp_desktop.store.backups import backups_to_keep, set_backups_to_keep
from ccp_desktop.store.changes import Changes, recording_changes
from ccp_desktop.store.drafts import delete_draft
from ccp_desktop.store.installation import require_installation, set_officer
from ccp_desktop.store.records import insert_record, tombstone_record, update_record
from ccp_desktop.store.transactions import write_transaction


@dataclass(frozen=True)
class ChildRows:
    """The dependants a form edits with its record (an activity's partner links, a delivery's item lines).

    `rows`: the values of each row on screen; a row with an `id` is an existing record (with the `rev` the
    form read, to refuse overwriting a change made meanwhile), one without is new. `dropped`: ids of
    existing rows the person removed. `fk`: the column pointing at the parent record."""

    kind: str
    fk: str
    rows: Sequence[Mapping[str, Any]] = ()
    dropped: Sequence[str] = field(default_factory=tuple)


_ROW_KEYS = ("id", "rev")


def _save_children(db: sqlite_utils.Database, parent_id: str, children: ChildRows, officer: str | None) -> None:
    # Removed rows first, then existing ones, then new ones: a serial (or a partner) moved from a removed
    # or an old row to a new one is freed before it is taken.
    for child_id in children.dropped:
        tombstone_record(db, children.kind, child_id, officer=officer)
    for row in sorted(children.rows, key=lambda x: not x.get("id")):
        values = {k: v for k, v in row.items() if k not in _ROW_KEYS}
        if row.get("id"):
            update_record(db, children.kind, str(row["id"]), values, officer=officer, expected_rev=row.get("rev"))
        else:
            insert_record(db, children.kind, values | {children.fk: parent_id}, officer=officer)


def save_record(
    db: sqlite_utils.Database,
    kind: str,
    values: Mapping[str, Any],
    *,
    record_id: str | None = None,
    expected_rev: int | None = None,
    children: ChildRows | None = None,
    draft_key: str | None = None,
    officer: str | None = None,
) -> Changes:
    """Create (no `record_id`) or change a record and its dependants; drop the form's draft in the same
    transaction (a saved record never leaves a draft to "restore" as a duplicate). Refused input raises
    ValidationError naming the field, and nothing is written. `Changes.record_id` is the record's id."""
    with write_transaction(db), recording_changes(db) as recorder:
        if record_id is None:
            record_id = str(insert_record(db, kind, values, officer=officer)["id"])
        else:
            update_record(db, kind, record_id, values, officer=officer, expected_rev=expected_rev)
        if children is not None:
            _save_children(db, record_id, children, officer)
        if draft_key:
            delete_draft(db, draft_key)
    return Changes(recorder.changes.counts, recorder.changes.ids, record_id)


def delete_record(db: sqlite_utils.Database, kind: str, record_id: str, *, officer: str | None = None) -> Changes:
    """Tombstone a record and its dependants (links, item lines); sent as deletions in the next package."""
    with write_transaction(db), recording_changes(db) as recorder:
        tombstone_record(db, kind, record_id, officer=officer)
    return Changes(recorder.changes.counts, recorder.changes.ids, record_id)


def save_settings(db: sqlite_utils.Database, officer: str, backups_keep: int) -> Changes:
    """The Settings dialog's Save: the officer's name and how many backups to keep, in one transaction;
    a setting that did not change is not written (nor audited)."""
    with write_transaction(db), recording_changes(db) as recorder:
        install = require_installation(db)
        if officer.strip() != install.officer:
            set_officer(db, officer)
        if backups_keep != backups_to_keep(db):
            set_backups_to_keep(db, backups_keep, officer.strip())
    return recorder.changes
