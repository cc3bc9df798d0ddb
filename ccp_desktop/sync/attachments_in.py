"""HQ completes attachments from companion archives (see `attachments_out.py` for why they travel apart).

A member is stored only when its content hashes to its name and that hash is one a signed, imported
attachment record gives: the signature covers the evidence without the archive being signed, and nothing
else can be slipped in. Each archive is all or nothing: a truncated, damaged or tampered one is refused
by name and stores nothing; the others still complete their files. Archives may arrive after their
workbook (attachments are shown as expected meanwhile), be imported twice, or in any order.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ccp_desktop.domain import attachments as att
from ccp_desktop.errors import PackageError
from ccp_desktop.store.attachments import (
    expected_hashes,
    known_media_types,
    listed_hashes,
    store_blob,
)
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync import seal
from ccp_desktop.sync.attachments_out import PART_LIMIT, parts_beside
from ccp_desktop.sync.hq_keys import unsealing_for
from ccp_desktop.sync.result import ImportResult

_MEMBER = re.compile(r"([0-9a-f]{64})(\.jpg|\.png|\.pdf)?")
MAX_MEMBERS = 2000
# An archive is written under PART_LIMIT; one somewhat larger was made by hand or is hostile.
MAX_PART_BYTES = 2 * PART_LIMIT


@dataclass
class PartsResult:
    stored: list[str] = field(default_factory=list)  # SHA-256 of the files stored now
    already: int = 0  # members whose bytes were here before
    accepted: list[Path] = field(default_factory=list)
    refused: dict[Path, str] = field(default_factory=dict)  # archive -> why
    still_expected: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused

    def summary(self) -> str:
        return (f"Attachments: {len(self.stored)} stored, {self.already} already here, from "
                f"{', '.join(p.name for p in self.accepted)}." if self.accepted else "")

    def problems(self) -> list[str]:
        out = [f"{path.name} refused: {reason}; nothing from it was stored" for path, reason in self.refused.items()]
        if self.still_expected:
            out.append(f"{self.still_expected} attachment file(s) still expected (their archive has not been imported)")
        return out

    def report_into(self, result: ImportResult) -> None:
        """Add what the archives did to an import's result (its message and warnings)."""
        if self.summary():
            result.message = f"{result.message} {self.summary()}".strip()
        result.warnings += self.problems()


def _read_part(path: Path, listed: set[str]) -> dict[str, bytes]:
    """Every member of one archive (opened with HQ's key first if sealed), checked; raises PackageError
    saying what is wrong with it."""
    plain = seal.open_if_sealed(path)  # refuses one sealed for another recipient, or altered after sealing
    try:
        return _read_members(plain or path, listed)
    finally:
        seal.discard_opened(plain)


def _read_members(path: Path, listed: set[str]) -> dict[str, bytes]:
    try:
        if path.stat().st_size > MAX_PART_BYTES:
            raise PackageError(f"the archive is larger than any CCP Field Desk writes ({path.stat().st_size:,} bytes)")
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise PackageError(f"the archive holds {len(infos)} files; at most {MAX_MEMBERS} are accepted")
            out: dict[str, bytes] = {}
            for info in infos:
                match = _MEMBER.fullmatch(info.filename)
                if match is None:
                    raise PackageError(f"{info.filename!r} is not an attachment of a package (names are SHA-256 hashes)")
                sha = match.group(1)
                if sha not in listed:
                    raise PackageError(f"{info.filename} is not listed by any imported package: import the package "
                                       "workbook first, then its archives")
                if info.file_size > att.FILE_LIMIT:
                    raise PackageError(f"{info.filename} is larger than an attachment may be")
                with archive.open(info) as member:
                    data = member.read(att.FILE_LIMIT + 1)
                if att.sha256_of(data) != sha:
                    raise PackageError(f"{info.filename} does not match its SHA-256: the file was changed or damaged "
                                       "after export (ask the post to export again)")
                out[sha] = data
            return out
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise PackageError(f"the archive is damaged or incomplete ({exc}); copy it again from the post's e-mail "
                           "or USB stick") from None
    except OSError as exc:
        raise PackageError(f"the archive cannot be read ({exc.strerror or exc})") from None


def import_parts(db: sqlite_utils.Database, paths: Sequence[Path]) -> PartsResult:
    """Store what each archive brings, one transaction per archive; refusals are reported, not raised."""
    install = require_installation(db)
    result = PartsResult()
    for path in paths:
        path = Path(path)
        try:
            with unsealing_for(db):
                members = _read_part(path, listed_hashes(db))
        except PackageError as exc:
            result.refused[path] = str(exc).removeprefix("Refused: ")
            continue
        types = known_media_types(db, members)
        with write_transaction(db):
            stored = [sha for sha, data in members.items()
                      if store_blob(db, sha, types.get(sha) or att.sniff_media_type(data) or "", data)]
            write_audit(db, install.officer, "import-attachments",
                        changes={"archive": path.name, "stored": stored, "members": len(members)})
        result.stored += stored
        result.already += len(members) - len(stored)
        result.accepted.append(path)
    result.still_expected = len(expected_hashes(db))
    return result


def complete_beside(db: sqlite_utils.Database, package: Path, listed: int) -> PartsResult | None:
    """After a package is imported: the archives found beside it, if anything is expected; a package that
    lists attachments (`listed`) and came alone is told how many files are still expected."""
    expected = expected_hashes(db)
    if not expected:
        return None
    parts = parts_beside(Path(package))
    if parts:
        return import_parts(db, parts)
    return PartsResult(still_expected=len(expected)) if listed else None
