"""No sqlite-utils plugin runs on the app's databases: loading them scans every installed package's entry
points (time and memory in every process that opens a database) and would let code installed beside the
app act on its connections. Every connection the app makes says execute_plugins=False."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_opening_checking_and_reporting_on_a_database_loads_no_plugins(post_db_path: Path, tmp_path: Path) -> None:
    probe = (
        "import sqlite_utils.plugins as plugins\n"
        "scans = []\n"
        "plugins.pm.load_setuptools_entrypoints = lambda *args, **kwargs: scans.append(args) or 0\n"
        "from ccp_desktop.cli import main\n"
        f"path = {str(post_db_path)!r}\n"
        "assert main(['--db', path, 'stats']) == 0\n"
        "assert main(['--db', path, 'check']) == 0\n"
        f"assert main(['--db', path, 'problem-report', '--out', {str(tmp_path)!r}]) == 0\n"
        "print('scans', len(scans))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, CCP_DESKTOP_DATA_DIR=str(tmp_path / "data")))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "scans 0"
