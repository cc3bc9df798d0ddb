"""Start to window shown (issue 14): the app against a bare QApplication + QMainWindow, from process start
to the window's first paint, each run a fresh process, the two interleaved, the median of the runs.

The app runs as a person starts it (`main.py`, or the frozen program, with no arguments: it opens the
default database, here in the data folder CCP_DESKTOP_DATA_DIR names) with CCP_QUIT_WHEN_SHOWN set: it prints "shown" at its main window's first paint and closes (ui/app.py). The floor is
build/startup_floor.py, which does the same with a bare window. From source this is the `make bench`
gate (tests/benchmarks/test_ui_bench.py); the frozen pair, both built by PyInstaller with the app's
options, takes minutes to build, so it is measured by hand:

    python -m tests.benchmarks.startup --frozen [--build] [--runs 7]

(`--build` freezes both into dist/startup-bench/ first; without it the builds there are reused.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FROZEN_DIR = ROOT / "dist" / "startup-bench"
APP_NAME, FLOOR_NAME = "ccp-field-desk", "startup-floor"
TARGET = 1.5


@dataclass
class StartTimes:
    """Wall-clock ms from process start to the first paint (the measure), and the CPU ms each process had
    used by then (steadier when other work shares the machine: it shows where a change went)."""

    app_ms: list[float]
    floor_ms: list[float]
    app_cpu_ms: list[float]
    floor_cpu_ms: list[float]

    @property
    def app(self) -> float:
        return statistics.median(self.app_ms)

    @property
    def floor(self) -> float:
        return statistics.median(self.floor_ms)

    @property
    def ratio(self) -> float:
        return self.app / self.floor

    @property
    def paired_ratio(self) -> float:
        """The median of each run's app / the floor run just before it: steadier than the ratio of the
        medians when the machine's speed changes during the runs (shown beside it, not the gate)."""
        return statistics.median(app / floor for app, floor in zip(self.app_ms, self.floor_ms, strict=True))

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.app_cpu_ms) / statistics.median(self.floor_cpu_ms)

    def runs(self) -> str:
        def listed(times: list[float]) -> str:
            return " ".join(f"{t:.0f}" for t in times)

        return (f"app {listed(self.app_ms)}; floor {listed(self.floor_ms)} ms; CPU median app "
                f"{statistics.median(self.app_cpu_ms):.0f}, floor {statistics.median(self.floor_cpu_ms):.0f} ms "
                f"({self.cpu_ratio:.2f}x); run by run {self.paired_ratio:.2f}x")


def start_ms(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Process start to the line "shown CPU-SECONDS" (the window's first paint): wall-clock and CPU ms.
    The process must then end by itself, with status 0."""
    started = time.perf_counter()
    child = subprocess.Popen(list(command), env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    shown = time.perf_counter() - started
    code = child.wait(timeout=60)
    word, _, cpu = line.partition(" ")
    assert word == "shown" and code == 0, (command, line, code)
    return shown * 1000, float(cpu) * 1000


def child_env(data_dir: Path) -> dict[str, str]:
    """Offscreen, the data folder (database and log) a scratch one, the app told to close when shown.
    Compiled bytecode is kept (in a scratch folder beside the data folder) as an installed or frozen app
    has it: with PYTHONDONTWRITEBYTECODE set, every start would compile the app's modules again."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CCP_QUIT_WHEN_SHOWN="1", CCP_DESKTOP_DATA_DIR=str(data_dir),
               PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(data_dir.parent / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(app: Sequence[str], floor: Sequence[str], env: dict[str, str], runs: int) -> StartTimes:
    start_ms(floor, env), start_ms(app, env)  # warm the file cache alike
    times = StartTimes([], [], [], [])
    for _ in range(runs):  # interleaved, so that load from other processes falls on both alike
        for wall, cpu, (wall_ms, cpu_ms) in ((times.floor_ms, times.floor_cpu_ms, start_ms(floor, env)),
                                             (times.app_ms, times.app_cpu_ms, start_ms(app, env))):
            wall.append(wall_ms)
            cpu.append(cpu_ms)
    return times


def from_source(data_dir: Path, runs: int) -> StartTimes:
    app = [sys.executable, str(ROOT / "main.py")]
    floor = [sys.executable, str(ROOT / "build" / "startup_floor.py")]
    return measure(app, floor, child_env(data_dir), runs)


def frozen(data_dir: Path, runs: int, folder: Path = FROZEN_DIR) -> StartTimes:
    app = [str(folder / APP_NAME / APP_NAME)]
    floor = [str(folder / FLOOR_NAME / FLOOR_NAME)]
    return measure(app, floor, child_env(data_dir), runs)


def build_frozen(folder: Path = FROZEN_DIR) -> None:
    """Freeze the app (build/ccp_desktop.spec, as `make package` does) and the floor (its own spec, the
    same options) into `folder`."""
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    for spec in ("ccp_desktop.spec", "startup_floor.spec"):
        subprocess.run([str(pyinstaller), "--noconfirm", "--clean", "--log-level", "WARN", "--distpath", str(folder),
                        "--workpath", str(folder / "work"), str(ROOT / "build" / spec)], check=True, cwd=ROOT)


def make_data_dir(folder: Path) -> Path:
    """A data folder whose default database is a post's with a few thousand records (the app opens on
    its dashboard)."""
    from ccp_desktop.demo import load_demo_data
    from ccp_desktop.paths import DB_FILENAME
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.sync.identity import initialise

    path = folder / "data" / DB_FILENAME
    path.parent.mkdir()
    initialise(path, post_code="FJ-SUVA", officer="Bench")
    db = open_database(path)
    load_demo_data(db, activities=2000, equipment=500, seed=5)
    db.close()
    return path.parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time the app's start to window shown against a bare window")
    parser.add_argument("--frozen", action="store_true", help="the frozen app and floor (dist/startup-bench/)")
    parser.add_argument("--build", action="store_true", help="freeze both first (minutes)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    if args.build:
        build_frozen()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = make_data_dir(Path(scratch))
        times = frozen(data_dir, args.runs) if args.frozen else from_source(data_dir, args.runs)
    kind = "frozen" if args.frozen else "from source"
    print(f"start to window shown ({kind}, offscreen, median of {args.runs}): app {times.app:.0f} ms, "
          f"bare window {times.floor:.0f} ms, ratio {times.ratio:.2f} (target <= {TARGET})")
    print(f"runs: {times.runs()}")
    return 0 if times.ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
