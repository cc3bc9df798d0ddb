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
