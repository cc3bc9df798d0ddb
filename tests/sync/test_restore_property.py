"""Random interleavings of edits, exports (some lost), backups, restores, deliveries in any order (some
twice) and receipt rounds. Afterwards every record the post wrote since its last restore is at HQ as the
post holds it, or shows the post's version in a conflict; a record the post has not touched since a
restore is at HQ as the post holds it or as a later version the post had before the restore (the post
lost that version, HQ did not). Nothing dropped, nothing duplicated, no conflict without a restore."""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import NotFoundError, NothingToExport
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import backup_database
from ccp_desktop.store.records import insert_record, iter_records, update_record
from ccp_desktop.sync.conflicts import list_conflicts
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import restore_from_backup
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.receipts import write_receipt
from tests.sync.conftest import know_hq, make_site
from tests.unit import factories as f

step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 5)),
    st.tuples(st.just("create"), st.just(0)),
    st.tuples(st.just("export"), st.booleans()),  # True: the package is lost on the way
    st.tuples(st.just("backup"), st.just(0)),
    st.tuples(st.just("restore"), st.integers(0, 5)),
    st.tuples(st.just("deliver"), st.integers(0, 9)),
    st.tuples(st.just("receipt"), st.just(0)),
)

SKIP = ("rev", "updated_at", "updated_by")


def content(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in SKIP}


class Field:
    """A post and HQ on disk, and the packages and backups between them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.post = make_site(root, "FJ-SUVA")
        self.post_path = Path(self.post.execute("PRAGMA database_list").fetchone()[2])
        self.hq = make_site(root, "AU-HQ", role="hq")
        know_hq(self.post, self.hq)
        self.outbox: list[Path] = []
        self.backups: list[Path] = []
        self.counter = itertools.count()
        self.restores = 0
        self.history: dict[str, list[dict[str, Any]]] = {}  # every content each activity ever had at the post
        self.touched: set[str] = set()  # written since the last restore
        self.wrote(insert_record(self.post, "activities", f.activity(title="first")))

    def wrote(self, record: dict[str, Any]) -> None:
        self.history.setdefault(record["id"], []).append(content(record))
        self.touched.add(record["id"])

    def activities(self) -> list[str]:
        return [r["id"] for r in iter_records(self.post, "activities")]

    def run(self, action: str, arg: Any) -> None:
        getattr(self, f"do_{action}")(arg)

    def do_edit(self, n: int) -> None:
        ids = self.activities()
        self.wrote(update_record(self.post, "activities", ids[n % len(ids)], {"summary": f"edit {next(self.counter)}"}))

    def do_create(self, _: int) -> None:
        self.wrote(insert_record(self.post, "activities", f.activity(title=f"new {next(self.counter)}")))

    def do_export(self, lost: bool, kind: str = "changes") -> None:
        try:
            result = export_package(self.post, self.root / "out", kind=kind)
        except NothingToExport:
            return
        if not lost:
            self.outbox.append(result.path)

    def do_backup(self, _: int) -> None:
        self.backups.append(backup_database(self.post, self.root / "b" / f"{next(self.counter)}.sqlite3"))

    def do_restore(self, n: int) -> None:
        if not self.backups:
            return
        self.post.close()
        restore_from_backup(self.post_path, self.backups[n % len(self.backups)])
        self.post = open_database(self.post_path)
        self.restores += 1
        self.touched.clear()

    def do_deliver(self, n: int) -> None:
        if self.outbox:
            result = import_package(self.hq, self.outbox[n % len(self.outbox)])  # any order, maybe twice
            assert result.status in ("applied", "already-imported"), result.message

    def do_receipt(self, _: int) -> None:
        try:
            receipt = write_receipt(self.hq, "FJ-SUVA", self.root / "receipts")
        except NotFoundError:  # nothing arrived yet: no receipt, and the post resends everything
            receipt = None
        if receipt is not None:
            result = import_package(self.post, receipt.path)
            assert result.status in ("applied", "rejected")  # a receipt for a history restored away is refused
        self.do_export(False, kind="since-receipt")

    def settle(self) -> None:
        """Everything still on its way arrives; the post sends what HQ has not confirmed."""
        self.do_export(False)
        for path in list(self.outbox):
            assert import_package(self.hq, path).status in ("applied", "already-imported")
        self.do_receipt(0)
        for path in list(self.outbox):
            assert import_package(self.hq, path).status in ("applied", "already-imported")


@settings(max_examples=int(os.environ.get("CCP_PROPERTY_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_nothing_dropped_nothing_duplicated_through_restores(steps: list[tuple[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = Field(Path(folder))
        try:
            for action, arg in steps:
                world.run(action, arg)
            world.settle()
            conflicts = list_conflicts(world.hq)
            in_conflict = {(c["table_name"], c["record_id"]): content(c["post_version"]) for c in conflicts}
            for name in RECORD_KINDS:
                at_hq = {r["id"]: r for r in iter_records(world.hq, name, include_deleted=True)}
                for record in iter_records(world.post, name, include_deleted=True):
                    held = at_hq.get(record["id"])
                    assert held is not None, f"{name} {record['id']} never reached HQ"
                    if content(held) == content(record):
                        continue
                    if record["id"] in world.touched:
                        assert in_conflict.get((name, record["id"])) == content(record), (
                            f"{name} {record['id']}: the post's edit is neither at HQ nor in a conflict")
                    else:  # a version the post lost in the restore, which HQ had received
                        assert content(held) in world.history.get(record["id"], []), f"{name} {record['id']}"
            for c in conflicts:
                assert c["differences"], "a conflict without a real disagreement"
            if world.restores == 0:
                assert not conflicts
        finally:
            world.post.close()
            world.hq.close()
