"""The IATI 2.03 export: valid against the schema, every code on its IATI codelist (none withdrawn), one
activity exactly as written out by hand, and money that reconciles with the records."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ccp_desktop.errors import Cancelled, CcpError
from ccp_desktop.reports.figures import ReportScope, scope_totals
from ccp_desktop.reports.iati import write_iati
from ccp_desktop.store.records import insert_record
from tests.reports.conftest import SHARED
from tests.sync.conftest import make_site
from tests.unit import factories as f

IATI = SHARED / "iati"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# (element, attribute) -> codelist; an element of `tag` is told apart by its vocabulary.
CODED = {
    ("iati-activity", "default-currency"): "Currency", ("iati-activity", XML_LANG): "Language",
    ("reporting-org", "type"): "OrganisationType", ("participating-org", "type"): "OrganisationType",
    ("participating-org", "role"): "OrganisationRole", ("provider-org", "type"): "OrganisationType",
    ("description", "type"): "DescriptionType", ("activity-status", "code"): "ActivityStatus",
    ("activity-date", "type"): "ActivityDateType", ("recipient-country", "code"): "Country",
    ("recipient-region", "code"): "Region", ("recipient-region", "vocabulary"): "RegionVocabulary",
    ("sector", "code"): "Sector", ("sector", "vocabulary"): "SectorVocabulary",
    ("tag", "vocabulary"): "TagVocabulary", ("tag[3]", "code"): "UNSDG-Targets",
    ("policy-marker", "code"): "PolicyMarker", ("policy-marker", "vocabulary"): "PolicyMarkerVocabulary",
    ("policy-marker", "significance"): "PolicySignificance", ("default-flow-type", "code"): "FlowType",
    ("budget", "type"): "BudgetType", ("transaction-type", "code"): "TransactionType",
    ("result", "type"): "ResultType", ("indicator", "measure"): "IndicatorMeasure",
}
NOT_CODED = {  # attributes that carry dates, amounts, identifiers or free text, not codes
    ("iati-activities", "version"), ("iati-activities", "generated-datetime"), ("iati-activity", "last-updated-datetime"),
    ("iati-activity", "hierarchy"), ("reporting-org", "ref"), ("participating-org", "ref"), ("provider-org", "ref"),
    ("activity-date", "iso-date"), ("recipient-country", "percentage"), ("recipient-region", "percentage"),
    ("sector", "percentage"), ("tag[99]", "code"), ("period-start", "iso-date"), ("period-end", "iso-date"),
    ("value", "value-date"), ("transaction-date", "iso-date"), ("actual", "value"), ("dimension", "name"),
    ("dimension", "value"),
}


@cache
def codelist(name: str) -> frozenset[str]:
    """The codes of an IATI codelist that are not withdrawn."""
    tree = etree.parse(str(IATI / "codelists" / f"{name}.xml"))
    return frozenset(item.findtext("code") for item in tree.iter("codelist-item") if item.get("status") != "withdrawn")


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(IATI / "iati-activities-schema.xsd")))


@pytest.fixture
def exported(hq_db: Any, tmp_path: Path) -> etree._ElementTree:
    result = write_iati(hq_db, tmp_path / "iati" / "ccp.xml")
    assert result.activities == scope_totals(hq_db, ReportScope()).activities
    return etree.parse(str(result.path))


def test_the_file_is_valid_against_the_iati_2_03_schema(exported: etree._ElementTree) -> None:
    assert schema().validate(exported), schema().error_log


def test_every_code_is_on_its_iati_codelist(exported: etree._ElementTree) -> None:
    used: dict[tuple[str, str], set[str]] = {}
    for element in exported.iter():
        tag = element.tag if element.tag != "tag" else f"tag[{element.get('vocabulary')}]"
        for attribute, value in element.attrib.items():
            key = (tag, attribute)
            if (element.tag, attribute) in CODED and (tag, attribute) not in CODED:
                key = (element.tag, attribute)
            assert key in CODED or key in NOT_CODED, f"{key} is neither checked against a codelist nor known to be free"
            used.setdefault(key, set()).add(value)
    for key, values in used.items():
        if key in CODED:
            unknown = values - codelist(CODED[key])
            assert not unknown, f"{key}: {sorted(unknown)} not on the {CODED[key]} codelist"
    # every kind of coded element appears in the demo data, so each check above really ran
    assert set(CODED) <= set(used), sorted(set(CODED) - set(used))


def test_identifiers_begin_with_the_reporting_organisation(exported: etree._ElementTree) -> None:
    identifiers = [e.text for e in exported.iter("iati-identifier")]
    assert identifiers and all(i.startswith("AU-5-CCP-") for i in identifiers)
    assert len(set(identifiers)) == len(identifiers)
    assert {e.get("ref") for e in exported.iter("reporting-org")} == {"AU-5"}


def test_disbursements_add_up_to_the_spend_on_record(hq_db: Any, exported: etree._ElementTree) -> None:
    values = [float(t.findtext("value")) for t in exported.iter("transaction") if t.find("transaction-type").get("code") == "3"]
    assert round(sum(values), 2) == scope_totals(hq_db, ReportScope()).spend
    for activity in exported.iter("iati-activity"):  # one place, all of the activity
        places = activity.findall("recipient-country") + activity.findall("recipient-region")
        assert sum(float(p.get("percentage")) for p in places) == 100


EXPECTED = """
<iati-activity last-updated-datetime="{updated}" xml:lang="en" default-currency="AUD" hierarchy="1">
  <iati-identifier>AU-5-CCP-{id}</iati-identifier>
  <reporting-org ref="AU-5" type="10"><narrative>Department of Foreign Affairs and Trade</narrative></reporting-org>
  <title><narrative>Incident response training, Suva 2021</narrative></title>
  <description type="1"><narrative>Five-day course for the national CERT.</narrative></description>
  <description type="3"><narrative>Audiences: CERT / CSIRT staff; Government officials.</narrative></description>
  <description type="4"><narrative>CERT staff ran their first tabletop exercise.</narrative></description>
  <participating-org ref="AU-5" type="10" role="1"><narrative>Department of Foreign Affairs and Trade</narrative></participating-org>
  <participating-org role="4" type="10"><narrative>Fiji Police Force Cybercrime Unit</narrative></participating-org>
  <participating-org role="4" type="24"><narrative>Women in Cyber Network Fiji</narrative></participating-org>
  <participating-org role="1"><narrative>New Zealand Ministry of Foreign Affairs and Trade</narrative></participating-org>
  <activity-status code="3"/>
  <activity-date iso-date="2021-03-01" type="2"/>
  <activity-date iso-date="2021-03-05" type="4"/>
  <recipient-country code="FJ" percentage="100"/>
  <sector vocabulary="1" code="11430" percentage="100"/>
  <tag vocabulary="3" code="17.9"><narrative>17.9 Effective and targeted capacity-building</narrative></tag>
  <tag vocabulary="3" code="16.a"><narrative>16.a Strengthen national institutions, including through international cooperation</narrative></tag>
  <tag vocabulary="99" code="PFR"><narrative>Partnerships for Recovery: Australia's COVID-19 Development Response</narrative></tag>
  <policy-marker vocabulary="1" code="1" significance="1"/>
  <default-flow-type code="10"/>
  <budget type="1">
    <period-start iso-date="2021-03-01"/>
    <period-end iso-date="2021-03-05"/>
    <value value-date="2021-03-01">45000.00</value>
  </budget>
  <transaction>
    <transaction-type code="3"/>
    <transaction-date iso-date="2021-03-05"/>
    <value value-date="2021-03-05">43125.50</value>
    <provider-org ref="AU-5" type="10"><narrative>Department of Foreign Affairs and Trade</narrative></provider-org>
  </transaction>
  <result type="1">
    <title><narrative>People taking part</narrative></title>
    <indicator measure="1">
      <title><narrative>Participants</narrative></title>
      <period>
        <period-start iso-date="2021-03-01"/>
        <period-end iso-date="2021-03-05"/>
        <actual value="12"><dimension name="sex" value="female"/></actual>
        <actual value="9"><dimension name="sex" value="male"/></actual>
        <actual value="1"><dimension name="sex" value="other or not stated"/></actual>
      </period>
    </indicator>
  </result>
</iati-activity>
"""


def _canonical(element: etree._Element) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(etree.tostring(element), parser), method="c14n")


def test_one_activity_is_exactly_as_written_by_hand(tmp_path: Path) -> None:
    db = make_site(tmp_path, "FJ-SUVA")
    activity = insert_record(db, "activities", f.activity())
    for name, category, role in (("Fiji Police Force Cybercrime Unit", "partner_government", "lead"),
                                 ("Women in Cyber Network Fiji", "civil_society", "implementing"),
                                 ("New Zealand Ministry of Foreign Affairs and Trade", "donor", "co_funding")):
        partner = insert_record(db, "partners", f.partner(name=name, category=category,
                                                          country="NZ" if category == "donor" else "FJ"))
        insert_record(db, "activity_partners", {"activity_id": activity["id"], "partner_id": partner["id"], "role": role})
    path = write_iati(db, tmp_path / "one.xml").path
    got = etree.parse(str(path)).getroot()[0]
    expected = etree.fromstring(EXPECTED.format(id=activity["id"], updated=activity["updated_at"][:19] + "Z"))
    assert _canonical(got) == _canonical(expected)
    assert schema().validate(etree.parse(str(path))), schema().error_log


def test_planned_work_has_planned_dates_and_no_invented_budget_period(tmp_path: Path) -> None:
    db = make_site(tmp_path, "FJ-SUVA")
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    insert_record(db, "activities", f.activity(status="planned", start_date=future, end_date=None, spend_aud=None,
                                              country="RSEA", dac_code=None, gender_marker=None))
    tree = etree.parse(str(write_iati(db, tmp_path / "planned.xml").path))
    activity = tree.getroot()[0]
    assert [(d.get("type"), d.get("iso-date")) for d in activity.iter("activity-date")] == [("1", future)]
    assert activity.find("budget") is None and activity.find("transaction") is None and activity.find("result") is None
    assert activity.find("recipient-region").attrib == {"code": "789", "vocabulary": "1", "percentage": "100"}
    assert activity.find("sector").get("code") == "11430"  # the activity type's DAC code in the reference data
    assert activity.find("policy-marker") is None
    assert activity.find("activity-status").get("code") == "1"
    assert schema().validate(tree), schema().error_log


def test_a_bad_target_or_cancel_leaves_nothing(hq_db: Any, tmp_path: Path) -> None:
    with pytest.raises(CcpError, match="ending in .xml"):
        write_iati(hq_db, tmp_path / "x.xlsx")
    with pytest.raises(CcpError, match="is a folder"):
        write_iati(hq_db, tmp_path)
    (tmp_path / "stick").write_text("a file where the folder would go")
    with pytest.raises(CcpError, match="The folder .*stick cannot be created"):
        write_iati(hq_db, tmp_path / "stick" / "x.xml")
    (tmp_path / "stick").unlink()
    with pytest.raises(Cancelled):
        write_iati(hq_db, tmp_path / "x.xml", should_cancel=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hq"]
    narrow = write_iati(hq_db, tmp_path / "jakarta.xml", ReportScope(post="ID-JAKARTA"))
    assert narrow.activities == scope_totals(hq_db, ReportScope(post="ID-JAKARTA")).activities
