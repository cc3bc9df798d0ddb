"""SIGKILL at random moments during a CLI import at HQ, an export, a receipt import at the post, a backup
and a stream of record writes (see crash.py). After each kill: `check` passes, the journal agrees with
the records, an import is wholly applied or not at all, no file sits under a final name unless it is
whole, leftovers are gone after the next start, and a resend brings HQ to exactly the post's state.

The seed is printed (stderr) at the start; `CCP_CRASH_SEED=<seed>` replays a run."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.reliability.crash import Harness

SHORT_KILLS, LONG_KILLS = 20, 200


def _seed() -> int:
    return int(os.environ.get("CCP_CRASH_SEED") or random.SystemRandom().randrange(1, 10**9))


def _run(tmp_path: Path, kills: int, converge_every: int, *, activities: int, equipment: int) -> None:
    harness = Harness(tmp_path, _seed(), activities=activities, equipment=equipment)
    tally = harness.run(kills, converge_every)
    print(f"[crash] seed {tally.seed}: {tally.kills} kills survived ({tally.by_op}), {tally.completed} rounds "
          f"ran to the end, {tally.convergences} resends compared equal, {tally.seconds:.0f} s")
    assert tally.kills >= kills and tally.convergences >= 1
    assert set(tally.by_op) >= {"import", "export", "writes"}, tally.by_op


def test_kills_short(tmp_path: Path) -> None:
    _run(tmp_path, SHORT_KILLS, converge_every=10, activities=120, equipment=30)


@pytest.mark.long
def test_kills_long(tmp_path: Path) -> None:
    _run(tmp_path, LONG_KILLS, converge_every=3, activities=600, equipment=150)
