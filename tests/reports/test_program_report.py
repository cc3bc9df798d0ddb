"""The program report: every cell against the records (summed here independently, in Python), totals that
reconcile across sheets, a small known data set with its figures written out, charts, layout, scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.errors import Cancelled, CcpError, ValidationError
from ccp_desktop.reports.figures import ReportScope
from ccp_desktop.reports.program_report import write_program_report
from ccp_desktop.reports.sheets import COUNT, MONEY, NUMBER_FORMATS, SHARE
from ccp_desktop.store.records import insert_record, iter_records
from ccp_desktop.sync.status import post_overview
from tests.reports.conftest import HQ_POST
from tests.sync.conftest import make_site
from tests.unit import factories as f

REF = load_reference()
SUMMARY_SHEETS = ["Cover", "Funding", "Streams", "Places", "Status and year", "Participants by stream",
                  "Participants by place", "Markers", "Equipment value"]


def money(values: Any) -> float:
    return float(round(sum((Decimal(str(v)) for v in values if v is not None), Decimal(0)), 2))


def table(ws: Any, first_header: str, after: int = 0) -> tuple[list[list[Any]], list[Any] | None]:
    """The rows of the table whose header starts with `first_header` (below row `after`), and its total row."""
    start = next(r for r in range(after + 1, ws.max_row + 1) if ws.cell(r, 1).value == first_header)
    width = next(c for c in range(1, ws.max_column + 2) if ws.cell(start, c).value is None) - 1
    rows, total = [], None
    for r in range(start + 1, ws.max_row + 2):
        values = [ws.cell(r, c).value for c in range(1, width + 1)]
        if values[0] == "Total":
            total = values
            break
        if all(v is None for v in values):
            break
        rows.append(values)
    return rows, total


def live_activities(db: Any) -> list[dict[str, Any]]:
    return list(iter_records(db, "activities"))


def register_items(db: Any) -> list[dict[str, Any]]:
    deliveries = {d["id"]: d for d in iter_records(db, "equipment_deliveries")}
    return [dict(i, delivery=deliveries[i["delivery_id"]]) for i in iter_records(db, "equipment_items")
            if i["delivery_id"] in deliveries]


@pytest.fixture
def report(hq_db: Any, tmp_path: Path) -> tuple[Any, Path]:
    result = write_program_report(hq_db, tmp_path / "out" / "report.xlsx")
    assert result.sheets == SUMMARY_SHEETS + ["Equipment register"]
    return openpyxl.load_workbook(result.path), result.path


def test_funding_and_activity_sheets_match_the_records_cell_by_cell(hq_db: Any, report: tuple[Any, Path]) -> None:
    book, _ = report
    acts = live_activities(hq_db)
    assert len(acts) == 60 * 3 + 22 - 10 - 3  # three posts' 60, Port Moresby's 12 that arrived; minus the lost 10, 3 deleted
    rows, total = table(book["Funding"], "Tranche")
    assert [r[0] for r in rows] == [t["code"] for t in REF.entries("tranches")]
    for row, tranche in zip(rows, REF.entries("tranches"), strict=True):
        mine = [a for a in acts if a["tranche"] == tranche["code"]]
        budget, spend, amount = money(a["budget_aud"] for a in mine), money(a["spend_aud"] for a in mine), tranche["amount_aud"]
        assert row == [tranche["code"], tranche["label"], amount, budget, spend, pytest.approx(budget / amount),
                       pytest.approx(spend / amount), round(amount - budget, 2), round(amount - spend, 2), len(mine)]
    budget, spend = money(a["budget_aud"] for a in acts), money(a["spend_aud"] for a in acts)
    assert total == ["Total", "The program ($34 million)", 34_000_000, budget, spend, pytest.approx(budget / 34e6),
                     pytest.approx(spend / 34e6), round(34e6 - budget, 2), round(34e6 - spend, 2), len(acts)]

    def grouped(key: Any) -> dict[Any, list[Any]]:
        out: dict[Any, list[Any]] = defaultdict(list)
        for a in acts:
            out[key(a)].append(a)
        return {k: [len(v), money(a["budget_aud"] for a in v), money(a["spend_aud"] for a in v)] for k, v in out.items()}

    everything = [len(acts), budget, spend]
    rows, total = table(book["Streams"], "Line of effort")
    assert {(r[0], r[1]): r[2:] for r in rows} == {
        (REF.label("streams", s), REF.label("activity_types", t)): v
        for (s, t), v in grouped(lambda a: (a["stream"], a["activity_type"])).items()}
    assert total == ["Total", None, *everything]
    rows, total = table(book["Places"], "Region")
    assert {(r[0], r[1]): r[2:] for r in rows} == {
        (REF.label("regions", REF.region_of(c)), REF.label("activity_places", c)): v
        for c, v in grouped(lambda a: a["country"]).items()}
    assert total == ["Total", None, *everything]
    sheet = book["Status and year"]
    rows, total = table(sheet, "Status")
    assert [r[0] for r in rows] == [s["label"] for s in REF.entries("activity_statuses") if any(a["status"] == s["code"] for a in acts)]
    assert {r[0]: r[1:] for r in rows} == {REF.label("activity_statuses", k): v for k, v in grouped(lambda a: a["status"]).items()}
    assert total == ["Total", *everything]
    rows, total = table(sheet, "Year")
    assert {r[0]: r[1:] for r in rows} == grouped(lambda a: a["start_date"][:4])
    assert [r[0] for r in rows] == sorted(r[0] for r in rows) and total == ["Total", *everything]


def test_participants_and_markers_match_the_records(hq_db: Any, report: tuple[Any, Path]) -> None:
    book, _ = report
    acts = live_activities(hq_db)

    def sexes(group: list[dict[str, Any]]) -> list[Any]:
        f_, m, o = (sum(a[f"participants_{k}"] or 0 for a in group) for k in ("female", "male", "other"))
        return [f_, m, o, f_ + m + o, pytest.approx(f_ / (f_ + m + o)) if f_ + m + o else None]

    rows, total = table(book["Participants by stream"], "Line of effort")
    assert {r[0]: r[1:] for r in rows} == {s["label"]: sexes([a for a in acts if a["stream"] == s["code"]])
                                           for s in REF.entries("streams")}
    assert total == ["Total", *sexes(acts)]
    rows, total = table(book["Participants by place"], "Region")
    places = {a["country"] for a in acts}
    assert {r[1]: r[2:] for r in rows} == {REF.label("activity_places", c): sexes([a for a in acts if a["country"] == c])
                                           for c in places}
    assert total == ["Total", None, *sexes(acts)]

    sheet = book["Markers"]
    rows, total = table(sheet, "Partnerships for Recovery")
    tagged = [a for a in acts if a["pfr_marker"]]
    assert rows[0] == ["Tagged", len(tagged), money(a["budget_aud"] for a in tagged), money(a["spend_aud"] for a in tagged)]
    assert rows[1][1] == len(acts) - len(tagged) and total[1] == len(acts)
    rows, _ = table(sheet, "Gender equality marker")
    assert {r[0]: r[1] for r in rows} == {REF.label("gender_markers", k): n for k, n in Counter(a["gender_marker"] for a in acts).items()}
    rows, total = table(sheet, "SDG target")
    assert total is None  # an activity may serve several targets: no misleading sum
    assert {r[0]: r[1] for r in rows} == {REF.label("sdg_targets", k): n
                                         for k, n in Counter(t for a in acts for t in a["sdg_targets"]).items()}


def test_equipment_value_and_register_match_the_records(hq_db: Any, report: tuple[Any, Path]) -> None:
    book, _ = report
    items = register_items(hq_db)
    value = money(Decimal(str(i["unit_value_aud"])) * i["quantity"] for i in items)
    units = sum(i["quantity"] for i in items)
    rows, total = table(book["Equipment value"], "Country or region")
    by_country: dict[str, list[Any]] = defaultdict(list)
    for i in items:
        by_country[REF.label("activity_places", i["delivery"]["country"])].append(i)
    assert {r[0]: r[1:] for r in rows} == {c: [len(v), sum(i["quantity"] for i in v),
                                               money(Decimal(str(i["unit_value_aud"])) * i["quantity"] for i in v)]
                                           for c, v in by_country.items()}
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)
    assert total == ["Total", len(items), units, value]
    rows, total = table(book["Equipment value"], "Category")
    assert sum(r[3] for r in rows) == pytest.approx(value) and total == ["Total", len(items), units, value]

    rows, total = table(book["Equipment register"], "Serial number")
    partners = {p["id"]: p["name"] for p in iter_records(hq_db, "partners")}
    signed = {a["delivery_id"] for a in iter_records(hq_db, "attachments") if a["signed_form"]}
    expected = []
    for i in items:
        d = i["delivery"]
        tail = [REF.label("activity_places", d["country"]), REF.label("delivery_statuses", d["status"]),
                d["handover_ref"], d["origin_post"], _when(d["delivered_on"]), _when(i["warranty_end"]),
                "yes" if d["id"] in signed else "no"]
        head = [REF.label("item_categories", i["category"]), i["description"], i["make_model"]]
        for serial in i["serials"]:
            expected.append([serial, *head, 1, i["unit_value_aud"], i["unit_value_aud"], i["asset_tag"],
                             partners[d["recipient_partner_id"]], *tail])
        if not i["serials"]:
            expected.append([None, *head, i["quantity"], i["unit_value_aud"], round(i["quantity"] * i["unit_value_aud"], 2),
                             i["asset_tag"], partners[d["recipient_partner_id"]], *tail])
    assert sorted(rows, key=repr) == sorted(expected, key=repr)
    assert total[0] == "Total" and total[4] == units and total[6] == value


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def test_cover_says_what_is_in_and_what_is_not(hq_db: Any, report: tuple[Any, Path]) -> None:
    book, _ = report
    sheet = book["Cover"]
    acts = live_activities(hq_db)
    figures, _ = table(sheet, "In figures")
    named = {r[0]: r[1:] for r in figures}
    assert named["Activities"][0] == len(acts)
    assert named["Budgeted"][1] == money(a["budget_aud"] for a in acts)
    assert named["Participants"][0] == sum((a["participants_female"] or 0) + (a["participants_male"] or 0)
                                           + (a["participants_other"] or 0) for a in acts)
    items = register_items(hq_db)
    assert named["Equipment value"][1] == money(Decimal(str(i["unit_value_aud"])) * i["quantity"] for i in items)
    assert named["Equipment item lines"][0] == len(items)
    posts, _ = table(sheet, "Post")
    overview = {p["post_code"]: p for p in post_overview(hq_db)}
    assert [r[0] for r in posts] == sorted(overview)
    for row in posts:
        p = overview[row[0]]
        assert row[2] == p["packages"] and row[3] == p["last_package_created_at"][:16].replace("T", " ")
        assert row[5] == sum(a["origin_post"] == row[0] for a in acts)
        assert row[7] == (", ".join(f"{a}–{b}" for a, b in p["missing"]) or "none")
    gap = overview["PG-PORTMORESBY"]["missing"][0]
    text = "\n".join(str(sheet.cell(r, 1).value or "") for r in range(1, sheet.max_row + 1))
    assert f"PG-PORTMORESBY: changes {gap[0]}–{gap[1]} have not arrived" in text
    assert "No package yet from 22 posts" in text and "TL-DILI" in text


def test_a_known_data_set_gives_these_figures(tmp_path: Path) -> None:
    db = make_site(tmp_path, "FJ-SUVA")
    insert_record(db, "activities", f.activity())  # T2018-PACIFIC 45,000 / 43,125.50; 12 women, 9 men, 1 other
    insert_record(db, "activities", f.activity(tranche="T2016-GRANTS", stream="NORMS", activity_type="NORMS-GOV",
                                              country="RPAC", start_date="2017-05-02", end_date=None, status="planned",
                                              participants_female=0, participants_male=0, participants_other=0,
                                              budget_aud=10_000.0, spend_aud=None, pfr_marker=0, gender_marker="2"))
    partner = insert_record(db, "partners", f.partner())
    delivery = insert_record(db, "equipment_deliveries", f.delivery(partner["id"]))
    insert_record(db, "equipment_items", f.item(delivery["id"]))  # 2 laptops x 1,850
    insert_record(db, "equipment_items", f.item(delivery["id"], category="software_licence", description="=SUM(A1:A9)",
                                                quantity=5, unit_value_aud=99.99, serials=[], asset_tag=None, warranty_end=None))
    book = openpyxl.load_workbook(write_program_report(db, tmp_path / "known.xlsx").path)
    rows, total = table(book["Funding"], "Tranche")
    assert rows[0] == ["T2016-GRANTS", "Initial grants program (2016, over four years)", 4_000_000, 10_000, 0, 0.0025, 0,
                       3_990_000, 4_000_000, 1]
    assert rows[3] == ["T2018-PACIFIC", "Pacific (November 2018)", 9_000_000, 45_000, 43_125.5, 0.005, 43_125.5 / 9e6,
                       8_955_000, 8_956_874.5, 1]
    assert total[2:5] == [34_000_000, 55_000, 43_125.5] and total[7:] == [33_945_000, 33_956_874.5, 2]
    rows, total = table(book["Participants by stream"], "Line of effort")
    assert rows[0] == ["Cyber security capability", 12, 9, 1, 22, 12 / 22]
    assert rows[1:] == [["Cybercrime prevention and response", 0, 0, 0, 0, None],
                        ["International law and norms in cyberspace", 0, 0, 0, 0, None]]
    rows, _ = table(book["Places"], "Region")
    assert rows == [["Pacific", "Fiji", 1, 45_000, 43_125.5], ["Pacific", "Pacific (regional)", 1, 10_000, 0]]
    rows, total = table(book["Equipment register"], "Serial number")
    assert [r[0] for r in rows] == ["SN-A1", "SN-A2", None]
    assert rows[2][2:7] == ["=SUM(A1:A9)", "Dell Latitude 5440", 5, 99.99, 499.95]  # text, not a formula
    assert book["Equipment register"].cell(7, 3).data_type == "s"
    assert total[4] == 7 and total[6] == 4_199.95
    rows, _ = table(book["Markers"], "Gender equality marker")
    assert rows == [["1 - Significant objective", 1, 45_000, 43_125.5], ["2 - Principal objective", 1, 10_000, 0]]
    cover = [str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value]
    assert "Nothing: every post heard from has sent every change, with no open conflicts." in cover
    assert not any("No package yet" in text for text in cover)  # a post's own report lists no silent posts


def test_summary_sheets_carry_native_charts_formats_frozen_headers_and_filters(report: tuple[Any, Path]) -> None:
    book, _ = report
    for name in SUMMARY_SHEETS[1:]:
        assert book[name]._charts, f"{name} has no chart"
        assert book[name].freeze_panes in ("A5", "A3"), name
    assert not book["Cover"]._charts
    kinds = {type(c).__name__ for name in SUMMARY_SHEETS for c in book[name]._charts}
    assert kinds == {"BarChart", "PieChart"}
    funding = book["Funding"]
    assert funding.auto_filter.ref == "A4:J9"
    assert funding["D5"].number_format == NUMBER_FORMATS[MONEY] and funding["F5"].number_format == NUMBER_FORMATS[SHARE]
    assert funding["J5"].number_format == NUMBER_FORMATS[COUNT]
    register = book["Equipment register"]
    assert register.freeze_panes == "B5" and register.auto_filter.ref.startswith("A4:P")  # P: signed form attached
    assert register["N5"].is_date and register["G5"].number_format == NUMBER_FORMATS[MONEY]
    places, _ = table(book["Places"], "Region")
    assert book["Places"].column_dimensions["B"].width >= max(len(r[1]) for r in places) + 2  # fits the longest name
    assert all(book[name].page_setup.orientation == "landscape" for name in book.sheetnames)


def test_a_period_and_a_post_narrow_every_sheet(hq_db: Any, tmp_path: Path) -> None:
    scope = ReportScope(dt.date(2019, 1, 1), dt.date(2020, 12, 31), "ID-JAKARTA")
    result = write_program_report(hq_db, tmp_path / "narrow.xlsx", scope)
    acts = [a for a in live_activities(hq_db) if a["origin_post"] == "ID-JAKARTA" and "2019" <= a["start_date"][:4] <= "2020"]
    assert result.totals.activities == len(acts) > 0
    book = openpyxl.load_workbook(result.path)
    assert table(book["Streams"], "Line of effort")[1][2] == len(acts)
    items = [i for i in register_items(hq_db) if i["delivery"]["origin_post"] == "ID-JAKARTA"
             and "2019-01-01" <= (i["delivery"]["delivered_on"] or "") <= "2020-12-31"]
    assert result.totals.item_lines == len(items)
    assert "01 Jan 2019 to 31 Dec 2020" in book["Funding"]["A2"].value
    posts, _ = table(book["Cover"], "Post")
    assert [r[0] for r in posts] == ["ID-JAKARTA"]


def test_bad_requests_are_refused_plainly_and_leave_nothing(hq_db: Any, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ends .* before it starts"):
        write_program_report(hq_db, tmp_path / "r.xlsx", ReportScope(dt.date(2020, 1, 2), dt.date(2020, 1, 1)))
    with pytest.raises(ValidationError, match="No records or packages from post XX-NOWHERE"):
        write_program_report(hq_db, tmp_path / "r.xlsx", ReportScope(post="XX-NOWHERE"))
    with pytest.raises(CcpError, match="ending in .xlsx"):
        write_program_report(hq_db, tmp_path / "r.pdf")
    with pytest.raises(CcpError, match="is a folder"):
        write_program_report(hq_db, tmp_path)
    seen: list[tuple[int, int]] = []
    with pytest.raises(Cancelled):
        write_program_report(hq_db, tmp_path / "r.xlsx", progress=lambda d, t: seen.append((d, t)),
                             should_cancel=lambda: len(seen) >= 3)
    assert list(tmp_path.iterdir()) == [tmp_path / "hq"]  # no report, no partial file


def test_hq_itself_is_not_listed_as_a_silent_post(hq_db: Any, report: tuple[Any, Path]) -> None:
    book, _ = report
    text = " ".join(str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value)
    assert HQ_POST not in text.split("No package yet from")[1]
