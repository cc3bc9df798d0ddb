"""The benchmark harness: each job in a fresh process (so its peak memory is its own), ours and the floor
interleaved (load from other processes falls on both alike), the median of RUNS, one row per task in a
table that `conftest.py` prints and writes to bench-results.md. A test asserts its own target on the
row it gets back: a missed target fails `make bench`.

Sizes scale with CCP_BENCH_SCALE (1.0 = the sizes the issue names; 0.05 for a quick try while working).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNS = max(3, int(os.environ.get("CCP_BENCH_RUNS", "3")))
SCALE = float(os.environ.get("CCP_BENCH_SCALE", "1.0"))


def scaled(n: int, least: int = 100) -> int:
    return max(least, int(n * SCALE))


def cached_folder(name: str, fallback: Path, build: Callable[[Path], str]) -> tuple[Path, str]:
    """A folder of generated data, made once: under CCP_BENCH_CACHE when set (else under `fallback`).
    `build(folder)` fills it and returns what to remember of it, written last to its "done" file, so a
    run stopped while building leaves a folder that is made again."""
    cache = os.environ.get("CCP_BENCH_CACHE")
    folder = (Path(cache) if cache else fallback) / name
    done = folder / "done"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        done.write_text(build(folder))
    return folder, done.read_text()


@dataclass
class Row:
    task: str
    ours: float  # median seconds (or the unit named in `unit`)
    floor: float
    target: float  # the largest ratio that passes
    peak_mb: float  # ours, the largest of the runs
    floor_peak_mb: float = 0.0
    runs: str = ""  # every run, for the variance
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.target


RESULTS: list[Row] = []


def record(row: Row) -> Row:
    RESULTS.append(row)
    print(f"\n[bench] {row.task}: ours {row.ours:.3f} {row.unit}, floor {row.floor:.3f} {row.unit}, "
          f"ratio {row.ratio:.2f} (target <= {row.target}; {'met' if row.met else 'MISSED'}) runs {row.runs}")
    return row


def peak_rss_mb() -> float:
    """This process's own peak resident memory. VmHWM restarts at exec; ru_maxrss would include the
    parent's peak at fork time, so it is only the fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bytes_written() -> int:
    """Bytes this process has caused to be written to storage so far (Linux /proc/self/io)."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _child(job: Callable[..., dict[str, Any]], args: tuple[Any, ...], queue: Any) -> None:
    try:
        out = job(*args)
        out["peak_mb"] = peak_rss_mb()
        queue.put(out)
    except BaseException as exc:  # the parent reports it
        queue.put({"error": repr(exc)})


def measure(job: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run `job(*args)` in a spawned process; it returns {"seconds": ...} and anything else to keep."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(job, args, queue))
    process.start()
    out = queue.get(timeout=3600)
    process.join()
    assert "error" not in out, out["error"]
    return dict(out)


def compare(task: str, target: float, ours: Callable[[int], dict[str, Any]], floor: Callable[[int], dict[str, Any]],
            *, note: str = "", key: str = "seconds", unit: str = "s") -> tuple[Row, list[dict[str, Any]]]:
    """RUNS interleaved runs of each (floor first); `ours(n)`/`floor(n)` run the n-th measurement."""
    mine, base = [], []
    for n in range(RUNS):
        base.append(floor(n))
        mine.append(ours(n))
    row = Row(task, statistics.median(r[key] for r in mine), statistics.median(r[key] for r in base), target,
              max(r.get("peak_mb", 0.0) for r in mine), max(r.get("peak_mb", 0.0) for r in base),
              runs=f"ours {', '.join(f'{r[key]:.2f}' for r in mine)}; floor {', '.join(f'{r[key]:.2f}' for r in base)}",
              note=note, unit=unit)
    return record(row), mine


def table() -> str:
    lines = ["| task | ours | floor | ratio | target | peak RSS ours / floor | met | runs |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in RESULTS:
        lines.append(
            f"| {row.task}{f' ({row.note})' if row.note else ''} | {row.ours:.3f} {row.unit} | {row.floor:.3f} {row.unit} "
            f"| {row.ratio:.2f} | <= {row.target} | {row.peak_mb:.0f} / {row.floor_peak_mb:.0f} MB "
            f"| {'yes' if row.met else '**NO**'} | {row.runs} |"
        )
    return "\n".join(lines)
