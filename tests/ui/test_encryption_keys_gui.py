"""Sealed packages without the command line (issue 15, deliverable 3): in Settings, HQ sees its encryption
key, saves it for the posts and rotates it with an overlap; a post sees the key it seals to and loads a new
one from HQ's file, comparing the fingerprint before it is used."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ccp_desktop.paths import seal_keys_path_for
from ccp_desktop.store.connection import open_database
from ccp_desktop.sync import hq_keys, seal
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.sealed_export import seal_by_default
from ccp_desktop.ui.encryption_keys_panel import HqEncryptionKeysPanel, PostHqKeyPanel
from ccp_desktop.ui.main_window import MainWindow
from ccp_desktop.ui.settings_dialog import SettingsDialog


def _click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _audit(db: sqlite_utils.Database, action: str) -> list[dict[str, Any]]:
    rows = db.execute("SELECT changes FROM audit_log WHERE action = ? ORDER BY id", [action]).fetchall()
    return [json.loads(row[0]) for row in rows]


@pytest.fixture
def hq_path(tmp_path: Path) -> Path:
    path = tmp_path / "hq" / "hq.sqlite3"
    initialise(path, post_code="AU-CANBERRA", officer="Hana HQ", role="hq")
    return path


def _settings(qtbot: Any, db: sqlite_utils.Database, path: Path) -> SettingsDialog:
    dialog = SettingsDialog(db, path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.encryption_key.fingerprint.text() != "")
    return dialog


def test_hq_saves_its_key_for_posts_and_rotates_it_with_an_overlap(qtbot: Any, hq_path: Path, tmp_path: Path) -> None:
    db = open_database(hq_path)
    [first] = seal.read_keyring(seal_keys_path_for(hq_path))  # made at setup
    dialog = _settings(qtbot, db, hq_path)
    panel = dialog.encryption_key
    assert isinstance(panel, HqEncryptionKeysPanel) and panel.isVisible()
    assert panel.fingerprint.text() == first.fingerprint and panel.public_key.text() == first.public_key
    assert panel.retired.isHidden()  # nothing retired yet

    for_posts = tmp_path / "to-send" / "hq-key.txt"
    for_posts.parent.mkdir()
    panel.choose_file = lambda parent, title, start: str(for_posts)
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        _click(qtbot, panel.save_button)
    assert seal.read_recipient_file(for_posts) == first.public_key  # what `hq-key --set` reads at a post
    assert first.fingerprint in panel.status.text() and str(for_posts) in panel.status.text()
    assert _audit(db, "export-hq-encryption-key") == [{"fingerprint": first.fingerprint, "file": str(for_posts)}]

    cancelled = panel.ask_rotate()
    _click(qtbot, cancelled.cancel_button)  # nothing is made
    assert len(seal.read_keyring(seal_keys_path_for(hq_path))) == 1

    rotate = panel.ask_rotate()
    assert rotate.overlap.value() == 90  # the default overlap
    assert "Save key for posts" in rotate.explain.text() and first.fingerprint in rotate.explain.text()
    rotate.overlap.setValue(30)
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    assert until in rotate.explain.text()
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        _click(qtbot, rotate.rotate_button)
    old, new = seal.read_keyring(seal_keys_path_for(hq_path))
    assert old.public_key == first.public_key and old.retired_at is not None and new.retired_at is None
    assert (old.open_until or "")[:10] == until
    assert panel.fingerprint.text() == new.fingerprint and panel.public_key.text() == new.public_key
    assert not panel.retired.isHidden()
    assert panel.retired.text() == f"Retired {old.retired_at[:10]}: {old.fingerprint}, opens packages until {until}"
    assert new.fingerprint in panel.status.text() and until in panel.status.text()
    [entry] = _audit(db, "rotate-hq-encryption-key")
    assert entry["new"] == new.fingerprint and entry["retired"] == old.fingerprint
    dialog.close()
    db.close()


def _confirm_box(panel: PostHqKeyPanel) -> QMessageBox:
    box = panel.confirm_box
    assert box is not None and box.isVisible()
    return box


def test_a_post_loads_hqs_key_from_a_file_after_comparing_the_fingerprint(
        qtbot: Any, main_window: MainWindow, hq_path: Path, tmp_path: Path) -> None:
    hq = open_database(hq_path)
    key_file, hq_key = hq_keys.export_hq_key(hq, tmp_path / "hq-key.txt")
    bad = tmp_path / "letter.txt"
    bad.write_text("Dear post, the key is attached.\n")
    main_window.show_page("sync")
    seal_box = main_window.sync_page.seal_box
    qtbot.waitUntil(lambda: main_window.sync_page._seal_known is not None)
    assert not seal_box.isEnabled()

    main_window.open_settings()
    dialog = main_window.findChild(SettingsDialog)
    assert dialog is not None
    panel = dialog.encryption_key
    assert isinstance(panel, PostHqKeyPanel)
    qtbot.waitUntil(lambda: panel.fingerprint.text() == "none yet")
    assert "unsealed" in panel.detail.text()

    answers = [str(bad), str(key_file), str(key_file)]
    panel.choose_file = lambda parent, title, start: answers.pop(0)
    with qtbot.waitSignal(panel.failed):
        _click(qtbot, panel.load_button)  # not a key file: named, nothing asked, nothing changed
    assert str(bad) in panel.status.text() and panel.confirm_box is None

    _click(qtbot, panel.load_button)
    box = _confirm_box(panel)
    assert hq_key.fingerprint in box.text() and "Compare" in box.informativeText()
    _click(qtbot, box.button(QMessageBox.StandardButton.Cancel))  # the groups did not match: nothing changes
    assert hq_keys.known_hq_key(main_window.db) is None and panel.fingerprint.text() == "none yet"

    _click(qtbot, panel.load_button)
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        _click(qtbot, _confirm_box(panel).button(QMessageBox.StandardButton.Yes))
    known = hq_keys.known_hq_key(main_window.db)
    assert known is not None and known.public_key == hq_key.public_key and known.how == "from hq-key.txt"
    assert panel.fingerprint.text() == hq_key.fingerprint and "learnt" in panel.detail.text()
    assert seal_by_default(main_window.db)

    dialog.reject()  # closed with Cancel: the key was loaded all the same, and the Sync page now seals
    qtbot.waitUntil(lambda: seal_box.isEnabled() and seal_box.isChecked())
    hq.close()


def test_a_post_is_told_when_it_already_holds_the_key_and_sees_what_a_new_one_replaces(
        qtbot: Any, post_db: Any, post_db_path: Path, hq_path: Path, tmp_path: Path) -> None:
    hq = open_database(hq_path)
    key_file, first = hq_keys.export_hq_key(hq, tmp_path / "first.txt")
    hq_keys.learn_hq_key_file(post_db, key_file)
    hq_keys.rotate_hq_key(hq, 90)
    new_file, new = hq_keys.export_hq_key(hq, tmp_path / "second.txt")
    dialog = _settings(qtbot, post_db, post_db_path)
    panel = dialog.encryption_key
    assert panel.fingerprint.text() == first.fingerprint and "first.txt" in panel.detail.text()
    answers = [str(key_file), str(new_file)]
    panel.choose_file = lambda parent, title, start: answers.pop(0)
    _click(qtbot, panel.load_button)
    assert "already sealed to this key" in panel.status.text() and panel.confirm_box is None
    _click(qtbot, panel.load_button)
    box = _confirm_box(panel)
    assert new.fingerprint in box.text() and first.fingerprint in box.informativeText()
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        _click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    assert first.fingerprint in panel.status.text() and new.fingerprint in panel.status.text()
    [entry] = [e for e in _audit(post_db, "set-hq-encryption-key") if e["replaced"]]
    assert entry == {"fingerprint": new.fingerprint, "how": "from second.txt", "replaced": first.fingerprint}
    assert "settings" in dialog.changes.counts
    dialog.close()
    hq.close()


def test_a_key_file_that_cannot_be_written_is_said_plainly_and_nothing_is_recorded(
        qtbot: Any, hq_path: Path, tmp_path: Path, shown_errors: list[tuple[str, str]]) -> None:
    db = open_database(hq_path)
    dialog = _settings(qtbot, db, hq_path)
    panel = dialog.encryption_key
    missing = tmp_path / "no such folder" / "hq-key.txt"
    panel.choose_file = lambda parent, title, start: str(missing)
    with qtbot.waitSignal(panel.failed, timeout=10_000):
        _click(qtbot, panel.save_button)
    assert shown_errors and str(missing) in shown_errors[-1][0] and str(missing) in panel.status.text()
    assert not missing.exists() and _audit(db, "export-hq-encryption-key") == []
    assert panel.save_button.isEnabled()  # the officer can choose another place
    dialog.close()
    db.close()
