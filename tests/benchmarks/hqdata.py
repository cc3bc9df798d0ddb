"""An HQ holding many posts' records, for the GUI-scale benchmarks: each post's records made by demo-data in
the post's own database; each post's first package really exported and imported (HQ pins its key and
knows its packages), the rest of its records copied in with SQL, as an import would write them (the
journal, search and serial-number triggers fire; the per-record sync bookkeeping is left out: no list,
dashboard or posts page reads it).

Set CCP_BENCH_CACHE to a folder to keep the database between runs."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from ccp_desktop.demo import load_demo_data
from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.store.bulk_insert import insert_rows
from ccp_desktop.store.connection import open_database
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package
from tests.benchmarks.harness import cached_folder

HQ_CODE = "AU-CANBERRA"


def post_codes(count: int) -> list[str]:
    codes = [p["code"] for p in load_reference().entries("posts") if p["code"] != HQ_CODE]
    return (codes + [f"XX-POST{n}" for n in range(count)])[:count]


def build_hq(path: Path, posts: int, records: int) -> dict[str, int]:
    """An HQ at `path` holding about `records` records from `posts` posts; returns counts per table."""
    work = path.parent / "posts"
    shutil.rmtree(work, ignore_errors=True)
    initialise(path, post_code=HQ_CODE, officer="Bench HQ", role="hq")
    hq = open_database(path)
    per_post = max(1, records // posts)
    for n, code in enumerate(post_codes(posts)):
        post_path = work / code / "post.sqlite3"
        initialise(post_path, post_code=code, officer=f"Officer {n}")
        post = open_database(post_path)
        load_demo_data(post, activities=1, equipment=0, seed=100 + n)  # the first package, really imported
        assert import_package(hq, export_package(post, work / "out").path).status == "applied"
        # The sync benchmark's post in small: 1 activity and 1 delivery in 6 and 13 records (links, items, partners).
        load_demo_data(post, activities=per_post // 6, equipment=per_post // 13, seed=200 + n)
        post.close()
        hq.execute("ATTACH DATABASE ? AS post", [str(post_path)])
        with hq.atomic():
            for name, kind in RECORD_KINDS.items():
                cols = ", ".join(kind.keys)
                hq.execute(f"INSERT INTO main.{name} ({cols}) SELECT {cols} FROM post.{name}"
                           f" WHERE id NOT IN (SELECT id FROM main.{name})")
        hq.execute("DETACH DATABASE post")
        shutil.rmtree(work / code)
        print(f"[bench] post {n + 1}/{posts} {code} copied in", flush=True)
    top_up(hq, records)
    counts = {name: int(hq.execute(f"SELECT count(*) FROM {name}").fetchone()[0]) for name in RECORD_KINDS}
    hq.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hq.close()
    shutil.rmtree(work, ignore_errors=True)
    return counts


# Copies of records: (table, the columns changed in the copy, the rows copied given the per-mille share `?`).
# A copied activity brings its partner links, a copied delivery its items (serial numbers made its own).
_COPIES = (
    ("activities", {"id": "id || '-c'", "title": "title || ' (follow-up)'"}, "rowid % 1000 < ?"),
    ("activity_partners", {"id": "id || '-c'", "activity_id": "activity_id || '-c'"},
     "activity_id IN (SELECT id FROM activities WHERE rowid % 1000 < ?)"),
    ("equipment_deliveries", {"id": "id || '-c'"}, "rowid % 1000 < ?"),
    ("equipment_items", {"id": "id || '-c'", "delivery_id": "delivery_id || '-c'",
                         "serials": "replace(replace(serials, '\",', '-C\",'), '\"]', '-C\"]')"},
     "delivery_id IN (SELECT id FROM equipment_deliveries WHERE rowid % 1000 < ?)"),
)


def top_up(hq: Any, records: int) -> None:
    """Demo data per post makes fewer records than asked (its links, items and partners per activity are its
    own): copy a share of each post's activities and deliveries, with their links and items, under new ids
    until the HQ holds about `records` (with what the insert triggers write, as for any insert)."""
    held = sum(int(hq.execute(f"SELECT count(*) FROM {name}").fetchone()[0]) for name in RECORD_KINDS)
    copied = held - int(hq.execute("SELECT count(*) FROM partners").fetchone()[0])
    share = min(1000, round(1000 * (records - held) / copied)) if records > held and copied else 0
    if not share:
        return
    with hq.atomic():
        for table, changed, which in _COPIES:
            kind = RECORD_KINDS[table]
            values = ", ".join(changed.get(c, c) for c in kind.keys)
            rows = hq.execute(f"SELECT {values} FROM {table} WHERE {which} AND id NOT LIKE '%-c' ORDER BY rowid",
                              [share]).fetchall()
            # In bulk, as an import writes them: per row, the triggers' inserts into the search and other
            # indexes of a 2,000,000-record HQ took over half an hour.
            insert_rows(hq, kind, rows)
    print(f"[bench] topped up by {share / 10:.1f}% of the activities and deliveries", flush=True)


def cached_hq(folder: Path, posts: int, records: int) -> Path:
    """The HQ database for these sizes, built once (in CCP_BENCH_CACHE when set)."""

    def build(where: Path) -> str:
        started = time.perf_counter()
        counts = build_hq(where / "hq.sqlite3", posts, records)
        print(f"\n[bench] HQ of {posts} posts: {sum(counts.values()):,} records {counts} "
              f"({time.perf_counter() - started:.0f} s to make)")
        return repr(counts)

    where, _ = cached_folder(f"hq-{posts}-posts-{records}", folder, build)
    return where / "hq.sqlite3"
