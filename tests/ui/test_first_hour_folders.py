"""Issue 10, item 16: packages go to a folder the officer can find, "Open folder" says when it cannot
open one, and saving a certificate says where it went."""
# ruff: noqa: F811 - fixtures imported from test_forms_support are test parameters here

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from ccp_desktop.ui.main_window import MainWindow
from tests.ui.test_certificate import make_delivery
from tests.ui.test_forms_support import open_form  # noqa: F401
from tests.ui.test_sync_page import _export


def shown_box(name: str) -> QMessageBox | None:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == name
             and w.isVisible()]
    return boxes[-1] if boxes else None


def test_packages_go_to_documents_by_default(qtbot: Any, main_window: MainWindow, tmp_path: Path) -> None:
    page = main_window.sync_page
    documents = Path.home() / "Documents"
    assert str(documents).startswith(str(tmp_path))  # the test's own home, never the real one
    assert page.folder.text() == str(documents / "CCP packages")
    result = _export(qtbot, main_window, Path(page.folder.text()))
    assert result.path.parent == documents / "CCP packages" and result.path.exists()
    assert str(documents / "CCP packages") in page.export_result.text()


def test_open_folder_says_when_it_cannot(qtbot: Any, main_window: MainWindow, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def cannot_open(url: Any) -> bool:  # no file manager, as on a bare or locked-down laptop
        opened.append(url.toLocalFile())
        return False

    monkeypatch.setattr("ccp_desktop.ui.folders.QDesktopServices.openUrl", cannot_open)
    result = _export(qtbot, main_window, tmp_path / "outbox")
    qtbot.mouseClick(main_window.sync_page.open_folder_button, Qt.MouseButton.LeftButton)
    assert opened == [str(result.path.parent)]
    qtbot.waitUntil(lambda: shown_box("folder-not-opened") is not None)
    box = shown_box("folder-not-opened")
    assert f"The folder {result.path.parent} could not be opened" in box.text()
    assert "file manager" in box.informativeText()
    box.close()

    main_window.sync_page.last_export_path = None
    main_window.sync_page.folder.setText(str(tmp_path / "nowhere"))
    qtbot.mouseClick(main_window.sync_page.open_folder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown_box("folder-not-opened") is not None)
    assert "does not exist" in shown_box("folder-not-opened").text()
    shown_box("folder-not-opened").close()


def test_saving_a_certificate_says_where_it_went(qtbot: Any, open_form: Any, post_db: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    delivery_id = make_delivery(post_db, items=1)
    suggested: list[str] = []

    def choose_file(_parent: Any, _title: str, offered: str, _filter: str) -> tuple[str, str]:
        suggested.append(offered)
        return str(tmp_path / "certs" / "ho-42.pdf"), "PDF (*.pdf)"

    (tmp_path / "certs").mkdir()
    monkeypatch.setattr("ccp_desktop.ui.forms.certificate.QFileDialog.getSaveFileName", choose_file)
    form = open_form(post_db, "equipment_deliveries", delivery_id)
    qtbot.mouseClick(form.certificate_button, Qt.MouseButton.LeftButton)
    assert Path(suggested[0]).parent == Path.home() / "Documents"
    qtbot.waitUntil(lambda: shown_box("file-saved") is not None)
    box = shown_box("file-saved")
    assert box.text() == f"Handover certificate saved in {tmp_path / 'certs'}"
    assert "ho-42.pdf" in box.informativeText()
    assert any(b.text() == "Open folder" for b in box.buttons())
    box.close()
