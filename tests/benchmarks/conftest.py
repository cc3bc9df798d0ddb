"""Collect every benchmark's row into one table: printed at the end of `make bench` and written to
bench-results.md (or CCP_BENCH_RESULTS) with the machine and the scale it ran at."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path
from typing import Any

from tests.benchmarks import harness

ROOT = Path(__file__).resolve().parents[2]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not harness.RESULTS:
        return
    head = (f"Benchmarks {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
            f"({os.cpu_count()} CPUs, Python {platform.python_version()}); scale {harness.SCALE}, "
            f"median of {harness.RUNS} runs, each job in its own process.")
    text = f"{head}\n\n{harness.table()}\n"
    terminalreporter.write_sep("=", "benchmark results")
    terminalreporter.write_line(text)
    out = Path(os.environ.get("CCP_BENCH_RESULTS", ROOT / "bench-results.md"))
    out.write_text(text, encoding="utf-8")
    terminalreporter.write_line(f"written to {out}")
