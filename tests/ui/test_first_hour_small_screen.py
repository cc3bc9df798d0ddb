"""Issue 10, item 2: on a 1024x600 screen the window fits, whatever size was saved, and nothing a person
needs is beyond the edge. The app runs in a child process whose offscreen platform has exactly one
1024x600 screen (Qt's offscreen `configfile`), so Qt itself lays out and restores against that screen:
nothing about the screen is faked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCREEN = {"screens": [{"name": "netbook", "x": 0, "y": 0, "width": 1024, "height": 600,
                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}


@pytest.mark.parametrize("saved", [(1024, 600), (1280, 720), (1600, 1000)])
def test_window_restored_on_a_1024x600_screen_fits(tmp_path: Path, saved: tuple[int, int]) -> None:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(SCREEN))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "tests.ui.small_screen_probe", str(tmp_path), *map(str, saved)],
                          capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["screen"] == [1024, 600]  # the child really had the small screen
    assert found["window"][0] <= 1024 and found["window"][1] <= 600, found
    wanted = ["window on screen", "status bar", "open button", "delete button", "detail pane", "choose button",
              "export button", "activities form on screen", "equipment_deliveries form on screen",
              "activities save button", "equipment_deliveries save button"]
    assert {k: found[k] for k in wanted} == dict.fromkeys(wanted, True)
    assert not found["activities form scrolls sideways"] and not found["equipment_deliveries form scrolls sideways"]
