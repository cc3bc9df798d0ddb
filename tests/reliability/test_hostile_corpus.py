"""Every file of the hostile corpus (tests/reliability/hostile_corpus.py) is refused with an explanation
(or, where harmless, accepted), the database it was offered to is byte-for-byte unchanged after a
refusal, nothing but the project's own errors escapes, and each case takes under 5 s and 500 MB."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccp_desktop.errors import CcpError
from ccp_desktop.store.connection import open_database
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.verify import verify_package
from tests.reliability.helpers import all_files, digest
from tests.reliability.hostile_corpus import (
    ACCEPTED,
    NO_OP,
    REFUSED,
    WARNED,
    Case,
    World,
    build_corpus,
)

MAX_SECONDS = 5.0
MAX_MB = 500
CORPUS_SIZE = 81  # a guard: the corpus shrinking is a failure, not a quieter run


_MEASURED: list[tuple[str, float, float, str]] = []  # (case, seconds, MB, outcome), printed at the end (-s)


@pytest.fixture(scope="module")
def corpus(hostile_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, dict[str, Case]]]:
    yield hostile_world, {case.name: case for case in build_corpus(hostile_world, tmp_path_factory.mktemp("cases"))}
    if _MEASURED:
        slow, big = max(_MEASURED, key=lambda m: m[1]), max(_MEASURED, key=lambda m: m[2])
        outcomes = {o: sum(1 for m in _MEASURED if m[3] == o) for o in sorted({m[3] for m in _MEASURED})}
        print(f"\n[hostile] {len(_MEASURED)} cases {outcomes}; slowest {slow[1]:.2f} s ({slow[0]}), "
              f"most memory {big[2]:.0f} MB over the process's own ({big[0]})")


def _cases() -> list[str]:
    import ast

    source = Path(__file__).with_name("hostile_corpus.py").read_text()
    names = [node.args[0].value for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "add"
             and node.args and isinstance(node.args[0], ast.Constant)]
    return names


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"/proc/self/status has no {field}")


def _reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs restarts this process's peak RSS (VmHWM), so a case's own peak
    is measured."""
    Path("/proc/self/clear_refs").write_text("5")


def _explanation(result: Any) -> str:
    return " | ".join([result.message, *(p.describe() for p in result.errors), *result.warnings])


def test_the_corpus_is_complete() -> None:
    names = _cases()
    assert len(names) == len(set(names)) == CORPUS_SIZE and len(names) >= 60


@pytest.mark.parametrize("name", _cases())
def test_hostile_package(name: str, corpus: tuple[World, dict[str, Case]], tmp_path: Path) -> None:
    world, cases = corpus
    case = cases[name]
    source = {"hq": world.hq, "hq-after-first": world.hq_after_first, "post": world.post,
              "post-after-receipt": world.post_after_receipt}[case.at]
    folder = tmp_path / "site"
    shutil.copytree(source.parent, folder)
    db_path = folder / source.name
    before, backups = digest(db_path), all_files(folder / "backups")
    _reset_peak_rss()
    base_mb = _rss_mb("VmRSS")
    started = time.perf_counter()
    db = open_database(db_path)
    raised: CcpError | None = None
    try:
        result = import_package(db, case.path)
    except CcpError as exc:  # the project's own error is an acceptable refusal; anything else fails the test
        raised, result = exc, None
    finally:
        db.close()
    verified = verify_package(case.path)  # without a database: must not crash either
    took = time.perf_counter() - started
    peak = _rss_mb("VmHWM") - base_mb
    _MEASURED.append((name, took, peak, "raised" if raised is not None else result.status))
    assert took < MAX_SECONDS, f"{name} took {took:.1f} s"
    assert peak < MAX_MB, f"{name} took {peak:.0f} MB"
    assert verified.status in ("verified", "rejected") and verified.message
    if case.expect == REFUSED:
        text = str(raised) if raised is not None else _explanation(result)
        assert raised is not None or result.status == "rejected", f"{name} was {result.status}: {text}"
        assert len(text) > 20 and (case.needle.lower() in text.lower()), text
        assert digest(db_path) == before, f"{name} changed the database"
        assert all_files(folder / "backups") == backups  # not even a backup was written
    else:
        assert raised is None and result is not None, str(raised)
        assert result.status == {NO_OP: "already-imported", WARNED: "applied", ACCEPTED: "applied"}[case.expect], \
            _explanation(result)
        if case.expect == NO_OP:
            assert digest(db_path) == before
        if case.expect == WARNED:
            assert result.warnings, _explanation(result)
