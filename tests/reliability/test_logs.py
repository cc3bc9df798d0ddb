"""The log records operations (what, when, how long, counts, outcome, errors with tracebacks) without
record contents, rotates, and goes with the database check into a problem report that never holds the
database or the signing key."""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

import pytest

from ccp_desktop import logs
from ccp_desktop.cli import main
from ccp_desktop.paths import key_path_for

SECRET = "Zebra-Quokka-4417"  # a record value that must never reach the log or the report


@pytest.fixture(autouse=True)
def _close_log() -> object:
    yield
    logs.stop_logging()


def _log_text(data_dir: Path) -> str:
    for handler in logging.getLogger(logs.ROOT_LOGGER).handlers:
        handler.flush()
    return "\n".join(p.read_text(encoding="utf-8") for p in logs.log_files(data_dir))


def test_operations_are_logged_with_counts_and_outcome_but_no_values(post_path: Path, tmp_path: Path,
                                                                     data_dir: Path) -> None:
    db = ["--db", str(post_path)]
    assert main([*db, "add", "partners", f"name={SECRET}", "category=industry", "country=FJ"]) == 0
    assert main([*db, "add", "partners", f"name={SECRET}", "category=nonsense", "country=FJ"]) == 1
    assert main([*db, "export", "--out", str(tmp_path / "usb")]) == 0
    junk = tmp_path / "junk.xlsx"
    junk.write_text(SECRET)
    assert main([*db, "import", str(junk)]) == 1
    text = _log_text(data_dir)
    assert SECRET not in text
    lines = text.splitlines()
    assert any(" INFO " in line and "done add in " in line for line in lines), text
    assert any("refused add" in line and "ValidationError: 1 problem(s) in field(s) category" in line for line in lines), text
    export_done = next(line for line in lines if "done export in" in line)
    assert "rows=" in export_done and "file=CCP-FJ-SUVA-" in export_done and "kind=changes" in export_done
    assert any("rejected import" in line and "status=rejected" in line and "errors=1" in line for line in lines), text
    assert lines[0][:4].isdigit() and "Z " in lines[0]  # UTC timestamps


def test_an_unexpected_error_is_logged_with_its_traceback(post_path: Path, data_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from ccp_desktop.store import maintenance

    def broken(db: object) -> dict[str, int]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(maintenance, "stats", broken)
    assert main(["--db", str(post_path), "stats"]) == 1
    text = _log_text(data_dir)
    assert "ERROR" in text and "failed stats" in text and "Traceback" in text and "RuntimeError: a bug" in text


def test_the_log_rotates(data_dir: Path) -> None:
    logs.setup_logging(data_dir)
    for n in range(6_000):
        logs.log.info("operation %d finished: %s", n, "counts " * 150)  # about 1 KB a line
    kept = logs.log_files(data_dir)
    assert len(kept) == logs.BACKUP_COUNT + 1
    assert all(p.stat().st_size <= logs.MAX_BYTES + 200 for p in kept)


def test_a_log_at_its_size_limit_rolls_over_at_the_first_record_of_a_start(data_dir: Path) -> None:
    """A start's first record ("start gui") is written without loading the rotating handler (issue 14,
    start-up), after the same size check: a full log is rolled over first, and nothing is lost."""
    path = logs.log_path(data_dir)
    path.parent.mkdir(parents=True)
    line = "2026-12-01T00:00:00.000Z INFO an old line\n"
    old = line * ((logs.MAX_BYTES - 40) // len(line))
    old += "x" * (logs.MAX_BYTES - 41 - len(old)) + "\n"
    path.write_text(old, encoding="utf-8")
    assert path.stat().st_size == logs.MAX_BYTES - 40  # less room than a line
    logs.setup_logging(data_dir)
    logs.log.info("start gui")
    logs.log.info("done gui")
    assert path.with_name(path.name + ".1").read_text(encoding="utf-8") == old
    assert [text.split(": ", 1)[1] for text in _log_text_of(path).splitlines()] == ["start gui", "done gui"]


def test_a_start_appends_to_a_log_with_room(data_dir: Path) -> None:
    path = logs.log_path(data_dir)
    path.parent.mkdir(parents=True)
    path.write_text("2026-12-01T00:00:00.000Z INFO pid 1 ccp_desktop.operations: before\n", encoding="utf-8")
    logs.setup_logging(data_dir)
    logs.log.info("start gui")
    logs.log.warning("then this")
    assert [p.name for p in logs.log_files(data_dir)] == [path.name]
    lines = _log_text_of(path).splitlines()
    assert [text.split(": ", 1)[1] for text in lines] == ["before", "start gui", "then this"]
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(stamp + r" INFO pid \d+ ccp_desktop\.operations: start gui", lines[1]), lines[1]
    assert re.fullmatch(stamp + r" WARNING pid \d+ ccp_desktop\.operations: then this", lines[2]), lines[2]


def _log_text_of(path: Path) -> str:
    for handler in logging.getLogger(logs.ROOT_LOGGER).handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_problem_report_holds_the_log_and_the_check_never_the_database_or_key(post_path: Path, tmp_path: Path,
                                                                             data_dir: Path) -> None:
    assert main(["--db", str(post_path), "add", "partners", f"name={SECRET}", "category=industry", "country=FJ"]) == 0
    assert main(["--db", str(post_path), "problem-report", "--out", str(tmp_path)]) == 0
    (report,) = tmp_path.glob("ccp-problem-report-*.zip")
    key = key_path_for(post_path).read_bytes()
    with zipfile.ZipFile(report) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    assert names[:2] == ["about.txt", "check.txt"] and "logs/ccp-field-desk.log" in names
    assert not [n for n in names if n.endswith((".sqlite3", "-wal", "-shm", "key"))]
    check = contents["check.txt"].decode()
    assert "check: ok" in check and "rows in partners: " in check and "installation: post FJ-SUVA" in check
    for body in contents.values():
        assert SECRET.encode() not in body and key.strip() not in body
    assert b"done add" in contents["logs/ccp-field-desk.log"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_problem_report_on_a_damaged_database_says_what_is_wrong(post_path: Path, tmp_path: Path) -> None:
    raw = bytearray(post_path.read_bytes())
    raw[4096 * 3: 4096 * 3 + 4096] = b"\xde\xad" * 2048  # a page overwritten with garbage
    post_path.write_bytes(bytes(raw))
    assert main(["--db", str(post_path), "problem-report", "--out", str(tmp_path / "r.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "r.zip") as archive:
        check = archive.read("check.txt").decode()
    assert "PROBLEMS" in check or "cannot be read" in check, check
