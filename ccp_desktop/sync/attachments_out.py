"""The bytes of a package's attachments, in companion archives beside the workbook.

Why beside and not inside: the workbook must survive being opened and saved again in Excel or LibreOffice,
which drop anything in an .xlsx they do not know; and e-mail refuses attachments over 10 MB. So the bytes
travel as `<package>.att-01.zip`, `.att-02.zip`, … each at most PART_LIMIT, each member named by its
SHA-256. The workbook's signed `attachments` sheet lists every attachment with that hash, so HQ trusts
a member only when its content hashes to a name the signed records give (`attachments_in.py`); the
archives themselves need no signature, and one lost or late archive delays only its own files.
"""

from __future__ import annotations

import glob
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain import attachments as att
from ccp_desktop.paths import fsync_dir
from ccp_desktop.store.attachments import read_blob
from ccp_desktop.store.files import partial_path, require_free_space, write_failure

PART_LIMIT = 9 * 1024 * 1024  # under the 10 MB an e-mail may carry, with room for the encoding's overhead
_MEMBER_OVERHEAD = 256  # a zip member's headers and name, generously
PART_PATTERN = ".att-*.zip"


def member_name(sha256: str, media_type: str) -> str:
    return f"{sha256}{att.EXTENSIONS.get(media_type, '')}"


def part_path(package: Path, number: int) -> Path:
    return package.with_name(f"{package.stem}.att-{number:02d}.zip")


def parts_beside(package: Path) -> list[Path]:
    """The companion archives of a package found in its folder, in order: plain (`NAME.att-01.zip`) or
    sealed for HQ like their workbook (`NAME.att-01.zip.age` beside `NAME.xlsx.age`)."""
    base = Path(package).name.removesuffix(".age").removesuffix(".xlsx")
    pattern = str(package.parent / (glob.escape(base) + PART_PATTERN))
    return sorted(Path(p) for p in {*glob.glob(pattern), *glob.glob(pattern + ".age")})


def is_part(path: Path) -> bool:
    return ".att-" in path.name and path.name.lower().endswith((".zip", ".zip.age"))


def hashes_in_selection(db: sqlite_utils.Database, selection: str, params: Sequence[Any]) -> list[tuple[str, str, int]]:
    """(sha256, media type, size) of the live attachments an export selects (`FROM attachments AS t …`),
    each content once, in hash order so that parts come out the same for the same content."""
    rows = db.execute(
        f"SELECT DISTINCT t.sha256, t.media_type, t.size_bytes {selection}{' AND' if 'WHERE' in selection else ' WHERE'}"
        " t.deleted = 0 ORDER BY t.sha256", list(params)).fetchall()
    return [(row[0], row[1], int(row[2])) for row in rows]


def plan_parts(contents: Sequence[tuple[str, str, int]], limit: int = PART_LIMIT) -> list[list[tuple[str, str, int]]]:
    """Contents grouped into parts of at most `limit` bytes, in order (a file alone is always under it)."""
    parts: list[list[tuple[str, str, int]]] = []
    used = limit + 1
    for entry in contents:
        size = entry[2] + _MEMBER_OVERHEAD
        if used + size > limit:
            parts.append([])
            used = 0
        parts[-1].append(entry)
        used += size
    return parts


def write_parts(db: sqlite_utils.Database, package: Path, contents: Sequence[tuple[str, str, int]]) -> list[Path]:
    """Write the companion archives of `package`; all or none (a failure removes those written)."""
    planned = plan_parts(contents)
    require_free_space(package.parent, sum(size for _, _, size in contents), "the package's attachments")
    written: list[Path] = []
    try:
        for number, members in enumerate(planned, start=1):
            written.append(_write_part(db, part_path(package, number), members))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if written:
        fsync_dir(package.parent)
    return written


def _write_part(db: sqlite_utils.Database, target: Path, members: Sequence[tuple[str, str, int]]) -> Path:
    partial = partial_path(target)
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            for sha, media_type, _ in members:
                data = read_blob(db, sha)
                if data is None:
                    continue  # bytes this database never had (cannot happen at a post): HQ keeps them expected
                # Photos and PDFs are compressed already; deflating them costs time and saves little.
                method = zipfile.ZIP_STORED if media_type == att.JPEG else zipfile.ZIP_DEFLATED
                archive.writestr(zipfile.ZipInfo(member_name(sha, media_type), (2000, 1, 1, 0, 0, 0)), data,
                                 compress_type=method)
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, Exception):
            raise write_failure(exc, target.parent, target.name) from exc
        raise
    return target
