"""Posts and an HQ as real databases on disk, and helpers to compare and snapshot them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.store.records import insert_record, iter_records
from tests.conftest import make_site  # noqa: F401  (imported from here by the sync and HQ tests)
from tests.unit import factories as f


@pytest.fixture
def post(sites: Callable[..., sqlite_utils.Database]) -> sqlite_utils.Database:
    return sites("FJ-SUVA", officer="Mere Tuilagi")


@pytest.fixture
def hq(sites: Callable[..., sqlite_utils.Database]) -> sqlite_utils.Database:
    return sites("AU-HQ", role="hq", officer="Hana HQ")


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    folder = tmp_path / "outbox"
    folder.mkdir()
    return folder


def add_sample(db: sqlite_utils.Database) -> dict[str, Any]:
    """One of each record type, linked as in life."""
    partner = insert_record(db, "partners", f.partner(contact="Ops _x0041_ desk"))
    activity = insert_record(db, "activities", f.activity(title="=HYPERLINK(\"x\") looks like a formula"))
    link = insert_record(db, "activity_partners", {"activity_id": activity["id"], "partner_id": partner["id"], "role": "lead"})
    delivery = insert_record(db, "equipment_deliveries", f.delivery(partner["id"], activity_id=activity["id"]))
    item = insert_record(db, "equipment_items", f.item(delivery["id"], description="00123 laptop", asset_tag="-77"))
    return {"partner": partner, "activity": activity, "link": link, "delivery": delivery, "item": item}


def records_of(db: sqlite_utils.Database, post: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """Every record (tombstones too) by type and id, optionally only those made at one post."""
    out = {}
    for name in RECORD_KINDS:
        rows = iter_records(db, name, include_deleted=True)
        out[name] = {row["id"]: row for row in rows if post is None or row["origin_post"] == post}
    return out


def snapshot(db: sqlite_utils.Database) -> dict[str, Any]:
    """Everything an import could change."""
    tables = list(RECORD_KINDS) + ["change_journal", "serial_index", "sync_imports", "sync_peers", "sync_record_state",
                                   "sync_conflicts", "audit_log"]
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


def know_hq(post: sqlite_utils.Database, hq: sqlite_utils.Database) -> None:
    """The post learns HQ's key (as given at setup), so that HQ's receipts are trusted."""
    from ccp_desktop.store.installation import require_installation
    from ccp_desktop.sync.trust import trust_key

    install = require_installation(hq)
    assert install.public_key is not None
    trust_key(post, install.post_code, install.public_key)
