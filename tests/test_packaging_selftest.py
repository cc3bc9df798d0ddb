"""`--self-test`: one line, exit 0 only when every step held, nothing left behind."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccp_desktop import selftest
from ccp_desktop.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_a_failed_step_is_named_in_one_line_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def broken(t: selftest.SelfTest) -> None:
        seen.append(t.folder)
        raise selftest.SelfTestFailure("HQ holds 3 activities, the post sent 4")

    monkeypatch.setattr(selftest, "STEPS", (("set up post and HQ databases", selftest.step_set_up), ("compare counts", broken)))
    before = os.environ["CCP_DESKTOP_DATA_DIR"]
    out = io.StringIO()

    assert selftest.run_self_test(out=out) == 1
    assert out.getvalue() == "self-test FAILED at compare counts: HQ holds 3 activities, the post sent 4\n"
    assert os.environ["CCP_DESKTOP_DATA_DIR"] == before  # the officer's data folder setting is restored
    assert seen and not seen[0].exists()  # the temporary post and HQ databases are gone


def test_an_unexpected_error_is_described_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(t: selftest.SelfTest) -> None:
        raise OSError(28, "No space left on device", str(t.folder / "post.sqlite3"))

    monkeypatch.setattr(selftest, "STEPS", (("set up post and HQ databases", broken),))
    out = io.StringIO()
    assert selftest.run_self_test(out=out) == 1
    line = out.getvalue()
    assert line.startswith("self-test FAILED at set up post and HQ databases: No space left on device: ")
    assert "Traceback" not in line and line.count("\n") == 1


def test_the_flag_runs_the_self_test_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(selftest, "run_self_test", lambda: calls.append(True) or 0)
    assert main(["--self-test"]) == 0
    assert calls == [True]


def test_self_test_from_source_passes_end_to_end(tmp_path: Path) -> None:
    """The real run, in its own process as IT staff would start it (it sets Qt to offscreen itself)."""
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--self-test"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("self-test ok: CCP Field Desk ")
    assert not (tmp_path / "userdata").exists()  # the data folder it was given was never touched
