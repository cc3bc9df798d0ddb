"""A killed process (the nearest a test gets to a power cut) leaves the database whole: a bulk load is
either all there or not there at all, and a second connection waits for a writer instead of failing."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import check_database, stats
from ccp_desktop.store.records import insert_record
from ccp_desktop.store.transactions import write_transaction
from tests.unit import factories as f

ROOT = Path(__file__).resolve().parents[2]


def test_kill_during_bulk_load_leaves_all_or_nothing(post_db_path: Path) -> None:
    script = (
        "import sys; from ccp_desktop.store.connection import open_database; from ccp_desktop.demo import load_demo_data\n"
        "db = open_database(sys.argv[1])\n"
        "load_demo_data(db, activities=40000, equipment=2000, progress=lambda t, n: print(t, flush=True))\n"
        "print('done', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(post_db_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    # Kill it once it is writing the second table, i.e. well inside the one transaction.
    for line in proc.stdout:
        if line.startswith("activities"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    db = open_database(post_db_path)
    assert check_database(db).ok
    counts = stats(db)
    assert counts == {"partners": 0, "activities": 0, "activity_partners": 0, "equipment_deliveries": 0,
                      "equipment_items": 0, "attachments": 0, "journal_seq": 0}
    # And the database still takes writes.
    insert_record(db, "partners", f.partner())
    assert stats(db)["partners"] == 1


def test_second_connection_waits_for_the_writer(post_db_path: Path) -> None:
    holder = open_database(post_db_path)
    writer_started = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        db = open_database(post_db_path)
        with write_transaction(db):
            insert_record(db, "partners", f.partner(name="First"))
            writer_started.set()
            release.wait(5)
        db.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    assert writer_started.wait(5)
    threading.Timer(0.3, release.set).start()
    started = time.perf_counter()
    insert_record(holder, "partners", f.partner(name="Second"))  # blocks until the other commits
    assert time.perf_counter() - started >= 0.2
    thread.join(5)
    assert stats(holder)["partners"] == 2
