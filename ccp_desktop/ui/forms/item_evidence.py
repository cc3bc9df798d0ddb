"""Evidence on one item line of a delivery (a photo of its serial plate, of the box it came in): the same
attachments panel as the delivery's, in a small window of its own, so that a form with many lines stays
compact. Files are saved as they are added; nothing waits for the delivery form's Save."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ccp_desktop.ui.forms.attachments_panel import AttachmentsPanel


def evidence_button_text(count: int) -> str:
    return f"Evidence ({count})…"


class ItemEvidenceDialog(QDialog):
    """The attachments of one saved item line, or, for a line not saved yet, why none can be added."""

    def __init__(self, db: sqlite_utils.Database, item_id: str | None, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Evidence: {caption}")
        layout = QVBoxLayout(self)
        about = QLabel("Photos or scans that prove this line: its serial plate, asset tag or the box it came in.")
        about.setWordWrap(True)
        layout.addWidget(about)
        self.panel = AttachmentsPanel(db, "item", self)
        layout.addWidget(self.panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.panel.set_record(item_id)
        if item_id is None:
            self.panel.status.setText("This item line is new: save the delivery first, then open the line's evidence "
                                      "again to attach files.")
        # Fits the smallest screens the program's laptops have (1024x600) with room for the taskbar.
        self.resize(620, 380)
