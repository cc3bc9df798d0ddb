"""Schema steps added after 0.2.0. Once a release ships them they are frozen like the others: a change
is a new step, written out literally."""

from __future__ import annotations

import sqlite_utils

from ccp_desktop.store.migration_set import migrations
from ccp_desktop.store.migrations_0_1 import RECORD_HEADER, create_table_sql, journal_triggers_sql


@migrations()
def m016_reference_short_labels(db: sqlite_utils.Database) -> None:
    """0.2.0 gave each stream a short label for charts (resources/reference/program.json) but no step
    carried it into the reference table, so fresh and upgraded files differed; this brings both level."""
    db.conn.executemany(
        "UPDATE reference_codes SET extra = ? WHERE list = 'streams' AND code = ?",
        [
            ('{"short_label": "Capability"}', "CAP"),
            ('{"short_label": "Cybercrime"}', "CRIME"),
            ('{"short_label": "Law and norms"}', "NORMS"),
        ],
    )


@migrations()
def m017_attachments(db: sqlite_utils.Database) -> None:
    """Evidence on records (photos, scanned signed forms). `attachments` is a synced record table like the
    others (journaled, tombstoned, revisions forward); the bytes live in `attachment_blobs`, once per
    SHA-256, in the database itself: one transaction stores both, and backups, restores and undo carry
    them without files beside the database. At HQ a record may arrive before its bytes (they travel in
    companion archives): the blob is then missing and the attachment is shown as expected.
    Its text is literal or from 0.1.0's frozen helpers (the record header and the journal triggers m003
    and m004 wrote), never from today's constants, so that this step stays what it was when it shipped."""
    attachment = f"""{RECORD_HEADER}
activity_id TEXT REFERENCES activities(id),
delivery_id TEXT REFERENCES equipment_deliveries(id),
item_id TEXT REFERENCES equipment_items(id),
sha256 TEXT NOT NULL,
file_name TEXT NOT NULL,
media_type TEXT NOT NULL,
size_bytes INTEGER NOT NULL,
signed_form INTEGER NOT NULL DEFAULT 0,
note TEXT"""
    db.execute(create_table_sql("attachments", attachment, margin=" " * 8))
    db.execute("CREATE INDEX attachments_activity ON attachments (activity_id)")
    db.execute("CREATE INDEX attachments_delivery ON attachments (delivery_id)")
    db.execute("CREATE INDEX attachments_item ON attachments (item_id)")
    db.execute("CREATE INDEX attachments_sha256 ON attachments (sha256)")
    db.execute("CREATE INDEX attachments_post ON attachments (origin_post, deleted)")
    for trigger in journal_triggers_sql("attachments", margin=" " * 8):
        db.execute(trigger)
    db.execute(
        """CREATE TABLE attachment_blobs (
            sha256 TEXT PRIMARY KEY NOT NULL,
            media_type TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            data BLOB NOT NULL,
            stored_at TEXT NOT NULL
        )"""
    )


@migrations()
def m018_list_filter_indexes(db: sqlite_utils.Database) -> None:
    """The Activities list reads its first page newest first (by rowid) under a filter on line of effort,
    status or country, or none: an index per filter, live flag second (rowid appended), reads the page in
    rowid order, and one on the live flag alone serves the unfiltered list. Without them SQLite reads every
    live activity through (deleted, start_date) and sorts them all: the first page of 40,000 activities at
    HQ took 0.3 s, and it grows with the table."""
    db.execute("CREATE INDEX activities_deleted ON activities (deleted)")
    db.execute("CREATE INDEX activities_stream ON activities (stream, deleted)")
    db.execute("CREATE INDEX activities_status ON activities (status, deleted)")
    db.execute("CREATE INDEX activities_country ON activities (country, deleted)")
