"""Schema steps m001–m009 as shipped in 0.1.0. Frozen: never edit a step here, add a new one in the newest
`migrations_*` module. Each step carries its own tables, triggers and data written out (m002's rows in the
frozen file resources/frozen/reference_codes_0_1_0.json; no reading of today's constants or reference
files), so that an empty file always ends up the same, and the same as a 0.1.0 file brought up to date
(tests/unit/test_frozen_migrations.py compares them, and the CREATE text with what 0.1.0 stored). What
several tables share is said once here and frozen with the steps: the record header, the table layout, the
journal triggers and a conflict's columns; later steps import them for the text they shipped with."""

from __future__ import annotations

import json
import textwrap

import sqlite_utils

from ccp_desktop.paths import resource_path
from ccp_desktop.store.migration_set import migrations

# The reference rows m002 wrote in 0.1.0, frozen as data (never edited; not today's resources/reference/).
REFERENCE_CODES_0_1_0 = ("frozen", "reference_codes_0_1_0.json")


@migrations()
def m001_installation(db: sqlite_utils.Database) -> None:
    """Who this database belongs to: one row."""
    db.execute(
        """CREATE TABLE installation (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            post_code TEXT NOT NULL,
            device_id TEXT NOT NULL,
            officer TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('field', 'hq')),
            created_at TEXT NOT NULL,
            public_key TEXT,
            key_fingerprint TEXT
        )"""
    )


@migrations()
def m002_reference_tables(db: sqlite_utils.Database) -> None:
    """Reference lists as a table, with the rows 0.1.0 shipped (frozen; later lists arrive as later steps)."""
    db.execute(
        """CREATE TABLE reference_codes (
            list TEXT NOT NULL, code TEXT NOT NULL, label TEXT NOT NULL, extra TEXT,
            PRIMARY KEY (list, code)
        )"""
    )
    rows = json.loads(resource_path(*REFERENCE_CODES_0_1_0).read_text(encoding="utf-8"))["rows"]
    db.conn.executemany("INSERT INTO reference_codes VALUES (?, ?, ?, ?)", rows)


# The six columns every synced record table begins with, as 0.1.0 wrote them (m017 in 0.3 begins its table
# with the same). Frozen with the steps that use it.
RECORD_HEADER = """\
id TEXT PRIMARY KEY NOT NULL,
origin_post TEXT NOT NULL,
rev INTEGER NOT NULL CHECK (rev >= 1),
updated_at TEXT NOT NULL,
updated_by TEXT NOT NULL,
deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"""


def create_table_sql(table: str, columns: str, margin: str = "") -> str:
    """`CREATE TABLE table (`, the `columns` block (written without indentation) four spaces past `margin`,
    and `)` at `margin`: the layout the shipped steps wrote, so that sqlite_master holds the same text.
    Frozen: later steps call it for the text they shipped with."""
    return f"CREATE TABLE {table} (\n{textwrap.indent(columns, margin + '    ')}\n{margin})"


def journal_triggers_sql(table: str, margin: str) -> list[str]:
    """The four triggers of a synced record table, as m004 made them (its body lines four spaces past
    `margin`, END at it): every insert and update journalled, no physical delete, revisions only forward.
    Frozen: m017 (0.3) makes the attachments table's with it."""
    triggers = (
        f"""CREATE TRIGGER {table}_journal_insert AFTER INSERT ON {table} BEGIN
    INSERT INTO change_journal (table_name, record_id, rev, op, changed_at)
    VALUES ('{table}', NEW.id, NEW.rev,
            CASE WHEN NEW.deleted THEN 'delete' ELSE 'insert' END, NEW.updated_at);
END""",
        f"""CREATE TRIGGER {table}_journal_update AFTER UPDATE ON {table} BEGIN
    INSERT INTO change_journal (table_name, record_id, rev, op, changed_at)
    VALUES ('{table}', NEW.id, NEW.rev,
            CASE WHEN NEW.deleted AND NOT OLD.deleted THEN 'delete'
                 WHEN OLD.deleted AND NOT NEW.deleted THEN 'restore'
                 ELSE 'update' END, NEW.updated_at);
END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN
    SELECT RAISE(ABORT, 'synced records are tombstoned, never deleted');
END""",
        f"""CREATE TRIGGER {table}_rev_forward BEFORE UPDATE ON {table}
    WHEN NEW.rev < OLD.rev OR NEW.id IS NOT OLD.id BEGIN
    SELECT RAISE(ABORT, 'a record revision never goes backwards');
END""",
    )
    # The first line stays where CREATE starts; the rest take the margin the step's source had.
    return [first + "\n" + textwrap.indent(rest, margin) for first, _, rest in (t.partition("\n") for t in triggers)]


# Each record table's own columns after the header, in 0.1.0's lines.
_RECORD_COLUMNS_0_1 = {
    "partners": "name TEXT, category TEXT, country TEXT, contact TEXT",
    "activities": """\
title TEXT, stream TEXT, activity_type TEXT, country TEXT, location TEXT,
start_date TEXT, end_date TEXT, status TEXT, audiences TEXT,
participants_female INTEGER, participants_male INTEGER, participants_other INTEGER,
tranche TEXT, budget_aud REAL, spend_aud REAL, pfr_marker INTEGER NOT NULL DEFAULT 0,
gender_marker TEXT, sdg_targets TEXT, dac_code TEXT, summary TEXT, outcomes TEXT""",
    "activity_partners": """\
activity_id TEXT NOT NULL REFERENCES activities(id),
partner_id TEXT NOT NULL REFERENCES partners(id),
role TEXT""",
    "equipment_deliveries": """\
activity_id TEXT REFERENCES activities(id),
recipient_partner_id TEXT REFERENCES partners(id),
country TEXT, status TEXT, delivered_on TEXT, handover_ref TEXT,
received_by_name TEXT, received_by_title TEXT, notes TEXT""",
    "equipment_items": """\
delivery_id TEXT NOT NULL REFERENCES equipment_deliveries(id),
category TEXT, description TEXT, make_model TEXT, quantity INTEGER,
unit_value_aud REAL, serials TEXT, asset_tag TEXT, warranty_end TEXT""",
}


@migrations()
def m003_record_tables(db: sqlite_utils.Database) -> None:
    # Written out as 0.1.0 made them (the same text, so that a fresh file and an upgraded one match).
    for table, columns in _RECORD_COLUMNS_0_1.items():
        db.execute(create_table_sql(table, f"{RECORD_HEADER}\n{columns}"))
    db.execute("CREATE INDEX activities_live ON activities (deleted, start_date)")
    db.execute("CREATE INDEX activity_partners_activity ON activity_partners (activity_id)")
    db.execute("CREATE INDEX activity_partners_partner ON activity_partners (partner_id)")
    db.execute("CREATE INDEX equipment_deliveries_activity ON equipment_deliveries (activity_id)")
    db.execute("CREATE INDEX equipment_items_delivery ON equipment_items (delivery_id)")
    db.execute("CREATE INDEX equipment_items_live ON equipment_items (deleted)")


@migrations()
def m004_change_journal(db: sqlite_utils.Database) -> None:
    """Every insert, update and tombstone of a synced table lands here in the same transaction.

    Triggers, not application code, so that no write path can forget. Physical deletes are refused
    (records are tombstoned) and a revision never goes backwards.
    """
    db.execute(
        """CREATE TABLE change_journal (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
            changed_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX change_journal_record ON change_journal (table_name, record_id)")
    for table in _RECORD_COLUMNS_0_1:
        for trigger in journal_triggers_sql(table, margin=" " * 12):
            db.execute(trigger)


@migrations()
def m005_audit_log(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            officer TEXT NOT NULL,
            action TEXT NOT NULL,
            table_name TEXT,
            record_id TEXT,
            rev INTEGER,
            changes TEXT
        )"""
    )
    db.execute("CREATE INDEX audit_log_record ON audit_log (table_name, record_id)")


@migrations()
def m006_serial_index(db: sqlite_utils.Database) -> None:
    """Serial numbers of live items, unique across the program (case-insensitive), kept by triggers."""
    db.execute(
        """CREATE TABLE serial_index (
            serial TEXT PRIMARY KEY COLLATE NOCASE,
            item_id TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX serial_index_item ON serial_index (item_id)")
    db.execute(
        """CREATE TRIGGER equipment_items_serials_insert AFTER INSERT ON equipment_items
           WHEN NOT NEW.deleted BEGIN
            INSERT INTO serial_index (serial, item_id) SELECT value, NEW.id FROM json_each(NEW.serials);
        END"""
    )
    db.execute(
        """CREATE TRIGGER equipment_items_serials_update AFTER UPDATE OF serials, deleted ON equipment_items
           BEGIN
            DELETE FROM serial_index WHERE item_id = OLD.id;
            INSERT INTO serial_index (serial, item_id)
                SELECT value, NEW.id FROM json_each(NEW.serials) WHERE NOT NEW.deleted;
        END"""
    )


@migrations()
def m007_full_text_search(db: sqlite_utils.Database) -> None:
    """Word search (FTS5, content tables kept by triggers). Written out as sqlite-utils 3 made it in 0.1.0,
    so that a newer sqlite-utils cannot change what this shipped step does."""
    searchable = {
        "activities": ("title", "location", "summary", "outcomes"),
        "partners": ("name", "contact"),
        "equipment_deliveries": ("handover_ref", "received_by_name", "notes"),
        "equipment_items": ("description", "make_model", "serials", "asset_tag"),
    }
    for table, columns in searchable.items():
        quoted = ", ".join(f'"{c}"' for c in columns)
        new = ", ".join(f'new."{c}"' for c in columns)
        old = ", ".join(f'old."{c}"' for c in columns)
        db.execute(
            f"""CREATE VIRTUAL TABLE "{table}_fts" USING FTS5 (
    {quoted},
    tokenize='unicode61 remove_diacritics 2',
    content="{table}"
)"""
        )
        db.execute(f'INSERT INTO "{table}_fts" (rowid, {quoted}) SELECT rowid, {quoted} FROM [{table}];')
        add = f'INSERT INTO "{table}_fts" (rowid, {quoted}) VALUES (new.rowid, {new});'
        drop = f"""INSERT INTO "{table}_fts" ("{table}_fts", rowid, {quoted}) VALUES('delete', old.rowid, {old});"""
        db.execute(f'CREATE TRIGGER "{table}_ai" AFTER INSERT ON "{table}" BEGIN\n  {add}\nEND')
        db.execute(f'CREATE TRIGGER "{table}_ad" AFTER DELETE ON "{table}" BEGIN\n  {drop}\nEND')
        db.execute(f'CREATE TRIGGER "{table}_au" AFTER UPDATE ON "{table}" BEGIN\n  {drop}\n  {add}\nEND')


@migrations()
def m008_drafts(db: sqlite_utils.Database) -> None:
    """Forms being edited, saved every few seconds; outside the synced tables and the journal."""
    db.execute(
        """CREATE TABLE drafts (
            form_key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            record_id TEXT,
            saved_at TEXT NOT NULL,
            payload TEXT NOT NULL
        )"""
    )


# What a conflict records, as m009 made it; m013 (0.2.0) rebuilds the table with the same columns first.
CONFLICT_COLUMNS = """\
id INTEGER PRIMARY KEY AUTOINCREMENT,
table_name TEXT NOT NULL,
record_id TEXT NOT NULL,
post_code TEXT NOT NULL,
package_id TEXT NOT NULL,
detected_at TEXT NOT NULL,
hq_rev INTEGER NOT NULL,
post_rev INTEGER NOT NULL,
hq_version TEXT NOT NULL,
post_version TEXT NOT NULL,"""


@migrations()
def m009_sync_state(db: sqlite_utils.Database) -> None:
    """Sync bookkeeping: packages sent and received, pinned keys, what each side last agreed, conflicts."""
    db.execute(
        """CREATE TABLE sync_exports (
            package_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('changes', 'full', 'since-receipt', 'receipt')),
            created_at TEXT NOT NULL,
            path TEXT NOT NULL,
            seq_from INTEGER NOT NULL,
            seq_to INTEGER NOT NULL,
            previous_package_id TEXT,
            for_post TEXT,
            counts TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE sync_imports (
            package_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            post_code TEXT NOT NULL,
            seq_from INTEGER NOT NULL,
            seq_to INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            backup_path TEXT,
            summary TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX sync_imports_post ON sync_imports (post_code, seq_to)")
    db.execute(
        """CREATE TABLE sync_peers (
            post_code TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            pinned_at TEXT NOT NULL,
            pinned_how TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE sync_record_state (
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            post_code TEXT NOT NULL,
            post_rev_seen INTEGER NOT NULL,
            hq_rev_agreed INTEGER NOT NULL,
            PRIMARY KEY (table_name, record_id)
        ) WITHOUT ROWID"""
    )
    conflict = f"""{CONFLICT_COLUMNS}
status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept-post', 'kept-hq')),
resolved_at TEXT,
resolved_by TEXT"""
    db.execute(create_table_sql("sync_conflicts", conflict, margin=" " * 8))
    db.execute("CREATE INDEX sync_conflicts_record ON sync_conflicts (table_name, record_id, status)")
