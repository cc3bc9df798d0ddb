"""The program's activities as one IATI 2.03 `iati-activities` file, as Australian aid publishes.

Streamed with lxml's incremental writer (100,000 activities never sit in memory at once), to a hidden
temporary file beside the target, then renamed. What the records cannot fill is left out, never made up:
partners have no IATI organisation identifier (no `ref`), organisation types only where the partner's
category and country settle them, no aid, finance or tied-status codes, no budget without an end date.
No Qt.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from lxml import etree

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.reports import figures as fg
from ccp_desktop.reports.report_file import Progress, checked_request, write_from_snapshot

REPORTING_ORG = "AU-5"  # the Department of Foreign Affairs and Trade's IATI organisation identifier
REPORTING_ORG_NAME = "Department of Foreign Affairs and Trade"
GOVERNMENT = "10"  # OrganisationType
IDENTIFIER_PREFIX = f"{REPORTING_ORG}-CCP-"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# ActivityStatus: planned -> 1 pipeline, in progress -> 2 implementation, completed -> 3 finalisation (work
# done; the records do not say whether the accounts are closed), cancelled -> 5, postponed -> 6 suspended.
STATUS = {"planned": "1", "in_progress": "2", "completed": "3", "cancelled": "5", "postponed": "6"}
ROLE = {"lead": "4", "implementing": "4", "co_funding": "1"}  # OrganisationRole: 1 funding, 4 implementing
TICK = 500
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_COLUMNS = ("id", "title", "stream", "activity_type", "country", "start_date", "end_date", "status", "audiences",
            "participants_female", "participants_male", "participants_other", "budget_aud", "spend_aud", "pfr_marker",
            "gender_marker", "sdg_targets", "dac_code", "summary", "outcomes", "updated_at")


@dataclass
class IatiResult:
    path: Path
    activities: int


def organisation_type(category: str | None, country: str | None) -> str | None:
    """The IATI OrganisationType a partner's category and country settle; None where they do not (a
    like-minded donor may be a government or a multilateral body; an NGO abroad may or may not be international)."""
    ref = load_reference()
    home = country == "AU"
    in_partner_country = bool(country and (entry := ref.entry("countries", country)) and entry.get("partner"))
    if category in ("au_government", "partner_government"):
        return GOVERNMENT
    if category == "academia":
        return "80"  # academic, training and research
    if category == "industry":
        return "71" if home else "72" if in_partner_country else "73"  # private sector in provider / recipient / third country
    if category == "civil_society":
        return "22" if home else "24" if in_partner_country else None  # national NGO / partner-country-based NGO
    return None


def write_iati(db: sqlite_utils.Database, out: Path | str, scope: fg.ReportScope | None = None, *,
               progress: Callable[[int, int], None] | None = None,
               should_cancel: Callable[[], bool] | None = None) -> IatiResult:
    """Write the IATI 2.03 file for `scope` (default: everything) to `out`; refuses and cancels as
    write_program_report does."""
    scope, target = checked_request(db, out, scope, ".xml", "the IATI file is XML")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with write_from_snapshot(db, target) as partial:
        where, params = scope.activity_where()
        total = int(db.execute(f"SELECT count(*) FROM activities a WHERE {where}", params).fetchone()[0])
        steps = Progress(total, progress, should_cancel, "IATI export cancelled; no file was written")
        partners = _partners_by_activity(db, where, params)
        done = 0
        with etree.xmlfile(str(partial), encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element("iati-activities", {"version": "2.03", "generated-datetime": _stamp(now)}):
                xf.write("\n")
                for record in _activities(db, where, params):
                    if done % TICK == 0:
                        steps.reach(done)
                    xf.write(activity_element(record, partners.get(record["id"], []), now.date()), pretty_print=True)
                    done += 1
        steps.check_cancel()
    steps.finish()
    return IatiResult(target, done)


def _activities(db: sqlite_utils.Database, where: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cursor = db.conn.execute(
        f"SELECT {', '.join('a.' + c for c in _COLUMNS)} FROM activities a WHERE {where} ORDER BY a.start_date, a.id", params)
    for row in cursor:
        yield dict(zip(_COLUMNS, row, strict=True))


def _partners_by_activity(db: sqlite_utils.Database, where: str, params: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for activity_id, name, category, country, role in db.conn.execute(
        "SELECT l.activity_id, p.name, p.category, p.country, l.role FROM activity_partners l"
        " JOIN partners p ON p.id = l.partner_id JOIN activities a ON a.id = l.activity_id"
        f" WHERE l.deleted = 0 AND p.deleted = 0 AND {where} ORDER BY l.activity_id, l.rowid", params
    ):
        out[activity_id].append((name, category, country, role))
    return out


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag, attrs or {})
    if text is not None:
        element.text = text
    return element


def _narrative(parent: etree._Element, tag: str, text: str, attrs: dict[str, str] | None = None) -> etree._Element:
    element = _sub(parent, tag, attrs)
    _sub(element, "narrative", text=_clean(text))
    return element


def _clean(text: str) -> str:
    """Text XML can carry: control characters other than tab and line breaks (and non-characters) dropped."""
    return _NOT_XML.sub("", text)


def _money(value: float) -> str:
    return f"{fg.aud(value):.2f}"


def activity_element(a: dict[str, Any], partners: list[tuple[Any, ...]], today: dt.date) -> etree._Element:
    """One activity as an `iati-activity` element, children in the order the 2.03 schema requires."""
    ref = load_reference()
    el = etree.Element("iati-activity", {"last-updated-datetime": a["updated_at"][:19] + "Z", XML_LANG: "en",
                                         "default-currency": "AUD", "hierarchy": "1"})
    _sub(el, "iati-identifier", text=IDENTIFIER_PREFIX + a["id"])
    _narrative(el, "reporting-org", REPORTING_ORG_NAME, {"ref": REPORTING_ORG, "type": GOVERNMENT})
    _narrative(el, "title", a["title"] or "")
    place = ref.label("activity_places", a["country"])
    _narrative(el, "description", a["summary"] or f"{ref.label('activity_types', a['activity_type'])} "
               f"({ref.label('streams', a['stream'])}), {place}.", {"type": "1"})
    audiences = json.loads(a["audiences"]) if a["audiences"] else []
    if audiences:
        _narrative(el, "description", "Audiences: " + "; ".join(ref.label("audiences", c) for c in audiences) + ".",
                   {"type": "3"})
    if a["outcomes"]:
        _narrative(el, "description", a["outcomes"], {"type": "4"})
    _narrative(el, "participating-org", REPORTING_ORG_NAME, {"ref": REPORTING_ORG, "type": GOVERNMENT, "role": "1"})
    for name, category, country, role in partners:
        if role not in ROLE:
            continue
        attrs = {"role": ROLE[role]}
        if (kind := organisation_type(category, country)) is not None:
            attrs["type"] = kind
        _narrative(el, "participating-org", name, attrs)
    _sub(el, "activity-status", {"code": STATUS.get(a["status"], "2")})
    _dates(el, a, today)
    region = ref.entry("regional_codes", a["country"])
    if region is not None:
        _sub(el, "recipient-region", {"code": region["dac_region"], "vocabulary": "1", "percentage": "100"})
    else:
        _sub(el, "recipient-country", {"code": a["country"], "percentage": "100"})
    sector = a["dac_code"] or ref.default_dac_code(a["activity_type"])
    if sector:
        _sub(el, "sector", {"vocabulary": "1", "code": sector, "percentage": "100"})
    for target in json.loads(a["sdg_targets"]) if a["sdg_targets"] else []:
        _narrative(el, "tag", ref.label("sdg_targets", target), {"vocabulary": "3", "code": target})
    if a["pfr_marker"]:  # the program's own marker: vocabulary 99, reporting organisation
        _narrative(el, "tag", "Partnerships for Recovery: Australia's COVID-19 Development Response",
                   {"vocabulary": "99", "code": "PFR"})
    if a["gender_marker"] in ("0", "1", "2"):
        _sub(el, "policy-marker", {"vocabulary": "1", "code": "1", "significance": a["gender_marker"]})
    _sub(el, "default-flow-type", {"code": "10"})  # ODA, as the program is funded
    if a["budget_aud"] is not None and a["end_date"]:
        budget = _sub(el, "budget", {"type": "1"})
        _sub(budget, "period-start", {"iso-date": a["start_date"]})
        _sub(budget, "period-end", {"iso-date": max(a["end_date"], a["start_date"])})
        _sub(budget, "value", {"value-date": a["start_date"]}, _money(a["budget_aud"]))
    if a["spend_aud"]:
        _disbursement(el, a, today)
    _result(el, a)
    return el


def _dates(el: etree._Element, a: dict[str, Any], today: dt.date) -> None:
    """Start and end as actual dates once they have happened by the activity's status, else planned."""
    started = a["status"] in ("in_progress", "completed")
    for date, actual, planned_type, actual_type in (
        (a["start_date"], started, "1", "2"),
        (a["end_date"], a["status"] == "completed", "3", "4"),
    ):
        if date:
            is_actual = actual and dt.date.fromisoformat(date) <= today
            _sub(el, "activity-date", {"iso-date": date, "type": actual_type if is_actual else planned_type})


def _disbursement(el: etree._Element, a: dict[str, Any], today: dt.date) -> None:
    """Spend as one disbursement, dated when the activity ended (or, before that, when the figure was last
    recorded): the records hold a total, not the payments that made it up."""
    recorded = a["updated_at"][:10]
    when = min(a["end_date"], recorded) if a["end_date"] else recorded
    when = min(when, today.isoformat())
    transaction = _sub(el, "transaction")
    _sub(transaction, "transaction-type", {"code": "3"})
    _sub(transaction, "transaction-date", {"iso-date": when})
    _sub(transaction, "value", {"value-date": when}, _money(a["spend_aud"]))
    _narrative(transaction, "provider-org", REPORTING_ORG_NAME, {"ref": REPORTING_ORG, "type": GOVERNMENT})


def _result(el: etree._Element, a: dict[str, Any]) -> None:
    """Participants as an output, disaggregated by sex, over the activity's dates."""
    counts = {"female": a["participants_female"], "male": a["participants_male"], "other": a["participants_other"]}
    if not any(counts.values()) or not a["end_date"]:
        return
    result = _sub(el, "result", {"type": "1"})
    _narrative(result, "title", "People taking part")
    indicator = _sub(result, "indicator", {"measure": "1"})
    _narrative(indicator, "title", "Participants")
    period = _sub(indicator, "period")
    _sub(period, "period-start", {"iso-date": a["start_date"]})
    _sub(period, "period-end", {"iso-date": max(a["end_date"], a["start_date"])})
    for sex, count in counts.items():
        if count is not None:
            actual = _sub(period, "actual", {"value": str(int(count))})
            _sub(actual, "dimension", {"name": "sex", "value": "other or not stated" if sex == "other" else sex})
