"""What the exported workbook looks like to a person and to Excel, and that re-saving it keeps it valid."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile

import openpyxl
import pytest

from ccp_desktop.errors import Cancelled, NothingToExport
from ccp_desktop.store.records import update_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.status import last_export, package_history, pending_change_count
from ccp_desktop.sync.verify import verify_package
from tests.sync.conftest import add_sample, records_of


def test_workbook_layout_types_and_dropdowns(post, outbox):
    sample = add_sample(post)
    result = export_package(post, outbox)
    assert re.fullmatch(r"CCP-FJ-SUVA-\d{8}T\d{6}Z-changes-1-5-[0-9a-f]{8}\.xlsx", result.path.name)
    assert [p.name for p in outbox.iterdir()] == [result.path.name]  # no temporary file left
    book = openpyxl.load_workbook(result.path)
    assert book.sheetnames[:2] == ["README", "Manifest"]
    assert {"partners", "activities", "activity_partners", "equipment_deliveries", "equipment_items"} <= set(book.sheetnames)
    manifest = {row[0]: row[1] for row in book["Manifest"].iter_rows(min_row=2, values_only=True)}
    assert manifest["post_code"] == "FJ-SUVA" and manifest["kind"] == "changes" and manifest["seq_to"] == "5"
    assert manifest["rows.activities"] == "1" and len(manifest["hash.activities"]) == 64 and manifest["signature"]
    readme = [c for row in book["README"].iter_rows(values_only=True) for c in row if c]
    assert "Data dictionary" in readme and "Participants (female)" in readme
    acts = book["activities"]
    header = [c.value for c in acts[1]]
    row = {k: c for k, c in zip(header, acts[2], strict=True)}
    assert acts.freeze_panes == "A2" and acts.auto_filter.ref.startswith("A1:")
    assert row["start_date"].value == dt.datetime(2021, 3, 1) and row["start_date"].is_date
    assert row["budget_aud"].value == 45000 and row["budget_aud"].number_format == "#,##0.00"
    assert row["participants_female"].value == 12
    assert row["id"].data_type == "s" and row["id"].value == sample["activity"]["id"]
    # Text that Excel would run as a formula is a text cell, never a formula.
    assert row["title"].data_type == "s" and row["title"].value.startswith("=HYPERLINK")
    item = dict(zip([c.value for c in book["equipment_items"][1]], book["equipment_items"][2], strict=True))
    assert item["description"].value == "00123 laptop" and item["asset_tag"].value == "-77"
    # Format 2: a list cell is JSON text, so a serial holding "," or ";" survives.
    assert item["serials"].value == '["SN-A1", "SN-A2"]'
    # Read-only columns for people: where the row stands in the journal, names beside ids, labels beside codes.
    assert row["change_seq"].value == 2 and row["stream_label"].value.startswith("Cyber security")
    links = dict(zip([c.value for c in book["activity_partners"][1]], book["activity_partners"][2], strict=True))
    assert links["activity_name"].value == sample["activity"]["title"] and links["activity_name"].data_type == "s"
    assert links["partner_name"].value == "Fiji Police Force Cybercrime Unit" and links["role_label"].value == "Lead"
    with zipfile.ZipFile(result.path) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml
    dropdowns = {str(dv.sqref).split(":")[0][:-1] + "|" + dv.formula1 for dv in acts.data_validations.dataValidation}
    stream_col = openpyxl.utils.get_column_letter(header.index("stream") + 1)
    assert any(d.startswith(f"{stream_col}|Lists!") for d in dropdowns)
    assert book["Lists"].sheet_state == "hidden"


def test_nothing_to_export_writes_nothing(post, outbox):
    with pytest.raises(NothingToExport):
        export_package(post, outbox)
    add_sample(post)
    export_package(post, outbox)
    with pytest.raises(NothingToExport, match="Nothing has changed"):
        export_package(post, outbox)
    assert len(list(outbox.iterdir())) == 1


def test_cancel_leaves_no_file_and_no_record(post, outbox):
    from ccp_desktop.demo import load_demo_data

    load_demo_data(post, activities=1500, equipment=10, seed=3)
    seen = []
    with pytest.raises(Cancelled):
        export_package(post, outbox, progress=lambda d, t: seen.append((d, t)), should_cancel=lambda: len(seen) >= 1)
    assert list(outbox.iterdir()) == []
    assert last_export(post) is None
    assert pending_change_count(post) > 0


def test_changes_export_holds_latest_state_once(post, outbox):
    sample = add_sample(post)
    export_package(post, outbox)
    assert pending_change_count(post) == 0
    update_record(post, "activities", sample["activity"]["id"], {"title": "Renamed"})
    update_record(post, "activities", sample["activity"]["id"], {"title": "Renamed again"})
    assert pending_change_count(post) == 2
    second = export_package(post, outbox)
    assert (second.seq_from, second.seq_to) == (6, 7)
    assert second.counts["activities"] == 1 and second.counts["partners"] == 0
    assert last_export(post)["package_id"] == second.package_id
    assert [h["direction"] for h in package_history(post)] == ["sent", "sent"]


def test_resaved_by_openpyxl_still_verifies_and_imports(post, hq, outbox, tmp_path):
    add_sample(post)
    path = export_package(post, outbox).path
    book = openpyxl.load_workbook(path)
    resaved = tmp_path / "resaved.xlsx"
    book.save(resaved)
    assert verify_package(resaved).status == "verified"
    assert import_package(hq, resaved).status == "applied"
    assert records_of(hq, "FJ-SUVA") == records_of(post)


@pytest.mark.slow
def test_resaved_by_libreoffice_still_verifies(post, hq, outbox, tmp_path, soffice):
    add_sample(post)
    path = export_package(post, outbox).path
    converted = tmp_path / "lo"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--convert-to", "xlsx",
         "--outdir", str(converted), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    resaved = converted / path.name
    assert verify_package(resaved).status == "verified", verify_package(resaved).errors
    assert import_package(hq, resaved).status == "applied"
    assert records_of(hq, "FJ-SUVA") == records_of(post)


def test_the_readme_and_headings_read_cleanly_in_a_spreadsheet(post, outbox):
    """Wrapped README rows carry their height (LibreOffice prints rows at their stored height, so text
    overlapped), every heading fits its column, and counts agree with their nouns."""
    add_sample(post)
    book = openpyxl.load_workbook(export_package(post, outbox).path)
    readme = book["README"]
    rows = {row[0].value: row[0].row for row in readme.iter_rows() if row[0].value}
    assert readme.row_dimensions[rows["Please do not edit"]].height >= 45
    assert readme.row_dimensions[rows["Created (UTC)"]].height == 15
    texts = [c.value for row in readme.iter_rows() for c in row if isinstance(c.value, str)]
    assert "1 row on sheet activities" in texts and not any(t.startswith("1 rows") for t in texts)
    sheet = book["activities"]
    for cell in sheet[1]:
        width = sheet.column_dimensions[cell.column_letter].width
        assert width >= len(cell.value) + 2, cell.value
