"""Memory an import freed goes back to the system: glibc keeps freed memory in the heap of the thread that
allocated it (`ccp_desktop/heap.py`), and HQ's app keeps running after an import."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

from ccp_desktop import heap
from ccp_desktop.sync import importer
from ccp_desktop.sync.export import export_package
from tests.sync.conftest import add_sample

# 80 MB in blocks malloc hands out (over pymalloc's 512 bytes), made on a thread of its own as an import's
# reading is; every sixteenth block stays held, so the heap cannot shrink from its top by itself.
_PROBE = """
import threading
from ccp_desktop.heap import give_back_freed_memory

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

blocks = []
worker = threading.Thread(target=lambda: blocks.extend(bytearray(4000) for _ in range(20_000)))
worker.start()
worker.join()
kept = blocks[::16]
blocks.clear()
freed = rss()
print(give_back_freed_memory(), freed, rss())
"""


def test_freed_memory_goes_back_to_the_system() -> None:
    if not sys.platform.startswith("linux"):  # no malloc_trim there: the C library gives large blocks back
        assert heap.give_back_freed_memory() is False
        return
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120)
    gave, freed, after = out.stdout.split()
    assert gave == "True"
    assert float(freed) - float(after) > 40, out.stdout  # of the 75 MB freed; glibc alone returns none of it


def test_every_import_gives_back_what_it_freed(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                               outbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big import collects its garbage cycles first (here "big" is one row): they hold some of its
    structures until a collection."""
    calls: list[bool] = []
    real: Callable[..., bool] = heap.give_back_freed_memory

    def give_back(*, collect: bool = False) -> bool:
        calls.append(collect)
        return real(collect=collect)

    monkeypatch.setattr(importer, "give_back_freed_memory", give_back)
    monkeypatch.setattr(importer, "COLLECT_AFTER_ROWS", 1)
    add_sample(post)
    package = export_package(post, outbox).path
    assert importer.import_package(hq, package).status == "applied"
    assert importer.import_package(hq, package).status == "already-imported"
    broken = outbox / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert importer.import_package(hq, broken).status == "rejected"
    assert calls == [True, False, False]  # the copy and the refused file read no rows
