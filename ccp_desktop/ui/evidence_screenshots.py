"""Pictures of evidence for the README: a delivery with its signed handover form and a photo of the serial
plate attached at the post, and the same delivery at HQ after the package and its archive arrived.
Part of `make screenshots`; alone: `python -m ccp_desktop.ui.evidence_screenshots docs/screenshots`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ccp_desktop.ui.screenshots import (  # before any Qt: it chooses the offscreen screen
    WINDOW,
    _save,
    _settle,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication


def _plate_photo(path: Path) -> Path:
    """A photo of a laptop's serial plate, as a phone takes it (large)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    image = QImage(2400, 1800, QImage.Format.Format_RGB32)
    image.fill(QColor(58, 60, 66))
    painter = QPainter(image)
    painter.fillRect(QRect(300, 450, 1800, 900), QColor(214, 216, 220))
    painter.setPen(QColor(20, 20, 20))
    painter.setFont(QFont("DejaVu Sans", 70, QFont.Weight.Bold))
    painter.drawText(QRect(300, 500, 1800, 200), Qt.AlignmentFlag.AlignCenter, "Dell Latitude 5440")
    painter.setFont(QFont("DejaVu Sans Mono", 80))
    painter.drawText(QRect(300, 750, 1800, 200), Qt.AlignmentFlag.AlignCenter, "S/N 5CG1230001")
    painter.setFont(QFont("DejaVu Sans", 50))
    painter.drawText(QRect(300, 1000, 1800, 200), Qt.AlignmentFlag.AlignCenter, "Asset CCP-100001")
    painter.end()
    image.save(str(path), "JPEG", 90)  # type: ignore[call-overload]
    return path


def _signed_form(db: object, delivery_id: str, path: Path) -> Path:
    """The handover certificate as printed, standing in for the scan of the signed copy."""
    from ccp_desktop.ui.forms.certificate import save_handover_certificate

    saved = save_handover_certificate(None, db, delivery_id, path)  # type: ignore[arg-type]
    assert saved is not None
    return saved


def render_evidence_screenshots(app: QApplication, out: Path) -> list[Path]:
    from PySide6.QtWidgets import QScrollArea

    from ccp_desktop.store.attachments import attach_files, read_files
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.export import export_package
    from ccp_desktop.sync.identity import initialise
    from ccp_desktop.sync.importer import import_package
    from ccp_desktop.ui.forms.actions import open_record_form
    from ccp_desktop.ui.forms.screenshots import _sample_records
    from ccp_desktop.ui.main_window import MainWindow

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        post_path, hq_path = folder / "post" / "ccp-field-desk.sqlite3", folder / "hq" / "ccp-field-desk.sqlite3"
        initialise(post_path, post_code="FJ-SUVA", officer="Mere Tuilagi")
        initialise(hq_path, post_code="AU-CANBERRA", officer="Hana Brooks", role="hq")
        post = open_database(post_path)
        delivery = _sample_records(post)["delivery"]
        form_pdf = _signed_form(post, delivery, folder / "HO-2021-0042 signed.pdf")
        attach_files(post, "delivery", delivery, read_files([form_pdf]), signed_form=True)
        attach_files(post, "delivery", delivery, read_files([_plate_photo(folder / "IMG_2041.jpg")]))
        form = open_record_form(None, post, "equipment_deliveries", delivery)
        form.resize(1180, 900)
        form.show()
        _settle(app)
        form.findChild(QScrollArea).ensureWidgetVisible(form.evidence)  # type: ignore[union-attr,attr-defined]
        _settle(app)
        _save(form, out / "form-delivery-evidence.png", written)
        form.close()
        package = export_package(post, folder / "outbox").path
        post.close()
        hq = open_database(hq_path)
        import_package(hq, package)
        hq.close()

        window = MainWindow(hq_path)
        window.resize(WINDOW)
        window.show()
        equipment = window.show_page("equipment")
        equipment.refresh()  # type: ignore[attr-defined]
        model = equipment.model  # type: ignore[attr-defined]
        _settle(app, lambda: model.rowCount() > 0 and window.worker.pending == 0)
        equipment.table.selectRow(0)  # type: ignore[attr-defined]
        equipment.splitter.setSizes([760, 600])  # type: ignore[attr-defined]
        _settle(app)
        _save(window, out / "hq-delivery-evidence.png", written)
        window.close()
    return written


if __name__ == "__main__":
    from ccp_desktop.ui.app import application

    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    from ccp_desktop.ui.worker import stopping_workers

    with stopping_workers():
        print("\n".join(str(p) for p in render_evidence_screenshots(application(), folder)))
