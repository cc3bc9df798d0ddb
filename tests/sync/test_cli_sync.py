"""The sync commands as an HQ data officer or a script uses them: exit codes, JSON, the path printed last."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from ccp_desktop.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dbs(tmp_path, capsys):
    post, hq = tmp_path / "post.db", tmp_path / "hq.db"
    assert run(capsys, "--db", post, "init", "--post", "FJ-SUVA", "--officer", "Mere")[0] == 0
    assert run(capsys, "--db", hq, "init", "--post", "AU-HQ", "--officer", "Hana", "--role", "hq")[0] == 0
    assert run(capsys, "--db", post, "demo-data", "--activities", 30, "--equipment", 5)[0] == 0
    out = tmp_path / "out"
    out.mkdir()
    return post, hq, out


def test_export_verify_import_receipt(dbs, capsys):
    post, hq, out = dbs
    code, stdout, _ = run(capsys, "--db", post, "export", "--out", out)
    assert code == 0
    path = Path(stdout.strip().splitlines()[-1])
    assert path.exists() and path.parent == out
    code, stdout, _ = run(capsys, "--db", post, "export", "--out", out)
    assert code == 1  # nothing to send, nothing written
    assert len(list(out.glob("*.xlsx"))) == 1
    code, stdout, _ = run(capsys, "verify", path)
    assert code == 0 and stdout.startswith("Verified: changes package from FJ-SUVA")
    code, stdout, _ = run(capsys, "--db", hq, "import", path, "--dry-run", "--json")
    dry = json.loads(stdout)
    assert code == 0 and dry["status"] == "dry-run" and dry["counts"]["activities"]["inserted"] == 30
    code, stdout, _ = run(capsys, "--db", hq, "stats", "--json")
    assert json.loads(stdout)["activities"] == 0
    code, stdout, _ = run(capsys, "--db", hq, "import", path, "--json")
    applied = json.loads(stdout)
    assert code == 0 and applied["status"] == "applied" and applied["errors"] == []
    for counts in applied["counts"].values():
        assert counts["read"] == sum(v for k, v in counts.items() if k != "read")
    code, stdout, _ = run(capsys, "--db", hq, "import", path, "--json")
    assert json.loads(stdout)["status"] == "already-imported"
    code, stdout, _ = run(capsys, "--db", hq, "posts", "--json")
    overview = json.loads(stdout)[0]  # posts heard from first, then every other post of the reference list
    assert overview["post_code"] == "FJ-SUVA" and overview["missing"] == [] and overview["packages"] == 1
    code, stdout, _ = run(capsys, "--db", hq, "posts")
    assert stdout.startswith("FJ-SUVA (Suva): 1 package,") and "no gaps" in stdout
    code, stdout, _ = run(capsys, "--db", hq, "receipt", "--post", "FJ-SUVA", "--out", out)
    receipt = Path(stdout.strip().splitlines()[-1])
    assert code == 0 and receipt.exists()
    # The post has never seen HQ's key: the first receipt waits until a person compares the fingerprint.
    code, _, err = run(capsys, "--db", post, "import", receipt)
    assert code == 1 and "does not know HQ's key yet" in err
    hq_fingerprint = sqlite3.connect(hq).execute("SELECT key_fingerprint FROM installation").fetchone()[0]
    code, _, err = run(capsys, "--db", post, "import", receipt, "--accept-key", "0000 1111")
    assert code == 1 and "not trusted" in err
    code, stdout, _ = run(capsys, "--db", post, "import", receipt, "--accept-key", hq_fingerprint.lower().replace(" ", "-"))
    assert code == 0 and "HQ holds 1 packages" in stdout
    code, _, err = run(capsys, "--db", post, "export", "--since-receipt", "--out", out)
    assert code == 1 and "HQ has confirmed every change" in err


def test_rejected_import_exits_1_with_every_error_in_json(dbs, capsys, tmp_path):
    post, hq, out = dbs
    _, stdout, _ = run(capsys, "--db", post, "export", "--full", "--out", out)
    path = Path(stdout.strip().splitlines()[-1])
    book = openpyxl.load_workbook(path)
    sheet = book["activities"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("participants_male") + 1).value = -4
    sheet.cell(5, header.index("status") + 1).value = "finished"
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    code, stdout, _ = run(capsys, "--db", hq, "import", bad, "--json")
    result = json.loads(stdout)
    assert code == 1 and result["status"] == "rejected"
    cells = {(e["sheet"], e["row"], e["column"]) for e in result["errors"]}
    assert {("activities", 2, "participants_male"), ("activities", 5, "status"), ("activities", None, "hash")} <= cells
    assert all(set(e) >= {"sheet", "row", "column", "value", "message"} for e in result["errors"])
    code, _, err = run(capsys, "--db", hq, "import", bad)
    assert code == 1 and "row 5, column status" in err and "'finished' is not an allowed status" in err


def test_trust_conflicts_resolve(dbs, capsys, tmp_path):
    post, hq, out = dbs
    code, stdout, _ = run(capsys, "--db", post, "export", "--out", out)
    path = Path(stdout.strip().splitlines()[-1])
    manifest = {r[0]: r[1] for r in openpyxl.load_workbook(path)["Manifest"].iter_rows(min_row=2, values_only=True)}
    other = tmp_path / "other.db"
    run(capsys, "--db", other, "init", "--post", "FJ-SUVA", "--officer", "X")
    from ccp_desktop.store.connection import open_database

    wrong_key = open_database(other).execute("SELECT public_key FROM installation").fetchone()[0]
    assert run(capsys, "--db", hq, "trust", "--post", "FJ-SUVA", f"--key={wrong_key}")[0] == 0
    code, _, err = run(capsys, "--db", hq, "import", path)
    assert code == 1 and "not the one trusted for FJ-SUVA" in err
    code, stdout, _ = run(capsys, "--db", hq, "trust", "--post", "FJ-SUVA", f"--key={manifest['public_key']}")
    assert code == 0 and "Replaced the key trusted for FJ-SUVA" in stdout
    assert run(capsys, "--db", hq, "trust", "--post", "FJ-SUVA", "--key", "not-a-key")[0] == 1
    assert run(capsys, "--db", hq, "import", path)[0] == 0
    code, stdout, _ = run(capsys, "--db", hq, "list", "activities", "--limit", 1)
    rid = json.loads(stdout)["id"]
    run(capsys, "--db", hq, "update", "activities", rid, "title=HQ title")
    run(capsys, "--db", post, "update", "activities", rid, "title=Post title")
    _, stdout, _ = run(capsys, "--db", post, "export", "--out", out)
    code, stdout, _ = run(capsys, "--db", hq, "import", Path(stdout.strip().splitlines()[-1]))
    assert code == 0 and "1 in conflict" in stdout
    code, stdout, _ = run(capsys, "--db", hq, "conflicts", "--json")
    [conflict] = json.loads(stdout)
    assert conflict["hq_version"]["title"] == "HQ title" and conflict["post_version"]["title"] == "Post title"
    code, stdout, _ = run(capsys, "--db", hq, "conflicts")
    assert f"#{conflict['id']}" in stdout and "HQ 'HQ title' | post 'Post title'" in stdout
    code, stdout, _ = run(capsys, "--db", hq, "resolve", conflict["id"], "--keep", "post")
    assert code == 0 and "kept the post version" in stdout
    code, _, err = run(capsys, "--db", hq, "resolve", conflict["id"], "--keep", "hq")
    assert code == 1 and "settled already" in err
    assert run(capsys, "--db", hq, "resolve", 999, "--keep", "hq")[0] == 1


def test_export_creates_a_missing_out_folder_but_refuses_a_file(tmp_path, capsys):
    db = tmp_path / "p.db"
    assert main(["--db", str(db), "init", "--post", "FJ-SUVA", "--officer", "M"]) == 0
    assert main(["--db", str(db), "add", "partners", "name=CERT", "category=partner_government"]) == 0
    capsys.readouterr()
    target = tmp_path / "usb" / "outbox"
    assert main(["--db", str(db), "export", "--out", str(target)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert Path(printed).parent == target and Path(printed).exists()
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    assert main(["--db", str(db), "export", "--full", "--out", str(a_file)]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_verify_at_hq_compares_the_key_pinned_for_the_post(dbs, tmp_path, capsys):
    post, hq, out = dbs
    genuine = Path(run(capsys, "--db", post, "export", "--out", out)[1].strip().splitlines()[-1])
    code, stdout, _ = run(capsys, "--db", hq, "verify", genuine)
    assert code == 0 and "No key is trusted for FJ-SUVA yet" in stdout
    assert run(capsys, "--db", hq, "import", genuine)[0] == 0  # pins the post's key
    code, stdout, _ = run(capsys, "--db", hq, "verify", genuine)
    assert code == 0 and "signed by the key trusted for FJ-SUVA" in stdout

    impostor = tmp_path / "impostor.db"
    run(capsys, "--db", impostor, "init", "--post", "FJ-SUVA", "--officer", "Someone Else")
    run(capsys, "--db", impostor, "add", "partners", "name=Fake", "category=industry")
    forged = Path(run(capsys, "--db", impostor, "export", "--out", tmp_path / "forged")[1].strip().splitlines()[-1])
    assert run(capsys, "verify", forged)[0] == 0  # on its own, a well-formed, self-signed package
    code, _, stderr = run(capsys, "--db", hq, "verify", forged)
    assert code == 1 and "not the one trusted for FJ-SUVA" in stderr
    code, _, stderr = run(capsys, "--db", hq, "import", forged)
    assert code == 1 and "not the one trusted for FJ-SUVA" in stderr


def test_a_public_key_beginning_with_a_dash_is_registered_as_init_prints_it(dbs, capsys):
    """URL-safe base64 keys begin with "-" one time in 64; `--key=KEY` (as init prints it) still works."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ccp_desktop.sync.signing import public_key_text

    _post, hq, _out = dbs
    key = next(k for k in (public_key_text(Ed25519PrivateKey.generate()) for _ in range(5000)) if k.startswith("-"))
    code, stdout, _ = run(capsys, "--db", hq, "trust", "--post", "TO-NUKU", f"--key={key}")
    assert code == 0 and "Trusting key" in stdout
