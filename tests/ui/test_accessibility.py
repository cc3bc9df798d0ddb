"""Every input a person can reach has a name a screen reader can say (the shell's screens)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from ccp_desktop.ui.main_window import MainWindow
from ccp_desktop.ui.restore_dialog import RestoreDialog
from ccp_desktop.ui.settings_dialog import SettingsDialog
from ccp_desktop.ui.setup_wizard import SetupWizard

INPUTS = (QLineEdit, QComboBox, QAbstractItemView, QTextEdit, QPlainTextEdit, QAbstractButton)


def _unnamed(root: QWidget) -> list[str]:
    labelled = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy() is not None}
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INPUTS) or isinstance(widget.parent(), QComboBox | QAbstractItemView):
            continue  # a combo's own line edit and view, a view's viewport: named by their owner
        if widget.parent() is not None and isinstance(widget.parent().parent(), QAbstractItemView):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QComboBox):
            continue
        name = widget.accessibleName() or (widget.text() if isinstance(widget, QAbstractButton) else "")
        if not name and id(widget) not in labelled and widget.isVisibleTo(root):
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_main_window_pages_name_their_inputs(qtbot: Any, main_window: MainWindow) -> None:
    for name in ("dashboard", "activities", "equipment", "partners", "sync"):
        main_window.show_page(name)
        assert _unnamed(main_window.pages[name]) == [], name


def test_wizard_and_settings_name_their_inputs(qtbot: Any, tmp_path: Path, main_window: MainWindow) -> None:
    wizard = SetupWizard(tmp_path / "new.sqlite3")
    qtbot.addWidget(wizard)
    wizard.show()
    for page in (wizard.post_page, wizard.officer_page, wizard.backup_page, wizard.restored_page):
        assert _unnamed(page) == []
    dialog = SettingsDialog(main_window.db, main_window.db_path, main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert _unnamed(dialog) == []
    dialog.open_restore()
    restore = dialog.findChild(RestoreDialog)
    assert restore is not None and _unnamed(restore) == []
