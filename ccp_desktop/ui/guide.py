"""The offline guide (Help → Guide, F1): one short HTML page with pictures, shipped in resources/guide."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from ccp_desktop import APP_NAME
from ccp_desktop.paths import resource_path

# The guide's pictures, taken from the screenshots (`make screenshots` refreshes both): guide name -> shot.
GUIDE_PICTURES = {
    "setup.png": "setup-4-key.png",
    "activity.png": "form-activity.png",
    "delivery.png": "form-delivery.png",
    "sync.png": "main-sync.png",
}
PICTURE_WIDTH = 640  # pixels: sharp enough at the width the guide shows them, small to ship


def guide_path() -> Path:
    return resource_path("guide", "guide.html")


def guide_images(html: str) -> list[str]:
    """The image files the guide's HTML shows, relative to its folder."""
    return re.findall(r'<img src="([^"]+)"', html)


def write_guide_pictures(shots: Path, target: Path) -> list[Path]:
    """Scaled copies of the screenshots the guide shows."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, shot in GUIDE_PICTURES.items():
        image = QImage(str(shots / shot))
        if image.isNull():
            raise FileNotFoundError(f"screenshot {shots / shot} is missing")
        if image.width() > PICTURE_WIDTH:
            image = image.scaledToWidth(PICTURE_WIDTH, Qt.TransformationMode.SmoothTransformation)
        image.save(str(target / name))
        written.append(target / name)
    return written


class GuideWindow(QDialog):
    """Beside the main window, not modal: the officer reads a step and does it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide")
        self.setWindowTitle(f"{APP_NAME} guide")
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide-text")
        self.browser.setAccessibleName("Guide")
        self.browser.setOpenExternalLinks(False)  # nothing here goes to the network
        path = guide_path()
        self.browser.setSearchPaths([str(path.parent)])
        self.browser.setSource(QUrl.fromLocalFile(str(path)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        screen = self.screen()
        free = screen.availableGeometry() if screen is not None else None
        self.resize(min(720, free.width() - 40) if free else 720, min(760, free.height() - 60) if free else 560)
