"""Cost follows the package (issue 14): importing a 1,000-record package into an HQ holding 2,000,000
records takes <= 1.5x the same import into an HQ holding 10,000; the bytes it writes to disk follow the
package, not the database: <= 1.5x the bytes of the same import into an HQ a tenth the size (10x if they
followed the database). Bytes: the WAL frames the import writes (the checkpoint writes each page once more
into the database file, in both runs alike) plus any backup file it makes; SQLite's statement journals
(temporary files, the same size at any HQ size) are left out, /proc's write_bytes counts them only when
the kernel flushed them before they were deleted.

The HQs are made once: the small one imports a post's 10,000 records; the others are copies whose
records are then multiplied in SQL (triggers on: journal, full-text and serial indexes) up to
2,000,000 and 200,000. The copies are other posts' work: their own post codes and ids and their own place
(a country code of their own), so that the package's activities meet the same likely-duplicate
candidates in every HQ (a 2,000,000-record copy of one post's activities in the same places and weeks
would raise 28x the review items: more work, not a bigger database). After the bulk load each HQ's
search indexes are merged into one segment ('optimize'): FTS5 merges its segments as it goes, and a bulk
load of a million rows leaves a pile of them that the next import would merge, 20 MB at once
(that is FTS5's amortised merging, and a real HQ meets it now and then at any size; see the README).
Each run imports into a fresh copy of its HQ, after the day's full backup (the steady state: only the
day's first import copies the whole database)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.harness import compare, measure, scaled
from tests.benchmarks.jobs import job_import

SMALL, BIG, PACKAGE = scaled(10_000), scaled(2_000_000, 20_000), 1_000
MEDIUM = BIG // 10
FTS_TABLES = ("activities_fts", "partners_fts", "equipment_items_fts", "equipment_deliveries_fts",
              "equipment_items_codes_fts", "equipment_deliveries_codes_fts")
TARGET = 1.5


def _multiply(path: Path, total: int) -> int:
    """Copies of the post's records under other posts' codes until the HQ holds `total` records."""
    from ccp_desktop.domain import records as r
    from ccp_desktop.domain.records import RECORD_KINDS
    from ccp_desktop.store.connection import open_database

    db = open_database(path)
    have = sum(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in RECORD_KINDS)
    base = sum(db.execute(f"SELECT count(*) FROM {name} WHERE origin_post = 'FJ-SUVA'").fetchone()[0]
               for name in RECORD_KINDS)
    copies = max(1, (total - have) // base)
    with db.atomic():
        for name, kind in RECORD_KINDS.items():
            cols = []
            for f in kind.fields:
                if f.key == "id" or f.type == r.REF:
                    cols.append(f"CASE WHEN {f.key} IS NULL THEN NULL ELSE printf('%08x', k) || substr({f.key}, 9) END")
                elif f.key == "origin_post":
                    cols.append("'XX-C' || k")
                elif f.key == "country":  # each other post works in its own place (see above)
                    cols.append(f"CASE WHEN {f.key} IS NULL THEN NULL ELSE 'X' || k END")
                else:
                    cols.append(f.key)
            db.execute(
                f"WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {copies}) "
                f"INSERT INTO {name} ({', '.join(kind.keys)}) SELECT {', '.join(cols)} FROM {name}, n "
                "WHERE origin_post = 'FJ-SUVA'")
    have = sum(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in RECORD_KINDS)
    db.close()
    return int(have)


def _merge_search_indexes(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for table in FTS_TABLES:
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _site(root: Path, code: str, role: str = "field") -> Any:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.identity import initialise

    path = root / code / f"{code}.sqlite3"
    initialise(path, post_code=code, officer="Bench", role=role)
    return open_database(path)


@pytest.fixture(scope="module")
def hqs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from ccp_desktop.demo import load_demo_data
    from ccp_desktop.store.records import update_record
    from ccp_desktop.sync.export import export_package
    from ccp_desktop.sync.importer import import_package

    root = tmp_path_factory.mktemp("cost")
    outbox = root / "outbox"
    outbox.mkdir()
    hq = _site(root, "AU-HQ", "hq")
    suva = _site(root, "FJ-SUVA")
    load_demo_data(suva, activities=SMALL * 23 // 100, equipment=SMALL * 106 // 10_000, seed=3)
    assert import_package(hq, export_package(suva, outbox, kind="full").path).status == "applied"
    apia = _site(root, "WS-APIA")  # the post whose 1,000-record package is measured: 200 changed, 800 new
    load_demo_data(apia, activities=200, equipment=1, seed=4)
    assert import_package(hq, export_package(apia, outbox).path).status == "applied"
    for (rid,) in apia.execute("SELECT id FROM activities LIMIT 200").fetchall():
        update_record(apia, "activities", rid, {"location": "Apia, changed"})
    load_demo_data(apia, activities=800 - 5 * 800 // 23, equipment=1, seed=5)
    package = export_package(apia, outbox).path
    hq.close()
    made: dict[str, Any] = {"package": str(package)}
    for name, size in (("small", 0), ("medium", MEDIUM), ("big", BIG)):
        shutil.copytree(root / "AU-HQ", root / name)
        started = time.perf_counter()
        made[f"{name}_held"] = _multiply(root / name / "AU-HQ.sqlite3", size) if size else SMALL
        _merge_search_indexes(root / name / "AU-HQ.sqlite3")
        made[name] = root / name
        print(f"\n[bench] {name} HQ: {made[f'{name}_held']:,} records ({time.perf_counter() - started:.0f} s to make)")
    return made


def job_import_written(hq_path: str, package: str) -> dict[str, Any]:
    """The import, and the bytes it made durable: WAL frames (no checkpoint until it is done) and backups."""
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.importer import import_package

    db = open_database(hq_path)
    db.execute("PRAGMA wal_autocheckpoint = 0")
    folder = Path(hq_path).parent
    before = {p: p.stat().st_size for p in folder.rglob("*") if p.is_file()}  # the WAL is empty: checkpointed
    started = time.perf_counter()
    result = import_package(db, Path(package))
    took = time.perf_counter() - started
    assert result.status == "applied", result.message
    written = sum(max(0, p.stat().st_size - before.get(p, 0)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.endswith("-shm"))
    db.close()
    return {"seconds": took, "inserted": result.totals()["inserted"], "written_mb": written / 1e6}


def _run(template: Path, package: str, n: int, job: Any = job_import) -> dict[str, Any]:
    copy = template.with_name(f"{template.name}-run{n}")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(template, copy)
    try:
        args = (str(copy / "AU-HQ.sqlite3"), package) + ((False,) if job is job_import else ())
        return measure(job, *args)
    finally:
        shutil.rmtree(copy)


def test_cost_follows_the_package(hqs: dict[str, Any]) -> None:
    package = hqs["package"]
    row, ours = compare(f"1,000-record package into an HQ of {hqs['big_held']:,} vs {SMALL:,} records", TARGET,
                        lambda n: _run(hqs["big"], package, n), lambda n: _run(hqs["small"], package, n))
    assert ours[0]["inserted"] >= 790
    assert row.ratio <= TARGET


def test_bytes_written_follow_the_package(hqs: dict[str, Any]) -> None:
    package = hqs["package"]
    row, ours = compare(f"bytes that import makes durable, HQ of {hqs['big_held']:,} vs {hqs['medium_held']:,}",
                        TARGET, lambda n: _run(hqs["big"], package, n, job_import_written),
                        lambda n: _run(hqs["medium"], package, n, job_import_written), key="written_mb", unit="MB")
    small = _run(hqs["small"], package, 9, job_import_written)["written_mb"]
    row.note = f"{small:.1f} MB into {SMALL:,}; WAL frames + backups"
    assert ours[0]["inserted"] >= 790
    assert row.ratio <= TARGET
