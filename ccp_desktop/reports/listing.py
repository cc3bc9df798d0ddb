"""What the record lists show and how they are queried, page by page (no Qt).

Every list is one `ListSpec`: a FROM clause, its columns and its filters. Pages are read with keyset
pagination on (sort key, rowid), so the cost of a page does not grow with the size of the table or
with how far a person has scrolled; the default order (newest first) walks the rowid index.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlite_utils

from ccp_desktop.domain import records as rec
from ccp_desktop.domain.coerce import cents_to_money
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.reports.list_search import Search, few_matches, matches_clause, searches_for
from ccp_desktop.store.search import fts_query

TEXT, NUMBER, MONEY, DATE, CODE, SERIALS = "text", "number", "money", "date", "code", "serials"
POST, FLAG = "post", "flag"  # at HQ: the post a record came from; why a record is under review
FLAG_TEXT = {"serial": "⚑ Serial at two posts", "duplicate-activity": "⚑ Likely duplicate",
             "merged": "Merged: counted once"}


@dataclass(frozen=True)
class Column:
    """A list column: `sql` gives each row's value, `type` how it is shown (this module's TEXT, NUMBER, MONEY,
    DATE, CODE, SERIALS, POST or FLAG, not a record field's type). `field_column` makes one from a field."""

    key: str
    label: str
    sql: str
    type: str = TEXT
    choices: str | None = None  # reference list that turns a code into its label
    width: int = 120
    short: bool = False  # show the code's short label (a narrow column); the full one is in the tooltip


# How a list shows a record field of each type (the others show as text).
_SHOWN_AS = {rec.INT: NUMBER, rec.MONEY: MONEY, rec.DATE: DATE, rec.CODE: CODE, rec.SERIALS: SERIALS}


def field_column(kind: rec.RecordKind, key: str, width: int, *, label: str = "", alias: str = "",
                 short: bool = False) -> Column:
    """A column showing a record's own field (`alias`: the joined table it is read from): its type and
    reference list are the ones the record type gives it; `label` shortens the field's for a narrow column."""
    shown = kind.field(key)
    return Column(key, label or shown.label, f"{alias or kind.name}.{key}", _SHOWN_AS.get(shown.type, TEXT),
                  shown.choices, width, short)


@dataclass(frozen=True)
class Filter:
    """A drop-down filter: `sql` is compared to the chosen code (or, for a year, a date range)."""

    key: str
    label: str
    sql: str
    choices: str | None = None  # a reference list, or None for years
    with_code: bool = False  # show "Suva (FJ-SUVA)": a post is known by its code as much as by its city

    def options(self) -> list[tuple[str, str]]:
        if self.with_code and self.choices:
            return [(str(e["code"]), f"{e['label']} ({e['code']})") for e in load_reference().entries(self.choices)]
        if self.choices is None:
            ref = load_reference()
            last = max(int(ref.program["end_year"]), dt.date.today().year)
            return [(str(y), str(y)) for y in range(last, int(ref.program["start_year"]) - 1, -1)]
        return [(str(e["code"]), str(e["label"])) for e in load_reference().entries(self.choices)]

    def clause(self, value: str) -> tuple[str, list[Any]]:
        if self.choices is None:
            year = int(value)
            return f"{self.sql} >= ? AND {self.sql} < ?", [f"{year:04d}-01-01", f"{year + 1:04d}-01-01"]
        return f"{self.sql} = ?", [value]


@dataclass(frozen=True)
class ListSpec:
    name: str  # page name, settings key
    table: str  # the base table; its rowid orders pages
    open_kind: str  # record kind a row opens
    open_id: str  # SQL giving the id of the record a row opens
    joins: tuple[tuple[str, str], ...]  # (alias, JOIN clause), in dependency order
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...]
    # (fts table, SQL giving base-table rowids from "{rowids}", the rowids of that FTS table's matches)
    searches: tuple[tuple[str, str], ...]
    depends_on: frozenset[str]  # tables whose changes can alter what this list shows
    noun: tuple[str, str] = ("record", "records")
    # As `searches`, over trigram tables ("{name}_fts"): any part of a code, not just a word's start.
    substring_searches: tuple[tuple[str, str], ...] = ()

    def from_clause(self, used_sql: str | None = None) -> str:
        """The FROM clause; with `used_sql`, only the joins it needs (a count needs few or none)."""
        joins = [j for _, j in self.joins]
        if used_sql is not None:
            needed = [n for n, (alias, _) in enumerate(self.joins) if f"{alias}." in used_sql]
            joins = joins[: max(needed) + 1] if needed else []
        return " ".join([self.table, *joins])

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


@dataclass(frozen=True)
class ListQuery:
    text: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    sort_key: str | None = None  # None: newest first
    descending: bool = False


@dataclass(frozen=True)
class Row:
    rowid: int
    open_id: str
    sort_value: Any
    values: tuple[Any, ...]


def _where(
    db: sqlite_utils.Database, spec: ListSpec, query: ListQuery, window: tuple[int, int] | None = None,
    searches: list[Search] | None = None,
) -> tuple[str, list[Any]]:
    """WHERE clause and parameters; `window` (lowest, highest) bounds the base rowids searched;
    `searches`, when given, are `_searches` for this query, made once for several windows."""
    clauses, params = [f"{spec.table}.deleted = 0"], []
    by_post = bool(query.filters.get("post")) and any(flt.key == "post" for flt in spec.filters)
    if searches is None:
        searches = _searches(db, spec, query.text)
    for flt in spec.filters:
        value = query.filters.get(flt.key)
        if value:
            # At HQ a post and another filter: read the post's rows (its index, newest first) and test the
            # other filter on each, so the cost is bounded by one post's records. Through the other filter's
            # index SQLite would read that value's rows of every post to find this post's (all 31,000 of a
            # region's activities at 1.7 million records for a post with none: 0.2-0.7 s). With a search,
            # the matches are read and each filter tested on them: through a country's index SQLite read
            # every item delivered there to find one serial (117 ms at a million items).
            unindexed = searches or (by_post and flt.key != "post")
            sql, args = (replace(flt, sql=f"+{flt.sql}") if unindexed else flt).clause(value)
            clauses.append(sql)
            params.extend(args)
    if searches:
        sql, args = matches_clause(spec.table, searches, window)
        clauses.append(sql)
        params.extend(args)
    return " AND ".join(clauses), params


def _searches(db: sqlite_utils.Database, spec: ListSpec, text: str) -> list[Search]:
    return searches_for(db, spec.searches, spec.substring_searches, text, SEARCH_WINDOW)


def _sort(spec: ListSpec, query: ListQuery) -> tuple[str, bool]:
    """The sort expression (NULLs made comparable so keyset comparisons hold) and its direction."""
    if query.sort_key is None:
        return f"{spec.table}.rowid", True
    column = spec.columns[spec.column_index(query.sort_key)]
    empty = "-1e308" if column.type in (NUMBER, MONEY) else "''"
    return f"ifnull({column.sql}, {empty})", query.descending


SEARCH_WINDOW = 2_000  # rowids searched at first when looking for the newest matches


def fetch_page(
    db: sqlite_utils.Database, spec: ListSpec, query: ListQuery, after: Row | None = None, limit: int = 200
) -> list[Row]:
    """The next `limit` rows after `after` (None: the first page)."""
    if query.sort_key is None and spec.searches and fts_query(query.text):
        return _fetch_newest_matches(db, spec, query, after, limit)
    return _fetch(db, spec, query, after, limit)


def _fetch_newest_matches(db: sqlite_utils.Database, spec: ListSpec, query: ListQuery, after: Row | None, limit: int) -> list[Row]:
    """Newest matches first, searching windows of rowids that grow fourfold from the newest down.

    A word found in most rows then costs one small window instead of gathering every match (a
    million of them) before the first page. When the first window does not fill the page and the search
    finds fewer entries than a window holds (a serial, a rare name), the rest is read in one query:
    every further window would run each search again (a serial near the middle of a million items took
    five windows, 92 ms). Counting first would cost a common word's prefix search its whole doclist."""
    high = (after.rowid - 1) if after else int(db.execute(f"SELECT ifnull(max(rowid), 0) FROM {spec.table}").fetchone()[0])
    searches = _searches(db, spec, query.text)  # once for every window
    rows: list[Row] = []
    size = SEARCH_WINDOW
    while high >= 1 and len(rows) < limit:
        low = max(1, high - size + 1)
        rows.extend(_fetch(db, spec, query, None, limit - len(rows), window=(low, high), searches=searches))
        high, size = low - 1, size * 4
        if size == 4 * SEARCH_WINDOW and high >= 1 and len(rows) < limit and few_matches(db, searches, SEARCH_WINDOW):
            return rows + _fetch(db, spec, query, None, limit - len(rows), window=(1, high), searches=searches)  # the rest
    return rows


def _fetch(
    db: sqlite_utils.Database, spec: ListSpec, query: ListQuery, after: Row | None, limit: int,
    window: tuple[int, int] | None = None, searches: list[Search] | None = None,
) -> list[Row]:
    where, params = _where(db, spec, query, window, searches)
    sort_sql, descending = _sort(spec, query)
    op, direction = ("<", "DESC") if descending else (">", "ASC")
    if after is not None:
        if query.sort_key is None:
            where += f" AND {spec.table}.rowid {op} ?"
            params.append(after.rowid)
        else:
            where += f" AND ({sort_sql}, {spec.table}.rowid) {op} (?, ?)"
            params.extend([after.sort_value, after.rowid])
    cols = ", ".join(c.sql for c in spec.columns)
    order = f"{spec.table}.rowid {direction}" if query.sort_key is None else f"{sort_sql} {direction}, {spec.table}.rowid {direction}"
    sql = (
        f"SELECT {spec.table}.rowid, {spec.open_id}, {sort_sql}, {cols} FROM {spec.from_clause()} "
        f"WHERE {where} ORDER BY {order} LIMIT ?"
    )
    return [Row(r[0], r[1], r[2], tuple(r[3:])) for r in db.execute(sql, [*params, limit]).fetchall()]


def sorted_rowids(db: sqlite_utils.Database, spec: ListSpec, query: ListQuery) -> list[int]:
    """Every matching base-table rowid in the query's order: sorted once, then read page by page.

    Sorting on a column without an index costs a pass over the table; paying it once for the
    whole list (in the background) keeps scrolling a million sorted rows smooth."""
    where, params = _where(db, spec, query)
    sort_sql, descending = _sort(spec, query)
    direction = "DESC" if descending else "ASC"
    sql = (f"SELECT {spec.table}.rowid FROM {spec.from_clause(where + sort_sql)} WHERE {where} "
           f"ORDER BY {sort_sql} {direction}, {spec.table}.rowid {direction}")
    return [r[0] for r in db.execute(sql, params)]


def fetch_rows(db: sqlite_utils.Database, spec: ListSpec, query: ListQuery, rowids: Sequence[int]) -> list[Row]:
    """The rows with these rowids, in the order given (rows deleted since are left out)."""
    if not rowids:
        return []
    sort_sql, _ = _sort(spec, query)
    cols = ", ".join(c.sql for c in spec.columns)
    marks = ", ".join("?" for _ in rowids)
    sql = (f"SELECT {spec.table}.rowid, {spec.open_id}, {sort_sql}, {cols} FROM {spec.from_clause()} "
           f"WHERE {spec.table}.rowid IN ({marks}) AND {spec.table}.deleted = 0")
    found = {r[0]: Row(r[0], r[1], r[2], tuple(r[3:])) for r in db.execute(sql, list(rowids)).fetchall()}
    return [found[r] for r in rowids if r in found]


def count_rows(db: sqlite_utils.Database, spec: ListSpec, query: ListQuery) -> int:
    where, params = _where(db, spec, query)
    return int(db.execute(f"SELECT count(*) FROM {spec.from_clause(where)} WHERE {where}", params).fetchone()[0])


def display_value(column: Column, value: Any) -> str:
    """How a stored value reads in a list cell."""
    if value is None or value == "":
        return ""
    if column.type == MONEY:  # stored as integer cents
        return f"{(cents_to_money(value) or 0.0):,.2f}"
    if column.type == CODE and column.choices:
        ref = load_reference()
        return ref.short_label(column.choices, str(value)) if column.short else ref.label(column.choices, str(value))
    if column.type == SERIALS:
        serials = json.loads(value) if isinstance(value, str) else list(value)
        return ", ".join(serials)
    if column.type == POST:
        label = load_reference().label("posts", str(value))
        return f"{label} ({value})" if label and label != value else str(value)
    if column.type == FLAG:
        return "; ".join(FLAG_TEXT.get(kind, kind) for kind in str(value).split(","))
    return str(value)


def own_records_list(table: str, **spec: Any) -> ListSpec:
    """A list of one record table, no joins, whose rows open their own records."""
    return ListSpec(name=table, table=table, open_kind=table, open_id=f"{table}.id", joins=(), **spec)


ACTIVITIES = own_records_list(
    "activities",
    columns=(
        field_column(rec.ACTIVITIES, "title", 320),
        field_column(rec.ACTIVITIES, "stream", 110, short=True),
        field_column(rec.ACTIVITIES, "activity_type", 160, label="Type"),
        field_column(rec.ACTIVITIES, "country", 140),
        field_column(rec.ACTIVITIES, "start_date", 90, label="Start"),
        field_column(rec.ACTIVITIES, "status", 100),
        Column("participants", "Participants", "ifnull(activities.participants_female, 0) + ifnull(activities.participants_male, 0)"
               " + ifnull(activities.participants_other, 0)", NUMBER, width=90),
        field_column(rec.ACTIVITIES, "spend_aud", 110, label="Spend (AUD)"),
    ),
    filters=(
        Filter("country", "Country", "activities.country", "activity_places"),
        Filter("stream", "Line of effort", "activities.stream", "streams"),
        Filter("status", "Status", "activities.status", "activity_statuses"),
        Filter("year", "Year", "activities.start_date"),
    ),
    searches=(("activities", "{rowids}"),),
    depends_on=frozenset({"activities"}),
    noun=("activity", "activities"),
)

EQUIPMENT = ListSpec(
    name="equipment",
    table="equipment_items",
    open_kind="equipment_deliveries",
    open_id="equipment_items.delivery_id",
    joins=(
        ("d", "LEFT JOIN equipment_deliveries d ON d.id = equipment_items.delivery_id"),
        ("p", "LEFT JOIN partners p ON p.id = d.recipient_partner_id"),
    ),
    columns=(
        field_column(rec.EQUIPMENT_ITEMS, "serials", 170),
        field_column(rec.EQUIPMENT_ITEMS, "description", 200, label="Item"),
        field_column(rec.EQUIPMENT_ITEMS, "make_model", 150),
        field_column(rec.EQUIPMENT_ITEMS, "quantity", 45, label="Qty"),
        field_column(rec.EQUIPMENT_ITEMS, "unit_value_aud", 110),
        Column("recipient", "Recipient", "p.name", width=200),
        field_column(rec.EQUIPMENT_DELIVERIES, "country", 110, alias="d"),
        field_column(rec.EQUIPMENT_DELIVERIES, "status", 110, label="Delivery status", alias="d"),
        field_column(rec.EQUIPMENT_DELIVERIES, "delivered_on", 90, label="Delivered", alias="d"),
        field_column(rec.EQUIPMENT_DELIVERIES, "handover_ref", 110, label="Handover ref", alias="d"),
    ),
    filters=(
        Filter("country", "Country", "d.country", "activity_places"),
        Filter("category", "Category", "equipment_items.category", "item_categories"),
        Filter("status", "Status", "d.status", "delivery_statuses"),
        Filter("year", "Year", "d.delivered_on"),
    ),
    searches=(
        ("equipment_items", "{rowids}"),
        # An item is also found by its delivery (handover ref, who received it). Not by its recipient's
        # name: without an index on deliveries' recipient that costs a scan of every delivery.
        ("equipment_deliveries", "SELECT i.rowid FROM equipment_items i WHERE i.delivery_id IN"
                                 " (SELECT id FROM equipment_deliveries WHERE rowid IN ({rowids}))"),
    ),
    depends_on=frozenset({"equipment_items", "equipment_deliveries", "partners"}),
    noun=("item line", "item lines"),
    substring_searches=(
        ("equipment_items_codes", "{rowids}"),  # serial numbers and asset tags
        ("equipment_deliveries_codes", "SELECT i.rowid FROM equipment_items i WHERE i.delivery_id IN"
                                       " (SELECT id FROM equipment_deliveries WHERE rowid IN ({rowids}))"),
    ),
)

PARTNERS = own_records_list(
    "partners",
    columns=(
        field_column(rec.PARTNERS, "name", 320),
        field_column(rec.PARTNERS, "category", 200),
        field_column(rec.PARTNERS, "country", 150),
        field_column(rec.PARTNERS, "contact", 200),
        # Kept as links change (store migration m020): one look-up per partner shown, at any size.
        Column("activities", "Activities", "ifnull((SELECT c.activities FROM partner_activity_counts c"
               " WHERE c.partner_id = partners.id), 0)", NUMBER, width=80),
    ),
    filters=(
        Filter("country", "Country", "partners.country", "countries"),
        Filter("category", "Category", "partners.category", "partner_categories"),
    ),
    searches=(("partners", "{rowids}"),),
    depends_on=frozenset({"partners", "activity_partners"}),
    noun=("partner", "partners"),
)

def _with_evidence(spec: ListSpec, where: str) -> ListSpec:
    """A last column marking records with evidence attached: how many files, and whether one is the signed
    handover form (the attachments indexes on the columns in `where` make it a lookup per row shown)."""
    sql = (f"(SELECT CASE WHEN count(*) THEN count(*) || CASE WHEN max(a.signed_form) THEN ' · signed form' ELSE '' END"
           f" END FROM attachments a WHERE ({where}) AND a.deleted = 0)")
    return replace(spec, columns=(*spec.columns, Column("evidence", "Evidence", sql, width=120)),
                   depends_on=spec.depends_on | {"attachments"})


ACTIVITIES = _with_evidence(ACTIVITIES, "a.activity_id = activities.id")
# An item's row counts its delivery's files (the signed form) and its own (the photo of its serial plate).
EQUIPMENT = _with_evidence(EQUIPMENT, "a.delivery_id = equipment_items.delivery_id OR a.item_id = equipment_items.id")
LISTS: dict[str, ListSpec] = {s.name: s for s in (ACTIVITIES, EQUIPMENT, PARTNERS)}


def _flag_sql(table: str, merges: bool) -> str:
    """Why a row is under review (open review items naming it, either side), or that it was merged. The
    review table holds a few hundred rows at most: reading it per row shown costs nothing."""
    open_kinds = (f"(SELECT group_concat(DISTINCT r.kind) FROM review_items r WHERE r.status != 'settled'"
                  f" AND r.table_name = '{table}' AND (r.record_a = {table}.id OR r.record_b = {table}.id))")
    if not merges:
        return open_kinds
    return f"coalesce({open_kinds}, (SELECT 'merged' FROM activity_merges m WHERE m.duplicate_id = {table}.id))"


def hq_spec(spec: ListSpec) -> ListSpec:
    """The list as HQ sees it: every post's records, so a Post column and filter (the record's origin_post,
    as the post's label and code), and a Review column marking records a person must look at."""
    post_sql = f"{spec.table}.origin_post"
    post = Column("post", "Post", post_sql, POST, width=150)
    columns = [spec.columns[0], post, *spec.columns[1:]]
    flaggable = {"activities": True, "equipment_items": False}
    if spec.table in flaggable:
        columns.append(Column("review", "Review", _flag_sql(spec.table, flaggable[spec.table]), FLAG, width=160))
    return replace(spec, columns=tuple(columns),
                   filters=(*spec.filters, Filter("post", "Post", post_sql, "posts", with_code=True)),
                   depends_on=spec.depends_on | {"review_items"})


def lists_for(is_hq: bool) -> dict[str, ListSpec]:
    """The lists of a post's own app (its own records only), or HQ's consolidated ones."""
    return {name: hq_spec(spec) for name, spec in LISTS.items()} if is_hq else dict(LISTS)


def list_spec(name: str) -> ListSpec:
    return LISTS[name]


def page_names() -> Sequence[str]:
    return tuple(LISTS)
