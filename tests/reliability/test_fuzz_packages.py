"""Fuzzing the importer with mutated valid packages: cell values, XML bytes and zip entries changed at
random. Whatever arrives, the importer answers with a result or the project's own error (never another
exception), and a package it does not apply writes nothing: no row, no backup.

The short run is part of `make test`; `make test-long` runs a few thousand examples. Hypothesis prints
the failing example and a `@reproduce_failure` line to replay it."""

from __future__ import annotations

import random
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccp_desktop.errors import CcpError
from ccp_desktop.store.connection import open_database
from ccp_desktop.sync.importer import import_package
from tests.reliability.helpers import all_files, digest
from tests.reliability.hostile_corpus import World

SHORT_EXAMPLES, LONG_EXAMPLES = 40, 3000
_VALUE = re.compile(rb"<(t|v)>([^<]*)</\1>")

cell_text = st.one_of(st.text(max_size=40), st.integers(-10**12, 10**12).map(str),
                      st.floats(allow_nan=True, allow_infinity=True).map(repr),
                      st.sampled_from(["", "=1+1", "2021-02-30", "1e308", "-0", "TRUE", "#REF!", "\x00", "00123"]))

mutation = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 10**6), st.integers(0, 10**6), cell_text),
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 400)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 10**6), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("entry"), st.integers(0, 10**6), st.sampled_from(["drop", "duplicate", "rename", "swap", "store"]),
              st.integers(0, 10**6)),
)


def mutate(source: bytes, mutations: list[tuple[Any, ...]]) -> bytes:
    """Apply each mutation to the zip's entries, then rebuild the zip."""
    import io

    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        entries = [[info.filename, archive.read(info)] for info in archive.infolist()]
    compression = zipfile.ZIP_DEFLATED
    for op, a, b, c in mutations:
        target = entries[a % len(entries)] if entries else None
        if op == "cell" and target is not None:
            values = [m for e in entries for m in _VALUE.finditer(e[1]) if e[0].startswith("xl/worksheets/")]
            if values:
                match = values[b % len(values)]
                holder = next(e for e in entries if match.string is e[1])
                start, end = match.span(2)
                holder[1] = holder[1][:start] + escape(c).encode("utf-8", "replace") + holder[1][end:]
        elif op in ("flip", "cut", "insert") and target is not None and target[1]:
            data, at = bytearray(target[1]), b % len(target[1])
            if op == "flip":
                data[at] ^= c
            elif op == "cut":
                del data[at:at + c]
            else:
                data[at:at] = c
            target[1] = bytes(data)
        elif op == "entry" and entries:
            index = a % len(entries)
            if b == "drop":
                entries.pop(index)
            elif b == "duplicate":
                entries.append(list(entries[index]))
            elif b == "rename":
                entries[index][0] = entries[index][0] + f".{c % 10}"
            elif b == "swap":
                other = c % len(entries)
                entries[index][1], entries[other][1] = entries[other][1], entries[index][1]
            else:
                compression = zipfile.ZIP_STORED
    out = io.BytesIO()
    import warnings

    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", compression) as archive:
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return out.getvalue()


class _Target:
    """HQ, opened once; each example's package is offered to it."""

    def __init__(self, world: World, root: Path) -> None:
        shutil.copytree(world.hq.parent, root / "hq")
        self.path = root / "hq" / world.hq.name
        self.db = open_database(self.path)
        self.inbox = root / "inbox"
        self.inbox.mkdir()
        self.sources = [world.p1.read_bytes(), world.p2.read_bytes(), world.other_package.read_bytes()]
        self.applied = self.refused = 0

    def offer(self, data: bytes) -> None:
        package = self.inbox / "fuzzed.xlsx"
        package.write_bytes(data)
        changes, backups = self.db.conn.total_changes, all_files(self.path.parent / "backups")
        try:
            status = import_package(self.db, package).status
        except CcpError:
            status = "refused"
        if status in ("applied", "already-imported"):
            self.applied += 1
            return
        self.refused += 1
        assert self.db.conn.total_changes == changes, f"a {status} package wrote to the database"
        assert all_files(self.path.parent / "backups") == backups, f"a {status} package left a backup"


def _run(world: World, root: Path, examples: int, *, derandomize: bool) -> _Target:
    target = _Target(world, root)

    @settings(max_examples=examples, deadline=None, database=None, print_blob=True, derandomize=derandomize,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(source=st.integers(0, 2), mutations=st.lists(mutation, min_size=1, max_size=3))
    def check(source: int, mutations: list[tuple[Any, ...]]) -> None:
        target.offer(mutate(target.sources[source], mutations))

    check()
    before = digest_after_close(target)
    assert before  # the database file is still a readable whole
    return target


def digest_after_close(target: _Target) -> str:
    target.db.close()
    return digest(target.path)


def test_fuzzed_packages_short(hostile_world: World, tmp_path: Path) -> None:
    target = _run(hostile_world, tmp_path, SHORT_EXAMPLES, derandomize=True)  # the same examples in every run
    print(f"[fuzz] {SHORT_EXAMPLES} examples: {target.refused} refused, {target.applied} applied or no-op")
    assert target.refused + target.applied == SHORT_EXAMPLES and target.refused >= SHORT_EXAMPLES // 5


@pytest.mark.long
def test_fuzzed_packages_long(hostile_world: World, tmp_path: Path) -> None:
    target = _run(hostile_world, tmp_path, LONG_EXAMPLES, derandomize=False)
    print(f"[fuzz] {LONG_EXAMPLES} examples: {target.refused} refused, {target.applied} applied or no-op")
    assert target.refused + target.applied == LONG_EXAMPLES and target.refused >= LONG_EXAMPLES // 5


def test_mutations_change_the_package(hostile_world: World) -> None:
    """The fuzzer is not a no-op: each kind of mutation yields different bytes that still unzip."""
    source = hostile_world.p1.read_bytes()
    rng = random.Random(5)
    for op in (("cell", 3, 7, "x"), ("flip", 2, rng.randrange(10**6), 7), ("entry", 4, "drop", 0)):
        changed = mutate(source, [op])
        assert changed != mutate(source, [])
