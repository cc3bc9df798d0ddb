"""Schema steps m010–m015 as shipped in 0.2.0. Frozen: never edit a step here, add a new one in the newest
`migrations_*` module."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from ccp_desktop.store.migration_set import migrations
from ccp_desktop.store.migrations_0_1 import CONFLICT_COLUMNS, create_table_sql


@migrations()
def m010_incarnations(db: sqlite_utils.Database) -> None:
    """Identity across restores. An incarnation is one life of a post's database: made at setup, and
    again each time a backup is restored (its parent is the restored backup's, `branch_seq` the journal
    sequence the backup had reached). Journal sequences and revisions are compared within a lineage.

    At HQ the same table holds every post's incarnations. Packages imported before this step belong to
    a 'legacy:<post>' incarnation; a post's first newer package adopts it (same signing key)."""
    db.execute("ALTER TABLE installation ADD COLUMN incarnation TEXT")
    db.execute("UPDATE installation SET incarnation = device_id")
    db.execute(
        """CREATE TABLE incarnations (
            incarnation TEXT PRIMARY KEY,
            post_code TEXT NOT NULL,
            parent TEXT,
            branch_seq INTEGER,
            device_id TEXT,
            fingerprint TEXT,
            started_at TEXT NOT NULL,
            reason TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX incarnations_post ON incarnations (post_code)")
    db.execute(
        "INSERT INTO incarnations (incarnation, post_code, parent, branch_seq, device_id, fingerprint, started_at, reason)"
        " SELECT device_id, post_code, NULL, NULL, device_id, key_fingerprint, created_at, 'setup' FROM installation"
    )
    db.execute("ALTER TABLE sync_imports ADD COLUMN incarnation TEXT")
    db.execute("UPDATE sync_imports SET incarnation = 'legacy:' || post_code WHERE kind != 'receipt'")
    db.execute(
        "INSERT INTO incarnations (incarnation, post_code, parent, branch_seq, device_id, fingerprint, started_at, reason)"
        " SELECT 'legacy:' || i.post_code, i.post_code, NULL, NULL, NULL, p.fingerprint, min(i.imported_at), 'legacy'"
        " FROM sync_imports i LEFT JOIN sync_peers p ON p.post_code = i.post_code"
        " WHERE i.kind != 'receipt' GROUP BY i.post_code"
    )
    db.execute("ALTER TABLE sync_record_state ADD COLUMN post_incarnation_seen TEXT")
    db.execute("ALTER TABLE sync_record_state ADD COLUMN post_seq_seen INTEGER")
    db.execute("UPDATE sync_record_state SET post_incarnation_seen = 'legacy:' || post_code")
    # A conflict held with another: a link the post deleted with its activity while HQ edited the activity
    # waits for the activity's conflict and is settled the same way.
    db.execute("ALTER TABLE sync_conflicts ADD COLUMN held_by INTEGER REFERENCES sync_conflicts(id)")
    # Settings an officer may change (backup rotation), kept in the database so a restore brings them back.
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m011_substring_search(db: sqlite_utils.Database) -> None:
    """Find any part of a serial number, asset tag or handover reference (officers read the end of a
    serial off a sticker): FTS5 trigram indexes beside the word indexes of m007, kept by triggers.
    Written out in full, not through helpers, so that this step stays what it was when it shipped."""
    db.execute(
        """CREATE VIRTUAL TABLE equipment_items_codes_fts USING fts5(
            serials, asset_tag, content='equipment_items', content_rowid='rowid', tokenize='trigram')"""
    )
    db.execute(
        """CREATE TRIGGER equipment_items_codes_ai AFTER INSERT ON equipment_items BEGIN
            INSERT INTO equipment_items_codes_fts (rowid, serials, asset_tag) VALUES (new.rowid, new.serials, new.asset_tag);
        END"""
    )
    db.execute(
        """CREATE TRIGGER equipment_items_codes_ad AFTER DELETE ON equipment_items BEGIN
            INSERT INTO equipment_items_codes_fts (equipment_items_codes_fts, rowid, serials, asset_tag)
                VALUES ('delete', old.rowid, old.serials, old.asset_tag);
        END"""
    )
    db.execute(
        """CREATE TRIGGER equipment_items_codes_au AFTER UPDATE OF serials, asset_tag ON equipment_items BEGIN
            INSERT INTO equipment_items_codes_fts (equipment_items_codes_fts, rowid, serials, asset_tag)
                VALUES ('delete', old.rowid, old.serials, old.asset_tag);
            INSERT INTO equipment_items_codes_fts (rowid, serials, asset_tag) VALUES (new.rowid, new.serials, new.asset_tag);
        END"""
    )
    db.execute("INSERT INTO equipment_items_codes_fts (equipment_items_codes_fts) VALUES ('rebuild')")
    db.execute(
        """CREATE VIRTUAL TABLE equipment_deliveries_codes_fts USING fts5(
            handover_ref, content='equipment_deliveries', content_rowid='rowid', tokenize='trigram')"""
    )
    db.execute(
        """CREATE TRIGGER equipment_deliveries_codes_ai AFTER INSERT ON equipment_deliveries BEGIN
            INSERT INTO equipment_deliveries_codes_fts (rowid, handover_ref) VALUES (new.rowid, new.handover_ref);
        END"""
    )
    db.execute(
        """CREATE TRIGGER equipment_deliveries_codes_ad AFTER DELETE ON equipment_deliveries BEGIN
            INSERT INTO equipment_deliveries_codes_fts (equipment_deliveries_codes_fts, rowid, handover_ref)
                VALUES ('delete', old.rowid, old.handover_ref);
        END"""
    )
    db.execute(
        """CREATE TRIGGER equipment_deliveries_codes_au AFTER UPDATE OF handover_ref ON equipment_deliveries BEGIN
            INSERT INTO equipment_deliveries_codes_fts (equipment_deliveries_codes_fts, rowid, handover_ref)
                VALUES ('delete', old.rowid, old.handover_ref);
            INSERT INTO equipment_deliveries_codes_fts (rowid, handover_ref) VALUES (new.rowid, new.handover_ref);
        END"""
    )
    db.execute("INSERT INTO equipment_deliveries_codes_fts (equipment_deliveries_codes_fts) VALUES ('rebuild')")


_MONEY_COLUMNS = {"activities": ("budget_aud", "spend_aud"), "equipment_items": ("unit_value_aud",)}


@migrations(transactional=False)
def m012_money_in_cents(db: sqlite_utils.Database) -> None:
    """Money as integer cents (columns keep their names; the domain still speaks AUD), so that sums in
    reports and certificates are exact. SQLite cannot change a column's type in place: each table is
    rebuilt with its rows (rowids kept, so the full-text indexes stay right), then its own indexes and
    triggers are made again exactly as they were. One transaction with foreign keys off (a rebuild
    drops the referenced table for a moment); run again after a crash, it finds the work done."""
    conn = db.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table, money in _MONEY_COLUMNS.items():
                columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
                if all(c[2].upper() == "INTEGER" for c in columns if c[1] in money):
                    continue
                create = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
                extras = [row[0] for row in conn.execute(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL"
                    " ORDER BY type = 'trigger', rowid", [table])]
                for column in money:
                    create = create.replace(f"{column} REAL", f"{column} INTEGER")
                create = create.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_cents (", 1)
                conn.execute(create)
                names = [c[1] for c in columns]
                values = [f"CAST(round({c} * 100) AS INTEGER)" if c in money else c for c in names]
                conn.execute(f"INSERT INTO {table}_cents (rowid, {', '.join(names)})"
                             f" SELECT rowid, {', '.join(values)} FROM {table}")
                conn.execute(f"DROP TABLE {table}")
                conn.execute(f"ALTER TABLE {table}_cents RENAME TO {table}")
                for sql in extras:
                    conn.execute(sql)
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise sqlite3.IntegrityError(f"money migration would break references: {problems[:3]}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")



def _review_items_sql(table: str, actions: str) -> str:
    """The review items table as m013 made it, with the settling `actions` allowed (m014 adds one)."""
    return create_table_sql(table, f"""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
kind TEXT NOT NULL CHECK (kind IN ('serial', 'duplicate-activity')),
table_name TEXT NOT NULL,
record_a TEXT NOT NULL,
post_a TEXT NOT NULL,
record_b TEXT NOT NULL,
post_b TEXT NOT NULL,
detail TEXT NOT NULL,
package_id TEXT,
raised_at TEXT NOT NULL,
status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'asked-post', 'settled')),
action TEXT CHECK (action IN ({actions})),
note TEXT,
settled_at TEXT,
settled_by TEXT""", margin=" " * 8)


@migrations()
def m013_hq_desk(db: sqlite_utils.Database) -> None:
    """The HQ desk: conflicts settled field by field, serial numbers unique per post, review items.
    (Refused packages are logged beside the database, not in it: see store/refusal_log.py.)"""
    # A conflict can be settled field by field ('kept-fields'); which side each field came from is kept
    # in `resolution` (JSON). SQLite cannot change a CHECK in place: the table is rebuilt, rows kept.
    conflict = f"""{CONFLICT_COLUMNS}
status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept-post', 'kept-hq', 'kept-fields')),
resolved_at TEXT,
resolved_by TEXT,
held_by INTEGER REFERENCES sync_conflicts(id),
resolution TEXT"""
    db.execute(create_table_sql("sync_conflicts_new", conflict, margin=" " * 8))
    db.execute(
        "INSERT INTO sync_conflicts_new (id, table_name, record_id, post_code, package_id, detected_at, hq_rev, post_rev,"
        " hq_version, post_version, status, resolved_at, resolved_by, held_by)"
        " SELECT id, table_name, record_id, post_code, package_id, detected_at, hq_rev, post_rev, hq_version,"
        " post_version, status, resolved_at, resolved_by, held_by FROM sync_conflicts"
    )
    db.execute("DROP TABLE sync_conflicts")
    db.execute("ALTER TABLE sync_conflicts_new RENAME TO sync_conflicts")
    db.execute("CREATE INDEX sync_conflicts_record ON sync_conflicts (table_name, record_id, status)")
    # Serial numbers stay unique within each post (every item a post records, at the post and at HQ),
    # but at HQ the same serial may be held by items of two posts (a laptop moved from Suva to Port Vila,
    # or a typo): the package imports and a review item pairs them, where before the whole package was
    # refused. A post's own database holds only its own items, so there nothing changes. The triggers are
    # dropped before the table and made again, as their bodies name its columns.
    db.execute("DROP TRIGGER equipment_items_serials_insert")
    db.execute("DROP TRIGGER equipment_items_serials_update")
    db.execute("DROP TABLE serial_index")
    db.execute(
        """CREATE TABLE serial_index (
            serial TEXT NOT NULL COLLATE NOCASE,
            post TEXT NOT NULL,
            item_id TEXT NOT NULL,
            PRIMARY KEY (serial, post)
        )"""
    )
    db.execute("CREATE INDEX serial_index_item ON serial_index (item_id)")
    db.execute(
        "INSERT INTO serial_index (serial, post, item_id) SELECT j.value, i.origin_post, i.id"
        " FROM equipment_items i, json_each(i.serials) j WHERE NOT i.deleted"
    )
    db.execute(
        """CREATE TRIGGER equipment_items_serials_insert AFTER INSERT ON equipment_items
           WHEN NOT NEW.deleted BEGIN
            INSERT INTO serial_index (serial, post, item_id) SELECT value, NEW.origin_post, NEW.id FROM json_each(NEW.serials);
        END"""
    )
    db.execute(
        """CREATE TRIGGER equipment_items_serials_update AFTER UPDATE OF serials, deleted ON equipment_items
           BEGIN
            DELETE FROM serial_index WHERE item_id = OLD.id;
            INSERT INTO serial_index (serial, post, item_id)
                SELECT value, NEW.origin_post, NEW.id FROM json_each(NEW.serials) WHERE NOT NEW.deleted;
        END"""
    )
    # Review items: pairs of records a person must look at (the same serial at two posts).
    db.execute(_review_items_sql("review_items", actions="'moved', 'typo', 'different'"))
    db.execute("CREATE INDEX review_items_records ON review_items (record_a, record_b, status)")


@migrations()
def m014_duplicate_activities(db: sqlite_utils.Database) -> None:
    """Likely duplicate activities across posts: review items settled by merging (one activity counted
    once in HQ's figures, neither post's record changed) or dismissed; and the lookups that find them."""
    # 'merged' joins the actions; SQLite cannot change a CHECK in place, so the table is rebuilt, rows kept.
    db.execute(_review_items_sql("review_items_new", actions="'moved', 'typo', 'different', 'merged'"))
    db.execute("INSERT INTO review_items_new SELECT id, kind, table_name, record_a, post_a, record_b, post_b, detail,"
               " package_id, raised_at, status, action, note, settled_at, settled_by FROM review_items")
    db.execute("DROP TABLE review_items")
    db.execute("ALTER TABLE review_items_new RENAME TO review_items")
    db.execute("CREATE INDEX review_items_records ON review_items (record_a, record_b, status)")
    db.execute("CREATE INDEX review_items_record_b ON review_items (record_b, status)")  # a list row's flag, either side
    # A merged pair: `duplicate_id` is counted as part of `kept_id` in HQ's figures. Both records stay as their
    # posts sent them (a post's record is never deleted at HQ); un-merging is deleting this row (audited).
    db.execute(
        """CREATE TABLE activity_merges (
            duplicate_id TEXT PRIMARY KEY NOT NULL,
            kept_id TEXT NOT NULL,
            review_id INTEGER NOT NULL REFERENCES review_items(id),
            merged_at TEXT NOT NULL,
            merged_by TEXT NOT NULL
        )"""
    )
    # Candidates of an imported activity: the same place and type, starting within days of it.
    db.execute("CREATE INDEX activities_place_type_start ON activities (country, activity_type, start_date)")
    # HQ's lists filter by post, newest first: an index on the post (rowid appended) reads one post's rows in
    # order instead of scanning every row for a post that holds few of them.
    for table in ("activities", "equipment_items", "partners"):
        db.execute(f"CREATE INDEX {table}_post ON {table} (origin_post, deleted)")


@migrations()
def m015_import_undo(db: sqlite_utils.Database) -> None:
    """What each import changed, so that it can be undone without a whole-database backup per import:
    per package, the records it inserted, the prior version of every record it updated, the prior
    agreement state of every record it touched, the conflicts it raised or replaced, a key it pinned.
    Entries are JSON lists in chunks (a few rows per package and table, not one per record)."""
    db.execute(
        """CREATE TABLE import_undo (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            package_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('inserted', 'updated', 'state', 'conflict', 'peer')),
            entries TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX import_undo_package ON import_undo (package_id)")
