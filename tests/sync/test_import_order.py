"""A post's records reach HQ's lists in the order the post made them: HQ lists newest first by the order
records were written, so an import must write a package's new records in the post's order."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from ccp_desktop.reports.listing import ListQuery, fetch_page, lists_for
from ccp_desktop.store.records import insert_records_bulk
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.unit import factories


def test_an_imported_post_lists_at_hq_newest_first_as_it_does_at_the_post(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, outbox: Path) -> None:
    titles = [f"Training {n:02d}" for n in range(60)]  # enough to take the bulk path
    insert_records_bulk(post, "activities", [factories.activity(title=t) for t in titles])
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    at_post = [row.values[0] for row in fetch_page(post, lists_for(False)["activities"], ListQuery(), limit=100)]
    at_hq = [row.values[0] for row in fetch_page(hq, lists_for(True)["activities"], ListQuery(), limit=100)]
    assert at_post == titles[::-1]
    assert at_hq == at_post
