"""A database with a damaged page: nothing is signed or counted from it, and the way back is the newest good
backup or a new database holding every row that can still be read. The damaged file is never changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ccp_desktop.cli import main
from ccp_desktop.errors import StoreError
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.health import (
    DamagedDatabaseError,
    newest_good_backup,
    quick_check,
    recover_database,
)
from ccp_desktop.store.maintenance import backup_database, check_database
from ccp_desktop.store.records import insert_record, iter_records
from ccp_desktop.sync.export import export_package
from tests.unit import factories as f


def damage_a_page_of(path: Path, table: str = "activities") -> None:
    """Overwrite one leaf page of a table with garbage, as a bad sector would."""
    import sqlite3

    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    pages = [row[0] for row in conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", [table])]
    conn.close()
    victim = next(p for p in pages if p != root)
    with open(path, "r+b") as handle:
        handle.seek((victim - 1) * page_size + 8)
        handle.write(b"\xde\xad\xbe\xef" * 64)


@pytest.fixture
def damaged(post_db_path: Path) -> Path:
    db = open_database(post_db_path)
    for n in range(400):
        insert_record(db, "activities", f.activity(title=f"Training {n} " + "x" * 200))
    backup_database(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    damage_a_page_of(post_db_path)
    return post_db_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_and_stats_refuse_a_damaged_database_and_say_where_backups_are(damaged, tmp_path, capsys):
    db = open_database(damaged)
    assert quick_check(db)
    with pytest.raises(DamagedDatabaseError, match="(?s)damaged .* the export was stopped.*backups"):
        export_package(db, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    db.close()
    assert main(["--db", str(damaged), "stats"]) == 1
    assert "damaged" in capsys.readouterr().err
    assert not check_database(open_database(damaged)).ok


def test_recover_copies_every_readable_row_and_leaves_the_damaged_file_alone(damaged, tmp_path, capsys):
    before = digest(damaged)
    target = tmp_path / "recovered.sqlite3"
    result = recover_database(damaged, target)
    assert digest(damaged) == before
    assert 0 < result.rows_read["activities"] < 400
    assert result.rows_read["activities"] + result.rows_lost["activities"] == 400
    recovered = open_database(target)
    assert check_database(recovered).ok
    assert len(list(iter_records(recovered, "activities"))) == result.rows_read["activities"]
    journal = recovered.execute("SELECT count(*) FROM change_journal").fetchone()[0]
    assert journal >= result.rows_read["activities"]  # the journal came across; nothing new was journaled
    insert_record(recovered, "partners", f.partner())  # a working database: triggers and all
    assert recovered.execute("SELECT count(*) FROM change_journal").fetchone()[0] == journal + 1
    good = newest_good_backup(damaged)
    assert good is not None and good.counts["activities"] == 400
    with pytest.raises(StoreError, match="exists already"):
        recover_database(damaged, target)


def test_recover_command_compares_with_the_newest_good_backup(damaged, tmp_path, capsys):
    out = tmp_path / "r.sqlite3"
    assert main(["--db", str(damaged), "recover", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "could not be read" in text and "newest good backup" in text and "restore" in text
    assert out.exists()
