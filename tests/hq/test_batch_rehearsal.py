"""The dry run rehearses the real imports in a transaction it rolls back: what it says is what applying
then does, it leaves no trace at HQ (no refusal logged for a package only checked), and a cancel or an
error releases HQ's database at once."""

from __future__ import annotations

import sqlite3

import pytest

from ccp_desktop.errors import Cancelled
from ccp_desktop.store.connection import database_path
from ccp_desktop.sync.batch import apply_batch, dry_run_batch
from ccp_desktop.sync.refusals import list_refusals
from tests.sync.conftest import snapshot


def test_what_the_dry_run_says_is_what_applying_does(morning):
    hq, m = morning
    entries = dry_run_batch(hq, [m.folder])
    previews = {e.path.name: (e.preview.counts, e.preview.warnings, [(p.sheet, p.row, p.field) for p in e.preview.errors])
                for e in entries}
    assert list_refusals(hq) == []  # two of them would be refused: only applying keeps their reasons
    summary = apply_batch(hq, [e for e in entries if e.selectable])
    outcomes = {e.path.name: (e.outcome.counts, e.outcome.warnings, [(p.sheet, p.row, p.field) for p in e.outcome.errors])
                for e in summary.entries}
    assert outcomes == {name: preview for name, preview in previews.items() if name in outcomes}
    assert len(list_refusals(hq)) == summary.refused == 2


def test_a_cancelled_dry_run_changes_nothing_and_lets_go_of_hq(morning):
    hq, m = morning
    before = snapshot(hq)
    asked = []

    def cancel_at_the_third() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(Cancelled):
        dry_run_batch(hq, [m.folder], should_cancel=cancel_at_the_third)
    assert snapshot(hq) == before
    other = sqlite3.connect(database_path(hq), timeout=0)  # no waiting: the write lock must be free now
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
