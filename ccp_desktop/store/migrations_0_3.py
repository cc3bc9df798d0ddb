"""Schema steps added after 0.2.0. Once a release ships them they are frozen like the others: a change
is a new step, written out literally."""

from __future__ import annotations

import sqlite_utils

from ccp_desktop.store.migration_set import migrations


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
def m017_list_filter_indexes(db: sqlite_utils.Database) -> None:
    """The Activities list reads its first page newest first (by rowid) under a filter on line of effort,
    status or country, or none: an index per filter, live flag second (rowid appended), reads the page in
    rowid order, and one on the live flag alone serves the unfiltered list. Without them SQLite reads every
    live activity through (deleted, start_date) and sorts them all: the first page of 40,000 activities at
    HQ took 0.3 s, and it grows with the table."""
    db.execute("CREATE INDEX activities_deleted ON activities (deleted)")
    db.execute("CREATE INDEX activities_stream ON activities (stream, deleted)")
    db.execute("CREATE INDEX activities_status ON activities (status, deleted)")
    db.execute("CREATE INDEX activities_country ON activities (country, deleted)")
