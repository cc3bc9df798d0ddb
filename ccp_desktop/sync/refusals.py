"""Packages HQ refused, with their reasons. A refusal leaves a trace (the ledger of imports only holds
what was applied), so the posts page can say "refused: fix these rows" instead of calling the gap lost,
and the problems can be sent back to the post."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.store import refusal_log
from ccp_desktop.sync.result import ImportResult, problem_json

_COLUMNS = ("id", "package_id", "post_code", "file_name", "seq_from", "seq_to", "created_at", "refused_at",
            "refused_by", "message", "problems")


def record_refusal(db: sqlite_utils.Database, result: ImportResult, *, file_name: str, officer: str) -> int:
    """Keep a refused package's reasons, in the refusal log beside the database (HQ's database itself is
    left exactly as it was)."""
    problems = json.dumps([problem_json(p) for p in result.errors], ensure_ascii=False, default=str)
    return refusal_log.add_refusal(db, [result.package_id, result.post_code, file_name, result.seq_from, result.seq_to,
                                        result.created_at, utc_now(), officer, result.message, problems])


def list_refusals(db: sqlite_utils.Database, post_code: str | None = None) -> list[dict[str, Any]]:
    """Refusals, newest first; each with its problems (sheet, row, column, value, message)."""
    out = refusal_log.refusal_rows(db, post_code)
    for entry in out:
        entry["problems"] = json.loads(entry["problems"])
    return out


def refused_since_last_import(db: sqlite_utils.Database, post_code: str) -> list[dict[str, Any]]:
    """A post's refusals not yet made good: no copy of the package imported since, and no package
    imported after the refusal covering the same changes (the post fixed them and sent them again)."""
    out = []
    for entry in list_refusals(db, post_code):
        if entry["package_id"] and db.execute("SELECT 1 FROM sync_imports WHERE package_id = ?",
                                              [entry["package_id"]]).fetchone():
            continue
        if entry["seq_to"] and db.execute(
            "SELECT 1 FROM sync_imports WHERE post_code = ? AND kind != 'receipt' AND imported_at > ?"
            " AND seq_from <= ? AND seq_to >= ?", [post_code, entry["refused_at"], entry["seq_from"] or 1, entry["seq_to"]],
        ).fetchone():
            continue
        out.append(entry)
    return out


PROBLEM_COLUMNS = ("sheet", "row", "column", "value", "message")


def write_problems_workbook(problems: list[dict[str, Any]], path: Path, *, title: str) -> Path:
    """A refused package's problems as a workbook to send back to the post: one row a problem. Text a
    spreadsheet would run as a formula stays text. Written beside the target, then renamed into place."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ccp_desktop.sync import format as fmt

    book = Workbook()
    sheet = book.active
    sheet.title = "Problems"
    sheet.append([title])
    sheet.append([c.capitalize() for c in PROBLEM_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for problem in problems:
        sheet.append([problem.get(c) if not isinstance(problem.get(c), str) else fmt.escape_text(problem[c])
                      for c in PROBLEM_COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and fmt.is_formula_like(cell.value):
                cell.data_type, cell.quotePrefix = "s", True
    for letter, width in zip("ABCDE", (18, 8, 20, 30, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    book.save(partial)
    partial.replace(path)
    return path


MAX_NOTED_PACKAGES, MAX_NOTED_PROBLEMS = 20, 20  # a receipt's manifest cell holds at most 32,767 characters


def receipt_notes(db: sqlite_utils.Database, post_code: str) -> dict[str, Any]:
    """What the next receipt tells a post besides what arrived: packages refused (with the rows to fix)
    and conflicts settled since the last receipt for it (which version HQ kept, field by field)."""
    last = db.execute("SELECT max(created_at) FROM sync_exports WHERE kind = 'receipt' AND for_post = ?",
                      [post_code]).fetchone()[0] or ""
    refused = [{"file_name": r["file_name"], "package_id": r["package_id"], "seq_from": r["seq_from"],
                "seq_to": r["seq_to"], "refused_at": r["refused_at"], "message": r["message"][:500],
                "problems": r["problems"][:MAX_NOTED_PROBLEMS]}
               for r in refused_since_last_import(db, post_code)[:MAX_NOTED_PACKAGES]]
    rows = db.execute(
        "SELECT table_name, record_id, status, resolution, resolved_at, post_version FROM sync_conflicts"
        " WHERE post_code = ? AND status != 'open' AND resolved_at > ? ORDER BY id LIMIT ?",
        [post_code, last, MAX_NOTED_PACKAGES * 5])
    settled = []
    for table, record_id, status, resolution, resolved_at, post_version in rows:
        version = json.loads(post_version)
        settled.append({"table": table, "record_id": record_id, "kept": status.removeprefix("kept-"),
                        "fields": json.loads(resolution) if resolution else None, "resolved_at": resolved_at,
                        "title": str(version.get("title") or version.get("name") or version.get("description") or "")[:120]})
    return {"refused": refused, "settled": settled}
