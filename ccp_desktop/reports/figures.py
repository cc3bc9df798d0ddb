"""The program's figures, one query each, for the HQ program report, the IATI export and the dashboard.

Every figure takes a `ReportScope` (a period and optionally one post). Activities belong to the period in
which they start; equipment to the period in which it was delivered (undelivered equipment has no date,
so a report for a period leaves it out). Money is read in one place (`money_sum`, `aud`), so that a
change in how it is stored touches those two functions only. No Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import cents_to_money, format_bool, list_from_stored
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.errors import Problem, ValidationError
from ccp_desktop.store import sync_state

# ---- money: the one place that knows how it is stored (integer cents, so sums are exact) --------------


def money_sum(expression: str) -> str:
    """SQL for the sum of a money column (or of quantity * a money column), in the stored unit (cents):
    integers, so the sum is exact."""
    return f"coalesce(sum({expression}), 0)"


def aud(stored: Any) -> float:
    """A stored money value (integer cents) or a sum of them, as AUD."""
    return cents_to_money(stored or 0) or 0.0


def add_aud(amounts: Any) -> float:
    """A sum of amounts already in AUD, rounded to the cent (each is exact to the cent)."""
    return round(sum(amounts), 2)


# `+x.deleted`: a figure reads every live row, so SQLite should scan the table (or, for a post, use its index);
# without the + its planner (no ANALYZE statistics) reads every row through the (deleted, start_date) index, a
# random lookup per row, and drives the merges below from every live activity instead of the few merges.
COUNTED_AS_ANOTHER = ("SELECT m.duplicate_id FROM activity_merges m JOIN activities k ON k.id = m.kept_id"
                      " WHERE +k.deleted = 0")

# ---- scope -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    post: str | None = None

    def describe_period(self) -> str:
        if not self.date_from and not self.date_to:
            return "Whole program (all dates)"
        start = self.date_from.strftime("%d %b %Y") if self.date_from else "the start"
        end = self.date_to.strftime("%d %b %Y") if self.date_to else "today"
        return f"{start} to {end}"

    def describe_posts(self) -> str:
        return f"Records made at {self.post} only" if self.post else "All posts"

    def activity_where(self, alias: str = "a") -> tuple[str, list[Any]]:
        # An activity HQ merged into another post's record of the same event is counted once, as the
        # kept one (sync/duplicates.py); while the kept one is live. Posts never have merges.
        clauses, params = [f"+{alias}.deleted = 0", f"{alias}.id NOT IN ({COUNTED_AS_ANOTHER})"], []
        if self.date_from:
            clauses.append(f"{alias}.start_date >= ?")
            params.append(self.date_from.isoformat())
        if self.date_to:
            clauses.append(f"{alias}.start_date <= ?")
            params.append(self.date_to.isoformat())
        if self.post:
            clauses.append(f"{alias}.origin_post = ?")
            params.append(self.post)
        return " AND ".join(clauses), params

    def equipment_where(self) -> tuple[str, list[Any]]:
        """For `equipment_items i JOIN equipment_deliveries d`."""
        clauses, params = ["+i.deleted = 0", "+d.deleted = 0"], []
        if self.date_from:
            clauses.append("d.delivered_on >= ?")
            params.append(self.date_from.isoformat())
        if self.date_to:
            clauses.append("d.delivered_on <= ?")
            params.append(self.date_to.isoformat())
        if self.post:
            clauses.append("d.origin_post = ?")
            params.append(self.post)
        return " AND ".join(clauses), params


# ---- where a figure reads: the kept figures or the rows ---------------------------------------------
# Migration m019 keeps, per post, line of effort, status and tranche, the live activities' count, money and
# participants (`activity_figures`), and per post and country the live equipment's lines, units and value
# (`equipment_figures`): a few hundred rows, so the dashboard and the posts page take the same time at any size.
# A figure reads them when its scope has no period and it groups by columns they keep; otherwise the rows.

KEPT_ACTIVITY_COLUMNS = frozenset({"a.origin_post", "a.stream", "a.status", "a.tranche"})
KEPT_EQUIPMENT_COLUMNS = frozenset({"d.origin_post", "d.country"})
# Activities counted as another (merged duplicates) are kept in the figures and taken out here: a row of
# minus each, read from the merges (few) and not by testing every activity.
_KEPT_ACTIVITIES = (
    "(SELECT origin_post, nullif(stream, '') AS stream, nullif(status, '') AS status, nullif(tranche, '') AS tranche,"
    " activities, budget_aud, spend_aud, participants_female, participants_male, participants_other FROM activity_figures"
    " UNION ALL SELECT a.origin_post, a.stream, a.status, a.tranche, -1, -ifnull(a.budget_aud, 0), -ifnull(a.spend_aud, 0),"
    " -ifnull(a.participants_female, 0), -ifnull(a.participants_male, 0), -ifnull(a.participants_other, 0)"
    " FROM activity_merges m CROSS JOIN activities k ON k.id = m.kept_id CROSS JOIN activities a ON a.id = m.duplicate_id"
    " WHERE +k.deleted = 0 AND +a.deleted = 0) a")


@dataclass(frozen=True)
class Source:
    """`FROM … WHERE …` of a figure's query (activities as `a`; equipment items `i` of deliveries `d`), its
    parameters, and the SQL of what it counts (activities or item lines), units and value (equipment)."""

    sql: str
    params: list[Any]
    count: str
    units: str = ""
    value: str = ""


def reads_kept_figures(scope: ReportScope, grouped_by: str, kept: frozenset[str]) -> bool:
    """Whether a figure grouped by `grouped_by` (SQL columns, comma-separated) can read the kept figures."""
    columns = {c.strip() for c in grouped_by.split(",") if c.strip()}
    return scope.date_from is None and scope.date_to is None and columns <= kept


def activities_from(scope: ReportScope, grouped_by: str = "") -> Source:
    """The activities in scope, grouped by `grouped_by` (SQL columns of `a`, comma-separated) if given."""
    if reads_kept_figures(scope, grouped_by, KEPT_ACTIVITY_COLUMNS):
        return (Source(f"FROM {_KEPT_ACTIVITIES} WHERE a.origin_post = ?", [scope.post], "sum(a.activities)") if scope.post
                else Source(f"FROM {_KEPT_ACTIVITIES}", [], "sum(a.activities)"))
    where, params = scope.activity_where()
    return Source(f"FROM activities a WHERE {where}", params, "count(*)")


def equipment_from(scope: ReportScope, grouped_by: str = "") -> Source:
    """The live items of live deliveries in scope, grouped by `grouped_by` (columns of `i` or `d`) if given."""
    if reads_kept_figures(scope, grouped_by, KEPT_EQUIPMENT_COLUMNS):
        sql = "FROM equipment_figures d" + (" WHERE d.origin_post = ?" if scope.post else "")
        return Source(sql, [scope.post] if scope.post else [], "sum(d.item_lines)", "total(d.units)",
                      money_sum("d.value_aud"))
    where, params = scope.equipment_where()
    return Source(f"{_EQUIPMENT_FROM} WHERE {where}", params, "count(*)", "total(i.quantity)", _VALUE)


def check_scope(db: sqlite_utils.Database, scope: ReportScope) -> None:
    """Refuse a period that ends before it starts, or a post this database has never heard of."""
    problems = []
    if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
        problems.append(Problem("to", f"The period ends ({scope.date_to}) before it starts ({scope.date_from})",
                                scope.date_to.isoformat()))
    if scope.post and scope.post not in known_posts(db):
        known = ", ".join(known_posts(db)) or "none yet"
        problems.append(Problem("post", f"No records or packages from post {scope.post} here (posts: {known})", scope.post))
    if problems:
        raise ValidationError(problems)


def known_posts(db: sqlite_utils.Database) -> list[str]:
    """Posts whose records this database holds, or that have sent it a package."""
    rows = db.execute(
        f"{_distinct_posts('activities')} UNION {_distinct_posts('equipment_deliveries')}"
        " UNION SELECT post_code FROM sync_imports WHERE kind != 'receipt'"
    ).fetchall()
    return sorted(row[0] for row in rows if row[0] is not None)


def _distinct_posts(table: str) -> str:
    """The posts of a table's rows, one index look-up per post (its post index, in order) instead of reading
    every row: SQLite does not skip through an index for DISTINCT by itself."""
    return (f"SELECT post FROM (WITH RECURSIVE p(post) AS (SELECT min(origin_post) FROM {table} UNION ALL"
            f" SELECT (SELECT min(origin_post) FROM {table} WHERE origin_post > p.post) FROM p WHERE p.post IS NOT NULL)"
            " SELECT post FROM p)")


# ---- funding ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrancheFunding:
    code: str | None  # None: activities with no tranche recorded
    label: str
    amount: float
    budget: float
    spend: float
    activities: int

    @property
    def unbudgeted(self) -> float:
        return round(self.amount - self.budget, 2)

    @property
    def unspent(self) -> float:
        return round(self.amount - self.spend, 2)


def program_total_aud() -> float:
    return float(load_reference().program["total_aud"])


def funding_by_tranche(db: sqlite_utils.Database, scope: ReportScope) -> list[TrancheFunding]:
    """Each tranche of the seed, in order, against what its activities budget and spend; then, if any,
    the activities with no tranche recorded (amount 0)."""
    source = activities_from(scope, "a.tranche")
    sums = {
        code: (aud(budget), aud(spend), n)
        for code, budget, spend, n in db.execute(
            f"SELECT a.tranche, {money_sum('a.budget_aud')}, {money_sum('a.spend_aud')}, {source.count}"
            f" {source.sql} GROUP BY a.tranche HAVING {source.count} > 0", source.params)
    }
    rows = []
    for tranche in load_reference().entries("tranches"):
        budget, spend, n = sums.pop(tranche["code"], (0.0, 0.0, 0))
        rows.append(TrancheFunding(tranche["code"], tranche["label"], float(tranche["amount_aud"]), budget, spend, n))
    if sums:  # no tranche recorded (or a code the reference data no longer has)
        budget = add_aud(b for b, _, _ in sums.values())
        spend = add_aud(s for _, s, _ in sums.values())
        rows.append(TrancheFunding(None, "No tranche recorded", 0.0, budget, spend, sum(n for *_, n in sums.values())))
    return rows


# ---- activities ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityGroup:
    key: tuple[str, ...]
    labels: tuple[str, ...]
    activities: int
    budget: float
    spend: float


ACTIVITY_GROUPINGS = {
    # name: (SQL of the grouping key, reference lists naming each part)
    "stream_type": ("a.stream, a.activity_type", ("streams", "activity_types")),
    "stream_status": ("a.stream, a.status", ("streams", "activity_statuses")),
    "place": ("a.country", ("activity_places",)),
    "status": ("a.status", ("activity_statuses",)),
    "year": ("substr(a.start_date, 1, 4)", ()),
    "gender_marker": ("a.gender_marker", ("gender_markers",)),
    "pfr": ("a.pfr_marker", ()),
}


def _order(names: tuple[str, ...], key: tuple[str, ...]) -> tuple[int, ...]:
    ref = load_reference()
    out = []
    for name, code in zip(names, key, strict=False):
        codes = [str(e["code"]) for e in ref.entries(name)]
        out.append(codes.index(code) if code in codes else len(codes))
    return tuple(out)


def activities_by(db: sqlite_utils.Database, scope: ReportScope, grouping: str) -> list[ActivityGroup]:
    """Activity counts, budget and spend per group, in reference-list order (years in order)."""
    sql, names = ACTIVITY_GROUPINGS[grouping]
    ref = load_reference()
    source = activities_from(scope, sql)
    groups = []
    for *key, n, budget, spend in db.execute(
        f"SELECT {sql}, {source.count}, {money_sum('a.budget_aud')}, {money_sum('a.spend_aud')}"
        f" {source.sql} GROUP BY {sql} HAVING {source.count} > 0", source.params
    ):
        codes = tuple("" if k is None else str(k) for k in key)
        labels = tuple(ref.label(name, code) if code else "(not recorded)" for name, code in zip(names, codes, strict=False))
        if grouping == "place":
            labels = (ref.label("regions", ref.region_of(codes[0]) or ""), *labels)
        groups.append(ActivityGroup(codes, labels or codes, n, aud(budget), aud(spend)))
    groups.sort(key=lambda g: (_order(names, g.key), g.key) if names else g.key)
    if grouping == "place":  # by region, then in reference order within it
        regions = [e["code"] for e in ref.entries("regions")]
        groups.sort(key=lambda g: regions.index(ref.region_of(g.key[0]) or "OTHER"))
    return groups


def sdg_target_counts(db: sqlite_utils.Database, scope: ReportScope) -> list[ActivityGroup]:
    """Activities tagged with each SDG target (an activity may serve several)."""
    where, params = scope.activity_where()
    ref = load_reference()
    rows = db.execute(
        f"SELECT j.value, count(*), {money_sum('a.budget_aud')}, {money_sum('a.spend_aud')}"
        f" FROM activities a, json_each(a.sdg_targets) j WHERE {where} GROUP BY j.value", params).fetchall()
    groups = [ActivityGroup((code,), (ref.label("sdg_targets", code),), n, aud(b), aud(s)) for code, n, b, s in rows]
    return sorted(groups, key=lambda g: _order(("sdg_targets",), g.key))


def sdg_tagged_count(db: sqlite_utils.Database, scope: ReportScope) -> int:
    where, params = scope.activity_where()
    return int(db.execute(
        f"SELECT count(*) FROM activities a WHERE {where} AND json_array_length(ifnull(a.sdg_targets, '[]')) > 0",
        params).fetchone()[0])


# ---- participants ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SexCounts:
    key: str
    label: str
    female: int
    male: int
    other: int

    @property
    def total(self) -> int:
        return self.female + self.male + self.other

    @property
    def women_share(self) -> float | None:
        return self.female / self.total if self.total else None


_SEX_SUMS = "total(a.participants_female), total(a.participants_male), total(a.participants_other)"


def participants_by(db: sqlite_utils.Database, scope: ReportScope, by: str) -> list[SexCounts]:
    """Participants by sex per stream (`by="stream"`) or per country or region (`by="place"`)."""
    column, names = {"stream": ("a.stream", "streams"), "place": ("a.country", "activity_places")}[by]
    source = activities_from(scope, column)
    ref = load_reference()
    rows = [
        SexCounts(code or "", ref.label(names, code) if code else "(not recorded)", int(f), int(m), int(o))
        for code, f, m, o in db.execute(f"SELECT {column}, {_SEX_SUMS} {source.sql} GROUP BY {column}"
                                        f" HAVING {source.count} > 0", source.params)
    ]
    if by == "stream":  # every line of effort, even one with no one yet
        seen = {r.key for r in rows}
        rows += [SexCounts(s["code"], s["label"], 0, 0, 0) for s in ref.entries("streams") if s["code"] not in seen]
    return sorted(rows, key=lambda r: _order((names,), (r.key,)))


def participants_total(db: sqlite_utils.Database, scope: ReportScope) -> SexCounts:
    source = activities_from(scope)
    f, m, o = db.execute(f"SELECT {_SEX_SUMS} {source.sql}", source.params).fetchone()
    return SexCounts("", "Total", int(f), int(m), int(o))


# ---- equipment -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EquipmentValue:
    key: str
    label: str
    lines: int
    units: int
    value: float


_EQUIPMENT_FROM = "FROM equipment_items i JOIN equipment_deliveries d ON d.id = i.delivery_id"
_VALUE = money_sum("ifnull(i.quantity, 0) * i.unit_value_aud")


def equipment_value_by(db: sqlite_utils.Database, scope: ReportScope, by: str) -> list[EquipmentValue]:
    """Item lines, units and value per country (`by="country"`, largest value first) or per category
    (`by="category"`, in reference order)."""
    column, names = {"country": ("d.country", "activity_places"), "category": ("i.category", "item_categories")}[by]
    source = equipment_from(scope, column)
    ref = load_reference()
    rows = [
        EquipmentValue(code or "", ref.label(names, code) if code else "(not recorded)", n, int(units), aud(value))
        for code, n, units, value in db.execute(
            f"SELECT {column}, {source.count}, {source.units}, {source.value} {source.sql} GROUP BY {column}"
            f" HAVING {source.count} > 0", source.params)
    ]
    if by == "country":
        return sorted(rows, key=lambda r: (-r.value, r.key))
    return sorted(rows, key=lambda r: _order((names,), (r.key,)))


REGISTER_COLUMNS = (
    "serial", "category", "description", "make_model", "quantity", "unit_value", "value", "asset_tag",
    "recipient", "country", "delivery_status", "handover_ref", "post", "delivered_on", "warranty_end", "signed_form",
)


def equipment_register_rows(db: sqlite_utils.Database, scope: ReportScope) -> int:
    """How many rows `iter_equipment_register` yields: one per serial number, one per unserialised line."""
    where, params = scope.equipment_where()
    return int(db.execute(
        f"SELECT total(max(json_array_length(ifnull(i.serials, '[]')), 1)"
        f" + (ifnull(i.quantity, 0) > json_array_length(ifnull(i.serials, '[]'))"
        f"    AND json_array_length(ifnull(i.serials, '[]')) > 0)) {_EQUIPMENT_FROM} WHERE {where}", params).fetchone()[0])


def iter_equipment_register(db: sqlite_utils.Database, scope: ReportScope) -> Iterator[tuple[Any, ...]]:
    """Every item in `REGISTER_COLUMNS` order, by country, delivery date and serial: a serialised line gives
    one row per serial number (quantity 1); units without a serial number share one row."""
    where, params = scope.equipment_where()
    ref = load_reference()
    labels = {name: {str(e["code"]): str(e["label"]) for e in ref.entries(name)}
              for name in ("item_categories", "activity_places", "delivery_statuses")}
    cursor = db.conn.execute(
        "SELECT i.serials, i.category, i.description, i.make_model, i.quantity, i.unit_value_aud, i.asset_tag,"
        " p.name, d.country, d.status, d.delivered_on, d.handover_ref, i.warranty_end, d.origin_post,"
        " EXISTS (SELECT 1 FROM attachments a WHERE a.delivery_id = d.id AND a.signed_form = 1 AND a.deleted = 0)"
        f" {_EQUIPMENT_FROM} LEFT JOIN partners p ON p.id = d.recipient_partner_id WHERE {where}"
        " ORDER BY d.country, d.delivered_on, d.id, i.rowid", params)
    for (serials, category, description, make_model, quantity, unit, tag, recipient, country, status, on, ref_no, warranty,
         post, signed) in cursor:
        unit_value = aud(unit)
        common = (labels["item_categories"].get(category, category), description, make_model)
        rest = (tag, recipient, labels["activity_places"].get(country, country), labels["delivery_statuses"].get(status, status),
                ref_no, post, _date(on), _date(warranty), format_bool(signed))
        numbers = list_from_stored(serials)
        quantity = quantity or 0
        for serial in numbers:
            yield (serial, *common, 1, unit_value, unit_value, *rest)
        if not numbers or quantity > len(numbers):
            left = quantity - len(numbers)
            yield (None, *common, left, unit_value, round(left * unit_value, 2), *rest)


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# ---- totals and posts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    activities: int
    budget: float
    spend: float
    participants: SexCounts
    item_lines: int
    units: int
    equipment_value: float


def scope_totals(db: sqlite_utils.Database, scope: ReportScope) -> Totals:
    acts = activities_from(scope)
    n, budget, spend = db.execute(
        f"SELECT {acts.count}, {money_sum('a.budget_aud')}, {money_sum('a.spend_aud')} {acts.sql}", acts.params).fetchone()
    items = equipment_from(scope)
    lines, units, value = db.execute(f"SELECT {items.count}, {items.units}, {items.value} {items.sql}",
                                     items.params).fetchone()
    return Totals(int(n or 0), aud(budget), aud(spend), participants_total(db, scope), int(lines or 0), int(units),
                  aud(value))


@dataclass(frozen=True)
class PostStatus:
    post: str
    name: str
    packages: int
    last_package_made: str | None
    last_imported: str | None
    activities: int
    item_lines: int
    missing: list[tuple[int, int]]
    open_conflicts: int
    spend: float = 0.0  # its activities' actual spend (AUD)


def posts_included(db: sqlite_utils.Database, scope: ReportScope) -> list[PostStatus]:
    """Each post whose records are in scope or that has sent a package: what HQ holds from it."""
    ref = load_reference()
    source, equipment = activities_from(scope, "a.origin_post"), equipment_from(scope, "d.origin_post")
    acts, spend = {}, {}
    for post, n, spent in db.execute(f"SELECT a.origin_post, {source.count}, {money_sum('a.spend_aud')} {source.sql}"
                                     f" GROUP BY 1 HAVING {source.count} > 0", source.params):
        acts[post], spend[post] = n, aud(spent)
    items = dict(db.execute(f"SELECT d.origin_post, {equipment.count} {equipment.sql} GROUP BY 1"
                            f" HAVING {equipment.count} > 0", equipment.params).fetchall())
    conflicts = dict(db.execute("SELECT post_code, count(*) FROM sync_conflicts WHERE status = 'open' GROUP BY 1").fetchall())
    posts = set(acts) | set(items) | ({scope.post} if scope.post else set())
    if not scope.post:
        posts |= {e["post_code"] for e in sync_state.list_imports(db, kind="data")}
    out = []
    for post in sorted(posts):
        imports = sync_state.list_imports(db, post_code=post, kind="data")
        out.append(PostStatus(
            post, ref.label("posts", post), len(imports),
            max((e["created_at"] for e in imports), default=None), max((e["imported_at"] for e in imports), default=None),
            int(acts.get(post, 0)), int(items.get(post, 0)),
            sync_state.missing_ranges(sync_state.covered_ranges(db, post)), int(conflicts.get(post, 0)),
            spend.get(post, 0.0),
        ))
    return out


def posts_not_heard_from(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """Posts of the reference list with no record and no package here (headquarters itself excepted)."""
    known = set(known_posts(db))
    return [(str(p["code"]), str(p["label"])) for p in load_reference().entries("posts")
            if p["code"] not in known and p.get("country") != "AU"]
