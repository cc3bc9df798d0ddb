from __future__ import annotations

from ccp_desktop.cli import run

run()
