"""HQ's morning: the dry run of 30 packages (one a post, 500 records each) into an HQ that holds the
posts' earlier packages, and the import of the same 30. The dry run must stay under a minute on a modest
laptop (an absolute ceiling: the row's floor is the 60 s)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.batch import apply_batch, dry_run_batch
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package
from tests.benchmarks.harness import Row, record
from tests.unit import factories as f

POSTS, RECORDS = 30, 500
TARGET_SECONDS = 60.0
# Posts beyond the reference list: names that share no word and are no typo of one another. ("XX-POST0" to
# "XX-POST4" made each of their activities a likely duplicate of every one of the others': 404,884 review
# items, which is no morning's work and not what this measures.)
FILLERS = ["QA-ALPHA", "QB-BRAVO", "QC-CHARLIE", "QD-DELTA", "QE-ECHO", "QF-FOXTROT", "QG-GOLF", "QH-HOTEL"]


def _post_package(root: Path, code: str, outbox: Path, hq_db) -> Path:
    """A post's first package (imported at HQ already) and its second: 500 records (100 partners, 200
    activities, 100 deliveries, 100 items with two serials each)."""
    path = root / code / "db.sqlite3"
    initialise(path, post_code=code, officer="Officer")
    db = open_database(path)
    insert_record(db, "activities", f.activity(title=f"First activity at {code}"))
    import_package(hq_db, export_package(db, outbox).path)
    with db.atomic():
        for n in range(RECORDS // 5):
            partner = insert_record(db, "partners", f.partner(name=f"{code} partner {n}"))
            insert_record(db, "activities", f.activity(title=f"{code} activity {n}a"))
            insert_record(db, "activities", f.activity(title=f"{code} activity {n}b"))
            delivery = insert_record(db, "equipment_deliveries", f.delivery(partner["id"]))
            insert_record(db, "equipment_items", f.item(delivery["id"], serials=[f"{code}-{n}-1", f"{code}-{n}-2"]))
    package = export_package(db, outbox).path
    db.close()
    return package


def test_dry_run_of_thirty_packages_of_500_records(tmp_path: Path) -> None:
    hq_path = tmp_path / "hq" / "hq.sqlite3"
    initialise(hq_path, post_code="AU-CANBERRA", officer="HQ", role="hq")
    hq = open_database(hq_path)
    codes = [p["code"] for p in load_reference().entries("posts") if p["code"] != "AU-CANBERRA"]
    codes += FILLERS[:POSTS - len(codes)]
    morning, outbox = tmp_path / "morning", tmp_path / "outbox"
    morning.mkdir()
    outbox.mkdir()
    for code in codes[:POSTS]:
        shutil.copy2(_post_package(tmp_path / "posts", code, outbox, hq), morning)
    started = time.perf_counter()
    entries = dry_run_batch(hq, [morning])
    dry = time.perf_counter() - started
    assert len(entries) == POSTS and all(e.state == "would apply" for e in entries)
    assert all(e.totals()["inserted"] == RECORDS for e in entries)
    started = time.perf_counter()
    summary = apply_batch(hq, entries)
    applied = time.perf_counter() - started
    assert summary.applied == POSTS
    row = record(Row(f"HQ batch dry run, {POSTS} packages x {RECORDS} records", dry, TARGET_SECONDS, 1.0, 0.0,
                     runs=f"import of the same {applied:.1f} s", note="against a 60 s ceiling"))
    assert row.ratio <= 1.0
