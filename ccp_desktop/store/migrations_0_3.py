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


@migrations()
def m019_dashboard_figures(db: sqlite_utils.Database) -> None:
    """The dashboard's figures kept as they change, so that it reads a few hundred rows at any size instead
    of every live record (about 4 s at HQ's 2.4 million records). `activity_figures` holds, per post, line
    of effort, status and tranche, the live activities' count, money (cents) and participants;
    `equipment_figures`, per post and country of the delivery, the live items of live deliveries: lines,
    units and value (cents). A missing code is kept as '' (a key column cannot hold NULL and still
    conflict). Triggers add a row's share when it becomes live and take it back when it stops being live,
    changes grouping or money, or is deleted (undoing an import deletes rows). Each trigger body is one
    INSERT … ON CONFLICT DO UPDATE, so HQ's bulk insert runs it once per statement (store/bulk_insert.py).
    A delivery and its items may arrive in either order: whichever comes second adds the pair. Merged
    duplicates are left in and taken out when read (they are few). The index on deliveries' post lets
    the list of known posts skip through it instead of reading every delivery.
    Written out in full, not through helpers, so that this step stays what it was when it shipped."""
    db.execute(
        """CREATE TABLE activity_figures (
            origin_post TEXT NOT NULL,
            stream TEXT NOT NULL,
            status TEXT NOT NULL,
            tranche TEXT NOT NULL,
            activities INTEGER NOT NULL,
            budget_aud INTEGER NOT NULL,
            spend_aud INTEGER NOT NULL,
            participants_female INTEGER NOT NULL,
            participants_male INTEGER NOT NULL,
            participants_other INTEGER NOT NULL,
            PRIMARY KEY (origin_post, stream, status, tranche)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE equipment_figures (
            origin_post TEXT NOT NULL,
            country TEXT NOT NULL,
            item_lines INTEGER NOT NULL,
            units INTEGER NOT NULL,
            value_aud INTEGER NOT NULL,
            PRIMARY KEY (origin_post, country)
        ) WITHOUT ROWID"""
    )

    def kept_by(table: str, changed: str, take_old: str, add_new: str, inserted: str | None = None) -> None:
        """A row's share added when it comes in live, taken back and added again when it changes what is
        kept, taken back when it is deleted."""
        db.execute(f"""CREATE TRIGGER {table}_figures_insert AFTER INSERT ON {table} WHEN NEW.deleted = 0
            BEGIN {inserted or add_new} END""")
        db.execute(f"""CREATE TRIGGER {table}_figures_update AFTER UPDATE ON {table}
            WHEN {changed} BEGIN
            {take_old}
            {add_new}
        END""")
        db.execute(f"CREATE TRIGGER {table}_figures_delete AFTER DELETE ON {table} BEGIN {take_old} END")

    add_activity = """ON CONFLICT (origin_post, stream, status, tranche) DO UPDATE SET
                activities = activities + excluded.activities, budget_aud = budget_aud + excluded.budget_aud,
                spend_aud = spend_aud + excluded.spend_aud,
                participants_female = participants_female + excluded.participants_female,
                participants_male = participants_male + excluded.participants_male,
                participants_other = participants_other + excluded.participants_other"""
    activity_columns = """INSERT INTO activity_figures (origin_post, stream, status, tranche, activities, budget_aud,
                spend_aud, participants_female, participants_male, participants_other)"""
    take_old_activity = f"""{activity_columns}
            SELECT OLD.origin_post, ifnull(OLD.stream, ''), ifnull(OLD.status, ''), ifnull(OLD.tranche, ''), -1,
                   -ifnull(OLD.budget_aud, 0), -ifnull(OLD.spend_aud, 0), -ifnull(OLD.participants_female, 0),
                   -ifnull(OLD.participants_male, 0), -ifnull(OLD.participants_other, 0)
            WHERE OLD.deleted = 0
            {add_activity};"""
    add_new_activity = f"""{activity_columns}
            SELECT NEW.origin_post, ifnull(NEW.stream, ''), ifnull(NEW.status, ''), ifnull(NEW.tranche, ''), 1,
                   ifnull(NEW.budget_aud, 0), ifnull(NEW.spend_aud, 0), ifnull(NEW.participants_female, 0),
                   ifnull(NEW.participants_male, 0), ifnull(NEW.participants_other, 0)
            WHERE NEW.deleted = 0
            {add_activity};"""
    # The insert trigger in the VALUES form: HQ's bulk insert knows it (a SELECT without FROM it does not).
    kept_by("activities", """OLD.deleted IS NOT NEW.deleted OR OLD.origin_post IS NOT NEW.origin_post
              OR OLD.stream IS NOT NEW.stream OR OLD.status IS NOT NEW.status OR OLD.tranche IS NOT NEW.tranche
              OR OLD.budget_aud IS NOT NEW.budget_aud OR OLD.spend_aud IS NOT NEW.spend_aud
              OR OLD.participants_female IS NOT NEW.participants_female
              OR OLD.participants_male IS NOT NEW.participants_male
              OR OLD.participants_other IS NOT NEW.participants_other""", take_old_activity, add_new_activity,
            inserted=f"""{activity_columns}
            VALUES (NEW.origin_post, ifnull(NEW.stream, ''), ifnull(NEW.status, ''), ifnull(NEW.tranche, ''), 1,
                    ifnull(NEW.budget_aud, 0), ifnull(NEW.spend_aud, 0), ifnull(NEW.participants_female, 0),
                    ifnull(NEW.participants_male, 0), ifnull(NEW.participants_other, 0))
            {add_activity};""")

    add_equipment = """ON CONFLICT (origin_post, country) DO UPDATE SET item_lines = item_lines + excluded.item_lines,
                units = units + excluded.units, value_aud = value_aud + excluded.value_aud"""
    equipment_columns = "INSERT INTO equipment_figures (origin_post, country, item_lines, units, value_aud)"

    def equipment_share(sign: str, post: str, country: str, quantity: str, unit: str, rows: str) -> str:
        """Adding (sign '') or taking back (sign '-') the lines, units and value of the item rows given."""
        return f"""{equipment_columns}
            SELECT {post}, ifnull({country}, ''), {sign}1, {sign}ifnull({quantity}, 0),
                   {sign}ifnull(ifnull({quantity}, 0) * {unit}, 0)
            FROM {rows}
            {add_equipment};"""

    take_old_item = equipment_share("-", "d.origin_post", "d.country", "OLD.quantity", "OLD.unit_value_aud",
                                    "equipment_deliveries d WHERE d.id = OLD.delivery_id AND d.deleted = 0 AND OLD.deleted = 0")
    add_new_item = equipment_share("", "d.origin_post", "d.country", "NEW.quantity", "NEW.unit_value_aud",
                                   "equipment_deliveries d WHERE d.id = NEW.delivery_id AND d.deleted = 0 AND NEW.deleted = 0")
    kept_by("equipment_items", """OLD.deleted IS NOT NEW.deleted OR OLD.delivery_id IS NOT NEW.delivery_id
              OR OLD.quantity IS NOT NEW.quantity OR OLD.unit_value_aud IS NOT NEW.unit_value_aud""",
            take_old_item, add_new_item)
    take_old_delivery = equipment_share("-", "OLD.origin_post", "OLD.country", "i.quantity", "i.unit_value_aud",
                                        "equipment_items i WHERE i.delivery_id = OLD.id AND i.deleted = 0 AND OLD.deleted = 0")
    add_new_delivery = equipment_share("", "NEW.origin_post", "NEW.country", "i.quantity", "i.unit_value_aud",
                                       "equipment_items i WHERE i.delivery_id = NEW.id AND i.deleted = 0 AND NEW.deleted = 0")
    kept_by("equipment_deliveries", """OLD.deleted IS NOT NEW.deleted OR OLD.origin_post IS NOT NEW.origin_post
              OR OLD.country IS NOT NEW.country""", take_old_delivery, add_new_delivery)

    db.execute(
        f"""{activity_columns}
        SELECT origin_post, ifnull(stream, ''), ifnull(status, ''), ifnull(tranche, ''), count(*),
               sum(ifnull(budget_aud, 0)), sum(ifnull(spend_aud, 0)), sum(ifnull(participants_female, 0)),
               sum(ifnull(participants_male, 0)), sum(ifnull(participants_other, 0))
        FROM activities WHERE +deleted = 0 GROUP BY 1, 2, 3, 4"""
    )
    db.execute(
        f"""{equipment_columns}
        SELECT d.origin_post, ifnull(d.country, ''), count(*), sum(ifnull(i.quantity, 0)),
               sum(ifnull(ifnull(i.quantity, 0) * i.unit_value_aud, 0))
        FROM equipment_items i JOIN equipment_deliveries d ON d.id = i.delivery_id
        WHERE +i.deleted = 0 AND +d.deleted = 0 GROUP BY 1, 2"""
    )
    # `+deleted` above: read each table through once (seconds at 400,000 rows) rather than every live row
    # through the live-flag index, a random look-up each (three times as long, and more on a cold disk).
    db.execute("CREATE INDEX equipment_deliveries_post ON equipment_deliveries (origin_post)")


@migrations()
def m020_partner_activity_counts(db: sqlite_utils.Database) -> None:
    """Each partner's live links to activities, counted as links change, for the Partners list's Activities
    column: counting them per partner shown read every link of every partner on the page (one row lookup
    each), a cost that grew with the records held. A partner with no link has no row (or a row of 0).
    Triggers as in m019: one upsert each, so that HQ's bulk insert runs it once per statement.
    Written out in full, not through helpers, so that this step stays what it was when it shipped."""
    db.execute(
        """CREATE TABLE partner_activity_counts (
            partner_id TEXT PRIMARY KEY NOT NULL,
            activities INTEGER NOT NULL
        ) WITHOUT ROWID"""
    )
    add = "ON CONFLICT (partner_id) DO UPDATE SET activities = activities + excluded.activities"
    db.execute(
        f"""CREATE TRIGGER activity_partners_counts_insert AFTER INSERT ON activity_partners WHEN NEW.deleted = 0 BEGIN
            INSERT INTO partner_activity_counts (partner_id, activities) VALUES (NEW.partner_id, 1) {add};
        END"""
    )
    db.execute(
        f"""CREATE TRIGGER activity_partners_counts_update AFTER UPDATE ON activity_partners
            WHEN OLD.deleted IS NOT NEW.deleted OR OLD.partner_id IS NOT NEW.partner_id BEGIN
            INSERT INTO partner_activity_counts (partner_id, activities) SELECT OLD.partner_id, -1
            WHERE OLD.deleted = 0 {add};
            INSERT INTO partner_activity_counts (partner_id, activities) SELECT NEW.partner_id, 1
            WHERE NEW.deleted = 0 {add};
        END"""
    )
    db.execute(
        f"""CREATE TRIGGER activity_partners_counts_delete AFTER DELETE ON activity_partners BEGIN
            INSERT INTO partner_activity_counts (partner_id, activities) SELECT OLD.partner_id, -1
            WHERE OLD.deleted = 0 {add};
        END"""
    )
    db.execute(
        """INSERT INTO partner_activity_counts (partner_id, activities)
        SELECT partner_id, count(*) FROM activity_partners WHERE deleted = 0 GROUP BY partner_id"""
    )
