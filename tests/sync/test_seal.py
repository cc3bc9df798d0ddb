"""Sealed packages (issue 15, deliverable 3): a post seals to HQ's public key, HQ opens transparently; a
package for another HQ, tampered or cut short is refused by name and changes nothing; keys rotate with an
overlap; IT can open a sealed file by hand with nothing but the identity line (what `age -d -i` does)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
import sqlite_utils

from ccp_desktop.errors import PackageError
from ccp_desktop.paths import outbox_dir_for, seal_keys_path_for
from ccp_desktop.store.connection import database_path
from ccp_desktop.store.records import update_record
from ccp_desktop.store.sync_state import list_exports
from ccp_desktop.sync import hq_keys, seal
from ccp_desktop.sync.batch import dry_run_batch
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.sealed_export import export_for_hq
from ccp_desktop.sync.status import pending_change_count
from ccp_desktop.sync.verify import verify_package
from tests.sync.conftest import add_sample, records_of, snapshot


def _db_path(db: sqlite_utils.Database) -> Path:
    path = database_path(db)
    assert path is not None
    return path


def _give_post_hq_key(post: sqlite_utils.Database, hq: sqlite_utils.Database, folder: Path) -> Path:
    key_file, _ = hq_keys.export_hq_key(hq, folder / "hq-key.txt")
    hq_keys.learn_hq_key_file(post, key_file)
    return key_file


def _identity_lines(keyring: Path) -> list[str]:
    """What `age -d -i FILE` reads: every line that is not blank or a # comment."""
    return [line.strip() for line in keyring.read_text().splitlines() if line.strip() and not line.startswith("#")]


def _sealed_export(post: sqlite_utils.Database, out: Path) -> Path:
    sent = export_for_hq(post, out)
    assert sent.sealed and sent.send_path.name.endswith(".xlsx.age")
    return sent.send_path


def test_a_sealed_file_is_a_standard_age_file_that_opens_with_the_identity_alone(tmp_path: Path) -> None:
    keyring = tmp_path / "keys"
    seal.write_keyring(keyring, [seal.new_seal_key()])
    key = seal.read_keyring(keyring)[0]
    plain = tmp_path / "report.xlsx"
    plain.write_bytes(os.urandom(200_000))  # more than one 64 KiB age chunk
    out = tmp_path / "out"
    out.mkdir()
    [sealed] = seal.seal_files([plain], [key.public_key], out)
    assert sealed == out / "report.xlsx.age"
    data = sealed.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n-> X25519 ")
    # IT's emergency path: the keyring file is an age identity file; its identity line alone decrypts.
    identities = [pyrage.x25519.Identity.from_str(line) for line in _identity_lines(keyring)]
    assert pyrage.decrypt(data, identities) == plain.read_bytes()
    if os.name == "posix":
        assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
        assert stat.S_IMODE(sealed.stat().st_mode) == 0o600


def test_hq_gets_its_key_at_setup_owner_only(hq: sqlite_utils.Database) -> None:
    path = seal_keys_path_for(_db_path(hq))
    keys = seal.read_keyring(path)
    assert len(keys) == 1 and keys[0].public_key.startswith("age1") and keys[0].retired_at is None
    assert hq_keys.hq_keys(hq) == keys  # shown, not made again
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sealed_round_trip_post_to_hq(post: sqlite_utils.Database, hq: sqlite_utils.Database, tmp_path: Path) -> None:
    add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    usb = tmp_path / "usb"
    sent = export_for_hq(post, usb)
    # only the sealed file travels; the post's readable copy stays in its outbox, and is what history shows
    assert [p.name for p in usb.iterdir()] == [sent.send_path.name]
    assert sent.own_copy.parent == outbox_dir_for(_db_path(post)) and sent.own_copy.name + ".age" == sent.send_path.name
    assert list_exports(post)[-1]["path"] == str(sent.own_copy)
    assert b"PK\x03\x04" not in sent.send_path.read_bytes()  # no zip (workbook) bytes in the clear
    assert verify_package(sent.send_path, hq).status == "verified"
    result = import_package(hq, sent.send_path)
    assert result.status == "applied", result.message
    assert records_of(hq, "FJ-SUVA") == records_of(post)
    assert not any((_db_path(hq).parent / "tmp").glob("*/*")), "the opened plain copy must not be left behind"
    assert import_package(hq, sent.send_path).status == "already-imported"


def test_a_package_sealed_for_another_hq_is_refused_and_changes_nothing(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, sites: Callable[..., sqlite_utils.Database],
        tmp_path: Path) -> None:
    add_sample(post)
    other_hq = sites("AU-OTHER", role="hq", officer="Other HQ")
    _give_post_hq_key(post, other_hq, tmp_path)
    sealed = _sealed_export(post, tmp_path / "usb")
    before = snapshot(hq)
    result = import_package(hq, sealed)
    assert result.status == "rejected"
    assert "sealed for another recipient" in result.message and sealed.name in result.message
    assert verify_package(sealed, hq).status == "rejected"
    assert snapshot(hq) == before


@pytest.mark.parametrize("damage", ["payload", "header-mac", "truncated", "last-byte"])
def test_tampered_or_truncated_ciphertext_is_refused_by_name(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, tmp_path: Path, damage: str) -> None:
    add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    sealed = _sealed_export(post, tmp_path / "usb")
    data = bytearray(sealed.read_bytes())
    body = data.index(b"\n---") + 60  # past the header's MAC line
    if damage == "payload":
        data[len(data) // 2 + body // 2] ^= 0x01
    elif damage == "header-mac":
        data[data.index(b"\n---") + 8] ^= 0x01
    elif damage == "truncated":
        del data[len(data) - (len(data) - body) // 2:]
    else:
        del data[-1:]
    sealed.write_bytes(bytes(data))
    before = snapshot(hq)
    result = import_package(hq, sealed)
    assert result.status == "rejected"
    assert sealed.name in result.message
    assert "altered or cut short" in result.message
    assert snapshot(hq) == before
    assert not any((_db_path(hq).parent / "tmp").glob("*/*"))


def test_a_post_cannot_open_a_sealed_package(post: sqlite_utils.Database, hq: sqlite_utils.Database, tmp_path: Path) -> None:
    add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    sealed = _sealed_export(post, tmp_path / "usb")
    result = verify_package(sealed)  # no database: no key
    assert result.status == "rejected" and "sealed for HQ" in result.message


def test_key_rotation_with_overlap_end_to_end(post: sqlite_utils.Database, hq: sqlite_utils.Database, tmp_path: Path) -> None:
    sample = add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    old_sealed = _sealed_export(post, tmp_path / "usb1")  # in transit while HQ rotates
    new, old = hq_keys.rotate_hq_key(hq, overlap_days=30)
    assert old.open_until and old.retired_at and new.fingerprint != old.fingerprint
    assert seal.current_key(hq_keys.hq_keys(hq)) == new
    # during the overlap, a package sealed to the old key still opens
    assert import_package(hq, old_sealed).status == "applied"
    # the post learns the new key and its next package is sealed to it (and only to it)
    key_file, _ = hq_keys.export_hq_key(hq, tmp_path / "new-key.txt")
    known, replaced = hq_keys.learn_hq_key_file(post, key_file)
    assert known.fingerprint == new.fingerprint and replaced == old.fingerprint
    update_record(post, "activities", sample["activity"]["id"], {"title": "Incident response course, second run"})
    new_sealed = _sealed_export(post, tmp_path / "usb2")
    data = new_sealed.read_bytes()
    assert pyrage.decrypt(data, [pyrage.x25519.Identity.from_str(new.identity)])
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(data, [pyrage.x25519.Identity.from_str(old.identity)])
    assert import_package(hq, new_sealed).status == "applied"
    assert records_of(hq, "FJ-SUVA") == records_of(post)


def test_after_the_overlap_the_retired_key_is_refused_by_name_and_date(
        post: sqlite_utils.Database, hq: sqlite_utils.Database, tmp_path: Path) -> None:
    add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    stale = _sealed_export(post, tmp_path / "usb")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)
    _, old = hq_keys.rotate_hq_key(hq, overlap_days=30, now=long_ago)  # the overlap ended 70 days ago
    before = snapshot(hq)
    result = import_package(hq, stale)
    assert result.status == "rejected"
    assert old.fingerprint in result.message and (old.retired_at or "")[:10] in result.message
    assert "hq-key --set" in result.message
    assert snapshot(hq) == before


def test_a_post_without_hqs_key_exports_plain_with_a_warning(post: sqlite_utils.Database, tmp_path: Path) -> None:
    add_sample(post)
    with pytest.raises(PackageError, match="hq-key --set"):
        export_for_hq(post, tmp_path / "out", seal_it=True)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    sent = export_for_hq(post, tmp_path / "out")
    assert not sent.sealed and sent.send_path.suffix == ".xlsx" and "NOT sealed" in (sent.warning or "")


def test_no_seal_writes_a_plain_package_with_a_warning(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                       tmp_path: Path) -> None:
    add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    sent = export_for_hq(post, tmp_path / "out", seal_it=False)
    assert [p.name for p in (tmp_path / "out").iterdir()] == [sent.export.path.name]
    assert "NOT sealed" in (sent.warning or "") and "not known" not in (sent.warning or "")
    assert import_package(hq, sent.send_path).status == "applied"


def test_a_failed_seal_records_no_export_and_leaves_nothing(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    pending = pending_change_count(post)

    def fail(source: str, target: str, recipients: object) -> None:
        Path(target).write_bytes(b"age-encryption.org/v1\n")  # the drive fills part-way through
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pyrage, "encrypt_file", fail)
    with pytest.raises(Exception, match="full"):
        export_for_hq(post, tmp_path / "usb")
    assert pending_change_count(post) == pending and list_exports(post) == []
    assert not list((tmp_path / "usb").iterdir()) and not list(outbox_dir_for(_db_path(post)).iterdir())


@pytest.mark.parametrize(("content", "expected"), [
    ("AGE-SECRET-KEY-1QQQQ\n", "PRIVATE key"),
    ("hello\n", "does not hold an age public key"),
    ("# only a comment\n", "holds no key"),
    (None, "two"),
])
def test_bad_key_files_are_refused_naming_the_file(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                   tmp_path: Path, content: str | None, expected: str) -> None:
    bad = tmp_path / "bad-key.txt"
    if content is None:  # two keys: which one would the post seal to?
        one = str(seal.new_seal_key().public_key)
        content, expected = f"{one}\n{one}\n", "2 lines"
    bad.write_text(content)
    before = hq_keys.known_hq_key(post)
    with pytest.raises(PackageError) as caught:
        hq_keys.learn_hq_key_file(post, bad)
    assert str(bad) in str(caught.value) and expected in str(caught.value)
    assert hq_keys.known_hq_key(post) == before
    with pytest.raises(PackageError, match="No key file"):
        hq_keys.learn_hq_key_file(post, tmp_path / "missing.txt")


def test_hq_import_many_finds_and_opens_sealed_packages(post: sqlite_utils.Database, hq: sqlite_utils.Database,
                                                        tmp_path: Path) -> None:
    add_sample(post)
    _give_post_hq_key(post, hq, tmp_path)
    _sealed_export(post, tmp_path / "inbox")
    [entry] = dry_run_batch(hq, [tmp_path / "inbox"])  # rehearsed on an in-memory copy of HQ's database
    assert entry.post_code == "FJ-SUVA" and entry.preview is not None
    assert entry.preview.status == "dry-run", entry.preview.message


def test_the_shipped_key_is_found_in_a_frozen_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    key = seal.new_seal_key().public_key
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / hq_keys.SHIPPED_KEY_FILE).write_text(seal.recipient_file_text(key))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert hq_keys.shipped_key() == key
