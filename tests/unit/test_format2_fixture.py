"""Posts on 0.2.0 hold packages in format 2 (tests/fixtures/format2_before_codec, written by main at 3d08ec8 before
the codec was rebuilt from one column description). They must verify and import exactly, and the current
writer must still produce the same cells and the same signed hashes from the same database: a change to
format 2's bytes or canonical form would break every 0.2.0 post's packages."""

from __future__ import annotations

import shutil
from pathlib import Path

from python_calamine import CalamineWorkbook

from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import iter_records
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.package import read_package

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "format2_before_codec"
PACKAGE = FIXTURES / "package-1-changes.xlsx"
KINDS = ("partners", "activities", "activity_partners", "equipment_deliveries", "equipment_items")


def copied_post(tmp_path: Path) -> Path:
    target = tmp_path / "post" / "post.sqlite3"
    target.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "post.sqlite3", target)
    shutil.copy(FIXTURES / "post.sqlite3.signing-key", target.with_name("post.sqlite3.signing-key"))
    return target


def test_a_format_2_package_from_0_2_0_verifies_and_imports_exactly(tmp_path):
    package = read_package(PACKAGE)
    assert package.errors == [] and package.signature_ok and package.format_version == 2
    initialise(tmp_path / "hq" / "hq.sqlite3", post_code="AU-CANBERRA", officer="HQ", role="hq")
    hq = open_database(tmp_path / "hq" / "hq.sqlite3")
    result = import_package(hq, PACKAGE)
    assert result.status == "applied", result.errors
    post = open_database(copied_post(tmp_path))
    for table in KINDS:
        held = {r["id"]: r for r in iter_records(hq, table, include_deleted=True)}
        assert held == {r["id"]: r for r in iter_records(post, table, include_deleted=True)}, table
    [item] = [i for i in iter_records(hq, "equipment_items") if i["serials"]]
    assert item["serials"] == ["AB,12; CD", "5CG1234XZA", "@odd"]
    assert import_package(hq, PACKAGE).status == "already-imported"


def test_the_writer_still_makes_format_2_cells_and_hashes_byte_for_byte(tmp_path):
    post = open_database(copied_post(tmp_path))
    again = export_package(post, tmp_path / "out", kind="full")  # the same rows, in the same order
    old, new = read_package(PACKAGE).manifest, read_package(again.path).manifest
    signed = [k for k in old if k.startswith(("rows.", "hash."))]
    assert len(signed) == 2 * len(KINDS)
    assert {k: new[k] for k in signed} == {k: old[k] for k in signed}
    before, after = CalamineWorkbook.from_path(str(PACKAGE)), CalamineWorkbook.from_path(str(again.path))
    for sheet in KINDS:
        assert after.get_sheet_by_name(sheet).to_python() == before.get_sheet_by_name(sheet).to_python(), sheet


def test_the_receipt_hq_wrote_in_format_2_is_read_at_the_post(tmp_path):
    receipt = read_package(FIXTURES / "receipt-1.xlsx")
    assert receipt.errors == [] and receipt.signature_ok and receipt.is_receipt
    assert [row[0] for row in receipt.sheets["packages"].rows] == [read_package(PACKAGE).manifest["package_id"]]
