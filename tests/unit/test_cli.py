"""The command line as HQ scripts it: exit codes, one-line reasons, numbers that add up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccp_desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "x.db"
    code, out, _ = run(capsys, "--db", path, "init", "--post", "FJ-SUVA", "--officer", "A N Officer")
    assert code == 0 and "FJ-SUVA" in out
    return path


def test_done_when_sequence(db, capsys):
    code, _, _ = run(capsys, "--db", db, "demo-data", "--activities", 2000, "--equipment", 500)
    assert code == 0
    code, out, _ = run(capsys, "--db", db, "stats", "--json")
    result = json.loads(out)
    assert code == 0
    assert result["activities"] == 2000 and result["equipment_deliveries"] == 500
    assert result["equipment_items"] >= 500 and result["partners"] > 0 and result["activity_partners"] >= 2000
    assert result["journal_seq"] == sum(v for k, v in result.items() if k != "journal_seq")
    code, out, _ = run(capsys, "--db", db, "check")
    assert code == 0 and out.startswith("ok")


def test_demo_data_is_deterministic_for_a_seed(tmp_path, capsys):
    rows = []
    for name in ("a.db", "b.db"):
        path = tmp_path / name
        run(capsys, "--db", path, "init", "--post", "TO-NUKUALOFA", "--officer", "S Fifita")
        run(capsys, "--db", path, "demo-data", "--activities", 30, "--equipment", 10, "--seed", 7)
        _, out, _ = run(capsys, "--db", path, "list", "equipment_items")
        rows.append([{k: v for k, v in json.loads(line).items() if k != "updated_at"} for line in out.splitlines()])
    assert rows[0] == rows[1] and len(rows[0]) >= 10


def test_demo_data_twice_with_same_seed_is_refused_cleanly(db, capsys):
    run(capsys, "--db", db, "demo-data", "--activities", 10, "--equipment", 3)
    code, _, err = run(capsys, "--db", db, "demo-data", "--activities", 10, "--equipment", 3)
    assert code == 1 and "nothing was written" in err and "Traceback" not in err
    _, out, _ = run(capsys, "--db", db, "stats", "--json")
    assert json.loads(out)["activities"] == 10


def test_invalid_record_is_refused_naming_field(db, capsys):
    code, _, err = run(capsys, "--db", db, "add", "activities", "title=Bad dates", "stream=CAP",
                       "activity_type=CAP-INFO", "country=FJ", "start_date=2020-05-02", "end_date=2020-05-01",
                       "status=planned")
    assert code == 1
    assert "end_date" in err and len(err.strip().splitlines()) == 1
    _, out, _ = run(capsys, "--db", db, "stats", "--json")
    assert json.loads(out)["activities"] == 0 and json.loads(out)["journal_seq"] == 0


def test_add_update_delete(db, capsys):
    code, out, _ = run(capsys, "--db", db, "add", "partners", "name=CyberCX", "category=industry", "country=AU")
    pid = out.strip()
    assert code == 0
    code, out, _ = run(capsys, "--db", db, "update", "partners", pid, "contact=Help desk")
    assert code == 0 and "rev 2" in out
    code, out, _ = run(capsys, "--db", db, "delete", "partners", pid)
    assert code == 0
    _, out, _ = run(capsys, "--db", db, "stats", "--json")
    assert json.loads(out)["partners"] == 0


def test_init_refuses_second_time_and_bad_post(db, tmp_path, capsys):
    code, _, err = run(capsys, "--db", db, "init", "--post", "FJ-SUVA", "--officer", "Someone")
    assert code == 1 and "already set up" in err
    code, _, err = run(capsys, "--db", tmp_path / "n.db", "init", "--post", "atlantis", "--officer", "X")
    assert code == 1 and "post" in err.lower()


def test_init_takes_the_posts_city(tmp_path, capsys):
    code, out, _ = run(capsys, "--db", tmp_path / "v.db", "init", "--post", "Port Vila", "--officer", "X")
    assert code == 0 and "for post VU-PORTVILA" in out


def test_key_file_is_private(db):
    key = db.with_name(db.name + ".signing-key")
    assert key.exists() and (key.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    "argv",
    [["frobnicate"], ["demo-data", "--activities", "lots"], ["demo-data", "--activities", "-5"], ["init"],
     ["add", "ghosts", "a=b"], ["add", "partners", "nonsense"]],
)
def test_usage_errors_exit_2(db, capsys, argv):
    code, _, err = run(capsys, "--db", db, *argv)
    assert code == 2 and "Traceback" not in err and err.strip()


def test_missing_database_is_explained(tmp_path, capsys):
    code, _, err = run(capsys, "--db", tmp_path / "none.db", "stats")
    assert code == 1 and "init" in err
    assert not (tmp_path / "none.db").exists()


def test_check_fails_on_damaged_database(db, capsys):
    data = bytearray(db.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = b"\xff" * 4096
    # Checkpoint first so that the main file holds the data, then damage it.
    db.write_bytes(bytes(data))
    for extra in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        extra.unlink(missing_ok=True)
    code, _, err = run(capsys, "--db", db, "check")
    assert code == 1 and err.strip()


def test_backup_command(db, tmp_path, capsys):
    out_file = tmp_path / "b.sqlite3"
    code, out, _ = run(capsys, "--db", db, "backup", "--out", out_file)
    assert code == 0 and out.strip() == str(out_file) and out_file.exists()


def test_three_entry_points_are_one_program(tmp_path):
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    outputs = set()
    for argv in ([sys.executable, "main.py", "--version"], [sys.executable, "-m", "ccp_desktop", "--version"]):
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout.strip())
    script = Path(sys.executable).with_name("ccp-desktop")
    if script.exists():
        result = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env, timeout=60)
        outputs.add(result.stdout.strip())
    from ccp_desktop import __version__

    assert outputs == {f"CCP Field Desk {__version__}"}


def test_cli_path_does_not_import_qt(tmp_path):
    code = (
        "import sys; from ccp_desktop.cli import main; "
        f"main(['--db', {str(tmp_path / 'q.db')!r}, 'init', '--post', 'FJ-SUVA', '--officer', 'Q']); "
        "main(['--db', " + repr(str(tmp_path / 'q.db')) + ", 'stats']); "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_backup_into_a_folder_writes_a_dated_copy(db, tmp_path, capsys):
    usb = tmp_path / "usb"
    usb.mkdir()
    code, out, _ = run(capsys, "--db", db, "backup", "--out", usb)
    written = Path(out.strip())
    assert code == 0 and written.parent == usb and written.name.startswith("x-backup-") and written.exists()
