"""Import many: dry run in post/sequence order, apply the good ones, refusals kept with their reasons."""

from __future__ import annotations

import json
from pathlib import Path

from ccp_desktop.cli import main
from ccp_desktop.store.connection import database_path
from ccp_desktop.sync.batch import (
    ALREADY,
    DUPLICATE,
    REJECTED,
    WOULD_APPLY,
    apply_batch,
    dry_run_batch,
)
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.refusals import list_refusals
from tests.sync.conftest import make_site, snapshot

RECORD_TABLES = ("partners", "activities", "activity_partners", "equipment_deliveries", "equipment_items",
                 "serial_index", "sync_record_state", "sync_peers")


def _content(db):
    """What the packages put into HQ: records, serials, agreement state, pinned keys (not times of import)."""
    out = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in RECORD_TABLES}
    out["sync_peers"] = [row[:3] for row in out["sync_peers"]]  # when pinned differs between the two runs
    out["imports"] = db.execute("SELECT package_id, post_code, seq_from, seq_to FROM sync_imports ORDER BY 1").fetchall()
    return out


def test_dry_run_orders_by_post_and_sequence_and_says_what_each_would_do(morning):
    hq, m = morning
    before = snapshot(hq)
    entries = dry_run_batch(hq, [m.folder])
    assert snapshot(hq) == before  # a dry run changes nothing
    rows = [(e.path.name, e.post_code, e.seq_from, e.state) for e in entries]
    assert rows == [
        ("copy-of-suva-1.xlsx", "FJ-SUVA", 1, WOULD_APPLY),
        ("z-suva-1.xlsx", "FJ-SUVA", 1, DUPLICATE),
        ("suva-other-laptop.xlsx", "FJ-SUVA", 1, REJECTED),  # made later than Suva's first
        ("a-suva-2.xlsx", "FJ-SUVA", 5, WOULD_APPLY),
        ("m-vila-1.xlsx", "VU-PORTVILA", 1, WOULD_APPLY),
        ("c-vila-3.xlsx", "VU-PORTVILA", 9, WOULD_APPLY),
        ("apia-edited.xlsx", "WS-APIA", 1, REJECTED),
        ("b-apia-1.xlsx", "WS-APIA", 1, WOULD_APPLY),
    ], rows
    by_name = {e.path.name: e for e in entries}
    # Suva's second package is judged as it will be once the first is in: no gap, its counts are its own.
    assert by_name["a-suva-2.xlsx"].waits_for == [] and by_name["a-suva-2.xlsx"].totals()["inserted"] == 4
    assert by_name["c-vila-3.xlsx"].waits_for == [(5, 8)]
    assert "changes 5–8 from VU-PORTVILA have not arrived" in by_name["c-vila-3.xlsx"].waits_text()
    assert by_name["z-suva-1.xlsx"].duplicate_of == "copy-of-suva-1.xlsx"
    assert by_name["copy-of-suva-1.xlsx"].signature == "pinned key"
    assert by_name["m-vila-1.xlsx"].signature == "first seen" and by_name["m-vila-1.xlsx"].fingerprint
    other = by_name["suva-other-laptop.xlsx"]
    assert other.signature == "refused" and "not the one trusted for FJ-SUVA" in other.preview.message
    tampered = by_name["apia-edited.xlsx"].preview
    assert [(p.sheet, p.field) for p in tampered.errors] == [("activities", "hash")]


def test_applying_the_batch_equals_importing_the_good_ones_one_by_one(morning, tmp_path):
    hq, m = morning
    entries = dry_run_batch(hq, [m.folder])
    summary = apply_batch(hq, [e for e in entries if e.selectable])
    assert (summary.applied, summary.refused, summary.skipped, summary.cancelled) == (5, 2, 0, False)
    assert summary.totals["inserted"] == 5 * 4  # each package: a partner, an activity, a delivery, an item
    assert Path(summary.backup_path).exists()
    assert "5 packages imported; 2 refused" in summary.message

    # The same packages, one at a time, into a second HQ that trusts the same Suva key.
    one_by_one = make_site(tmp_path / "other-hq", "AU-CANBERRA", role="hq", officer="Hana HQ")
    one_by_one.execute("DELETE FROM sync_peers")
    for row in hq.execute("SELECT post_code, public_key, fingerprint, pinned_at, pinned_how FROM sync_peers"
                          " WHERE post_code = 'FJ-SUVA'").fetchall():
        one_by_one.execute("INSERT INTO sync_peers VALUES (?, ?, ?, ?, ?)", row)
    for path in m.good + [m.after_gap]:
        assert import_package(one_by_one, path).status == "applied"
    assert _content(one_by_one) == _content(hq)

    refusals = list_refusals(hq)
    assert {(r["post_code"], r["file_name"]) for r in refusals} == {("FJ-SUVA", "suva-other-laptop.xlsx"),
                                                                     ("WS-APIA", "apia-edited.xlsx")}
    edited = next(r for r in refusals if r["post_code"] == "WS-APIA")
    assert edited["problems"][0]["sheet"] == "activities" and "values differ" in edited["problems"][0]["message"]
    assert database_path(hq) is not None


def test_a_second_dry_run_says_already_imported(morning):
    hq, m = morning
    apply_batch(hq, [e for e in dry_run_batch(hq, m.good) if e.selectable])
    again = dry_run_batch(hq, m.good)
    assert [e.state for e in again] == [ALREADY] * 4


def test_cancel_between_packages_keeps_those_applied_whole(morning):
    hq, m = morning
    entries = [e for e in dry_run_batch(hq, m.good) if e.selectable]
    asked = []

    def cancel_after_two() -> bool:
        asked.append(1)
        return len(asked) > 2

    summary = apply_batch(hq, entries, should_cancel=cancel_after_two)
    assert summary.cancelled and summary.applied == 2 and summary.not_reached == 2
    assert hq.execute("SELECT count(*) FROM sync_imports").fetchone()[0] == 2
    assert "cancelled: 2 not imported" in summary.message


def test_cli_imports_folders_and_files_in_order_with_a_line_each_and_json(morning, capsys):
    hq, m = morning
    db = str(database_path(hq))
    code = main(["--db", db, "import", str(m.folder), "--dry-run", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["dry_run"] and len(out["packages"]) == 8
    assert hq.execute("SELECT count(*) FROM sync_imports").fetchone()[0] == 0
    code = main(["--db", db, "import", str(m.good[1]), str(m.good[0]), str(m.good[2])])
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert code == 0
    assert [line.split(":")[0] for line in lines[:3]] == ["z-suva-1.xlsx", "a-suva-2.xlsx", "m-vila-1.xlsx"]
    assert "Applied changes package from FJ-SUVA" in lines[0] and "[pinned key]" in lines[0]
    assert lines[-1].startswith("3 packages imported")
    code = main(["--db", db, "import", str(m.folder), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and (out["applied"], out["refused"]) == (2, 2)
    states = {Path(p["file"]).name: (p["outcome"] or {}).get("status") for p in out["packages"]}
    assert states["apia-edited.xlsx"] == "rejected" and states["c-vila-3.xlsx"] == "applied"


def test_a_changed_copy_after_its_original_in_the_batch_is_refused_not_a_duplicate(morning, tmp_path):
    from tests.hq.conftest import tamper

    hq, m = morning
    apia = m.good[3]
    later_copy = tamper(apia, tmp_path / "zz-apia-edited.xlsx")
    entries = dry_run_batch(hq, [apia, later_copy])
    assert [(e.path.name, e.state) for e in entries] == [("b-apia-1.xlsx", WOULD_APPLY), ("zz-apia-edited.xlsx", REJECTED)]
    assert "a copy of b-apia-1.xlsx (earlier in this batch) changed after export" in entries[1].preview.message
