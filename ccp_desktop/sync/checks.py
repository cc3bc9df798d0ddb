"""Validating every row of a package through the domain rules, with references resolved against both the
package's own rows and (at HQ) the database."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import list_from_stored
from ccp_desktop.domain.reference import ReferenceData, load_reference
from ccp_desktop.domain.validation import column_problems, has_record_rules, record_problems
from ccp_desktop.errors import Problem
from ccp_desktop.store import sync_state
from ccp_desktop.store.records import StoreLookup
from ccp_desktop.sync.package import RECEIPT_KIND, Package, SheetRows, field_decoder, record_decoder


class PackageLookup:
    """References as they will be after the package is applied: the package's rows win over the
    database's for the records they carry (a tombstone in the package hides the stored record)."""

    def __init__(self, package: Package, db: sqlite_utils.Database | None) -> None:
        self.db, self.package = db, package
        self.store = StoreLookup(db) if db is not None else None
        self.deleted_at_hq: set[tuple[str, str]] = set()  # used by the package, deleted by HQ meanwhile
        self.live: dict[str, set[str]] = {}
        self.dead: dict[str, set[str]] = {}
        self.serials: dict[str, str] = {}
        self.items_in_package: set[str] = set()
        self.post = package.manifest.get("post_code")
        self.collisions: dict[tuple[str, str], str] = {}  # (serial, other post's item) -> that post
        self._fetched: set[str] = set()  # the package's live serials (NOCASE keys), their index rows in _held
        self._held: dict[str, list[tuple[str, str]]] = {}
        for sheet in package.sheets.values():
            self.add_sheet(sheet)

    def add_sheet(self, sheet: SheetRows) -> None:
        """Learn a sheet's ids and serials (and give the package its id set). A sheet refers only to sheets
        before it, so an import that reads and applies sheet by sheet adds each before validating it."""
        if sheet.kind is RECEIPT_KIND:
            return
        keys = sheet.kind.keys
        deleted_at, serial_at = keys.index("deleted"), keys.index("serials") if "serials" in keys else -1
        live, dead = self.live.setdefault(sheet.kind.name, set()), self.dead.setdefault(sheet.kind.name, set())
        fetched = set()
        for row in sheet.rows:
            (dead if row[deleted_at] else live).add(row[0])
            if serial_at >= 0:
                self.items_in_package.add(row[0])
                if not row[deleted_at] and row[serial_at]:
                    for serial in list_from_stored(row[serial_at]):
                        self.serials.setdefault(serial.casefold(), row[0])
                        fetched.add(_nocase(serial))
        self._fetched |= fetched
        self._held.update(self._held_serials(fetched))
        self.package.keep_ids(sheet.kind.name, live | dead)  # kept when the rows go

    def _held_serials(self, fetched: set[str]) -> dict[str, list[tuple[str, str]]]:
        """What the serial index holds for these serials, fetched in one query instead of one per serial:
        NOCASE key -> [(item, post)] in the order the index returns them."""
        held: dict[str, list[tuple[str, str]]] = {}
        if self.db is None or not fetched:
            return held
        wanted = json.dumps(sorted(fetched))
        for serial, item_id, post in self.db.execute(
                "SELECT serial, item_id, post FROM serial_index WHERE serial IN (SELECT value FROM json_each(?))"
                " ORDER BY serial, post", [wanted]):
            held.setdefault(_nocase(serial), []).append((str(item_id), str(post)))
        return held

    def exists(self, kind: str, record_id: str) -> bool:
        if record_id in self.live.get(kind, ()):
            return True
        if record_id in self.dead.get(kind, ()):
            return False
        if self.store is None or self.db is None:
            return True
        if self.store.exists(kind, record_id):
            return True
        if _deleted_by_hq(self.db, kind, record_id):
            # HQ deleted it while the post went on using it: a conflict for a person, never a refusal
            # that would block every resend of this package.
            self.deleted_at_hq.add((kind, record_id))
            return True
        return False

    def serial_owner(self, serial: str, post: str | None = None) -> str | None:
        """(`post` is the package's own, `self.post`, for every row it carries.) A stored item of the same post that the package does not carry wins (it keeps its serials);
        else the first item in the package that lists the serial (a second one is then refused). An item
        of another post holding it does not refuse the package: the pair is noted for a review item."""
        if self.db is not None:
            key = _nocase(serial)
            rows = self._held.get(key, []) if key in self._fetched else self.db.execute(
                "SELECT item_id, post FROM serial_index WHERE serial = ? ORDER BY serial, post", [serial]).fetchall()
            for item_id, post in rows:
                if item_id in self.items_in_package:
                    continue
                if post == self.post:
                    return str(item_id)
                self.collisions[(serial, str(item_id))] = str(post)
        return self.serials.get(serial.casefold())


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _nocase(text: str) -> str:
    """SQLite's NOCASE collation folds ASCII letters only (the serial index compares so)."""
    return text.translate(_ASCII_FOLD)


def _deleted_by_hq(db: sqlite_utils.Database, kind: str, record_id: str) -> bool:
    row = db.execute(f"SELECT rev, deleted FROM {kind} WHERE id = ?", [record_id]).fetchone()
    if row is None or not row[1]:
        return False
    state = sync_state.record_state(db, kind, record_id)
    return state is None or row[0] > state.agreed_rev  # the deletion is HQ's, not the post's


_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def _is_uuid(text: Any) -> bool:
    return isinstance(text, str) and _UUID.fullmatch(text) is not None


def _field_problems_by_row(kind: r.RecordKind, rows: list[tuple[Any, ...]], ref: ReferenceData) -> dict[int, list[Problem]]:
    """Each field's own rules, a column at a time (see `column_problems`), gathered by row position and in
    field order, as `validate_record(check_system=True)` lists them; a tombstone's user fields are not checked."""
    deleted_at = kind.keys.index("deleted") if "deleted" in kind.keys else -1
    every = range(len(rows))
    live = [i for i in every if not rows[i][deleted_at]] if deleted_at >= 0 else every
    found: dict[int, list[Problem]] = {}
    for field, column in zip(kind.fields, zip(*rows, strict=True), strict=False):  # no rows: no columns
        for i, problem in column_problems(field, column, every if field.system else live, ref, field_decoder(field)):
            found.setdefault(i, []).append(problem)
    return found


def validate_package(package: Package, db: sqlite_utils.Database | None,
                     progress: Callable[[int], None] | None = None) -> None:
    """Add a problem for every rule any row breaks. `db` None: field rules and in-package checks only."""
    lookup = PackageLookup(package, db) if db is not None else None
    for sheet in package.sheets.values():
        validate_sheet(package, sheet, lookup, progress)
    if lookup is not None:
        finish_validation(package, lookup)


def validate_sheet(package: Package, sheet: SheetRows, lookup: PackageLookup | None,
                   progress: Callable[[int], None] | None = None) -> None:
    """Every rule each row of one sheet breaks, added to `package.errors`. `lookup` knows this sheet and
    every sheet before it (see `PackageLookup.add_sheet`)."""
    ref = load_reference()
    name, kind = sheet.kind.name, sheet.kind
    # A cell that could not be read is reported once, not again as "required" by the rules below.
    known = {(p.sheet, p.row, p.field) for p in package.errors if p.sheet == name}
    post = package.manifest.get("post_code")
    by_row = _field_problems_by_row(kind, sheet.rows, ref)
    is_receipt = kind is RECEIPT_KIND
    keys = kind.keys
    deleted_at = keys.index("deleted") if "deleted" in keys else -1
    origin_at, rev_at = (keys.index("origin_post"), keys.index("rev")) if not is_receipt else (-1, -1)
    across = has_record_rules(kind) and not is_receipt
    as_record = record_decoder(kind)
    seen: dict[str, int] = {}
    for position, (row, excel_row) in enumerate(zip(sheet.rows, sheet.excel_rows, strict=True)):
        rid = row[0]
        problems = by_row.get(position, [])
        if not is_receipt:
            if across and not row[deleted_at]:
                problems = problems + record_problems(kind, as_record(row), lookup=lookup, ref=ref)
            if row[origin_at] and row[origin_at] != post:
                package.problem(f"a record made at {row[origin_at]} cannot travel in a package from {post}",
                                sheet=name, row=excel_row, column="origin_post", value=row[origin_at])
            rev = row[rev_at]
            if isinstance(rev, int) and rev < 1:
                package.problem("Revision must be 1 or more", sheet=name, row=excel_row, column="rev", value=rev)
        for problem in problems:
            if (name, excel_row, problem.field) not in known:
                package.problem(problem.message, sheet=name, row=excel_row, column=problem.field, value=problem.value)
        if rid and not _is_uuid(rid):
            package.problem("is not a record id (UUID)", sheet=name, row=excel_row, column=keys[0], value=rid)
        if rid in seen:
            package.problem(f"the same id is on row {seen[rid]} too", sheet=name, row=excel_row,
                            column=keys[0], value=rid)
        elif rid:
            seen[rid] = excel_row
        if progress and len(seen) % 1000 == 0:
            progress(1000)


def finish_validation(package: Package, lookup: PackageLookup) -> None:
    """What the rows' references found at HQ: records HQ deleted that the package uses, serials another post holds."""
    package.deleted_at_hq |= lookup.deleted_at_hq
    package.serial_collisions = [(serial, lookup.serials[serial.casefold()], other, other_post)
                                 for (serial, other), other_post in sorted(lookup.collisions.items())
                                 if serial.casefold() in lookup.serials]


def validate_receipt_target(package: Package, own_post: str) -> None:
    target = package.manifest.get("for_post")
    if target != own_post:
        package.problem(f"this receipt is for post {target}, not for {own_post}", sheet="Manifest", column="for_post",
                        value=target)
