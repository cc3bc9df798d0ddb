"""Validating every row of a package through the domain rules, with references resolved against both the
package's own rows and (at HQ) the database."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import sqlite_utils

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.domain.validation import validate_record
from ccp_desktop.store import sync_state
from ccp_desktop.store.records import StoreLookup
from ccp_desktop.sync.package import RECEIPT_KIND, Package, decode


class PackageLookup:
    """References as they will be after the package is applied: the package's rows win over the
    database's for the records they carry (a tombstone in the package hides the stored record)."""

    def __init__(self, package: Package, db: sqlite_utils.Database | None) -> None:
        self.db = db
        self.store = StoreLookup(db) if db is not None else None
        self.deleted_at_hq: set[tuple[str, str]] = set()  # used by the package, deleted by HQ meanwhile
        self.live: dict[str, set[str]] = {}
        self.dead: dict[str, set[str]] = {}
        self.serials: dict[str, str] = {}
        self.items_in_package: set[str] = set()
        self.post = package.manifest.get("post_code")
        self.collisions: dict[tuple[str, str], str] = {}  # (serial, other post's item) -> that post
        for name, sheet in package.sheets.items():
            if sheet.kind is RECEIPT_KIND:
                continue
            keys = sheet.kind.keys
            deleted_at, serial_at = keys.index("deleted"), keys.index("serials") if "serials" in keys else -1
            live, dead = self.live.setdefault(name, set()), self.dead.setdefault(name, set())
            for row in sheet.rows:
                (dead if row[deleted_at] else live).add(row[0])
                if serial_at >= 0:
                    self.items_in_package.add(row[0])
                    if not row[deleted_at] and row[serial_at]:
                        for serial in json.loads(row[serial_at]):
                            self.serials.setdefault(serial.casefold(), row[0])

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
            rows = self.db.execute("SELECT item_id, post FROM serial_index WHERE serial = ?", [serial]).fetchall()
            for item_id, post in rows:
                if item_id in self.items_in_package:
                    continue
                if post == self.post:
                    return str(item_id)
                self.collisions[(serial, str(item_id))] = str(post)
        return self.serials.get(serial.casefold())


def _deleted_by_hq(db: sqlite_utils.Database, kind: str, record_id: str) -> bool:
    row = db.execute(f"SELECT rev, deleted FROM {kind} WHERE id = ?", [record_id]).fetchone()
    if row is None or not row[1]:
        return False
    state = sync_state.record_state(db, kind, record_id)
    return state is None or row[0] > state.agreed_rev  # the deletion is HQ's, not the post's


_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def _is_uuid(text: Any) -> bool:
    return isinstance(text, str) and _UUID.fullmatch(text) is not None


def validate_package(package: Package, db: sqlite_utils.Database | None,
                     progress: Callable[[int], None] | None = None) -> None:
    """Add a problem for every rule any row breaks. `db` None: field rules and in-package checks only."""
    lookup = PackageLookup(package, db) if db is not None else None
    ref = load_reference()
    # A cell that could not be read is reported once, not again as "required" by the rules below.
    known = {(p.sheet, p.row, p.field) for p in package.errors}
    post = package.manifest.get("post_code")
    for name, sheet in package.sheets.items():
        kind = sheet.kind
        seen: dict[str, int] = {}
        for row, excel_row in zip(sheet.rows, sheet.excel_rows, strict=True):
            record = decode(kind, row)
            rid = record.get("id")
            if kind is RECEIPT_KIND:
                problems = validate_record(kind, record, ref=ref, check_system=True)
            else:
                problems = validate_record(kind, record, lookup=lookup, ref=ref, check_system=True)
                if record.get("origin_post") and record["origin_post"] != post:
                    package.problem(f"a record made at {record['origin_post']} cannot travel in a package from {post}",
                                    sheet=name, row=excel_row, column="origin_post", value=record["origin_post"])
                rev = record.get("rev")
                if isinstance(rev, int) and rev < 1:
                    package.problem("Revision must be 1 or more", sheet=name, row=excel_row, column="rev", value=rev)
            for problem in problems:
                if (name, excel_row, problem.field) not in known:
                    package.problem(problem.message, sheet=name, row=excel_row, column=problem.field, value=problem.value)
            if rid and not _is_uuid(rid):
                package.problem("is not a record id (UUID)", sheet=name, row=excel_row, column=kind.keys[0], value=rid)
            if rid in seen:
                package.problem(f"the same id is on row {seen[rid]} too", sheet=name, row=excel_row,
                                column=kind.keys[0], value=rid)
            elif rid:
                seen[rid] = excel_row
            if progress and len(seen) % 1000 == 0:
                progress(1000)
    if lookup is not None:
        package.deleted_at_hq |= lookup.deleted_at_hq
        package.serial_collisions = [(serial, lookup.serials[serial.casefold()], other, post)
                                     for (serial, other), post in sorted(lookup.collisions.items())
                                     if serial.casefold() in lookup.serials]


def validate_receipt_target(package: Package, own_post: str) -> None:
    target = package.manifest.get("for_post")
    if target != own_post:
        package.problem(f"this receipt is for post {target}, not for {own_post}", sheet="Manifest", column="for_post",
                        value=target)
