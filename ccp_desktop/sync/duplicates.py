"""Likely duplicate activities across posts, at HQ: one workshop in Suva recorded by FJ-SUVA and by the
regional post that co-funded it. Two activities of different posts are a likely pair when they have the
same country or region and activity type, start within `WINDOW_DAYS` of each other, and have similar
titles. A review item pairs them; a person merges them (HQ counts the pair once) or dismisses it.

Why this title rule is good enough: the place, type and week already narrow the candidates to a handful,
so the titles only need to tell apart two different events of one type in one country in one week. Two
posts writing up the same event use the same key words in their own order, with a place or an audience
added ("Incident response training, Suva" and "Suva: CERT incident response training"): the Dice
coefficient of their word sets (stop words left out) is then 0.6 or more, while two different events
of one type share only the generic words ("cyber", "training") and score 0.5 or less. A typo or a plural
changes a word only a little, so a word within difflib's ratio 0.8 of one in the other title counts as
shared (a ratio over whole titles would not do: "Training Suva" and "Training Vila" are 0.85 alike).
Standard library only; the pairs measured are in tests/hq/test_duplicates.py. The rule lives in
sync/title_likeness.py, with the index that spares comparing every pair of a busy week (30 posts' same-day
activities at one place), deciding each pair as the rule does.

Merging changes neither record: both posts keep theirs, their next packages import as usual, and the
pair is listed in `activity_merges` (the duplicate counted as part of the kept one), which HQ's figures
leave out (reports/figures.py). Audited; see `settle_duplicate`."""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.errors import Problem, ValidationError
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync.title_likeness import WORDS_THRESHOLD, TitleIndex, title_similarity

WINDOW_DAYS = 7
KIND = "duplicate-activity"
ACTIONS = ("merged", "different")


# The live activities of one place and type within one stretch of dates. Each place and type an import
# touches is read once, over the union of its activities' windows (not once per imported activity: a
# post's own activities of the same window would be walked again for each of them, quadratic in the
# package; nor the whole place: a small package into a big HQ would read years it does not touch).
# Through the place/type/start index: without table statistics SQLite would pick (deleted, start_date).
_CANDIDATES = (
    "SELECT id, origin_post, title, start_date, rowid FROM activities INDEXED BY activities_place_type_start"
    " WHERE country = ? AND activity_type = ? AND start_date BETWEEN ? AND ? AND deleted = 0"
    " ORDER BY start_date, rowid"
)
_OTHER_POST = (
    "SELECT 1 FROM activities INDEXED BY activities_place_type_start"
    " WHERE country = ? AND activity_type = ? AND start_date BETWEEN ? AND ? AND deleted = 0 AND origin_post <> ?"
    " LIMIT 1"
)


def _merged(windows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Overlapping date windows joined, in order (ISO dates compare as text)."""
    merged: list[tuple[str, str]] = []
    for low, high in sorted(windows):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _places(db: sqlite_utils.Database, windows: dict[tuple[str, str], list[tuple[str, str]]],
            posts_asking: dict[tuple[str, str], set[str]]) -> dict[tuple[str, str], list[Any]]:
    """(country, type) -> its rows within the windows, in (start date, rowid) order (the merged windows
    are apart and in order, so their rows follow one another). A place asked about by one post only and
    holding no other post's activity in those windows has no pair: its rows are not read (a post's first
    package, a post alone in its country)."""
    out: dict[tuple[str, str], list[Any]] = {}
    for place, wanted in windows.items():
        merged = _merged(wanted)
        asking = posts_asking[place]
        if len(asking) == 1 and not any(db.execute(_OTHER_POST, [*place, low, high, *asking]).fetchone()
                                        for low, high in merged):
            continue
        out[place] = [found for low, high in merged for found in db.execute(_CANDIDATES, [*place, low, high])]
    return out


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _pair(row: Any, other: Any, score: float) -> dict[str, Any]:
    """The pair, the earlier recorded (lower rowid) first."""
    first, second = (other, row) if other[4] < row[6] else (row, other)
    return {"record_a": first[0], "post_a": first[1], "record_b": second[0], "post_b": second[1],
            "detail": {"titles": [first[2], second[2]], "similarity": score,
                       "days_apart": abs((dt.date.fromisoformat(first[3]) - dt.date.fromisoformat(second[3])).days)}}


def likely_pairs(db: sqlite_utils.Database, activity_ids: Iterable[str] | None = None,
                 post: str | None = None) -> list[dict[str, Any]]:
    """Pairs of live activities of different posts that look like one event: each `activity_ids` one
    against every other activity (None: every activity), each pair once, the earlier recorded first.
    `post`: the post those activities are all from (an import's); while HQ holds no other post's
    activity (the first post's packages) there is no pair, and nothing is read."""
    if post is not None and db.execute("SELECT 1 FROM activities WHERE origin_post < ? OR origin_post > ? LIMIT 1",
                                       [post, post]).fetchone() is None:
        return []
    # `+deleted`: look the ids up by the primary key; without statistics SQLite would walk the (deleted,
    # start_date) index, every live activity once per chunk of ids
    where = "+deleted = 0 AND country IS NOT NULL AND activity_type IS NOT NULL AND start_date IS NOT NULL"
    if activity_ids is None:
        rows = db.execute(f"SELECT id, origin_post, title, start_date, country, activity_type, rowid FROM activities"
                          f" WHERE {where}").fetchall()
    else:
        ids = list(activity_ids)
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows += db.execute(f"SELECT id, origin_post, title, start_date, country, activity_type, rowid FROM activities"
                               f" WHERE {where} AND id IN ({', '.join('?' for _ in chunk)})", chunk).fetchall()
    windowed: list[tuple[Any, str, str]] = []
    windows: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in rows:
        try:
            low, high = _shift(row[3], -WINDOW_DAYS), _shift(row[3], WINDOW_DAYS)
        except ValueError:
            continue  # a start date validation would have refused: nothing to compare it with
        windowed.append((row, low, high))
        windows.setdefault((row[4], row[5]), []).append((low, high))
    posts_asking: dict[tuple[str, str], set[str]] = {}
    for row, _, _ in windowed:
        posts_asking.setdefault((row[4], row[5]), set()).add(row[1])
    places = _places(db, windows, posts_asking)
    # One title index a place: only the titles that can reach the threshold are compared (not every pair
    # of a busy week: 30 posts' same-day activities were 35 million comparisons).
    indexes: dict[tuple[str, str], tuple[list[str], TitleIndex]] = {}
    for place, held in places.items():  # each asked about by two posts, or holding another post's (_places)
        index = TitleIndex([found[2] for found in held], [found[1] for found in held])
        index.prepare((row[2], row[1]) for row, _, _ in windowed if (row[4], row[5]) == place)
        indexes[place] = ([found[3] for found in held], index)
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for row, low, high in windowed:
        if (row[4], row[5]) not in indexes:
            continue
        held = places[(row[4], row[5])]
        starts, index = indexes[(row[4], row[5])]
        for position in index.candidates(row[2], bisect_left(starts, low), bisect_right(starts, high)):
            other = held[position]
            if other[1] == row[1] or other[0] == row[0]:
                continue
            score = title_similarity(row[2], other[2])
            if score >= WORDS_THRESHOLD:
                pair = _pair(row, other, score)
                pairs[(pair["record_a"], pair["record_b"])] = pair
    return list(pairs.values())


def _reviewed(db: sqlite_utils.Database, pairs: list[dict[str, Any]]) -> set[frozenset[str]]:
    """The pairs raised before, whatever became of them (a dismissed pair is not raised again): read by
    the records' ids, a few hundred a query (not one query a pair: a busy morning has thousands)."""
    ids = sorted({pair[side] for pair in pairs for side in ("record_a", "record_b")})
    found: set[frozenset[str]] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for column in ("record_a", "record_b"):  # each through its index
            found.update(frozenset(row) for row in db.execute(
                f"SELECT record_a, record_b FROM review_items WHERE kind = ? AND {column} IN ({marks})", [KIND, *chunk]))
    return found


def raise_duplicate_reviews(db: sqlite_utils.Database, activity_ids: Iterable[str] | None = None,
                            package_id: str | None = None, post: str | None = None) -> list[int]:
    """One review item per likely pair not reviewed before. The caller holds the transaction (an import's,
    or `find_duplicate_activities`')."""
    ids, now = [], utc_now()
    pairs = likely_pairs(db, activity_ids, post)
    reviewed = _reviewed(db, pairs)
    for pair in pairs:
        if frozenset((pair["record_a"], pair["record_b"])) in reviewed:
            continue
        cursor = db.conn.execute(
            "INSERT INTO review_items (kind, table_name, record_a, post_a, record_b, post_b, detail, package_id, raised_at)"
            " VALUES (?, 'activities', ?, ?, ?, ?, ?, ?, ?)",
            [KIND, pair["record_a"], pair["post_a"], pair["record_b"], pair["post_b"],
             json.dumps(pair["detail"], ensure_ascii=False), package_id, now])
        ids.append(int(cursor.lastrowid or 0))
    return ids


def find_duplicate_activities(db: sqlite_utils.Database) -> list[int]:
    """On demand: every activity against every other; the review items raised (pairs not seen before)."""
    with write_transaction(db):
        return raise_duplicate_reviews(db)


def merged_into(db: sqlite_utils.Database, activity_id: str) -> str | None:
    row = db.execute("SELECT kept_id FROM activity_merges WHERE duplicate_id = ?", [activity_id]).fetchone()
    return str(row[0]) if row else None


def settle_duplicate(db: sqlite_utils.Database, item: dict[str, Any], action: str, *, note: str, keep: str) -> None:
    """In the caller's transaction: 'merged' lists the pair in `activity_merges` (`keep` 'a' or 'b' is the
    one counted; the other is counted as part of it), 'different' dismisses it (a note says why)."""
    if action not in ACTIONS:
        raise ValidationError([Problem("action", f"a likely duplicate is merged or different, not {action!r}", action)])
    if action == "different" and not note.strip():
        raise ValidationError([Problem("note", "say why these are different activities (the note is kept)", note)])
    if keep not in ("a", "b"):
        raise ValidationError([Problem("keep", "keep 'a' (the first recorded) or 'b'", keep)])
    kept, duplicate = (item["record_a"], item["record_b"]) if keep == "a" else (item["record_b"], item["record_a"])
    install = require_installation(db)
    now = utc_now()
    if action == "merged":
        for record_id in (kept, duplicate):
            if (other := merged_into(db, record_id)) is not None:
                raise ValidationError([Problem("id", f"activity {record_id} is already counted as part of {other}: "
                                                     "merge with that one instead", record_id)])
        db.execute("INSERT INTO activity_merges (duplicate_id, kept_id, review_id, merged_at, merged_by) VALUES (?, ?, ?, ?, ?)",
                   [duplicate, kept, item["id"], now, install.officer])
    db.execute("UPDATE review_items SET status = 'settled', action = ?, note = ?, settled_at = ?, settled_by = ? WHERE id = ?",
               [action, note.strip() or None, now, install.officer, item["id"]])
    changes = {"review": item["id"], "action": action, "note": note.strip(), "kept": kept, "duplicate": duplicate,
               "posts": [item["post_a"], item["post_b"]]}
    write_audit(db, install.officer, "activity-merge" if action == "merged" else "review-different", "activities",
                duplicate, changes=changes)
