"""The program report's summary sheets, laid out from `figures.py` (the register is streamed separately
by `program_report.py`). Each sheet: a title, a line saying what it covers, tables, native charts. No Qt."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.reports import figures as fg
from ccp_desktop.reports.charts import bar_chart, pie_chart
from ccp_desktop.reports.sheets import COUNT, MONEY, SHARE, Col, SheetPlan, Table

MONEY_COLS = [Col("Activities", COUNT), Col("Budgeted (AUD)", MONEY), Col("Spent (AUD)", MONEY)]
SEX_COLS = [Col("Female", COUNT), Col("Male", COUNT), Col("Other or not stated", COUNT), Col("Total", COUNT),
            Col("Share of women", SHARE)]
SHEET_NAMES = ("Cover", "Funding", "Streams", "Places", "Status and year", "Participants by stream",
               "Participants by place", "Markers", "Equipment value")


def summary_sheets(db: sqlite_utils.Database, scope: fg.ReportScope) -> list[SheetPlan]:
    subtitle = f"{scope.describe_period()}; {scope.describe_posts().lower()}."
    totals = fg.scope_totals(db, scope)
    return [cover(db, scope, totals), funding(db, scope, subtitle), streams(db, scope, subtitle, totals),
            places(db, scope, subtitle, totals), status_and_year(db, scope, subtitle, totals),
            participants_by_stream(db, scope, subtitle), participants_by_place(db, scope, subtitle),
            markers(db, scope, subtitle, totals), equipment_value(db, scope, subtitle, totals)]


def produced_line(db: sqlite_utils.Database) -> str:
    from ccp_desktop.store.installation import require_installation

    install = require_installation(db)
    now = dt.datetime.now(dt.UTC).strftime("%d %b %Y %H:%M")
    return f"{now} UTC by {install.officer} at {install.post_code}{' (HQ)' if install.is_hq else ''}"


def _money_total(label: str, totals: fg.Totals, *blank: None) -> list[Any]:
    return [label, *blank, totals.activities, totals.budget, totals.spend]


def _sex_row(counts: fg.SexCounts, *labels: str) -> list[Any]:
    return [*labels, counts.female, counts.male, counts.other, counts.total, counts.women_share]


def cover(db: sqlite_utils.Database, scope: fg.ReportScope, totals: fg.Totals) -> SheetPlan:
    program = load_reference().program
    total_aud = fg.program_total_aud()
    plan = SheetPlan("Cover", f"{program['name']}: program report",
                     f"{program['owner']}; ${total_aud:,.0f} of Official Development Assistance, "
                     f"{program['start_year']}–{program['end_year']}.")
    plan.line("Period", scope.describe_period())
    plan.line("", "Activities are counted by the date they start, equipment by the date it was delivered.")
    plan.line("Posts", scope.describe_posts())
    plan.line("Produced", produced_line(db))
    plan.gap()
    people = totals.participants

    def share(n: int) -> float | None:
        return n / people.total if people.total else None

    plan.table([Col("In figures"), Col("Number", COUNT), Col("AUD", MONEY), Col("Share", SHARE)], [
        ["Activities", totals.activities, None, None],
        ["Budgeted", None, totals.budget, totals.budget / total_aud],
        ["Spent", None, totals.spend, totals.spend / total_aud],
        [f"Left of the ${total_aud / 1e6:,.0f} million to budget", None, round(total_aud - totals.budget, 2), None],
        [f"Left of the ${total_aud / 1e6:,.0f} million to spend", None, round(total_aud - totals.spend, 2), None],
        ["Participants", people.total, None, None],
        ["  women", people.female, None, share(people.female)],
        ["  men", people.male, None, share(people.male)],
        ["  other or not stated", people.other, None, share(people.other)],
        ["Equipment item lines", totals.item_lines, None, None],
        ["Equipment units", totals.units, None, None],
        ["Equipment value", None, totals.equipment_value, None],
    ])
    plan.gap()
    posts = fg.posts_included(db, scope)
    plan.table([Col("Post"), Col("Name"), Col("Packages imported", COUNT), Col("Last package made (UTC)"),
                Col("Last imported (UTC)"), Col("Activities", COUNT), Col("Equipment lines", COUNT),
                Col("Changes missing"), Col("Open conflicts", COUNT)],
               [[p.post, p.name, p.packages, _stamp(p.last_package_made), _stamp(p.last_imported), p.activities,
                 p.item_lines, ", ".join(f"{a}–{b}" for a, b in p.missing) or "none", p.open_conflicts] for p in posts],
               caption="Posts included")
    plan.gap()
    plan.line("Not yet in", style="caption")
    for note in _not_yet_in(db, scope, posts):
        plan.note(note)
    plan.gap()
    plan.line("How to read this report", style="caption")
    for note in (
        "Each sheet holds one subject; totals rows are the database's own sums, so every sheet agrees with the others.",
        "Money is in Australian dollars as recorded by posts: budget when planned, spend as reported.",
        "Participants are counted once per activity attended (a person at two activities counts twice).",
        "Deleted records are left out; records in an open conflict are counted in HQ's current version.",
    ):
        plan.note(note)
    return plan


def _stamp(text: str | None) -> str:
    return text[:16].replace("T", " ") if text else ""


def _not_yet_in(db: sqlite_utils.Database, scope: fg.ReportScope, posts: list[fg.PostStatus]) -> list[str]:
    notes = []
    for p in posts:
        if p.missing:
            ranges = ", ".join(f"{a}–{b}" for a, b in p.missing)
            notes.append(f"{p.post}: changes {ranges} have not arrived; ask the post to export everything HQ has not "
                         "confirmed.")
        if p.open_conflicts:
            notes.append(f"{p.post}: {p.open_conflicts} open conflicts; HQ's version is counted until they are resolved.")
    from ccp_desktop.store.installation import get_installation

    install = get_installation(db)
    at_hq = install is not None and install.is_hq  # a post's own database hears from no one
    silent = fg.posts_not_heard_from(db) if at_hq and not scope.post else []
    if silent:
        notes.append(f"No package yet from {len(silent)} posts: " + ", ".join(code for code, _ in silent) + ".")
    return notes or ["Nothing: every post heard from has sent every change, with no open conflicts."]


def funding(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str) -> SheetPlan:
    rows = fg.funding_by_tranche(db, scope)
    total_aud = fg.program_total_aud()
    plan = SheetPlan("Funding", "Funding: each tranche against what was budgeted and spent", subtitle)
    budget = fg.add_aud(r.budget for r in rows)
    spend = fg.add_aud(r.spend for r in rows)
    table = plan.table(
        [Col("Tranche"), Col("Announced as"), Col("Amount (AUD)", MONEY), Col("Budgeted (AUD)", MONEY),
         Col("Spent (AUD)", MONEY), Col("Budgeted share", SHARE), Col("Spent share", SHARE),
         Col("Left to budget (AUD)", MONEY), Col("Left to spend (AUD)", MONEY), Col("Activities", COUNT)],
        [[r.code or "(none)", r.label, r.amount, r.budget, r.spend, r.budget / r.amount if r.amount else None,
          r.spend / r.amount if r.amount else None, r.unbudgeted if r.code else None, r.unspent if r.code else None,
          r.activities] for r in rows],
        ["Total", f"The program (${total_aud / 1e6:,.0f} million)", total_aud, budget, spend, budget / total_aud,
         spend / total_aud, round(total_aud - budget, 2), round(total_aud - spend, 2), sum(r.activities for r in rows)],
        filtered=True)
    plan.chart(bar_chart("Each tranche: amount, budgeted and spent (AUD)", table, 1, [3, 4, 5], horizontal=True,
                         height=9.5), f"A{plan.row + 2}")
    return plan


def _tall(table: Table) -> float:
    """A bar chart's height (cm) that leaves room for every category's label."""
    return max(8.5, 0.55 * len(table.rows) + 3.5)


def _groups(rows: list[fg.ActivityGroup]) -> list[list[Any]]:
    return [[*g.labels, g.activities, g.budget, g.spend] for g in rows]


def streams(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str, totals: fg.Totals) -> SheetPlan:
    plan = SheetPlan("Streams", "Activities by line of effort and activity type", subtitle)
    table = plan.table([Col("Line of effort"), Col("Activity type"), *MONEY_COLS],
                       _groups(fg.activities_by(db, scope, "stream_type")), _money_total("Total", totals, None),
                       filtered=True)
    plan.chart(bar_chart("Activities by type", table, 2, [3], horizontal=True, height=10), f"G{table.header_row}")
    return plan


def places(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str, totals: fg.Totals) -> SheetPlan:
    plan = SheetPlan("Places", "Activities by country and region", subtitle)
    table = plan.table([Col("Region"), Col("Country or region"), *MONEY_COLS],
                       _groups(fg.activities_by(db, scope, "place")), _money_total("Total", totals, None), filtered=True)
    plan.chart(bar_chart("Activities by country or region", table, 2, [3], horizontal=True, height=_tall(table)),
               f"G{table.header_row}")
    return plan


def status_and_year(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str, totals: fg.Totals) -> SheetPlan:
    plan = SheetPlan("Status and year", "Activities by status and by the year they start", subtitle)
    by_status = plan.table([Col("Status"), *MONEY_COLS], _groups(fg.activities_by(db, scope, "status")),
                           _money_total("Total", totals), caption="By status")
    plan.chart(pie_chart("Activities by status", by_status, 1, 2), f"F{by_status.header_row - 1}")
    plan.gap(max(0, 23 - plan.row))  # the next table starts below the pie
    by_year = plan.table([Col("Year"), *MONEY_COLS], _groups(fg.activities_by(db, scope, "year")),
                         _money_total("Total", totals), caption="By year")
    plan.chart(bar_chart("Activities by year", by_year, 1, [2]), f"F{by_year.header_row - 1}")
    return plan


def participants_by_stream(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str) -> SheetPlan:
    plan = SheetPlan("Participants by stream", "Participants by sex, per line of effort", subtitle)
    table = plan.table([Col("Line of effort"), *SEX_COLS],
                       [_sex_row(r, r.label) for r in fg.participants_by(db, scope, "stream")],
                       _sex_row(fg.participants_total(db, scope), "Total"), filtered=True)
    plan.chart(bar_chart("Participants by sex", table, 1, [2, 3, 4], stacked=True), f"H{table.header_row}")
    return plan


def participants_by_place(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str) -> SheetPlan:
    ref = load_reference()
    plan = SheetPlan("Participants by place", "Participants by sex, per country or region", subtitle)
    table = plan.table([Col("Region"), Col("Country or region"), *SEX_COLS],
                       [_sex_row(r, ref.label("regions", ref.region_of(r.key) or ""), r.label)
                        for r in fg.participants_by(db, scope, "place")],
                       _sex_row(fg.participants_total(db, scope), "Total", ""), filtered=True)
    plan.chart(bar_chart("Participants by sex", table, 2, [3, 4, 5], horizontal=True, stacked=True, height=_tall(table)),
               f"J{table.header_row}")
    return plan


def markers(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str, totals: fg.Totals) -> SheetPlan:
    plan = SheetPlan("Markers", "Partnerships for Recovery, gender equality and the Sustainable Development Goals",
                     subtitle)
    pfr = {g.key[0]: g for g in fg.activities_by(db, scope, "pfr")}
    plan.table([Col("Partnerships for Recovery"), *MONEY_COLS],
               [[label, g.activities, g.budget, g.spend] for code, label in (("1", "Tagged"), ("0", "Not tagged"))
                if (g := pfr.get(code))], _money_total("Total", totals),
               caption="Partnerships for Recovery: the COVID-19 development response")
    plan.gap()
    gender = plan.table([Col("Gender equality marker"), *MONEY_COLS],
                        _groups(fg.activities_by(db, scope, "gender_marker")), _money_total("Total", totals),
                        caption="OECD DAC gender equality policy marker")
    plan.chart(pie_chart("Gender equality marker", gender, 1, 2), f"F{gender.header_row - 1}")
    plan.gap(max(1, gender.header_row + 17 - plan.row))
    plan.page_break()
    tagged = fg.sdg_tagged_count(db, scope)
    plan.line(f"{tagged:,} of {totals.activities:,} activities serve at least one SDG target; an activity may serve "
              "several, so the rows below are not added up.")
    sdg = plan.table([Col("SDG target"), *MONEY_COLS], _groups(fg.sdg_target_counts(db, scope)),
                     caption="Sustainable Development Goal targets")
    plan.chart(bar_chart("Activities by SDG target", sdg, 1, [2], horizontal=True, height=9),
               f"F{sdg.header_row - 1}")
    return plan


def equipment_value(db: sqlite_utils.Database, scope: fg.ReportScope, subtitle: str, totals: fg.Totals) -> SheetPlan:
    plan = SheetPlan("Equipment value", "Equipment handed over: value by country and by category", subtitle)
    cols = [Col("Item lines", COUNT), Col("Units", COUNT), Col("Value (AUD)", MONEY)]
    total = ["Total", totals.item_lines, totals.units, totals.equipment_value]
    by_country = plan.table([Col("Country or region"), *cols],
                            [[r.label, r.lines, r.units, r.value] for r in fg.equipment_value_by(db, scope, "country")],
                            total, caption="By country or region (largest value first)")
    plan.chart(bar_chart("Equipment value by country or region (AUD)", by_country, 1, [4], horizontal=True,
                         height=_tall(by_country)),
               f"F{by_country.header_row - 1}")
    plan.gap(max(1, by_country.header_row + int(_tall(by_country) / 0.5) - plan.row))  # below the chart
    plan.page_break()
    by_category = plan.table([Col("Category"), *cols],
                             [[r.label, r.lines, r.units, r.value] for r in fg.equipment_value_by(db, scope, "category")],
                             total, caption="By category")
    plan.chart(pie_chart("Equipment value by category", by_category, 1, 4), f"F{by_category.header_row - 1}")
    return plan

