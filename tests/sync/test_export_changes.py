"""An export says what it wrote to the database (issue 9): the `Changes` of recording the package, so the
Sync page and the status bar refresh from the core's answer, not from a guess."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from ccp_desktop.store.sync_state import list_exports
from ccp_desktop.sync import hq_keys
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.sealed_export import export_for_hq
from tests.sync.conftest import add_sample


def test_an_export_returns_the_row_it_recorded_and_nothing_else(post: sqlite_utils.Database, outbox: Path) -> None:
    add_sample(post)
    result = export_package(post, outbox)
    assert dict(result.changes.counts) == {"sync_exports": 1}
    assert result.changes.sync_state and not result.changes.records  # no record was changed by exporting
    assert [e["package_id"] for e in list_exports(post)] == [result.package_id]


def test_a_sealed_export_passes_on_what_the_export_wrote(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                         tmp_path: Path) -> None:
    key_file, _ = hq_keys.export_hq_key(hq, tmp_path / "hq-key.txt")
    hq_keys.learn_hq_key_file(post, key_file)
    add_sample(post)
    sent = export_for_hq(post, tmp_path / "usb")
    assert sent.sealed
    assert sent.changes == sent.export.changes and dict(sent.changes.counts) == {"sync_exports": 1}
