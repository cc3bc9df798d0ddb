"""A plain start of the desktop app (no command, or `gui`, and maybe --db) skips building the parser of
every command (issue 14: start-up), yet reads its arguments exactly as the parser does; anything else
still goes through the parser, with its help and its errors."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ccp_desktop import cli

PLAIN = [[], ["gui"], ["--db", "/data/post.sqlite3"], ["--db", "post.sqlite3", "gui"], ["--db=/data/post.sqlite3"],
         ["--db=", "gui"], ["--db", "gui"]]


@pytest.mark.parametrize("argv", PLAIN)
def test_a_plain_start_is_read_as_the_parser_reads_it(argv: list[str]) -> None:
    fast = cli.plain_start(argv)
    full = cli.build_parser().parse_args(argv)
    assert fast is not None
    assert (fast.db, fast.self_test, fast.handler) == (full.db, full.self_test, getattr(full, "handler", cli.cmd_gui))
    assert fast.command == (full.command or "gui")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["--self-test"], ["stats"], ["--db"], ["--db", "--version"],
                                  ["gui", "--db", "x"], ["--db", "x", "stats", "--json"], ["gui", "gui"], ["--dbx"]])
def test_anything_else_goes_to_the_parser(argv: list[str]) -> None:
    assert cli.plain_start(argv) is None


def test_the_app_starts_without_building_the_parser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started: list[argparse.Namespace] = []

    def no_parser() -> argparse.ArgumentParser:
        raise AssertionError("the parser was built")

    monkeypatch.setenv("CCP_DESKTOP_DATA_DIR", str(tmp_path / "data"))  # the log goes there
    monkeypatch.setattr(cli, "build_parser", no_parser)
    monkeypatch.setattr(cli, "cmd_gui", lambda args: started.append(args) or 0)
    assert cli.main(["--db", str(tmp_path / "post.sqlite3")]) == 0
    assert [a.db for a in started] == [str(tmp_path / "post.sqlite3")]


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("    ") and line.split()}
    assert {"init", "gui", "export", "import", "stats", "backup", "add", "list"} <= listed
