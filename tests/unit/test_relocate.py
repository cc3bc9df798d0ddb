"""Moving the data folder: a verified copy, the pointer switched last, nothing half-done on failure."""

from __future__ import annotations

import json
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccp_desktop import paths
from ccp_desktop.errors import CcpError
from ccp_desktop.paths import key_path_for
from ccp_desktop.store import relocate
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.maintenance import backup_database, stats
from ccp_desktop.sync.identity import initialise


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """A post database with records, a window layout file and one backup, in its own folder."""
    from ccp_desktop.demo import load_demo_data

    path = tmp_path / "old" / paths.DB_FILENAME
    initialise(path, post_code="FJ-SUVA", officer="Mere Tuilagi", role="field")
    db = open_database(path)
    load_demo_data(db, activities=40, equipment=15, seed=3)
    (path.parent / relocate.UI_SETTINGS_FILENAME).write_text("[window]\npage=sync\n")
    backup_database(db)
    yield db, path
    db.close()


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_move_copies_everything_and_points_the_app_at_it(source: tuple[Any, Path], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db, old = source
    target = tmp_path / "bigger-drive" / "ccp"
    new_db = relocate.move_data_folder(db, old, target)

    assert new_db == target.resolve() / paths.DB_FILENAME
    copy = open_database(new_db)
    try:
        assert stats(copy) == stats(db)
        assert stats(copy)["activities"] == 40
        assert require_installation(copy).key_fingerprint == require_installation(db).key_fingerprint
    finally:
        copy.close()
    new_key = key_path_for(new_db)
    assert new_key.read_bytes() == key_path_for(old).read_bytes()
    if sys.platform != "win32":
        assert stat.S_IMODE(new_key.stat().st_mode) == 0o600
    assert (target / relocate.UI_SETTINGS_FILENAME).read_text() == "[window]\npage=sync\n"
    assert len(list((target / "backups").glob("*.sqlite3"))) == 1
    # The pointer records the folder, and the app follows it when no override is set.
    assert json.loads(paths.pointer_path().read_text())["data_dir"] == str(target.resolve())
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    assert paths.default_db_path() == new_db
    # The original is left as it was, with a note saying where the data went.
    assert old.exists() and key_path_for(old).exists()
    assert str(target.resolve()) in relocate.moved_note_path(old).read_text()


def test_environment_override_comes_before_the_pointer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moved = tmp_path / "moved"
    moved.mkdir()
    paths.write_pointer(moved)
    assert paths.default_data_dir() == tmp_path / "userdata"  # CCP_DESKTOP_DATA_DIR, set by conftest
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    assert paths.default_data_dir() == moved.resolve()


@pytest.mark.parametrize("content", ["not json", '{"data_dir": 5}', '["x"]', '{"other": 1}'])
def test_a_damaged_or_stale_pointer_falls_back_to_the_default(content: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    paths.pointer_path().parent.mkdir(parents=True)
    paths.pointer_path().write_text(content)
    assert paths.default_data_dir() == paths.platform_data_dir()
    paths.write_pointer(tmp_path / "gone")  # a folder on a drive that is not plugged in
    assert paths.default_data_dir() == paths.platform_data_dir()


def test_pointer_is_replaced_whole_and_leaves_no_temp_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        paths.write_pointer(tmp_path / name)
    assert paths.read_pointer() == (tmp_path / "b").resolve()
    assert [p.name for p in paths.config_dir().iterdir()] == [paths.POINTER_FILENAME]


def _refused(db: Any, old: Path, target: Path, words: str) -> None:
    before_old = _tree(old.parent)
    before_target = _tree(target) if target.is_dir() else None
    with pytest.raises(CcpError, match=words):
        relocate.move_data_folder(db, old, target)
    assert not paths.pointer_path().exists()
    assert _tree(old.parent) == before_old
    assert (_tree(target) if target.is_dir() else None) == before_target


def test_refuses_a_folder_that_holds_a_database(source: tuple[Any, Path], tmp_path: Path) -> None:
    db, old = source
    other = tmp_path / "other" / "mine.sqlite3"
    initialise(other, post_code="FJ-SUVA", officer="Someone Else", role="field")
    _refused(db, old, other.parent, "already holds a CCP Field Desk database")


def test_refuses_a_folder_with_files_it_would_overwrite(source: tuple[Any, Path], tmp_path: Path) -> None:
    db, old = source
    target = tmp_path / "half"
    target.mkdir()
    (target / relocate.UI_SETTINGS_FILENAME).write_text("someone else's")
    _refused(db, old, target, "ui-settings.ini")


def test_refuses_a_folder_inside_the_current_one_or_the_same(source: tuple[Any, Path]) -> None:
    db, old = source
    _refused(db, old, old.parent / "sub", "inside the current data folder")
    _refused(db, old, old.parent, "already in")


def test_refuses_a_file(source: tuple[Any, Path], tmp_path: Path) -> None:
    db, old = source
    (tmp_path / "afile").write_text("x")
    with pytest.raises(CcpError, match="is a file"):
        relocate.move_data_folder(db, old, tmp_path / "afile")
    assert not paths.pointer_path().exists()


def test_refuses_a_folder_that_is_not_writable(source: tuple[Any, Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod cannot make a folder read-only for root (these tests may run as root), so the OS's refusal
    # is simulated at the point where the move first writes into the folder.
    db, old = source
    locked = tmp_path / "readonly"
    locked.mkdir()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(relocate.tempfile, "mkstemp", refuse)
    _refused(db, old, locked, "not writable")


def test_refuses_when_the_disk_is_too_small(source: tuple[Any, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    db, old = source
    monkeypatch.setattr(relocate.shutil, "disk_usage", lambda _p: shutil._ntuple_diskusage(10**9, 10**9, 1000))  # type: ignore[attr-defined]
    with pytest.raises(CcpError, match="MB free"):
        relocate.move_data_folder(db, old, tmp_path / "tiny")
    assert not (tmp_path / "tiny").exists()
    assert not paths.pointer_path().exists()


@pytest.mark.parametrize("step", ["copytree", "verify"])
def test_a_failure_mid_copy_leaves_no_pointer_and_no_partial_files(
    step: str, source: tuple[Any, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, old = source
    if step == "copytree":
        def fail(*args: Any, **kwargs: Any) -> None:
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(relocate.shutil, "copytree", fail)
    else:
        real_stats = relocate.stats  # the copy reports a different count: verification must catch it
        monkeypatch.setattr(relocate, "stats", lambda d: real_stats(d) if d is db else real_stats(d) | {"journal_seq": -1})
    before = _tree(old.parent)
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "holiday.jpg").write_bytes(b"\xff\xd8")
    for target in (tmp_path / "new", existing):
        with pytest.raises(CcpError, match="nothing was changed"):
            relocate.move_data_folder(db, old, target)
        assert not paths.pointer_path().exists()
        assert _tree(old.parent) == before
    assert not (tmp_path / "new").exists()  # the folder the move made is gone again
    assert sorted(p.name for p in existing.iterdir()) == ["holiday.jpg"]  # someone else's file is kept


def test_move_works_on_a_database_without_layout_or_backups(tmp_path: Path) -> None:
    path = tmp_path / "bare" / "custom-name.sqlite3"  # started with --db and any file name
    initialise(path, post_code="FJ-SUVA", officer="Mere Tuilagi", role="field")
    db = open_database(path)
    try:
        new_db = relocate.move_data_folder(db, path, tmp_path / "to")
    finally:
        db.close()
    assert new_db.name == paths.DB_FILENAME
    assert sorted(p.name for p in new_db.parent.iterdir()) == [paths.DB_FILENAME, key_path_for(new_db).name]
    assert paths.read_pointer() == new_db.parent


def test_move_takes_hqs_encryption_keys_and_a_posts_outbox(tmp_path: Path) -> None:
    """Sealed packages: HQ's keys must move with its data (or sealed packages stop opening), owner-only;
    a post's readable copies of the packages it sent sealed move too."""
    from ccp_desktop.paths import outbox_dir_for, seal_keys_path_for

    path = tmp_path / "hq" / paths.DB_FILENAME
    initialise(path, post_code="AU-CANBERRA", officer="Hana HQ", role="hq")
    outbox_dir_for(path).mkdir()
    (outbox_dir_for(path) / "CCP-FJ-SUVA-copy.xlsx").write_bytes(b"the post's own copy")
    db = open_database(path)
    try:
        new_db = relocate.move_data_folder(db, path, tmp_path / "elsewhere")
    finally:
        db.close()
    for name in (seal_keys_path_for(path).name, f"{outbox_dir_for(path).name}/CCP-FJ-SUVA-copy.xlsx"):
        assert (new_db.parent / name).read_bytes() == (path.parent / name).read_bytes(), name
    modes = {stat.S_IMODE(seal_keys_path_for(new_db).stat().st_mode)}
    assert modes == ({0o600} if sys.platform != "win32" else modes)
