"""The evidence panel in the delivery and activity forms, driven like an officer: add by the file dialog,
drop files on it, paste a picture, open one in the viewer, remove one; writes run on the worker."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from ccp_desktop.store.attachments import list_attachments, read_blob
from ccp_desktop.ui.forms import attachments_panel
from ccp_desktop.ui.worker import BackgroundWorker
from tests.attachments.conftest import jpeg_bytes, pdf_bytes
from tests.sync.conftest import add_sample
from tests.ui.conftest import demo_db_path, main_window, shown_errors  # noqa: F401 - fixtures
from tests.ui.test_forms_support import open_form  # noqa: F401 - a fixture


@pytest.fixture
def worker(qtbot: Any, post_db_path: Path):
    made = BackgroundWorker(post_db_path)
    yield made
    made.stop()


def wait_for_write(qtbot: Any, panel: Any, action) -> None:
    with qtbot.waitSignal(panel.changed, timeout=20_000):
        action()


def test_add_open_and_remove_evidence_on_a_delivery(qtbot, post_db, worker, open_form, tmp_path, monkeypatch):
    delivery = add_sample(post_db)["delivery"]
    form = open_form(post_db, "equipment_deliveries", delivery["id"])
    panel = form.evidence.panel
    panel._worker = worker
    scan, photo = tmp_path / "signed.pdf", tmp_path / "plate.jpg"
    scan.write_bytes(pdf_bytes())
    photo.write_bytes(jpeg_bytes(3000, 2000))

    # The file dialog: the officer ticks "Signed handover form" and picks the scan.
    panel.signed_form.setChecked(True)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(scan)], ""))
    wait_for_write(qtbot, panel, lambda: qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton))
    # Drag and drop: a photo from the file manager.
    panel.signed_form.setChecked(False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    drop = QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    wait_for_write(qtbot, panel, lambda: panel.dropEvent(drop))

    stored = list_attachments(post_db, "delivery", delivery["id"])
    assert [(a.file_name, a.signed_form) for a in stored] == [("signed.pdf", True), ("plate.jpg", False)]
    assert [panel.list.item(i).text() for i in range(panel.list.count())] == ["signed.pdf (signed form)", "plate.jpg"]
    thumbnail = panel.list.item(1).icon().pixmap(96, 96)
    assert thumbnail.width() == 96 and thumbnail.height() == 64  # the photo itself, shrunk, not a file icon

    # Open: the viewer gets a private copy of exactly what was attached.
    opened: list[QUrl] = []
    monkeypatch.setattr(attachments_panel, "open_externally", opened.append)
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert Path(opened[0].toLocalFile()).read_bytes() == scan.read_bytes()

    # Remove the photo.
    panel.list.setCurrentRow(1)
    wait_for_write(qtbot, panel, lambda: qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton))
    assert [a.file_name for a in list_attachments(post_db, "delivery", delivery["id"])] == ["signed.pdf"]
    assert panel.list.count() == 1 and panel.status.text() == "Removed plate.jpg"


def test_paste_a_picture_into_an_activity_and_refusals_are_shown(qtbot, post_db, worker, open_form, tmp_path, shown_errors):
    activity = add_sample(post_db)["activity"]
    form = open_form(post_db, "activities", activity["id"])
    panel = form.evidence.panel
    panel._worker = worker
    picture = QImage(640, 480, QImage.Format.Format_RGB32)
    picture.fill(QColor(20, 120, 200))
    QApplication.clipboard().setImage(picture)
    panel.list.setFocus()
    wait_for_write(qtbot, panel, lambda: qtbot.keyClick(panel.list, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier))
    [pasted] = list_attachments(post_db, "activity", activity["id"])
    assert pasted.media_type == "image/png" and pasted.file_name.startswith("pasted-")
    assert read_blob(post_db, pasted.sha256) is not None

    notes = tmp_path / "minutes.pdf"
    notes.write_text("not really a PDF")
    with qtbot.waitSignal(panel.failed, timeout=20_000):
        panel.add_paths([notes])
    assert "minutes.pdf: not a JPEG or PNG photo or a PDF scan" in " ".join(" ".join(e) for e in shown_errors)
    assert len(list_attachments(post_db, "activity", activity["id"])) == 1


def test_a_new_record_asks_to_be_saved_first(qtbot, post_db, open_form):
    form = open_form(post_db, "equipment_deliveries")
    panel = form.evidence.panel
    assert not panel.add_button.isEnabled() and panel.status.text() == "Save the delivery first, then attach files."


def test_attaching_many_photos_shows_progress_and_can_be_cancelled(qtbot, post_db, worker, open_form, tmp_path, shown_errors):
    delivery = add_sample(post_db)["delivery"]
    form = open_form(post_db, "equipment_deliveries", delivery["id"])
    panel = form.evidence.panel
    panel._worker = worker
    photos = []
    for n in range(12):
        photos.append(tmp_path / f"IMG_{n}.jpg")
        photos[-1].write_bytes(jpeg_bytes(4000, 3000, seed=n))
    panel.add_paths(photos)
    assert panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: panel.status.text().startswith("Making file 2 of 12 ready"), timeout=20_000)
    with qtbot.waitSignal(panel.failed, timeout=20_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "Attaching cancelled; nothing was attached" and not panel.cancel_button.isVisible()
    assert list_attachments(post_db, "delivery", delivery["id"]) == [] and shown_errors == []


def test_the_sync_page_names_the_archives_to_send(qtbot, main_window, tmp_path):
    from ccp_desktop.store.attachments import attach_files, read_files
    from tests.ui.test_sync_page import _export

    delivery = main_window.db.execute("SELECT id FROM equipment_deliveries WHERE deleted = 0 LIMIT 1").fetchone()[0]
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(pdf_bytes())
    attach_files(main_window.db, "delivery", delivery, read_files([scan]), signed_form=True)
    result = _export(qtbot, main_window, tmp_path / "outbox")
    [part] = result.parts
    assert part.exists() and f"Send its 1 attachment archive(s) with it ({part.name})" in main_window.sync_page.export_result.text()
