"""The handover certificate of an equipment delivery printed to an A4 PDF with Qt's PDF writer; its content
is `reports/certificate.certificate_html`."""

from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QMarginsF, QStandardPaths
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QWidget

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.reports.certificate import certificate_html, default_certificate_name
from ccp_desktop.ui.folders import tell_saved


def write_certificate_pdf(db: sqlite_utils.Database, delivery_id: str, path: Path) -> Path:
    """Write the PDF beside its final name, then rename: a failed write never leaves half a file."""
    document = QTextDocument()
    document.setHtml(certificate_html(db, delivery_id))
    tmp = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setTitle("Certificate of handover of ICT equipment")
    writer.setCreator(load_reference().program["name"])
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    # print_() adds a 2 cm margin of its own around the text: that is the page's whole margin.
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    # No page size on the document: print_() then lays it out on the writer's page at screen scale.
    document.print_(writer)
    del writer  # flushes and closes the file
    os.replace(tmp, path)
    return path


def save_handover_certificate(
    parent: QWidget | None, db: sqlite_utils.Database, delivery_id: str, path: Path | None = None
) -> Path | None:
    """Write the certificate to `path`, or ask where (None if the person cancels)."""
    from ccp_desktop.ui.errors import show_error

    try:
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            suggested = str(Path(folder) / default_certificate_name(db, delivery_id))
            chosen, _filter = QFileDialog.getSaveFileName(parent, "Save handover certificate", suggested, "PDF (*.pdf)")
            if not chosen:
                return None
            path = Path(chosen) if chosen.lower().endswith(".pdf") else Path(chosen + ".pdf")
            written = write_certificate_pdf(db, delivery_id, Path(path))
            tell_saved(parent, "Handover certificate", written)  # it was asked for: say where it went
            return written
        return write_certificate_pdf(db, delivery_id, Path(path))
    except Exception as exc:  # noqa: BLE001 - shown in plain words (disk full, folder read-only...)
        show_error(parent, exc)
        return None
