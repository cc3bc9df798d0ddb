"""First run on an empty data folder: the wizard asks three things, then the database and key exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from ccp_desktop.paths import key_path_for
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.installation import get_installation
from ccp_desktop.ui.app import needs_setup
from ccp_desktop.ui.setup_wizard import SetupWizard


def _next(qtbot: Any, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def test_wizard_on_an_empty_data_folder_sets_up_the_post(qtbot: Any, tmp_path: Path) -> None:
    db_path = tmp_path / "empty" / "ccp.sqlite3"
    assert needs_setup(db_path)
    wizard = SetupWizard(db_path)
    qtbot.addWidget(wizard)
    wizard.show()
    next_button = wizard.button(QWizard.WizardButton.NextButton)

    assert not next_button.isEnabled()  # no post chosen yet
    qtbot.keyClicks(wizard.post_page.post.lineEdit(), "Atlantis")
    assert not next_button.isEnabled()
    assert "FJ-SUVA" in wizard.post_page.problem.text()  # says what a code looks like
    assert "city or country" in wizard.post_page.problem.text()
    wizard.post_page.post.lineEdit().clear()
    qtbot.keyClicks(wizard.post_page.post.lineEdit(), "fj-suva")
    assert next_button.isEnabled() and wizard.post_page.problem.text() == ""
    _next(qtbot, wizard)

    assert not next_button.isEnabled()  # a name is needed
    qtbot.keyClicks(wizard.officer_page.officer, "Mere Tuilagi")
    _next(qtbot, wizard)
    assert "FJ-SUVA" in wizard.confirm_page.summary.text()
    set_up = wizard.button(QWizard.WizardButton.CommitButton)
    assert set_up.text() == "Set up"
    qtbot.mouseClick(set_up, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.key_page

    db = open_database(db_path)
    install = get_installation(db)
    db.close()
    assert install is not None
    assert (install.post_code, install.officer, install.role) == ("FJ-SUVA", "Mere Tuilagi", "field")
    assert key_path_for(db_path).exists() and install.key_fingerprint

    # Issue 10, item 7: the last page shows what the README tells the officer to send HQ.
    panel = wizard.key_page.panel
    assert panel.fingerprint.text() == install.key_fingerprint
    assert panel.public_key.text() == install.public_key
    assert panel.command.text() == f"ccp-desktop trust --post FJ-SUVA --key={install.public_key}"
    assert panel.public_key.isReadOnly() and panel.public_key.isVisible()
    panel.public_key.selectAll()  # selectable: the officer can copy it by hand as well
    assert panel.public_key.selectedText() == install.public_key
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert install.public_key in copied and install.key_fingerprint in copied and "trust --post FJ-SUVA" in copied
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()  # set up: no going back
    with qtbot.waitSignal(wizard.accepted, timeout=5000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert not needs_setup(db_path)  # later runs open straight to the main window


def test_choosing_headquarters_from_the_list_sets_the_hq_role(qtbot: Any, tmp_path: Path) -> None:
    wizard = SetupWizard(tmp_path / "hq.sqlite3")
    qtbot.addWidget(wizard)
    combo = wizard.post_page.post
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemText(i).startswith("AU-CANBERRA")))
    assert wizard.post_page.post_code == "AU-CANBERRA"
    assert wizard.post_page.role == "hq"


def test_wizard_refuses_a_database_already_set_up(qtbot: Any, post_db_path: Path) -> None:
    wizard = SetupWizard(post_db_path)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.post_page.post.lineEdit(), "FJ-SUVA")
    _next(qtbot, wizard)
    qtbot.keyClicks(wizard.officer_page.officer, "Someone Else")
    _next(qtbot, wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    assert wizard.isVisible() and wizard.currentPage() is wizard.confirm_page
    assert "already set up" in wizard.confirm_page.problem.text()


def test_the_post_is_found_by_its_city_or_country(qtbot: Any, tmp_path: Path) -> None:
    """Issue 10, item 8: the post field refused "Port Vila", the city the officer knows."""
    wizard = SetupWizard(tmp_path / "vu.sqlite3")
    qtbot.addWidget(wizard)
    wizard.show()
    line = wizard.post_page.post.lineEdit()
    for typed in ("Port Vila", "port vila", "Vanuatu", "vu-portvila"):
        line.clear()
        qtbot.keyClicks(line, typed)
        assert wizard.post_page.post_code == "VU-PORTVILA", typed
        assert wizard.button(QWizard.WizardButton.NextButton).isEnabled(), typed
        assert wizard.post_page.chosen.text() == "This laptop will be post VU-PORTVILA (Port Vila).", typed
        assert wizard.post_page.problem.text() == ""
    combo = wizard.post_page.post
    combo.setCurrentIndex(combo.findText("VU-PORTVILA — Port Vila"))  # chosen from the list
    assert wizard.post_page.post_code == "VU-PORTVILA"
    line.clear()
    qtbot.keyClicks(line, "Canberra")
    assert wizard.post_page.post_code == "AU-CANBERRA" and wizard.post_page.role == "hq"


def test_settings_show_the_key_for_hq(qtbot: Any, post_db: Any, post_db_path: Path) -> None:
    """Issue 10, item 7: Settings show the fingerprint and the whole public key, selectable."""
    from ccp_desktop.sync.signing import fingerprint
    from ccp_desktop.ui.settings_dialog import SettingsDialog

    install = get_installation(post_db)
    dialog = SettingsDialog(post_db, post_db_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    panel = dialog.key_panel
    assert panel.public_key.text() == install.public_key and panel.public_key.isVisible()
    assert panel.fingerprint.text() == install.key_fingerprint == fingerprint(install.public_key)
    assert panel.command.text() == f"ccp-desktop trust --post FJ-SUVA --key={install.public_key}"
    assert all(f.isReadOnly() for f in (panel.fingerprint, panel.public_key, panel.command))


def test_hq_accepts_the_command_the_post_was_shown(post_db: Any, tmp_path: Path, capsys: Any) -> None:
    import shlex

    from ccp_desktop.cli import main
    from ccp_desktop.sync.identity import initialise
    from ccp_desktop.ui.key_panel import trust_command

    install = get_installation(post_db)
    hq = tmp_path / "hq.sqlite3"
    initialise(hq, post_code="AU-CANBERRA", officer="HQ Officer", role="hq")
    words = shlex.split(trust_command(install.post_code, install.public_key))
    assert words[0] == "ccp-desktop"
    assert main(["--db", str(hq), *words[1:]]) == 0
    assert install.key_fingerprint in capsys.readouterr().out
