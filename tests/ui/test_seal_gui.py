"""Sealed packages in the desktop app: the setup wizard's optional HQ encryption key (shipped with the
installer, or a file HQ sent, with the fingerprint to compare) and the Sync page's "Seal for HQ"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QRadioButton, QWidget, QWizard

from ccp_desktop.store.connection import open_database
from ccp_desktop.sync import hq_keys, seal
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package
from ccp_desktop.ui.main_window import MainWindow
from ccp_desktop.ui.setup_wizard import SetupWizard


def _click_radio(qtbot: Any, radio: QRadioButton) -> None:
    """On the indicator: a radio button stretched by its layout takes clicks on its indicator and text only."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(6, radio.height() // 2))


def _to_confirm_page(qtbot: Any, wizard: SetupWizard, post: str) -> None:
    wizard.show()
    qtbot.keyClicks(wizard.post_page.post.lineEdit(), post)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(wizard.officer_page.officer, "Mere Tuilagi")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.confirm_page


def _set_up(qtbot: Any, wizard: SetupWizard) -> hq_keys.KnownHqKey | None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.key_page, wizard.confirm_page.problem.text()
    db = open_database(wizard.db_path)
    try:
        return hq_keys.known_hq_key(db)
    finally:
        db.close()


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An installer for the program's HQ: HQ's public key in resources/ of the frozen build."""
    key = seal.new_seal_key().public_key
    shipped_file = tmp_path / "installer" / hq_keys.SHIPPED_KEY_FILE
    shipped_file.parent.mkdir()
    shipped_file.write_text(seal.recipient_file_text(key))
    monkeypatch.setattr(hq_keys, "shipped_key_path", lambda: shipped_file)
    return key


def test_setup_offers_the_shipped_key_with_its_fingerprint(qtbot: Any, tmp_path: Path, shipped: str) -> None:
    wizard = SetupWizard(tmp_path / "post" / "ccp.sqlite3")
    qtbot.addWidget(wizard)
    _to_confirm_page(qtbot, wizard, "FJ-SUVA")
    choice = wizard.confirm_page.hq_key
    assert wizard.confirm_page.hq_key_box.isVisible() and choice.use_shipped.isVisible()
    assert choice.use_shipped.isChecked()  # the installer's key is the default
    assert seal.key_fingerprint(shipped) in choice.status.text() and "Compare" in choice.status.text()
    known = _set_up(qtbot, wizard)
    assert known is not None and known.public_key == shipped and known.how == "shipped with the installer"


def test_setup_takes_a_key_file_and_refuses_a_bad_one_by_name(qtbot: Any, tmp_path: Path) -> None:
    good = tmp_path / "hq-key.txt"
    key = seal.new_seal_key().public_key
    good.write_text(seal.recipient_file_text(key))
    bad = tmp_path / "not-a-key.txt"
    bad.write_text("Dear post, please find the key attached.\n")
    answers = [str(bad), str(good)]

    def choose(parent: QWidget, title: str, start: str) -> str:
        return answers.pop(0)

    wizard = SetupWizard(tmp_path / "post" / "ccp.sqlite3", choose_key_file=choose)
    qtbot.addWidget(wizard)
    _to_confirm_page(qtbot, wizard, "TO-NUKUALOFA")
    choice = wizard.confirm_page.hq_key
    set_up = wizard.button(QWizard.WizardButton.CommitButton)
    assert not choice.use_shipped.isVisible() and choice.use_none.isChecked()  # nothing shipped in a checkout
    assert set_up.isEnabled()  # optional: a post may set up without it
    _click_radio(qtbot, choice.use_file)
    assert str(bad) in choice.status.text() and not set_up.isEnabled()
    _click_radio(qtbot, choice.use_file)
    assert seal.key_fingerprint(key) in choice.status.text() and set_up.isEnabled()
    known = _set_up(qtbot, wizard)
    assert known is not None and known.public_key == key and known.how == "from hq-key.txt"


def test_setup_without_a_key_and_at_hq(qtbot: Any, tmp_path: Path, shipped: str) -> None:
    wizard = SetupWizard(tmp_path / "post" / "ccp.sqlite3")
    qtbot.addWidget(wizard)
    _to_confirm_page(qtbot, wizard, "WS-APIA")
    _click_radio(qtbot, wizard.confirm_page.hq_key.use_none)
    assert _set_up(qtbot, wizard) is None  # "not now" is honoured even with a key shipped
    hq = SetupWizard(tmp_path / "hq" / "ccp.sqlite3")
    qtbot.addWidget(hq)
    _to_confirm_page(qtbot, hq, "AU-CANBERRA")
    assert not hq.confirm_page.hq_key_box.isVisible()  # HQ makes its own key
    qtbot.mouseClick(hq.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    assert seal.read_keyring(hq.db_path.with_name(hq.db_path.name + ".encryption-keys"))


def _export(qtbot: Any, window: MainWindow, folder: Path) -> Any:
    page = window.sync_page
    page.folder.setText(str(folder))
    with qtbot.waitSignal(page.export_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_sync_page_seals_for_hq_by_default_once_the_key_is_known(qtbot: Any, demo_db_path: Path,
                                                                   tmp_path: Path) -> None:
    hq_path = tmp_path / "hq" / "hq.sqlite3"
    initialise(hq_path, post_code="AU-CANBERRA", officer="HQ Data Officer", role="hq")
    hq = open_database(hq_path)
    db = open_database(demo_db_path)
    key_file, _ = hq_keys.export_hq_key(hq, tmp_path / "hq-key.txt")
    hq_keys.learn_hq_key_file(db, key_file)
    db.close()
    window = MainWindow(demo_db_path)
    qtbot.addWidget(window)
    window.show()
    window.show_page("sync")
    page = window.sync_page
    qtbot.waitUntil(lambda: page.seal_box.isEnabled())
    assert page.seal_box.isChecked() and page.seal_box.isVisible()
    usb = tmp_path / "usb"
    result = _export(qtbot, window, usb)
    sealed = usb / (result.path.name + ".age")
    assert [p.name for p in usb.iterdir()] == [sealed.name] and seal.is_sealed(sealed)
    assert result.path.exists() and result.path.parent.name == "outbox"  # the post's readable copy
    assert "Sealed for HQ" in page.export_result.text() and sealed.name in page.export_result.text()
    assert import_package(hq, sealed).status == "applied"

    # The officer unticks it: a plain package, and the page says so.
    db = open_database(demo_db_path)
    from ccp_desktop.store.records import insert_record
    from tests.unit import factories as f

    insert_record(db, "partners", f.partner(name="Samoa CERT", country="WS"))
    db.close()
    page.seal_box.setChecked(False)
    plain = _export(qtbot, window, tmp_path / "plain")
    assert plain.path.parent == tmp_path / "plain" and not seal.is_sealed(plain.path)
    assert "NOT sealed" in page.export_result.text()
    hq.close()
    window.close()


def test_sync_page_cannot_seal_without_hqs_key(qtbot: Any, main_window: MainWindow, tmp_path: Path) -> None:
    page = main_window.sync_page
    main_window.show_page("sync")
    qtbot.waitUntil(lambda: page.history.rowCount() >= 0 and page._seal_known is not None)
    assert not page.seal_box.isEnabled() and not page.seal_box.isChecked()
    assert "hq-key --set" in page.seal_box.toolTip()
    result = _export(qtbot, main_window, tmp_path / "out")
    assert result.path.parent == tmp_path / "out" and "NOT sealed" in page.export_result.text()
