"""`hq-key` and sealed `export`/`import`/`verify` from the command line, as HQ's data officer and a post's
officer (or a script) use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccp_desktop.cli import main
from ccp_desktop.sync import hq_keys, seal


def run(capsys: Any, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hq_db(tmp_path: Path, capsys: Any) -> Path:
    hq = tmp_path / "hq.db"
    assert run(capsys, "--db", hq, "init", "--post", "AU-CANBERRA", "--officer", "Hana", "--role", "hq")[0] == 0
    return hq


def _post(tmp_path: Path, capsys: Any, *extra: object) -> tuple[int, str, str, Path]:
    post = tmp_path / "post.db"
    code, out, err = run(capsys, "--db", post, "init", "--post", "FJ-SUVA", "--officer", "Mere", *extra)
    return code, out, err, post


def test_hq_key_shows_exports_and_a_post_sets_it(hq_db: Path, tmp_path: Path, capsys: Any) -> None:
    code, out, _ = run(capsys, "--db", hq_db, "hq-key")
    keys = seal.read_keyring(hq_db.with_name(hq_db.name + ".encryption-keys"))
    assert code == 0 and keys[0].public_key in out and keys[0].fingerprint in out
    code, out, _ = run(capsys, "--db", hq_db, "hq-key", "--json")
    shown = json.loads(out)
    assert shown["role"] == "hq" and shown["fingerprint"] == keys[0].fingerprint
    key_file = tmp_path / "hq-key.txt"
    code, out, _ = run(capsys, "--db", hq_db, "hq-key", "--export", key_file)
    assert code == 0 and str(key_file) in out and keys[0].fingerprint in key_file.read_text()
    assert "AGE-SECRET-KEY" not in key_file.read_text()  # only the public half ever leaves HQ

    code, out, _, post = _post(tmp_path, capsys)
    assert code == 0 and "sealed" not in out  # no key shipped with a source checkout
    code, out, _ = run(capsys, "--db", post, "hq-key")
    assert code == 0 and "not known" in out
    code, out, _ = run(capsys, "--db", post, "hq-key", "--set", key_file)
    assert code == 0 and keys[0].fingerprint in out
    code, out, _ = run(capsys, "--db", post, "hq-key", "--json")
    assert json.loads(out)["public_key"] == keys[0].public_key
    # each end refuses the other's operations, plainly
    code, _, err = run(capsys, "--db", post, "hq-key", "--rotate")
    assert code == 1 and "at HQ" in err
    code, _, err = run(capsys, "--db", hq_db, "hq-key", "--set", key_file)
    assert code == 1 and "for posts" in err
    code, _, err = run(capsys, "--db", hq_db, "hq-key", "--set", key_file, "--rotate")
    assert code == 2


def test_bad_key_file_to_set_is_refused_naming_it(hq_db: Path, tmp_path: Path, capsys: Any) -> None:
    _, _, _, post = _post(tmp_path, capsys)
    private = tmp_path / "wrong-file.txt"
    private.write_text(seal.read_keyring(hq_db.with_name(hq_db.name + ".encryption-keys"))[0].identity + "\n")
    code, out, err = run(capsys, "--db", post, "hq-key", "--set", private)
    assert code == 1 and str(private) in err and "PRIVATE key" in err
    code, out, _ = run(capsys, "--db", post, "hq-key")
    assert "not known" in out


def test_export_seals_by_default_and_no_seal_warns(hq_db: Path, tmp_path: Path, capsys: Any) -> None:
    key_file = tmp_path / "hq-key.txt"
    run(capsys, "--db", hq_db, "hq-key", "--export", key_file)
    code, out, _, post = _post(tmp_path, capsys, "--hq-encryption-key", key_file)
    assert code == 0 and "Packages will be sealed" in out
    run(capsys, "--db", post, "demo-data", "--activities", 12, "--equipment", 3)
    usb = tmp_path / "usb"
    code, out, err = run(capsys, "--db", post, "export", "--out", usb)
    sealed = Path(out.strip().splitlines()[-1])
    assert code == 0 and sealed.name.endswith(".xlsx.age") and sealed.parent == usb and err == ""
    assert [p.name for p in usb.iterdir()] == [sealed.name]
    code, out, err = run(capsys, "verify", sealed)  # no database, so no key: refused, and says why
    assert code == 1 and "sealed for HQ" in err
    code, out, _ = run(capsys, "--db", hq_db, "verify", sealed)
    assert code == 0 and out.startswith("Verified: changes package from FJ-SUVA")
    code, out, _ = run(capsys, "--db", hq_db, "import", sealed, "--json")
    assert code == 0 and json.loads(out)["status"] == "applied"

    assert run(capsys, "--db", post, "add", "partners", "name=Tonga CERT", "category=partner_government", "country=TO")[0] == 0
    code, out, err = run(capsys, "--db", post, "export", "--no-seal", "--out", usb)
    plain = Path(out.strip().splitlines()[-1])
    assert code == 0 and plain.suffix == ".xlsx" and "NOT sealed" in err
    code, out, _ = run(capsys, "--db", hq_db, "import", usb, "--dry-run", "--json")  # a folder: sealed and plain
    found = {Path(p["file"]).name: p["dry_run"]["status"] for p in json.loads(out)["packages"]}
    assert code == 0 and found == {sealed.name: "already-imported", plain.name: "dry-run"}
    code, out, _ = run(capsys, "--db", hq_db, "import", usb, "--json")
    assert code == 0 and json.loads(out)["applied"] == 1


def test_rotation_from_the_command_line(hq_db: Path, tmp_path: Path, capsys: Any) -> None:
    old = seal.read_keyring(hq_db.with_name(hq_db.name + ".encryption-keys"))[0]
    code, out, _ = run(capsys, "--db", hq_db, "hq-key", "--rotate", "--overlap-days", 14)
    assert code == 0 and old.fingerprint in out and "14 days" in out
    code, out, _ = run(capsys, "--db", hq_db, "hq-key", "--json")
    shown = json.loads(out)
    assert shown["fingerprint"] != old.fingerprint and len(shown["keys"]) == 2
    assert shown["keys"][0]["retired_at"] and shown["keys"][0]["open_until"]
    code, _, err = run(capsys, "--db", hq_db, "hq-key", "--overlap-days", 3)
    assert code == 2 and "--rotate" in err


def test_init_offers_the_key_shipped_with_the_installer(tmp_path: Path, capsys: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = seal.new_seal_key().public_key
    shipped_file = tmp_path / "installer" / hq_keys.SHIPPED_KEY_FILE
    shipped_file.parent.mkdir()
    shipped_file.write_text(seal.recipient_file_text(shipped))
    monkeypatch.setattr(hq_keys, "shipped_key_path", lambda: shipped_file)  # as in a frozen build: test_seal.py
    code, out, _, post = _post(tmp_path, capsys)
    assert code == 0 and seal.key_fingerprint(shipped) in out and "shipped with the installer" in out
    code, out, _ = run(capsys, "--db", post, "hq-key", "--json")
    assert json.loads(out)["public_key"] == shipped
    # a damaged shipped file stops init before anything is made, naming the file
    shipped_file.write_text("garbage\n")
    code, _, err = run(capsys, "--db", tmp_path / "other.db", "init", "--post", "TO-NUKUALOFA", "--officer", "Sione")
    assert code == 1 and hq_keys.SHIPPED_KEY_FILE in err and not (tmp_path / "other.db").exists()
