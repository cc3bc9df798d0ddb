"""Cost follows the package (issue 14): importing a 1,000-record package into an HQ holding 2,000,000
records takes <= 1.5x the same import into an HQ holding 10,000, and writes <= 1.5x the bytes.

The two HQs are made once: the small one imports a post's 10,000 records; the big one is a copy whose
records are then multiplied in SQL (other posts' codes and ids, triggers on: journal, full-text and
serial indexes) up to 2,000,000. Each run imports into a fresh copy of its HQ, after the day's full
backup (the steady state: only the day's first import copies the whole database)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.harness import Row, compare, measure, record, scaled
from tests.benchmarks.jobs import job_import

SMALL, BIG, PACKAGE = scaled(10_000), scaled(2_000_000, 20_000), 1_000
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
                else:
                    cols.append(f.key)
            db.execute(
                f"WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {copies}) "
                f"INSERT INTO {name} ({', '.join(kind.keys)}) SELECT {', '.join(cols)} FROM {name}, n "
                "WHERE origin_post = 'FJ-SUVA'")
    have = sum(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in RECORD_KINDS)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return int(have)


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
    hq.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hq.close()
    small = root / "small"
    shutil.copytree(root / "AU-HQ", small)
    big = root / "big"
    shutil.copytree(root / "AU-HQ", big)
    started = time.perf_counter()
    held = _multiply(big / "AU-HQ.sqlite3", BIG)
    print(f"\n[bench] big HQ: {held:,} records ({time.perf_counter() - started:.0f} s to make)")
    return {"small": small, "big": big, "package": str(package), "held": held}


def _run(template: Path, package: str, n: int) -> dict[str, Any]:
    copy = template.with_name(f"{template.name}-run{n}")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(template, copy)
    try:
        return measure(job_import, str(copy / "AU-HQ.sqlite3"), package, False)
    finally:
        shutil.rmtree(copy)


def test_cost_follows_the_package(hqs: dict[str, Any]) -> None:
    package = hqs["package"]
    row, ours = compare(f"1,000-record package into an HQ of {hqs['held']:,} vs {SMALL:,} records", TARGET,
                        lambda n: _run(hqs["big"], package, n), lambda n: _run(hqs["small"], package, n))
    floor = [_run(hqs["small"], package, 9)]
    written = record(Row("bytes written by that import, big HQ vs small", max(r["written_mb"] for r in ours),
                         floor[0]["written_mb"], TARGET, row.peak_mb, unit="MB",
                         runs=", ".join(f"{r['written_mb']:.2f}" for r in ours)))
    assert ours[0]["inserted"] >= 790
    assert row.ratio <= TARGET
    assert written.ratio <= TARGET
