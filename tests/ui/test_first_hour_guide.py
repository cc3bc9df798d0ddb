"""Issue 10, item 18: Help → Guide (F1) opens a short offline guide with pictures, shipped in resources/."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument

from ccp_desktop.ui.guide import GUIDE_PICTURES, guide_images, guide_path
from ccp_desktop.ui.main_window import MainWindow

FIRST_WEEK = ("Setting up", "Recording an activity", "handover certificates", "Sending a package to HQ",
              "Receipts", "Backups")


def test_f1_opens_the_guide_with_its_pictures(qtbot: Any, main_window: MainWindow) -> None:
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    qtbot.keyClick(main_window, Qt.Key.Key_F1)
    guide = main_window.guide
    assert guide is not None
    qtbot.waitExposed(guide)
    text = guide.browser.toPlainText()
    for topic in FIRST_WEEK:
        assert topic in text, topic
    document = guide.browser.document()
    for image in guide_images(guide_path().read_text(encoding="utf-8")):
        loaded = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(image))
        assert loaded is not None and not loaded.isNull(), image  # shown, not a broken-picture box
    assert not guide.isModal()  # read a step, then do it in the main window
    qtbot.keyClick(main_window, Qt.Key.Key_F1)
    assert main_window.guide is guide  # one guide window, brought forward


@pytest.mark.parametrize("name", sorted(GUIDE_PICTURES))
def test_the_guide_shows_every_picture_it_ships(name: str) -> None:
    html = guide_path().read_text(encoding="utf-8")
    assert f"images/{name}" in guide_images(html)
    picture = guide_path().parent / "images" / name
    assert picture.exists() and picture.stat().st_size < 300_000  # small enough to ship in every install
