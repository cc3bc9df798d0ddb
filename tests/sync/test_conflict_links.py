"""Conflicts settle a record together with its dependants, so both ends hold the same links, and `check`
finds live records under deleted parents. A record HQ deleted that the post still uses is a conflict."""

from __future__ import annotations

from ccp_desktop.store.maintenance import check_database
from ccp_desktop.store.records import get_record, insert_record, tombstone_record, update_record
from ccp_desktop.sync.conflicts import list_conflicts, resolve_conflict
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.sync.conftest import add_sample, records_of
from tests.unit import factories as f


def synced(post, hq, outbox):
    sample = add_sample(post)
    assert import_package(hq, export_package(post, outbox).path).status == "applied"
    return sample


def links_of(db, activity_id):
    return {r["id"]: r["deleted"] for r in records_of(db)["activity_partners"].values() if r["activity_id"] == activity_id}


def test_post_deletes_an_activity_hq_edited_its_links_wait_with_it(post, hq, outbox):
    sample = synced(post, hq, outbox)
    activity = sample["activity"]["id"]
    tombstone_record(post, "equipment_deliveries", sample["delivery"]["id"])  # what blocks the deletion
    tombstone_record(post, "activities", activity)  # cascades to its partner links
    update_record(hq, "activities", activity, {"title": "Edited at HQ"})
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied" and result.totals()["conflicting"] == 2  # the activity and its link
    assert links_of(hq, activity) == {sample["link"]["id"]: 0}  # the link was not deleted behind the conflict
    parent = next(c for c in list_conflicts(hq) if c["table_name"] == "activities")
    resolve_conflict(hq, parent["id"], "hq")
    assert get_record(hq, "activities", activity)["deleted"] == 0
    assert links_of(hq, activity) == {sample["link"]["id"]: 0}  # kept with its activity
    assert not list_conflicts(hq)  # the held link was settled with it
    assert check_database(hq).ok


def test_keeping_the_posts_deletion_takes_the_links_with_it(post, hq, outbox):
    sample = synced(post, hq, outbox)
    activity = sample["activity"]["id"]
    tombstone_record(post, "equipment_deliveries", sample["delivery"]["id"])
    tombstone_record(post, "activities", activity)
    update_record(hq, "activities", activity, {"title": "Edited at HQ"})
    import_package(hq, export_package(post, outbox).path)
    parent = next(c for c in list_conflicts(hq) if c["table_name"] == "activities")
    resolve_conflict(hq, parent["id"], "post")
    assert get_record(hq, "activities", activity)["deleted"] == 1
    assert links_of(hq, activity) == links_of(post, activity) == {sample["link"]["id"]: 1}
    assert check_database(hq).ok


def test_hq_deletes_the_post_edits_keeping_the_posts_version_brings_the_links_back(post, hq, outbox):
    sample = synced(post, hq, outbox)
    activity = sample["activity"]["id"]
    tombstone_record(hq, "equipment_deliveries", sample["delivery"]["id"])
    tombstone_record(hq, "activities", activity)  # HQ's cascade deletes the link at HQ only
    update_record(post, "activities", activity, {"location": "Lautoka"})
    result = import_package(hq, export_package(post, outbox).path)
    assert result.totals()["conflicting"] == 1
    [conflict] = list_conflicts(hq)
    resolve_conflict(hq, conflict["id"], "post")
    held = get_record(hq, "activities", activity)
    assert held["deleted"] == 0 and held["location"] == "Lautoka"
    assert links_of(hq, activity) == links_of(post, activity) == {sample["link"]["id"]: 0}
    # and a later change of the link at the post is an ordinary update, not a conflict
    update_record(post, "activity_partners", sample["link"]["id"], {"role": "implementing"})
    later = import_package(hq, export_package(post, outbox).path)
    assert later.totals()["updated"] == 1 and later.totals()["conflicting"] == 0


def test_check_finds_a_live_record_under_a_deleted_parent(post):
    sample = add_sample(post)
    assert check_database(post).ok
    post.execute("UPDATE activities SET deleted = 1, rev = rev + 1 WHERE id = ?", [sample["activity"]["id"]])
    report = check_database(post)
    assert not report.ok
    text = " | ".join(report.problems)
    assert f"live equipment delivery {sample['delivery']['id']} refers to the deleted activity" in text
    assert f"live activity partner {sample['link']['id']} refers to the deleted activity" in text


def test_a_record_hq_deleted_then_used_by_the_post_is_a_conflict_not_a_refusal(post, hq, outbox):
    sample = synced(post, hq, outbox)
    activity = sample["activity"]["id"]
    tombstone_record(hq, "equipment_deliveries", sample["delivery"]["id"])
    tombstone_record(hq, "activities", activity)
    delivery = insert_record(post, "equipment_deliveries", f.delivery(sample["partner"]["id"], activity_id=activity,
                                                                       handover_ref="HO-NEW"))
    result = import_package(hq, export_package(post, outbox).path)
    assert result.status == "applied", result.errors
    assert get_record(hq, "equipment_deliveries", delivery["id"])["handover_ref"] == "HO-NEW"
    [conflict] = [c for c in list_conflicts(hq) if c["table_name"] == "activities"]
    assert conflict["record_id"] == activity and conflict["post_version"]["deleted"] == 0
    assert [d["field"] for d in conflict["differences"]] == ["deleted"]
    assert not check_database(hq).ok  # a live delivery under a deleted activity, until a person settles it
    resolve_conflict(hq, conflict["id"], "post")
    assert get_record(hq, "activities", activity)["deleted"] == 0
    assert links_of(hq, activity) == {sample["link"]["id"]: 0}
    assert check_database(hq).ok
