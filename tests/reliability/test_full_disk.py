"""A drive that fills up (or refuses a file this large) during an export, a backup, a receipt, an import
or an ordinary save: a plain message naming the drive and the sizes, nothing half-written, the database
unchanged, and the next attempt works once there is room. The free space is checked up front where the
size is known (a package once built, a backup), so the officer is told before anything is written.

Real failures, not mocks, wherever the kernel can give them: a child process with RLIMIT_FSIZE (writes
past the limit fail with EFBIG) and writes into /dev/full (ENOSPC)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccp_desktop.errors import DiskFullError
from ccp_desktop.store import files
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.maintenance import backup_database, database_bytes, stats
from ccp_desktop.sync import status
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.receipts import write_receipt
from ccp_desktop.sync.verify import verify_package
from tests.reliability.helpers import all_files, closed_digest, digest, plain, run_cli


@pytest.fixture
def fault() -> Iterator[pytest.MonkeyPatch]:
    """The full drive's patches, undone mid-test by `fault.undo()`. Not pytest's own `monkeypatch`: undoing
    that would also undo the isolated data folder (tests/conftest.py), and the retry would then write into
    the real per-user folder, where another process's export can be seen."""
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def _to_dev_full(fault: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every partial file (the last step before a final name) is a link to /dev/full: writes fail ENOSPC."""
    assert Path("/dev/full").exists(), "this test needs /dev/full"
    real = files.partial_path

    def to_full(target: Path) -> Path:
        link = real(target)
        link.symlink_to("/dev/full")
        return link

    fault.setattr(files, "partial_path", to_full)


def test_export_says_up_front_that_the_package_will_not_fit(post_path: Path, tmp_path: Path,
                                                            fault: pytest.MonkeyPatch) -> None:
    post, outbox = open_database(post_path), tmp_path / "usb"
    fault.setattr(files, "free_bytes", lambda folder: 20 * 1024)
    with pytest.raises(DiskFullError) as caught:
        export_package(post, outbox)
    text = str(caught.value)
    assert f"The drive holding {outbox} is full: 20 KB free, the package needs" in text, text
    assert "nothing was written" in text
    assert all_files(outbox) == [] and all_files(files.work_root()) == []
    assert status.package_history(post) == []
    fault.undo()
    result = export_package(post, outbox)  # room again: it works
    assert verify_package(result.path).status == "verified"
    assert all_files(files.work_root()) == []


def test_export_onto_a_drive_that_fills_while_writing(post_path: Path, tmp_path: Path,
                                                      fault: pytest.MonkeyPatch) -> None:
    post, outbox = open_database(post_path), tmp_path / "usb"
    _to_dev_full(fault, tmp_path)
    with pytest.raises(DiskFullError) as caught:
        export_package(post, outbox)
    assert f"The drive holding {outbox} is full" in str(caught.value)
    assert "the package needs" in str(caught.value)
    assert all_files(outbox) == [] and not any(outbox.iterdir())  # not even the hidden partial
    assert all_files(files.work_root()) == []
    assert status.package_history(post) == []
    fault.undo()
    assert verify_package(export_package(post, outbox).path).status == "verified"


def test_export_cli_with_a_file_size_limit_says_so_plainly(post_path: Path, tmp_path: Path, data_dir: Path) -> None:
    outbox = tmp_path / "usb"
    before = digest(post_path)
    failed = run_cli(["--db", str(post_path), "export", "--out", str(outbox)], data_dir=data_dir,
                     fsize_limit=96 * 1024)
    assert failed.returncode == 1, failed.stderr
    plain(failed.stderr)
    assert "is full, or refused a file this large" in failed.stderr and "nothing was written" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert all_files(outbox) == [] and all_files(data_dir / "tmp") == []
    assert digest(post_path) == before
    done = run_cli(["--db", str(post_path), "export", "--out", str(outbox)], data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert verify_package(Path(done.stdout.strip().splitlines()[-1])).status == "verified"


def test_backup_checks_room_first_and_leaves_nothing_when_the_drive_fills(
        post_path: Path, tmp_path: Path, data_dir: Path, fault: pytest.MonkeyPatch) -> None:
    post, usb = open_database(post_path), tmp_path / "usb"
    usb.mkdir()
    fault.setattr(files, "free_bytes", lambda folder: 100 * 1024)
    needed = files.megabytes(database_bytes(post))
    with pytest.raises(DiskFullError, match=f"100 KB free, the backup needs {needed}"):
        backup_database(post, usb / "copy.sqlite3")
    assert all_files(usb) == []
    fault.undo()
    post.close()
    before = digest(post_path)
    failed = run_cli(["--db", str(post_path), "backup", "--out", str(usb)], data_dir=data_dir, fsize_limit=64 * 1024)
    assert failed.returncode == 1
    plain(failed.stderr)
    # SQLite reports the refused write as an I/O error; the drive has room, so the message says just that.
    assert f"Writing the backup to {usb} failed" in failed.stderr and "nothing was written" in failed.stderr
    assert all_files(usb) == []
    assert digest(post_path) == before
    done = run_cli(["--db", str(post_path), "backup", "--out", str(usb)], data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert len(all_files(usb)) == 1


def test_receipt_onto_a_full_drive(post_path: Path, hq_path: Path, tmp_path: Path,
                                   fault: pytest.MonkeyPatch) -> None:
    post, hq = open_database(post_path), open_database(hq_path)
    package = export_package(post, tmp_path / "to-hq").path
    assert import_package(hq, package).status == "applied"
    outbox = tmp_path / "usb"
    _to_dev_full(fault, tmp_path)
    with pytest.raises(DiskFullError, match="is full"):
        write_receipt(hq, "FJ-SUVA", outbox)
    assert all_files(outbox) == [] and all_files(files.work_root()) == []
    assert [e for e in status.package_history(hq) if e.get("kind") == "receipt"] == []
    fault.undo()
    receipt = write_receipt(hq, "FJ-SUVA", outbox).path
    assert import_package(post, receipt).status == "applied"


def test_import_when_the_backup_does_not_fit(post_path: Path, hq_path: Path, tmp_path: Path, data_dir: Path) -> None:
    package = export_package(open_database(post_path), tmp_path / "to-hq").path
    before = digest(hq_path)
    failed = run_cli(["--db", str(hq_path), "import", str(package)], data_dir=data_dir, fsize_limit=96 * 1024)
    assert failed.returncode == 1
    plain(failed.stderr)
    assert "the backup" in failed.stderr and "nothing was written" in failed.stderr, failed.stderr
    assert digest(hq_path) == before
    assert all_files(hq_path.parent / "backups") == []
    done = run_cli(["--db", str(hq_path), "import", str(package)], data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    hq = open_database(hq_path)
    assert stats(hq)["activities"] == stats(open_database(post_path))["activities"]


def test_a_save_that_the_drive_refuses_changes_nothing(post_path: Path, data_dir: Path) -> None:
    before_counts = stats(open_database(post_path))
    before = digest(post_path)
    failed = run_cli(["--db", str(post_path), "demo-data", "--activities", "400", "--equipment", "0", "--seed", "9"],
                     data_dir=data_dir, fsize_limit=64 * 1024)
    assert failed.returncode == 1
    plain(failed.stderr)
    assert "may be full" in failed.stderr and "nothing was saved" in failed.stderr, failed.stderr
    assert digest(post_path) == before
    done = run_cli(["--db", str(post_path), "demo-data", "--activities", "400", "--equipment", "0", "--seed", "9"],
                   data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    db = open_database(post_path)
    assert stats(db)["activities"] == before_counts["activities"] + 400
    closed_digest(db)
    assert os.path.exists(post_path)


def test_two_backups_in_the_same_second_both_succeed(post_path: Path) -> None:
    db = open_database(post_path)
    first, second = backup_database(db), backup_database(db)
    assert first != second and first.exists() and second.exists()
