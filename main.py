"""Thin launcher: `python main.py` is the same program as `ccp-desktop` and `python -m ccp_desktop`."""

from __future__ import annotations

from ccp_desktop.cli import run

if __name__ == "__main__":
    run()
