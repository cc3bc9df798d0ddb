"""The dry run of a morning's packages costs what the packages need, not what HQ holds (issue 14): it
reads HQ's database where the imports read it, and copies none of it. Measured in bytes the process reads
(/proc/self/io: SQLite reads its file with read calls), which does not depend on the machine's load; the
in-memory copy this replaced read the whole file, whatever the packages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.demo import load_demo_data
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.batch import WOULD_APPLY, dry_run_batch
from ccp_desktop.sync.export import export_package
from tests.conftest import make_site
from tests.hq.test_batch_import import _content
from tests.unit import factories as f


def _bytes_read(work: Callable[[], Any]) -> int:
    def rchar() -> int:
        fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
        return int(fields["rchar"])

    before = rchar()
    work()
    return rchar() - before


def _hq(folder: Path, activities: int) -> sqlite_utils.Database:
    """HQ with its own records (the program's years), none of them the package's."""
    hq = make_site(folder, "AU-CANBERRA", role="hq", officer="Hana HQ")
    load_demo_data(hq, activities=activities, equipment=activities // 10, seed=4)
    hq.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file, as on a morning after a quiet night
    return hq


def test_a_dry_run_reads_what_the_packages_need_not_the_whole_of_hq(tmp_path: Path) -> None:
    post = make_site(tmp_path / "post", "FJ-SUVA", officer="Mere Tuilagi")
    for n in range(5):
        insert_record(post, "activities", f.activity(title=f"Incident response training {n}"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export_package(post, inbox)
    small, big = _hq(tmp_path / "small", 40), _hq(tmp_path / "big", 3000)
    big_size = database_path(big).stat().st_size
    dry_run_batch(small, [inbox])  # the first run imports the modules it needs: not counted
    results: dict[str, Any] = {}
    small_bytes = _bytes_read(lambda: results.setdefault("small", dry_run_batch(small, [inbox])))
    before = _content(big)
    big_bytes = _bytes_read(lambda: results.setdefault("big", dry_run_batch(big, [inbox])))
    assert [e.state for e in results["small"]] == [e.state for e in results["big"]] == [WOULD_APPLY]
    assert results["big"][0].totals()["inserted"] == 5
    assert _content(big) == before  # and nothing changed
    assert big_bytes <= 1.5 * small_bytes, (big_bytes, small_bytes)
    assert big_bytes < big_size / 4, (big_bytes, big_size)
