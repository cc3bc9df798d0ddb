"""Where files go, said plainly: the default folder for packages, opening a folder (or saying why not),
and telling the officer where a file was saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDir, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

PACKAGES_FOLDER_NAME = "CCP packages"


def default_packages_folder() -> Path:
    """Documents/CCP packages: a folder the officer can find in the file manager to attach to an e-mail
    (the data folder, where packages used to go, is hidden on most systems)."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or QDir.homePath()
    return Path(documents) / PACKAGES_FOLDER_NAME


def _tell(parent: QWidget | None, name: str, title: str, text: str, detail: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(name)
    box.setAccessibleName(title)
    box.setInformativeText(detail)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the path can be copied
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def open_folder(parent: QWidget | None, folder: Path) -> bool:
    """Show `folder` in the file manager; if that cannot be done, say so and give the path to copy."""
    folder = Path(folder)
    if folder.is_dir() and QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    reason = "could not be opened on this computer" if folder.is_dir() else "does not exist"
    box = _tell(parent, "folder-not-opened", "Open folder", f"The folder {folder} {reason}.",
                "Open it yourself in the file manager: the path above can be selected and copied.")
    box.open()
    return False


def tell_saved(parent: QWidget | None, what: str, path: Path) -> QMessageBox:
    """After saving a file the officer chose to make: where it is, with a button to open its folder."""
    path = Path(path)
    box = _tell(parent, "file-saved", f"{what} saved", f"{what} saved in {path.parent}", f"File name: {path.name}")
    button = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
    button.clicked.connect(lambda: open_folder(parent, path.parent))
    box.open()
    return box
