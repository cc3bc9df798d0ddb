"""The crash harness: a post and HQ, and a child process that runs one operation (a CLI import at HQ, an
export, a receipt import at the post, a backup, or a stream of record writes) and is killed with SIGKILL
at a random moment. After each kill the databases are opened again (the "next start") and checked.

Children come from a fork server that has imported the program once, so a child starts in milliseconds
and the kill lands inside the operation rather than in Python's start-up. Every random choice comes from
one seed, printed first: `CCP_CRASH_SEED=<seed>` replays a run.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.store import files
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import backup_database, check_database
from ccp_desktop.store.records import iter_records
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.package import read_package
from ccp_desktop.sync.receipts import write_receipt
from ccp_desktop.sync.verify import verify_package
from tests.reliability.helpers import know_hq, make_site

OPS = ("import", "export", "receipt", "backup", "writes", "restore")
PRELOAD = ["ccp_desktop.cli", "ccp_desktop.commands.sync", "ccp_desktop.sync.importer", "ccp_desktop.sync.export",
           "ccp_desktop.sync.receipts", "ccp_desktop.store.records", "tests.reliability.crash"]


# ---- in the child --------------------------------------------------------------------------------------

def child_main(op: str, argv: list[str], data_dir: str, out_path: str, seed: int) -> None:
    """Runs in the forked child: the CLI with `argv`, or a stream of writes to `argv[0]`."""
    os.environ["CCP_DESKTOP_DATA_DIR"] = data_dir
    out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    if op != "writes":
        from ccp_desktop.cli import main

        os._exit(main(argv))
    write_stream(Path(argv[0]), Path(argv[1]), seed)
    os._exit(0)


def write_stream(db_path: Path, committed_log: Path, seed: int, count: int = 400) -> None:
    """Inserts, updates and deletes, each its own transaction; after each commit one line in
    `committed_log` (a write(2) survives SIGKILL) saying what the database must now hold."""
    from ccp_desktop.store.records import insert_record, tombstone_record, update_record
    from tests.unit import factories as f

    rng = random.Random(seed)
    db = open_database(db_path)
    ids = [row["id"] for row in iter_records(db, "activities")][:200]
    own: list[str] = []  # made by this stream, so nothing links to them: they may be deleted
    fd = os.open(committed_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    for n in range(count):
        choice = rng.random()
        if choice < 0.5 or not ids:
            rec = insert_record(db, "activities", f.activity(title=f"Crash stream {seed}-{n}"))
            ids.append(rec["id"])
            own.append(rec["id"])
        elif choice < 0.9 or not own:
            rec = update_record(db, "activities", rng.choice(ids), {"location": f"Room {n}"})
        else:
            victim = own.pop(rng.randrange(len(own)))
            ids.remove(victim)
            rec = tombstone_record(db, "activities", victim)
        os.write(fd, f"activities {rec['id']} {rec['rev']}\n".encode())


# ---- in the parent -------------------------------------------------------------------------------------

@dataclass
class Tally:
    seed: int
    kills: int = 0
    completed: int = 0
    by_op: dict[str, int] = field(default_factory=dict)
    convergences: int = 0
    seconds: float = 0.0


class Harness:
    def __init__(self, root: Path, seed: int, *, activities: int = 300, equipment: int = 80) -> None:
        self.root, self.seed, self.rng = root, seed, random.Random(seed)
        self.data_dir = root / "userdata"
        self.post = make_site(root, "FJ-SUVA", activities=activities, equipment=equipment, seed=seed % 1000 + 1)
        self.hq = make_site(root, "AU-HQ", role="hq")
        know_hq(self.post, self.hq)
        self.outbox, self.inbox, self.logs = root / "outbox", root / "to-post", root / "child-output"
        for folder in (self.outbox, self.inbox, self.logs):
            folder.mkdir()
        self.durations: dict[str, float] = {}
        self._cycle: list[str] = []
        self.tally = Tally(seed)
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        self.ctx = ctx
        os.environ["CCP_DESKTOP_DATA_DIR"] = str(self.data_dir)

    # -- one round -------------------------------------------------------------------------------------
    def round(self, n: int) -> None:
        if not self._cycle:  # each operation in turn, in a shuffled order, so every kind is killed
            self._cycle = self.rng.sample(OPS, len(OPS))
        op = self._cycle.pop()
        argv, check = self._prepare(op, n)
        started = time.perf_counter()
        child = self.ctx.Process(target=child_main, args=(op, argv, str(self.data_dir),
                                                          str(self.logs / f"{n:04d}-{op}.txt"), self.seed + n))
        child.start()
        known = self.durations.get(op)
        if known is None:  # the first of each kind runs to the end: it measures how long a kill may wait
            child.join(120)
        else:
            child.join(self.rng.uniform(0, known * 0.9))
        killed = child.exitcode is None
        if not killed:  # a run that ended first is the latest measure of how long this kind takes
            self.durations[op] = time.perf_counter() - started
        if killed:
            child.kill()
            self.tally.kills += 1
            self.tally.by_op[op] = self.tally.by_op.get(op, 0) + 1
        else:
            self.tally.completed += 1
        child.join(30)
        assert child.exitcode is not None, f"round {n} ({op}): the child did not end"
        if not killed:
            output = (self.logs / f"{n:04d}-{op}.txt").read_text()
            assert child.exitcode == 0, f"round {n} ({op}) failed without a kill: {output}"
        self.after_restart(op, n, killed)
        check()

    def _prepare(self, op: str, n: int) -> tuple[list[str], Callable[[], None]]:
        post_args, hq_args = ["--db", str(self.post)], ["--db", str(self.hq)]
        if op == "writes":
            log = self.logs / f"{n:04d}-committed.txt"
            return [str(self.post), str(log)], lambda: self.check_committed(log)
        if op == "export":
            self.write_some(n)
            return [*post_args, "export", "--out", str(self.outbox)], lambda: None
        if op == "backup":
            return [*post_args, "backup"], lambda: None
        if op == "restore":  # a backup of this very state: restored or not, the records are the same
            with open_database(self.post) as post:
                backup = backup_database(post, self.root / "restore-from" / f"{n:04d}.sqlite3")
                before = records_by_kind(post)
            return [*post_args, "restore", str(backup)], lambda: self.check_restore(before)
        if op == "import":
            self.write_some(n, many=True)  # a package big enough for the kill to land inside the import
            with open_database(self.post) as post:
                package = export_package(post, self.root / "pending").path
            before = self.hq_state()
            return [*hq_args, "import", str(package)], lambda: self.check_import(package, before)
        with open_database(self.hq) as hq:  # receipt: HQ confirms what it holds; the post records it
            if not hq.execute("SELECT 1 FROM sync_imports LIMIT 1").fetchone():
                self.converge()
            receipt = write_receipt(hq, "FJ-SUVA", self.inbox).path
        before = self.post_sync_state()
        return [*post_args, "import", str(receipt)], lambda: self.check_receipt(receipt, before)

    def write_some(self, n: int, many: bool = False) -> None:
        from ccp_desktop.store.records import insert_record
        from tests.unit import factories as f

        with open_database(self.post) as post:
            for k in range(self.rng.randrange(40, 160) if many else self.rng.randrange(1, 30)):
                insert_record(post, "activities", f.activity(title=f"Before round {n} #{k}"))

    # -- the checks ------------------------------------------------------------------------------------
    def after_restart(self, op: str, n: int, killed: bool) -> None:
        """The next start: both databases open (which tidies up), pass `check`, and their journals agree
        with their records; every package and backup under a final name is whole."""
        for path in (self.post, self.hq):
            with open_database(path) as db:
                report = check_database(db)
                assert report.ok, f"round {n} ({op}, killed={killed}): {path.name}: {report.problems}"
                assert journal_problems(db) == [], f"round {n} ({op}): {journal_problems(db)}"
        for folder in (self.outbox, self.post.parent / "backups", self.hq.parent / "backups", self.inbox):
            leftovers = [p.name for p in folder.glob("*") if p.name.endswith(".partial")] if folder.exists() else []
            assert leftovers == [], f"round {n} ({op}): left behind after the next start: {leftovers}"
        assert not files.work_root(self.data_dir).exists() or not any(files.work_root(self.data_dir).iterdir()), \
            f"round {n} ({op}): scratch files left in the data folder"
        for package in self.outbox.glob("*.xlsx"):
            assert verify_package(package).status == "verified", f"round {n}: {package.name} is not whole"
        for backup in (self.post.parent / "backups").glob("*.sqlite3"):
            with sqlite_utils.Database(backup) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"round {n}: {backup.name}"

    def check_restore(self, before: dict[str, Any]) -> None:
        """Killed or not, a whole database stands under the post's name with the same records, and no
        half-restored copy is left beside it."""
        with open_database(self.post) as post:
            assert records_by_kind(post) == before, "a restore changed or lost records"
        leftovers = [p.name for p in self.post.parent.iterdir() if ".partial" in p.name]
        assert leftovers == [], f"a restore left {leftovers}"

    def check_committed(self, log: Path) -> None:
        """Every write the child saw committed is in the database (at that revision or later)."""
        if not log.exists():
            return
        with open_database(self.post) as db:
            for line in log.read_text().splitlines():
                table, record_id, rev = line.split()
                row = db.execute(f"SELECT rev FROM {table} WHERE id = ?", [record_id]).fetchone()
                assert row is not None and row[0] >= int(rev), f"a committed write is missing: {line}"

    def hq_state(self) -> dict[str, Any]:
        with open_database(self.hq) as hq:
            return records_by_kind(hq)

    def check_import(self, package: Path, before: dict[str, Any]) -> None:
        """Wholly applied (in the ledger, every row at HQ) or not at all (HQ exactly as before)."""
        rows = read_package(package)
        with open_database(self.hq) as hq:
            in_ledger = hq.execute("SELECT 1 FROM sync_imports WHERE package_id = ?",
                                   [rows.manifest["package_id"]]).fetchone() is not None
            after = records_by_kind(hq)
        if not in_ledger:
            assert after == before, "an import not in the ledger changed HQ's records"
            return
        for name, sheet in rows.sheets.items():
            for row in sheet.rows:
                record_id, rev = row[0], row[RECORD_KINDS[name].keys.index("rev")]
                assert after[name].get(record_id, {}).get("rev", -1) >= int(rev), f"{name} {record_id} missing"

    def post_sync_state(self) -> Any:
        with open_database(self.post) as post:
            return post.execute("SELECT * FROM sync_imports ORDER BY 1").fetchall()

    def check_receipt(self, receipt: Path, before: Any) -> None:
        after = self.post_sync_state()
        package_id = read_package(receipt).manifest["package_id"]
        if after != before:
            assert len(after) == len(before) + 1 and any(row[0] == package_id for row in after)

    def converge(self) -> None:
        """The next export plus import at HQ brings HQ to exactly the post's state (the cure for every
        lost or interrupted package: a receipt, then a resend of everything HQ has not confirmed)."""
        with open_database(self.hq) as hq, open_database(self.post) as post:
            if hq.execute("SELECT 1 FROM sync_imports LIMIT 1").fetchone():
                assert import_package(post, write_receipt(hq, "FJ-SUVA", self.inbox).path).status in (
                    "applied", "already-imported")
            kind = "since-receipt" if post.execute(
                "SELECT 1 FROM sync_imports WHERE kind = 'receipt' LIMIT 1").fetchone() else "full"
            try:
                package = export_package(post, self.root / "resend", kind=kind).path
            except Exception as exc:  # NothingToExport: HQ confirmed everything already
                assert type(exc).__name__ == "NothingToExport", repr(exc)
            else:
                result = import_package(hq, package)
                assert result.status == "applied", result.message
            theirs, ours = records_by_kind(post), records_by_kind(hq)
        assert ours == theirs, "HQ does not hold exactly the post's records after a resend"
        self.tally.convergences += 1

    def run(self, kills: int, converge_every: int) -> Tally:
        print(f"[crash] seed {self.seed} (replay: CCP_CRASH_SEED={self.seed})", file=sys.stderr)
        started, n = time.perf_counter(), 0
        while self.tally.kills < kills:
            self.round(n)
            n += 1
            if n % converge_every == 0:
                self.converge()
            assert n < kills * 4 + 20, "too few rounds ended in a kill"
        self.converge()
        self.tally.seconds = time.perf_counter() - started
        return self.tally

    def close(self) -> None:
        shutil.rmtree(self.root / "pending", ignore_errors=True)


def records_by_kind(db: sqlite_utils.Database) -> dict[str, dict[str, dict[str, Any]]]:
    return {name: {row["id"]: row for row in iter_records(db, name, include_deleted=True)} for name in RECORD_KINDS}


def journal_problems(db: sqlite_utils.Database) -> list[str]:
    """Every record has a journal entry at its revision; no entry names a missing record or a revision
    the record never reached."""
    out = []
    for table in RECORD_KINDS:
        unjournalled = db.execute(
            f"SELECT count(*) FROM {table} r WHERE NOT EXISTS (SELECT 1 FROM change_journal j "
            f"WHERE j.table_name = '{table}' AND j.record_id = r.id AND j.rev = r.rev)").fetchone()[0]
        stray = db.execute(
            f"SELECT count(*) FROM change_journal j LEFT JOIN {table} r ON r.id = j.record_id "
            f"WHERE j.table_name = '{table}' AND (r.id IS NULL OR j.rev > r.rev)").fetchone()[0]
        if unjournalled or stray:
            out.append(f"{table}: {unjournalled} records without a journal entry, {stray} stray entries")
    return out
