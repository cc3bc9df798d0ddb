"""Scratch files that hold record contents stay in a private folder inside the data folder and are gone
after an export; what a killed run leaves behind (scratch folders, partial backups, partial packages)
is removed the next time the database is opened, while files of a process still at work are kept."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from ccp_desktop.store import files
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.verify import verify_package
from tests.reliability.helpers import all_files
from tests.unit import factories as f

DEAD_PID = 4_194_303  # above Linux's pid_max default range in use here; no such process


def test_export_scratch_files_are_private_and_removed(post_path: Path, tmp_path: Path, data_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert not files.pid_alive(DEAD_PID)
    system_temp = tmp_path / "system-temp"  # the system temp folder, as this process sees it
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    seen: list[tuple[str, int]] = []

    def progress(done: int, total: int) -> None:
        for folder in files.work_root().iterdir():
            seen.extend((str(p.relative_to(folder)), stat.S_IMODE(folder.stat().st_mode)) for p in folder.iterdir())

    result = export_package(open_database(post_path), tmp_path / "usb", progress=progress)
    assert verify_package(result.path).status == "verified"
    assert seen, "the sheets were streamed somewhere other than the private work folder"
    assert {mode for _, mode in seen} == {0o700}
    assert files.work_root() == data_dir / "tmp"
    assert all_files(data_dir / "tmp") == []
    assert all_files(system_temp) == []


def test_leftovers_of_a_dead_process_are_removed_on_the_next_open(post_path: Path, tmp_path: Path,
                                                                   data_dir: Path) -> None:
    usb = tmp_path / "usb"
    db = open_database(post_path)
    export_package(db, usb)  # the database now knows the folder packages go to
    db.close()
    scratch = data_dir / "tmp" / f"{DEAD_PID}-x1y2" / "sheet3.xml"
    scratch.parent.mkdir(parents=True)
    scratch.write_text("<worksheet>record contents</worksheet>")
    dead = [post_path.parent / "backups" / f".before.sqlite3.{DEAD_PID}.partial",
            usb / f".CCP-FJ-SUVA-20240101T000000Z-changes-1-9.xlsx.{DEAD_PID}.partial",
            usb / ".CCP-FJ-SUVA-20230101T000000Z-changes-1-9.xlsx.partial"]  # an old-style name, no owner
    live = [post_path.parent / "backups" / f".now.sqlite3.{os.getpid()}.partial",
            data_dir / "tmp" / f"{os.getpid()}-live" / "sheet1.xml"]
    for path in dead + live:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    open_database(post_path).close()
    assert not scratch.parent.exists()
    assert [p for p in dead if p.exists()] == []
    assert [p for p in live if not p.exists()] == []


def test_a_folder_used_before_many_other_exports_is_still_tidied(post_path: Path, tmp_path: Path) -> None:
    db = open_database(post_path)
    export_package(db, tmp_path / "usb")
    for n in range(25):  # many later packages, all to two other folders
        insert_record(db, "partners", f.partner(name=f"Partner {n}"))
        export_package(db, tmp_path / "elsewhere" / str(n % 2))
    db.close()
    leftover = tmp_path / "usb" / f".CCP-FJ-SUVA-20240101T000000Z-changes-1-9.xlsx.{DEAD_PID}.partial"
    leftover.write_bytes(b"half")
    open_database(post_path).close()
    assert not leftover.exists()
