"""Evidence where people look for it: the handover certificate, the lists, the detail panel, the program
report's equipment register; at the post and at HQ, before and after the archive arrives."""

from __future__ import annotations

import shutil

import openpyxl
from PySide6.QtWidgets import QTextBrowser

from ccp_desktop.reports.certificate import certificate_html
from ccp_desktop.reports.listing import ListQuery, fetch_page, lists_for
from ccp_desktop.reports.program_report import write_program_report
from ccp_desktop.store.attachments import attach_files, read_files
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.attachments_in import import_parts
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.ui.forms.attachments_panel import evidence_html
from tests.attachments.conftest import jpeg_bytes, pdf_bytes
from tests.sync.conftest import add_sample
from tests.unit import factories as f


def test_certificate_says_signed_copy_attached_only_when_one_is(post, files):
    sample = add_sample(post)
    delivery = sample["delivery"]["id"]
    attach_files(post, "delivery", delivery, read_files([files("plate.jpg", jpeg_bytes(800, 600))]))
    assert "Signed copy" not in certificate_html(post, delivery)  # a photo is not the signed form
    attach_files(post, "delivery", delivery, read_files([files("signed.pdf", pdf_bytes())]), signed_form=True)
    assert "<b>Signed copy</b></td><td>attached (scan of the signed form)" in certificate_html(post, delivery)


def _evidence_column(db, name: str) -> dict[str, str]:
    spec = lists_for(True)[name]
    at = spec.column_index("evidence")
    return {row.open_id: row.values[at] for row in fetch_page(db, spec, ListQuery())}


def test_hq_lists_detail_panel_and_register_mark_evidence(post, hq, outbox, files, tmp_path, qtbot):
    sample = add_sample(post)
    delivery, activity = sample["delivery"]["id"], sample["activity"]["id"]
    other = insert_record(post, "equipment_deliveries", f.delivery(sample["partner"]["id"]))
    insert_record(post, "equipment_items", f.item(other["id"], description="router", serials=["RT-1", "RT-2"]))
    attach_files(post, "delivery", delivery, read_files([files("signed.pdf", pdf_bytes())]), signed_form=True)
    attach_files(post, "delivery", delivery, read_files([files("plate.jpg", jpeg_bytes(1200, 900))]))
    attach_files(post, "activity", activity, read_files([files("room.jpg", jpeg_bytes(seed=4))]))
    exported = export_package(post, outbox)
    later = tmp_path / "later"
    later.mkdir()
    parts = [shutil.move(str(p), later / p.name) for p in exported.parts]
    assert import_package(hq, exported.path).status == "applied"

    marks = _evidence_column(hq, "equipment")
    assert marks[delivery] == "2 · signed form" and marks[other["id"]] is None
    assert _evidence_column(hq, "activities")[activity] == "1"

    browser = QTextBrowser()
    qtbot.addWidget(browser)
    before = evidence_html(browser, hq, "equipment_deliveries", delivery)
    assert "plate.jpg <i>(expected: not arrived yet)</i>" in before and "<img" not in before
    assert import_parts(hq, parts).ok
    after = evidence_html(browser, hq, "equipment_deliveries", delivery)
    assert after.count("<img src='evidence:") == 1 and "signed.pdf <b>(signed form)</b>" in after  # the PDF as [PDF]
    assert evidence_html(browser, hq, "partners", sample["partner"]["id"]) == ""

    book = openpyxl.load_workbook(write_program_report(hq, tmp_path / "report.xlsx").path, read_only=True)
    rows = list(book["Equipment register"].iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "Serial number")
    signed_at, description_at = header.index("Signed form attached"), header.index("Description")
    by_item = {r[description_at]: r[signed_at] for r in rows[rows.index(header) + 1:] if r[0] != "Total" and r[description_at]}
    assert by_item == {sample["item"]["description"]: "yes", "router": "no"}
