"""Pictures of the forms for the README (`make screenshots` calls `render_form_screenshots`), and
the handover certificate's first page. Runs offscreen on a throwaway database of sample records."""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlite_utils
from PySide6.QtWidgets import QApplication, QWidget

from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record
from ccp_desktop.ui.forms.actions import open_record_form
from ccp_desktop.ui.forms.base import RecordForm
from ccp_desktop.ui.forms.delivery_form import DeliveryForm


def _sample_records(db: sqlite_utils.Database) -> dict[str, str]:
    partner = insert_record(db, "partners", {
        "name": "Fiji Police Force Cybercrime Unit", "category": "partner_government", "country": "FJ",
        "contact": "Josaia Ravuvu"})
    cert = insert_record(db, "partners", {"name": "Fiji CERT", "category": "partner_government", "country": "FJ"})
    activity = insert_record(db, "activities", {
        "title": "Incident response training, Suva 2021", "stream": "CAP", "activity_type": "CAP-TRAIN",
        "country": "FJ", "location": "Suva", "start_date": "2021-03-01", "end_date": "2021-03-05",
        "status": "completed", "audiences": ["cert_staff", "gov_officials"], "participants_female": 12,
        "participants_male": 9, "participants_other": 1, "tranche": "T2018-PACIFIC", "budget_aud": 45000,
        "spend_aud": 43125.5, "pfr_marker": 1, "gender_marker": "1", "sdg_targets": ["17.9", "16.a"],
        "summary": "Five-day course for the national CERT.",
        "outcomes": "CERT staff ran their first tabletop exercise."})
    for partner_id, role in ((cert["id"], "lead"), (partner["id"], "implementing")):
        insert_record(db, "activity_partners", {"activity_id": activity["id"], "partner_id": partner_id, "role": role})
    delivery = insert_record(db, "equipment_deliveries", {
        "recipient_partner_id": cert["id"], "activity_id": activity["id"], "country": "FJ", "status": "handed_over",
        "delivered_on": "2021-06-01", "handover_ref": "HO-2021-0042", "received_by_name": "Grace Kaupa",
        "received_by_title": "Head of CERT"})
    insert_record(db, "equipment_items", {
        "delivery_id": delivery["id"], "category": "laptop", "description": "Laptop 14-inch, 16 GB",
        "make_model": "Dell Latitude 5440", "quantity": 3, "unit_value_aud": 1850,
        "serials": ["5CG1230001", "5CG1230002", "5CG1230003"], "asset_tag": "CCP-100001", "warranty_end": "2024-06-01"})
    insert_record(db, "equipment_items", {
        "delivery_id": delivery["id"], "category": "software_licence", "description": "Forensic suite licence",
        "quantity": 5, "unit_value_aud": 400})
    return {"activity": activity["id"], "delivery": delivery["id"], "partner": partner["id"]}


# What the forms get on a 1366×768 laptop (the offscreen platform's own screen is 800×800).
SIZES = {"partners": (560, 320)}


def _grab(app: QApplication, widget: QWidget, path: Path) -> Path:
    if isinstance(widget, RecordForm):
        widget.resize(*SIZES.get(widget.kind.name, (1180, 700)))
    app.processEvents()
    widget.grab().save(str(path))
    return path


def _render_certificate_page(db: sqlite_utils.Database, delivery_id: str, png: Path) -> Path:
    """The certificate's first page as a picture: the same document, painted at 96 dpi on A4 paper.
    (Not via the PDF: the packaged app leaves Qt's PDF renderer out.)"""
    from PySide6.QtCore import QRectF, QSizeF
    from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument

    from ccp_desktop.reports.certificate import certificate_html

    width, height = 794, 1123  # A4 at 96 dpi
    document = QTextDocument()
    document.setDocumentMargin(76)  # 2 cm, as printing adds
    document.setHtml(certificate_html(db, delivery_id))
    document.setPageSize(QSizeF(width, height))
    paper = QImage(width, height, QImage.Format.Format_RGB32)
    paper.fill(QColor("white"))
    painter = QPainter(paper)
    document.drawContents(painter, QRectF(0, 0, width, height))
    painter.end()
    paper.save(str(png))
    return png


def render_form_screenshots(out_dir: Path) -> list[Path]:
    """Write form-*.png to `out_dir`: each form filled in, with problems shown, and the certificate."""
    from ccp_desktop.store.installation import create_installation

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "screens.sqlite3")
        create_installation(db, post_code="FJ-SUVA", officer="Mere Tuilagi")
        ids = _sample_records(db)
        written = []
        forms: list[RecordForm] = []

        activity = open_record_form(None, db, "activities", ids["activity"])
        forms.append(activity)
        written.append(_grab(app, activity, out_dir / "form-activity.png"))

        new = open_record_form(None, db, "activities")
        forms.append(new)
        new.binding("title").set_state("Legislative review workshop")
        new.binding("stream").set_state("CRIME")
        new.binding("start_date").set_state("2023-05-10")
        new.binding("end_date").set_state("2023-05-01")
        new.binding("budget_aud").set_state("12,5OO")
        written.append(_grab(app, new, out_dir / "form-activity-problems.png"))

        delivery = open_record_form(None, db, "equipment_deliveries", ids["delivery"])
        forms.append(delivery)
        written.append(_grab(app, delivery, out_dir / "form-delivery.png"))

        dup = open_record_form(None, db, "equipment_deliveries")
        assert isinstance(dup, DeliveryForm)
        forms.append(dup)
        dup.binding("recipient_partner_id").set_state(ids["partner"])
        dup.binding("status").set_state("delivered")
        line = dup.items.lines[0]
        line.widgets["category"].set_code("laptop")
        line.widgets["description"].setText("Laptop for the cybercrime unit")
        line.widgets["unit_value_aud"].setText("1,900")
        line.widgets["serials"].setPlainText("5CG1230003\n5CG1239001\n5CG1239002\n5cg1239001")
        written.append(_grab(app, dup, out_dir / "form-delivery-duplicates.png"))

        partner = open_record_form(None, db, "partners", ids["partner"])
        forms.append(partner)
        written.append(_grab(app, partner, out_dir / "form-partner.png"))

        written.append(_render_certificate_page(db, ids["delivery"], out_dir / "form-handover-certificate.png"))
        for form in forms:
            form.finish_clean()
            form.close()
        app.processEvents()
        db.close()
    return written


if __name__ == "__main__":  # python -m ccp_desktop.ui.forms.screenshots docs/screenshots
    import sys

    for written_path in render_form_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(written_path)
