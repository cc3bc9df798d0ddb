"""Settling a conflict field by field: the result is a new revision, audited; every differing field needs
a choice; the old whole-version choices still work."""

from __future__ import annotations

import json

import pytest

from ccp_desktop.errors import ValidationError
from ccp_desktop.store.records import get_record, update_record
from ccp_desktop.sync.conflicts import list_conflicts, resolve_conflict
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.sync.conftest import add_sample


@pytest.fixture
def conflict(post, hq, outbox):
    sample = add_sample(post)
    import_package(hq, export_package(post, outbox).path)
    rid = sample["activity"]["id"]
    update_record(hq, "activities", rid, {"title": "HQ title", "location": "Nadi"})
    update_record(post, "activities", rid, {"title": "Post title", "participants_male": 30})
    import_package(hq, export_package(post, outbox).path)
    [found] = list_conflicts(hq)
    return found


def test_choosing_field_by_field_makes_a_new_revision_with_each_side_chosen(hq, conflict):
    rid = conflict["record_id"]
    assert {d["field"] for d in conflict["differences"]} == {"title", "location", "participants_male"}
    kept = resolve_conflict(hq, conflict["id"], "fields",
                            fields={"title": "post", "location": "hq", "participants_male": "post"})
    now = get_record(hq, "activities", rid)
    assert (now["title"], now["location"], now["participants_male"]) == ("Post title", "Nadi", 30)
    assert now["rev"] == kept["rev"] > max(conflict["hq_rev"], conflict["post_rev"])
    [settled] = list_conflicts(hq, include_resolved=True)
    assert settled["status"] == "kept-fields"
    stored = hq.execute("SELECT resolution FROM sync_conflicts WHERE id = ?", [conflict["id"]]).fetchone()[0]
    assert json.loads(stored) == {"title": "post", "location": "hq", "participants_male": "post"}
    audit = hq.execute("SELECT changes, rev FROM audit_log WHERE action = 'resolve-conflict'").fetchone()
    assert json.loads(audit[0])["fields"]["title"] == "post" and audit[1] == now["rev"]
    journal = hq.execute("SELECT rev FROM change_journal WHERE record_id = ? ORDER BY seq DESC LIMIT 1", [rid]).fetchone()
    assert journal[0] == now["rev"]  # journaled like any change


def test_every_differing_field_needs_a_choice_and_nothing_changes_until_then(hq, conflict):
    before = get_record(hq, "activities", conflict["record_id"])
    with pytest.raises(ValidationError, match="choose which version to keep for location, participants_male"):
        resolve_conflict(hq, conflict["id"], "fields", fields={"title": "post"})
    with pytest.raises(ValidationError, match="not a field on which the versions differ"):
        resolve_conflict(hq, conflict["id"], "fields", fields={"title": "post", "location": "hq",
                                                               "participants_male": "hq", "summary": "post"})
    with pytest.raises(ValidationError, match="choose post or hq"):
        resolve_conflict(hq, conflict["id"], "fields", fields={"title": "both", "location": "hq", "participants_male": "hq"})
    assert get_record(hq, "activities", conflict["record_id"]) == before
    assert list_conflicts(hq)[0]["status"] == "open"


def test_a_mix_is_new_to_the_post_so_its_next_change_is_listed_again(post, hq, outbox, conflict):
    rid = conflict["record_id"]
    resolve_conflict(hq, conflict["id"], "fields", fields={"title": "post", "location": "hq", "participants_male": "hq"})
    update_record(post, "activities", rid, {"summary": "Post's later note"})
    result = import_package(hq, export_package(post, outbox).path)
    assert result.counts["activities"]["conflicting"] == 1
    assert get_record(hq, "activities", rid)["location"] == "Nadi"  # HQ's choice is not overwritten


def test_all_fields_from_hq_is_keeping_hq(hq, conflict):
    before = get_record(hq, "activities", conflict["record_id"])
    resolve_conflict(hq, conflict["id"], "fields", fields={"title": "hq", "location": "hq", "participants_male": "hq"})
    assert get_record(hq, "activities", conflict["record_id"]) == before


def test_cli_resolve_field_by_field(hq, conflict, capsys):
    from ccp_desktop.cli import main
    from ccp_desktop.store.connection import database_path

    db = str(database_path(hq))
    code = main(["--db", db, "resolve", str(conflict["id"]), "--keep", "fields", "--field", "title=post"])
    assert code == 1 and "choose which version to keep for location" in capsys.readouterr().err
    code = main(["--db", db, "resolve", str(conflict["id"]), "--keep", "fields", "--field", "title=post",
                 "--field", "location=HQ", "--field", "participants_male=post"])
    assert code == 0 and "kept the fields chosen" in capsys.readouterr().out
    now = get_record(hq, "activities", conflict["record_id"])
    assert (now["title"], now["location"]) == ("Post title", "Nadi")
