"""HQ scale for the GUI (issue 14, deliverable 6): with many posts' records at HQ, the first page of every
list paints <= 1.2x an empty HQ; each filter and search answers (query changed -> first page painted) in
<= 100 ms; the dashboard's first paint with its figures <= 1 s; the posts page <= 200 ms.

The issue names 2,400,000 records from 30 posts (`CCP_BENCH_SCALE=10`: about 40 minutes here to build,
demo-data per post then copies up to the size, see hqdata.py); `make bench` builds 240,000 from 30 posts;
CCP_BENCH_SCALE scales the records. Set CCP_BENCH_CACHE to keep the database between runs."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from ccp_desktop.reports.listing import ListSpec, lists_for
from ccp_desktop.store.connection import open_database
from ccp_desktop.sync.identity import initialise
from ccp_desktop.ui.worker import BackgroundWorker
from tests.benchmarks.harness import Row, record, scaled
from tests.benchmarks.hqdata import HQ_CODE, cached_hq, post_codes
from tests.benchmarks.test_ui_bench import (
    FILTER_MS,
    FIRST_PAGE,
    FirstPaint,
    collector_as_in_the_app,  # noqa: F401 - a fixture, used by name
    filter_ms,
    first_page_ms,
    wait,
)

POSTS, RECORDS = 30, scaled(240_000, 3_000)
RUNS = 25  # a first page takes tens of milliseconds: the median of many, interleaved
DASHBOARD_MS, POSTS_MS = 1000.0, 200.0
SPECS = lists_for(True)


@pytest.fixture(scope="module")
def hq_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cached_hq(tmp_path_factory.mktemp("hq-scale"), POSTS, RECORDS)


@pytest.fixture(scope="module")
def empty_hq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hq-empty") / "hq.sqlite3"
    initialise(path, post_code=HQ_CODE, officer="Bench HQ", role="hq")
    return path


def _held(path: Path) -> int:
    from ccp_desktop.domain.records import RECORD_KINDS

    db = open_database(path)
    try:
        return sum(int(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]) for name in RECORD_KINDS)
    finally:
        db.close()


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.usefixtures("collector_as_in_the_app")
def test_first_page_of_each_hq_list(qtbot: Any, hq_db: Path, empty_hq: Path, name: str) -> None:
    spec = SPECS[name]
    times: dict[str, list[float]] = {"big": [], "empty": []}
    first_page_ms(qtbot, hq_db, spec), first_page_ms(qtbot, empty_hq, spec)  # warm the file cache alike
    for _ in range(RUNS):
        times["empty"].append(first_page_ms(qtbot, empty_hq, spec))
        times["big"].append(first_page_ms(qtbot, hq_db, spec))
    big, empty = statistics.median(times["big"]), statistics.median(times["empty"])
    row = record(Row(f"HQ {name} list, first painted page: {_held(hq_db):,}-record HQ vs empty", big, empty,
                     FIRST_PAGE, 0.0, unit="ms", note=f"median of {RUNS}",
                     runs=f"big {', '.join(f'{t:.0f}' for t in times['big'])}; empty {', '.join(f'{t:.0f}' for t in times['empty'])}"))
    assert row.ratio <= FIRST_PAGE


def _cases(spec: ListSpec, db: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """Each filter alone with a common and a rare value, the post filter with each list filter, and a search."""
    table = spec.table
    cases: dict[str, tuple[str, dict[str, str]]] = {}
    for flt in spec.filters:
        if flt.choices is None:
            cases[f"{flt.key} 2019"] = ("", {flt.key: "2019"})
            continue
        counted = db.execute(f"SELECT {flt.sql}, count(*) FROM {spec.from_clause(flt.sql)} WHERE {table}.deleted = 0"
                             f" AND {flt.sql} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC").fetchall()
        if counted:
            cases[f"{flt.key} {counted[0][0]} (most rows)"] = ("", {flt.key: str(counted[0][0])})
            cases[f"{flt.key} {counted[-1][0]} (fewest rows)"] = ("", {flt.key: str(counted[-1][0])})
    post = post_codes(POSTS)[POSTS // 2]
    for flt in spec.filters:
        if flt.key != "post":
            value = "2019" if flt.choices is None else next(iter(cases.values()))[1].get(flt.key, "")
            for key, (_, filters) in cases.items():
                if key.startswith(f"{flt.key} ") and "fewest" not in key:
                    value = filters[flt.key]
            cases[f"post {post} + {flt.key} {value}"] = ("", {"post": post, flt.key: value})
    # A value from the middle of the table: the first row from there on that holds one (an item may have
    # no serial number; skipping the search then left it untried at 2,400,000 records).
    column = spec.columns[0].sql
    word = db.execute(f"SELECT {column} FROM {table} WHERE rowid >= (SELECT max(rowid) / 2 FROM {table})"
                      f" AND ifnull({column}, '') NOT IN ('', '[]') ORDER BY rowid LIMIT 1").fetchone()[0]
    text = str(word).split()[0] if spec.name != "equipment" else str(word).strip('[]"').split('"')[0]
    cases[f"search {text!r}"] = (text, {})
    return cases


@pytest.mark.parametrize("name", list(SPECS))
def test_hq_filters_answer_in_100_ms(qtbot: Any, hq_db: Path, name: str) -> None:
    from ccp_desktop.ui.list_page import ListPage

    spec = SPECS[name]
    worker = BackgroundWorker(hq_db)
    db = open_database(hq_db)
    page = ListPage(db, hq_db, spec, worker)
    page.resize(1200, 700)
    page.show()
    results: dict[str, float] = {}
    try:
        wait(qtbot, lambda: page.model.total is not None)
        for case, (text, filters) in _cases(spec, db).items():
            runs = []
            for _ in range(5):
                filter_ms(qtbot, page, "", {})
                runs.append(filter_ms(qtbot, page, text, filters))
            results[case] = statistics.median(runs)
    finally:
        page.close()
        worker.stop()
        db.close()
    slowest = max(results, key=lambda k: results[k])
    record(Row(f"HQ {name} list, slowest of {len(results)} filters: {slowest}", results[slowest], FILTER_MS, 1.0, 0.0,
               unit="ms", note="100 ms ceiling", runs="; ".join(f"{k} {v:.0f}" for k, v in results.items())))
    assert results[slowest] <= FILTER_MS, results


def _page_shown_ms(qtbot: Any, make: Any, ready: Any) -> float:
    """From creating the page (its connection and worker made before) to its first paint with its data."""
    started = time.perf_counter()
    page = make()
    painted = FirstPaint(after=lambda: ready(page))
    page.installEventFilter(painted)
    page.resize(1280, 800)
    page.show()
    wait(qtbot, lambda: painted.at is not None)
    took = ((painted.at or 0) - started) * 1000
    page.close()
    return took


def test_hq_dashboard_and_posts_page(qtbot: Any, hq_db: Path) -> None:
    from ccp_desktop.ui.dashboard_page import DashboardPage
    from ccp_desktop.ui.posts_page import PostsPage

    worker = BackgroundWorker(hq_db)
    db = open_database(hq_db)
    try:
        dashboard = [_page_shown_ms(qtbot, lambda: DashboardPage(worker, db, is_hq=True), lambda p: p.summary is not None)
                     for _ in range(RUNS)]
        posts = [_page_shown_ms(qtbot, lambda: PostsPage(worker), lambda p: p.table.rowCount() > 0) for _ in range(RUNS)]
    finally:
        worker.stop()
        db.close()
    held = _held(hq_db)
    rows = [record(Row(f"HQ dashboard, first paint with its figures ({held:,} records)", statistics.median(dashboard),
                       DASHBOARD_MS, 1.0, 0.0, unit="ms", note="1 s ceiling", runs=", ".join(f"{t:.0f}" for t in dashboard))),
            record(Row(f"HQ posts page, first paint with its table ({POSTS} posts)", statistics.median(posts), POSTS_MS,
                       1.0, 0.0, unit="ms", note="200 ms ceiling", runs=", ".join(f"{t:.0f}" for t in posts)))]
    assert all(row.ratio <= 1.0 for row in rows)
